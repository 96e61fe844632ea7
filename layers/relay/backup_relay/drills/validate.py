"""The validation function's use case: a drill's restore job ended; check what it restored,
report with PutRestoreValidationResult, keep a proven restore, alert a failed drill."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backup_relay.alerts.drills import for_failed_drill
from backup_relay.alerts.ports import AlertOutbox
from backup_relay.collect.normalize import normalize
from backup_relay.domain.drills import ProvenRestore, ValidationStatus, Verdict, judge
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.domain.security_findings import failed_drill
from backup_relay.drills.ports import Databases, ProvenRestores, ValidationResults
from backup_relay.security_findings.sources import DrillFindings


@dataclass
class ValidateDrill:
    databases: Databases
    results: ValidationResults
    proven: ProvenRestores
    outbox: AlertOutbox
    #: SecurityHubFindings: a failed drill is a finding too, resolved by the resource's next
    #: passing drill (None: the option is off)
    findings: DrillFindings | None = None

    def on_event(self, payload: Mapping[str, Any]) -> Verdict | None:
        """The EventBridge event as the rule delivers it (AWS's own)."""
        return self(normalize(payload))

    def __call__(self, event: JobEvent) -> Verdict | None:
        """None for anything but a drill's COMPLETED or FAILED restore job. A FAILED one alerts
        (AWS gives nothing to validate); a COMPLETED one is validated, reported, and kept when
        proven or alerted when not. Every delivery acts the same: the validation result is a
        PUT, the ledger keeps the newest proof, the alert ledger publishes an alert once."""
        if event.kind is not JobKind.RESTORE or not event.restore_testing_plan_arn:
            return None
        if event.state is JobState.FAILED:
            self._failed(event, event.status_message or "restore FAILED")
            return None
        if event.state is not JobState.COMPLETED or not event.job_id:
            return None
        created = event.created_resource_arn
        restored = self.databases.restored(created) if created else None
        point = event.source_recovery_point_arn
        source = self.databases.snapshot(point) if point else None
        verdict = judge(created, restored, source)
        self.results.put(event.job_id, verdict)
        if verdict.status is ValidationStatus.SUCCESSFUL and event.resource_arn and point:
            self.proven.record(
                ProvenRestore(
                    resource_arn=event.resource_arn,
                    resource_type=event.resource_type,
                    proven_at=event.time,
                    recovery_point_arn=point,
                    restore_testing_plan_arn=event.restore_testing_plan_arn,
                    restore_job_id=event.job_id,
                    created_resource_arn=created,
                )
            )
            if self.findings is not None:
                self.findings(failed=[], passed=[event.resource_arn])
        elif verdict.status is ValidationStatus.FAILED:
            self._failed(event, f"validation FAILED: {verdict.message}")
        return verdict

    def _failed(self, event: JobEvent, message: str) -> None:
        alert = for_failed_drill(event, message)
        self.outbox.send(alert)
        if self.findings is None or not event.resource_arn:
            return
        cause = failed_drill(
            account=event.account, region=event.region, resource_arn=event.resource_arn,
            resource_type=event.resource_type or "", restore_job_id=event.job_id or "",
            recovery_point_arn=event.source_recovery_point_arn or "", reason=message,
            fix=alert.diagnosis.remediation, docs=alert.diagnosis.docs or None,
        )  # fmt: skip
        self.findings(failed=[cause], passed=[])
