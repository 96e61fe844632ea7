"""Findings where security teams look: the doctor's findings, stale DR copies and failed restore
drills as AWS Security Hub findings (opt-in: SecurityHubFindings)."""
