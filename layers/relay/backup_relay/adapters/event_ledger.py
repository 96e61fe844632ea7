"""The job events in the ledger: one item per job event, one per quarantined message.

Keys (single table, pk/sk, index gsi1):
  job event      pk JOB#<kind>#<job id>         sk EVENT#<time>#<state>#<event id>
                 gsi1pk ACCOUNT#<account>        gsi1sk <time>#<kind>#<state>
  job's state    pk JOB#<kind>#<job id>         sk STATE   (never moves backwards), its latest event
                 gsi1pk JOBSTATE#<kind>#<state>  gsi1sk <time>
  a replay       pk REPLAY#<copy job id>         sk REPLAY  the copy job the replay started
  quarantined    pk QUARANTINE#<yyyy-mm-dd>      sk <received at>#<message id>
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from backup_relay.adapters.dynamo import DynamoTable
from backup_relay.adapters.errors import domain_errors
from backup_relay.collect.ports import QuarantinedMessage
from backup_relay.domain.jobs import JobEvent, JobKind, JobState, moves_job_forward

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
                "gsi1pk": f"JOBSTATE#{event.kind}#{event.state}",
                "gsi1sk": event.time.isoformat(),
                "event": event.model_dump_json(),
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
        with domain_errors():
            item = self.client.get_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"REPLAY#{job_id}"}, "sk": {"S": "REPLAY"}},
                ConsistentRead=True,
            ).get("Item")
        return item["new_job_id"]["S"] if item else None

    def record_replay(self, job_id: str, new_job_id: str) -> None:
        self.put({"pk": f"REPLAY#{job_id}", "sk": "REPLAY", "new_job_id": new_job_id})

    def jobs_in_state(self, kind: JobKind, state: JobState, since: datetime) -> list[JobEvent]:
        """Jobs whose latest event is in `state`, since `since` (the STATE items' index)."""
        paginator = self.client.get_paginator("query")
        events = []
        with domain_errors():
            for page in paginator.paginate(
                TableName=self.table_name,
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :state AND gsi1sk >= :since",
                ExpressionAttributeValues={
                    ":state": {"S": f"JOBSTATE#{kind}#{state}"},
                    ":since": {"S": since.isoformat()},
                },
            ):
                events += [JobEvent.model_validate_json(i["event"]["S"]) for i in page["Items"]]
        return events
