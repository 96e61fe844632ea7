"""Job state changes as EventBridge events, delivered, lost or duplicated as the faults say.

Events go to the default bus of the account and Region where AWS emits them: a backup job's in
its vault's account and Region, a copy job's in the source account and Region where the job runs.
No AWS page says where a cross-account copy's event goes; INFERRED from AWS's own sample
(https://github.com/aws-samples/aws-blog-automate-amazon-rds-cross-account-backups), which
forwards COMPLETED copy events from the source account's bus to the central account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.events import backup_event, copy_event
from backup_relay_sandbox.backup_sim.faults import Delivery
from backup_relay_sandbox.backup_sim.model import BackupJob, CopyJob, Job
from backup_relay_sandbox.emit import emit


@dataclass(frozen=True)
class EmittedEvent:
    kind: str  # "BACKUP" or "COPY"
    job_id: str
    state: str
    account: str
    region: str
    event: dict[str, Any]


class Emitter:
    def __init__(self, context: Context) -> None:
        self._context = context
        self.emitted: list[EmittedEvent] = []  # every delivery (a duplicate appears twice)
        self.lost: list[EmittedEvent] = []

    def announce(self, job: Job) -> None:
        """Deliver the CREATED event when the clock next runs, as it was at creation."""
        kind, event = _event(job, self._context.now)
        self._context.clock.call_at(self._context.now, lambda: self._deliver(kind, job, event))

    def publish(self, job: Job) -> None:
        kind, event = _event(job, self._context.now)
        self._deliver(kind, job, event)

    def events(self, kind: str | None = None, job_id: str | None = None) -> list[dict[str, Any]]:
        return [
            e.event
            for e in self.emitted
            if (kind is None or e.kind == kind) and (job_id is None or e.job_id == job_id)
        ]

    def _deliver(self, kind: str, job: Job, event: dict[str, Any]) -> None:
        state = event["detail"]["state"]
        record = EmittedEvent(kind, job.job_id, state, event["account"], event["region"], event)
        delivery = self._context.faults.delivery(job.job_id, state)
        if delivery is Delivery.LOSE:
            self.lost.append(record)
            return
        for _ in range(2 if delivery is Delivery.DUPLICATE else 1):
            emit(event, account=record.account, region=record.region)
            self.emitted.append(record)


def _event(job: Job, now: datetime) -> tuple[str, dict[str, Any]]:
    if isinstance(job, BackupJob):
        return "BACKUP", backup_event(job, now)
    assert isinstance(job, CopyJob)
    return "COPY", copy_event(job, now)
