"""Collect: normalize AWS Backup job events, record them once, quarantine what is malformed."""
