"""The job events in the ledger: one item per job event, one per quarantined message.

Keys (single table, pk/sk, index gsi1):
  job event      pk JOB#<kind>#<job id>         sk EVENT#<time>#<state>#<event id>
                 gsi1pk ACCOUNT#<account>        gsi1sk <time>#<kind>#<state>
  job's state    pk JOB#<kind>#<job id>         sk STATE   (never moves backwards)
  quarantined    pk QUARANTINE#<yyyy-mm-dd>      sk <received at>#<message id>
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from backup_relay.adapters.dynamo import DynamoTable
from backup_relay.ingest import QuarantinedMessage
from backup_relay.models import JobEvent, JobState, moves_job_forward

QUARANTINE_RETENTION = timedelta(days=90)


class DynamoEventLedger(DynamoTable):
    def record_event(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        time = event.time.isoformat()
        item = {
            "pk": f"JOB#{event.job_key}",
            "sk": f"EVENT#{time}#{event.state}#{event.event_id}",
            "gsi1pk": f"ACCOUNT#{event.account}",
            "gsi1sk": f"{time}#{event.kind}#{event.state}",
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
        self.put_unless_behind(
            {
                "pk": f"JOB#{event.job_key}",
                "sk": "STATE",
                "state": str(event.state),
                "event_time": event.time.isoformat(),
                "event_id": event.event_id,
                "status_message": event.status_message,
            },
            lambda stored: moves_job_forward(JobState(stored) if stored else None, event.state),
        )

    def quarantine(self, message: QuarantinedMessage) -> None:
        received = message.received_at
        self.put(
            {
                "pk": f"QUARANTINE#{received.date().isoformat()}",
                "sk": f"{received.isoformat()}#{message.message_id}",
                "message_id": message.message_id,
                "reason_code": message.code,
                "reason": message.reason,
                "body": message.body,
                "expires_at": int((received + QUARANTINE_RETENTION).timestamp()),
            },
            once=True,  # a redelivered message is quarantined once
        )
