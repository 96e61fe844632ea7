"""The scheduled doctor: check the prerequisites, raise one alert per finding (the alert ledger
publishes a finding once, however many runs see it); with SecurityHubFindings, publish them to
Security Hub too (and resolve those whose cause is gone: security_findings/sources.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from backup_relay.alerts.build import for_finding
from backup_relay.alerts.ports import AlertOutbox
from backup_relay.doctor.checkup import Doctor
from backup_relay.doctor.report import DoctorReport
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.security_findings.publish import FindingsReport


@dataclass
class DoctorAlerts:
    doctor: Doctor
    outbox: AlertOutbox
    now: Clock = field(default=utc_now)
    findings: Callable[[DoctorReport], FindingsReport] | None = None  # None: Security Hub's off

    def __call__(self) -> DoctorReport:
        report = self.doctor()
        for finding in report.findings:
            self.outbox.send(for_finding(finding, self.now()))
        if self.findings is not None:
            published = self.findings(report)
            # what Security Hub refused or could not be asked, beside what the doctor could not
            report.skipped += [f"Security Hub: {p}" for p in published.errors + published.failed]
        return report
