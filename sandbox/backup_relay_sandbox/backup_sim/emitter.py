"""Job state changes as EventBridge events, delivered, lost, duplicated, delayed, batched or
reordered as the faults say. An event's `time` is always when the state changed; only its
delivery moves.

Events go to the default bus of the account and Region where AWS emits them: a backup job's in
its vault's account and Region, a copy job's in the source account and Region where the job runs.
No AWS page says where a cross-account copy's event goes; INFERRED from AWS's own sample
(https://github.com/aws-samples/aws-blog-automate-amazon-rds-cross-account-backups), which
forwards COMPLETED copy events from the source account's bus to the central account's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.events import backup_event, copy_event, restore_event
from backup_relay_sandbox.backup_sim.faults import Delivery
from backup_relay_sandbox.backup_sim.model import (
    FINAL,
    BackupJob,
    CopyJob,
    Job,
    JobState,
    RestoreJob,
)
from backup_relay_sandbox.emit import emit


@dataclass(frozen=True)
class EmittedEvent:
    kind: str  # "BACKUP", "COPY", "RESTORE" or "SCAN"
    job_id: str
    state: str
    account: str
    region: str
    event: dict[str, Any]
    delivered_at: datetime | None = None  # set on each delivery (`emitted`)


class Emitter:
    def __init__(self, context: Context) -> None:
        self._context = context
        self.emitted: list[EmittedEvent] = []  # every delivery (a duplicate appears twice)
        self.lost: list[EmittedEvent] = []
        # job id -> its events held back until the job's next one (reordering), with copies
        self._held: dict[str, list[tuple[EmittedEvent, int]]] = {}

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
        state = event["detail"].get("state") or event["detail"]["status"]  # restores: status
        self.deliver(kind, job.job_id, event, final=JobState(state) in FINAL)

    def deliver(self, kind: str, job_id: str, event: dict[str, Any], *, final: bool) -> None:
        """An event of a job of any kind (scans.py's too), through the delivery faults."""
        faults = self._context.faults
        state = event["detail"].get("state") or event["detail"]["status"]
        record = EmittedEvent(kind, job_id, state, event["account"], event["region"], event)
        delivery = faults.delivery(job_id, state)
        if delivery is Delivery.LOSE:
            self.lost.append(record)
            if final:  # nothing comes after it: what waited for the next event goes now
                self._flush_held(job_id)
            return
        copies = 2 if delivery is Delivery.DUPLICATE else 1
        timing = faults.timing(job_id, state, self._context.now, final=final)
        if timing.hold_for_next:
            self._held.setdefault(job_id, []).append((record, copies))
        else:
            self._at(timing.deliver_at, lambda: self._send(record, copies, first=True))
        if timing.late_duplicate_at is not None:
            self._at(timing.late_duplicate_at, lambda: self._send(record, 1, first=False))

    def _at(self, when: datetime, action: Callable[[], None]) -> None:
        if when <= self._context.now:
            action()
        else:
            self._context.clock.call_at(when, action)

    def _send(self, record: EmittedEvent, copies: int, *, first: bool) -> None:
        delivered = replace(record, delivered_at=self._context.now)
        for _ in range(copies):
            emit(record.event, account=record.account, region=record.region)
            self.emitted.append(delivered)
        if first:
            self._flush_held(record.job_id)

    def _flush_held(self, job_id: str) -> None:
        for record, copies in self._held.pop(job_id, []):
            self._send(record, copies, first=False)


def _event(job: Job, now: datetime) -> tuple[str, dict[str, Any]]:
    if isinstance(job, BackupJob):
        return "BACKUP", backup_event(job, now)
    if isinstance(job, CopyJob):
        return "COPY", copy_event(job, now)
    assert isinstance(job, RestoreJob)
    return "RESTORE", restore_event(job, now)
