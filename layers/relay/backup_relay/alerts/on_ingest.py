"""What ingest raises: a job that ended in failure, a scan that found threats in a recovery
point, and quarantines past a threshold an hour."""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.alerts.build import for_job, for_quarantine, for_threats
from backup_relay.alerts.ports import AlertOutbox, QuarantineCounter
from backup_relay.collect.ports import IngestOutcome, IngestResult
from backup_relay.domain.routes import RoutePolicy
from backup_relay.status.threats import ChainCopies, copies_of


@dataclass
class IngestAlerts:
    outbox: AlertOutbox
    quarantines: QuarantineCounter
    routes: RoutePolicy
    region: str  # where this function runs
    quarantine_threshold: int  # per hour; 0 turns the warning off
    chains: ChainCopies | None = None  # names a scanned recovery point's copies; None: none

    def __call__(self, result: IngestResult) -> None:
        """Every delivery of a failed job raises its alert: the first may have died before it
        did. The alert ledger publishes it once."""
        if result.event is not None and result.outcome is not IngestOutcome.QUARANTINED:
            event = result.event
            alert = for_job(event, self.routes)
            if alert is None and event.found_threats and event.source_recovery_point_arn:
                copies = copies_of(self.chains, event.source_recovery_point_arn)
                alert = for_threats(event, copies)
            if alert is not None:
                self.outbox.send(alert)
        if result.quarantined is not None and self.quarantine_threshold:
            received = result.quarantined.received_at
            hour = received.strftime("%Y-%m-%dT%H")
            if self.quarantines.count(hour) == self.quarantine_threshold:
                self.outbox.send(
                    for_quarantine(
                        hour,
                        self.quarantine_threshold,
                        self.routes.central_account,
                        self.region,
                        received,
                    )
                )
