"""Chains and hops in the ledger, and the copy-job -> waiting-hop index.

chain            pk CHAIN#<chain id>            sk CHAIN       gsi1pk CHAINSTATE#<state>
hop              pk CHAIN#<chain id>            sk HOP#<nn>    gsi1pk HOPSTATE#<state>
by recovery pt   pk RP#<recovery point arn>     sk CHAIN#<chain id>
waiting hop      pk COPYJOB#<copy job id>       sk WAIT
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from backup_relay.adapters.dynamo import DynamoTable, refused
from backup_relay.chain import ChainState
from backup_relay.models import JobEvent

if TYPE_CHECKING:
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ChainLedger(DynamoTable):
    def chain_started(self, chain: ChainState) -> bool:
        """False when the chain was already recorded (a duplicate event)."""
        now = _now()
        created = self.put(
            {
                "pk": f"CHAIN#{chain.chain_id}",
                "sk": "CHAIN",
                "gsi1pk": "CHAINSTATE#RUNNING",
                "gsi1sk": now,
                "state": "RUNNING",
                "resource_type": chain.resource_type,
                "origin_recovery_point_arn": chain.origin_recovery_point_arn,
                "destination_vault_arn": chain.destination_vault_arn,
                "hops": json.dumps([hop.model_dump() for hop in chain.hops]),
                "reason": chain.reason,
                "started_at": now,
            },
            once=True,
        )
        if created:
            self.put(
                {"pk": f"RP#{chain.origin_recovery_point_arn}", "sk": f"CHAIN#{chain.chain_id}"}
            )
        return created

    def chain_ended(self, chain: ChainState, state: str, reason: str) -> None:
        now = _now()
        self.client.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": f"CHAIN#{chain.chain_id}"}, "sk": {"S": "CHAIN"}},
            UpdateExpression="SET #state = :s, gsi1pk = :g, gsi1sk = :t, reason = :r, "
            "ended_at = :t, hops = :h",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":s": {"S": state},
                ":g": {"S": f"CHAINSTATE#{state}"},
                ":t": {"S": now},
                ":r": {"S": reason or "-"},
                ":h": {"S": json.dumps([hop.model_dump() for hop in chain.hops])},
            },
        )

    def hop(self, chain: ChainState, state: str, **details: str | None) -> None:
        current = chain.current
        assert current is not None
        now = _now()
        self.put(
            {
                "pk": f"CHAIN#{chain.chain_id}",
                "sk": f"HOP#{current.index:02d}",
                "gsi1pk": f"HOPSTATE#{state}",
                "gsi1sk": now,
                "state": state,
                "kind": current.hop.kind,
                "source_recovery_point_arn": current.recovery_point_arn,
                "source_vault_arn": current.hop.source_vault_arn,
                "destination_vault_arn": current.hop.destination_vault_arn,
                "copy_job_id": (current.job or {}).get("copy_job_id"),
                "updated_at": now,
                **details,
            }
        )

    def hops_in_state(self, state: str) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table_name,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :state",
            ExpressionAttributeValues={":state": {"S": f"HOPSTATE#{state}"}},
        ):
            items += [{k: v["S"] for k, v in item.items() if "S" in v} for item in page["Items"]]
        return items

    def await_job(self, copy_job_id: str, task_token: str, chain: ChainState) -> None:
        assert chain.current is not None
        self.put(
            {
                "pk": f"COPYJOB#{copy_job_id}",
                "sk": "WAIT",
                "task_token": task_token,
                "chain_id": chain.chain_id,
                "hop_index": str(chain.current.index),
            }
        )

    def claim_resume(self, copy_job_id: str) -> str | None:
        """The waiting hop's task token, for the first caller only: a duplicate event (or the
        wait step racing ingest) finds it claimed and resumes nothing."""
        try:
            answer = self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"COPYJOB#{copy_job_id}"}, "sk": {"S": "WAIT"}},
                UpdateExpression="SET resumed_at = :now",
                ConditionExpression="attribute_exists(task_token) "
                "AND attribute_not_exists(resumed_at)",
                ExpressionAttributeValues={":now": {"S": _now()}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if refused(error):
                return None
            raise
        return answer["Attributes"]["task_token"]["S"]

    def final_event(self, copy_job_id: str) -> JobEvent | None:
        """The job's final event, if ingest already recorded it (it can arrive first)."""
        items = self.client.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"JOB#COPY#{copy_job_id}"}},
            ConsistentRead=True,
        )["Items"]
        events = [JobEvent.model_validate_json(item["event"]["S"]) for item in items]
        final = [event for event in events if event.is_final]
        return max(final, key=lambda event: event.time) if final else None
