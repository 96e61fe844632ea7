"""The scheduled doctor: check the prerequisites, raise one alert per finding (the alert ledger
publishes a finding once, however many runs see it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from backup_relay.alerts.build import for_finding
from backup_relay.alerts.ports import AlertOutbox
from backup_relay.doctor.checkup import Doctor
from backup_relay.doctor.report import DoctorReport
from backup_relay.domain.clock import Clock, utc_now


@dataclass
class DoctorAlerts:
    doctor: Doctor
    outbox: AlertOutbox
    now: Clock = field(default=utc_now)

    def __call__(self) -> DoctorReport:
        report = self.doctor()
        for finding in report.findings:
            self.outbox.send(for_finding(finding, self.now()))
        return report
