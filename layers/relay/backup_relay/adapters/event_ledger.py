"""The job events in the ledger: one item per job event, the job's latest state beside them
(never moving backwards), the replays, the quarantined messages. Keys and item shapes:
ledger_schema.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from backup_relay.adapters import ledger_schema as ledger
from backup_relay.adapters.dynamo import DynamoTable
from backup_relay.adapters.ledger_schema import (
    JobEventItem,
    JobStateItem,
    QuarantinedItem,
    ReplayItem,
)
from backup_relay.collect.ports import QuarantinedMessage
from backup_relay.domain.jobs import JobEvent, JobKind, JobState, moves_job_forward

QUARANTINE_RETENTION = timedelta(days=90)


class DynamoEventLedger(DynamoTable):
    def record_event(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        item: JobEventItem = {
            **ledger.job_event(event),
            **ledger.job_event_index(event),
            "kind": str(event.kind),
            "state": str(event.state),
            "account": event.account,
            "region": event.region,
            "event": event.model_dump_json(),
            "original": json.dumps(original, separators=(",", ":")) if original else None,
        }
        recorded = self.put(item, once=True)
        # every delivery, new or not: the first one may have died before this write; a copy's
        # CREATED event names no job yet, so there is no job to give a state
        if event.job_id:
            self._job_state(event)
        return recorded

    def _job_state(self, event: JobEvent) -> None:
        """The job's latest known state: a late or reordered event never moves it back."""
        item: JobStateItem = {
            **ledger.job_state(event),
            "state": str(event.state),
            "event_time": event.time.isoformat(),
            "event_id": event.event_id,
            "status_message": event.status_message,
            "gsi1pk": ledger.jobs_in(event.kind, event.state),
            "gsi1sk": event.time.isoformat(),
            "event": event.model_dump_json(),
        }
        self.put_unless_behind(
            item,
            lambda stored: moves_job_forward(JobState(stored) if stored else None, event.state),
        )

    def quarantine(self, message: QuarantinedMessage) -> None:
        received = message.received_at
        item: QuarantinedItem = {
            **ledger.quarantined(received, message.message_id),
            "message_id": message.message_id,
            "reason_code": message.code,
            "reason": message.reason,
            "body": message.body,
            "expires_at": int((received + QUARANTINE_RETENTION).timestamp()),
        }
        self.put(item, once=True)  # a redelivered message is quarantined once

    # ---- what replay reads and writes (ports.ReplayLedger) --------------------------------

    def failed_copy_jobs(self, since: datetime) -> list[JobEvent]:
        return [
            *self.jobs_in_state(JobKind.COPY, JobState.FAILED, since),
            *self.jobs_in_state(JobKind.COPY, JobState.ABORTED, since),
        ]

    def completed_copy(
        self, source_recovery_point_arn: str, destination_vault_arn: str, since: datetime
    ) -> str | None:
        for event in self.jobs_in_state(JobKind.COPY, JobState.COMPLETED, since):
            if (event.source_recovery_point_arn, event.destination_vault_arn) == (
                source_recovery_point_arn,
                destination_vault_arn,
            ):
                return event.job_id
        return None

    def replayed(self, job_id: str) -> str | None:
        item = self.get(ledger.replay(job_id))
        return item["new_job_id"] if item else None

    def record_replay(self, job_id: str, new_job_id: str) -> None:
        item: ReplayItem = {**ledger.replay(job_id), "new_job_id": new_job_id}
        self.put(item)

    def jobs_in_state(self, kind: JobKind, state: JobState, since: datetime) -> list[JobEvent]:
        """Jobs whose latest event is in `state`, since `since` (the STATE items' index)."""
        items = self.in_index(ledger.jobs_in(kind, state), since=since.isoformat())
        return [JobEvent.model_validate_json(item["event"]) for item in items]
