"""Chains and hops in the ledger, and the copy-job -> waiting-hop index.

chain            pk CHAIN#<chain id>            sk CHAIN       gsi1pk CHAINSTATE#<state>
hop              pk CHAIN#<chain id>            sk HOP#<nn>    gsi1pk HOPSTATE#<state>
by recovery pt   pk RP#<recovery point arn>     sk CHAIN#<chain id>
waiting hop      pk COPYJOB#<copy job id>       sk WAIT
concurrency slot pk SLOT#<account>#<region>#<quota group>  sk SLOT  holders {<chain id>#<hop index>}
(The state machine takes and frees slots; a chain that ended outside its steps is freed here.)
"""

from __future__ import annotations

import json
from datetime import datetime

from backup_relay.adapters.dynamo import DynamoTable, conditionally
from backup_relay.adapters.errors import domain_errors
from backup_relay.domain.chain import (
    OPEN_HOP_STATES,
    ChainRecord,
    ChainState,
    HopRecord,
    HopSpec,
    LedgerState,
    hop_may_become,
)
from backup_relay.domain.clock import utc_now
from backup_relay.domain.jobs import JobEvent

#: The slot key of a hop recorded before slots were per quota group (its record has no `slot`;
#: a hop's slot is `domain.quotas.slot_for`'s, which NextHop sets and the hop record keeps).
LEGACY_SLOT_KEY = "SLOT#{}#{}"


def _chain_key(chain_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"CHAIN#{chain_id}"}, "sk": {"S": "CHAIN"}}


def _now() -> str:
    return utc_now().isoformat(timespec="seconds")


def _hops_json(chain: ChainState) -> str:
    return json.dumps([hop.model_dump() for hop in chain.hops])


class DynamoChainLedger(DynamoTable):
    def chain_started(self, chain: ChainState) -> bool:
        now = _now()
        created = self.put(
            {
                "pk": f"CHAIN#{chain.chain_id}",
                "sk": "CHAIN",
                "gsi1pk": f"CHAINSTATE#{LedgerState.RUNNING}",
                "gsi1sk": now,
                "state": LedgerState.RUNNING,
                "resource_type": chain.resource_type,
                "origin_recovery_point_arn": chain.origin_recovery_point_arn,
                "destination_vault_arn": chain.destination_vault_arn,
                "hops": _hops_json(chain),
                "reason": chain.reason,
                "plan_reason": chain.reason,  # `reason` says how it ended, once it did
                "started_at": now,
            },
            once=True,
        )
        if created:
            self.put(
                {"pk": f"RP#{chain.origin_recovery_point_arn}", "sk": f"CHAIN#{chain.chain_id}"}
            )
        return created

    def execution_started(self, chain: ChainState) -> None:
        with domain_errors():
            self.client.update_item(
                TableName=self.table_name,
                Key=_chain_key(chain.chain_id),
                UpdateExpression="SET execution_started_at = "
                "if_not_exists(execution_started_at, :t)",
                ExpressionAttributeValues={":t": {"S": _now()}},
            )

    def awaiting_start(self, chain_id: str) -> bool:
        with domain_errors():
            item = self.client.get_item(
                TableName=self.table_name,
                Key=_chain_key(chain_id),
                ConsistentRead=True,
            ).get("Item")
        return item is not None and "execution_started_at" not in item

    def chain_ended(self, chain: ChainState, state: LedgerState, reason: str) -> None:
        now = _now()
        with domain_errors():
            self.client.update_item(
                TableName=self.table_name,
                Key=_chain_key(chain.chain_id),
                UpdateExpression="SET #state = :s, gsi1pk = :g, gsi1sk = :t, reason = :r, "
                "ended_at = :t, hops = :h",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":s": {"S": state},
                    ":g": {"S": f"CHAINSTATE#{state}"},
                    ":t": {"S": now},
                    ":r": {"S": reason or "-"},
                    ":h": {"S": _hops_json(chain)},
                },
            )

    def hop(self, chain: ChainState, state: LedgerState) -> None:
        current = chain.current
        if current is None:
            raise ValueError(f"{chain.chain_id}: no current hop to record")
        now = _now()
        self.put_unless_behind(
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
                "copy_job_id": current.copy_job_id,
                "destination_recovery_point_arn": (
                    current.result.destination_recovery_point_arn if current.result else None
                ),
                "status_message": chain.error.cause if chain.error else None,
                "slot": current.slot,
                "updated_at": now,
            },
            lambda stored: hop_may_become(LedgerState(stored) if stored else None, state),
        )

    def hops_in_state(self, state: LedgerState) -> list[HopRecord]:
        return [_hop_record(item) for item in self._in_index(f"HOPSTATE#{state}")]

    def chains_in_state(self, state: LedgerState) -> list[ChainRecord]:
        return [_chain_record(item) for item in self._in_index(f"CHAINSTATE#{state}")]

    def chain(self, chain_id: str) -> ChainRecord | None:
        item = self._chain_item(chain_id)
        return _chain_record(item) if item else None

    def chains_of(self, recovery_point_arn: str) -> list[str]:
        with domain_errors():
            items = self.client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"RP#{recovery_point_arn}"}},
            )["Items"]
        return [item["sk"]["S"].removeprefix("CHAIN#") for item in items]

    def chain_plan(self, chain_id: str) -> ChainState | None:
        item = self._chain_item(chain_id)
        if item is None:
            return None
        origin = item["origin_recovery_point_arn"]
        return ChainState(
            chain_id=chain_id,
            resource_type=item["resource_type"],
            origin_recovery_point_arn=origin,
            recovery_point_arn=origin,
            destination_vault_arn=item["destination_vault_arn"],
            hops=[HopSpec.model_validate(hop) for hop in json.loads(item["hops"])],
            reason=item.get("plan_reason") or item.get("reason", ""),
            copies=[origin],
            attempt=int(item.get("attempt", "1")),
        )

    def chain_retried(self, chain: ChainState, from_hop: int) -> bool:
        now = _now()
        previous = chain.attempt - 1
        reason = f"replayed from hop {from_hop + 1} as attempt {chain.attempt}"
        retried = conditionally(
            lambda: self.client.update_item(
                TableName=self.table_name,
                Key=_chain_key(chain.chain_id),
                UpdateExpression="SET #state = :running, gsi1pk = :index, gsi1sk = :now, "
                "attempt = :attempt, reason = :reason REMOVE execution_started_at, ended_at",
                ConditionExpression="#state = :failed AND "
                "(attempt = :previous OR (attribute_not_exists(attempt) AND :previous = :one))",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":running": {"S": LedgerState.RUNNING},
                    ":failed": {"S": LedgerState.FAILED},
                    ":index": {"S": f"CHAINSTATE#{LedgerState.RUNNING}"},
                    ":now": {"S": now},
                    ":attempt": {"S": str(chain.attempt)},
                    ":previous": {"S": str(previous)},
                    ":one": {"S": "1"},
                    ":reason": {"S": reason},
                },
            )
        )
        if retried is None:
            return False
        for hop in self.hops_of(chain.chain_id):  # the new attempt takes over from the failed hop
            if hop.index >= from_hop:
                self._reopen_hop(hop, f"replayed as attempt {chain.attempt}", now)
        return True

    def _reopen_hop(self, hop: HopRecord, reason: str, now: str) -> None:
        with domain_errors():
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"CHAIN#{hop.chain_id}"}, "sk": {"S": f"HOP#{hop.index:02d}"}},
                UpdateExpression="SET #state = :replanned, gsi1pk = :index, gsi1sk = :now, "
                "status_message = :reason, updated_at = :now",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":replanned": {"S": LedgerState.REPLANNED},
                    ":index": {"S": f"HOPSTATE#{LedgerState.REPLANNED}"},
                    ":now": {"S": now},
                    ":reason": {"S": reason},
                },
            )

    def _chain_item(self, chain_id: str) -> dict[str, str] | None:
        with domain_errors():
            item = self.client.get_item(
                TableName=self.table_name, Key=_chain_key(chain_id), ConsistentRead=True
            ).get("Item")
        return {k: v["S"] for k, v in item.items() if "S" in v} if item else None

    def _in_index(self, partition: str) -> list[dict[str, str]]:
        """The string attributes of every item under `partition` of the state index."""
        paginator = self.client.get_paginator("query")
        items = []
        with domain_errors():
            for page in paginator.paginate(
                TableName=self.table_name,
                IndexName="gsi1",
                KeyConditionExpression="gsi1pk = :state",
                ExpressionAttributeValues={":state": {"S": partition}},
            ):
                items += page["Items"]
        return [{k: v["S"] for k, v in item.items() if "S" in v} for item in items]

    def hops_of(self, chain_id: str) -> list[HopRecord]:
        with domain_errors():
            items = self.client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :hops)",
                ExpressionAttributeValues={
                    ":pk": {"S": f"CHAIN#{chain_id}"},
                    ":hops": {"S": "HOP#"},
                },
                ConsistentRead=True,
            )["Items"]
        return [_hop_record({k: v["S"] for k, v in item.items() if "S" in v}) for item in items]

    def release_slot(self, hop: HopRecord) -> None:
        conditionally(
            lambda: self.client.update_item(
                TableName=self.table_name,
                Key={
                    "pk": {
                        "S": hop.slot
                        or LEGACY_SLOT_KEY.format(hop.source_account, hop.destination_region)
                    },
                    "sk": {"S": "SLOT"},
                },
                UpdateExpression="DELETE holders :me",
                ConditionExpression="attribute_exists(pk)",  # no slot: nothing to free
                ExpressionAttributeValues={":me": {"SS": [hop.slot_holder]}},
            )
        )

    def chain_died(self, chain_id: str, reason: str) -> bool:
        now = _now()
        ended = conditionally(
            lambda: self.client.update_item(
                TableName=self.table_name,
                Key=_chain_key(chain_id),
                UpdateExpression="SET #state = :failed, gsi1pk = :index, gsi1sk = :now, "
                "reason = :reason, ended_at = :now",
                ConditionExpression="#state = :running",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":failed": {"S": LedgerState.FAILED},
                    ":index": {"S": f"CHAINSTATE#{LedgerState.FAILED}"},
                    ":running": {"S": LedgerState.RUNNING},
                    ":now": {"S": now},
                    ":reason": {"S": reason},
                },
            )
        )
        for hop in self.hops_of(chain_id):
            if LedgerState(hop.state) in OPEN_HOP_STATES:
                self._close_hop(hop, reason, now)
        return ended is not None

    def _close_hop(self, hop: HopRecord, reason: str, now: str) -> None:
        open_states = {f":open{i}": {"S": s} for i, s in enumerate(sorted(OPEN_HOP_STATES))}
        conditionally(
            lambda: self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"CHAIN#{hop.chain_id}"}, "sk": {"S": f"HOP#{hop.index:02d}"}},
                UpdateExpression="SET #state = :failed, gsi1pk = :index, gsi1sk = :now, "
                "status_message = :reason, updated_at = :now",
                ConditionExpression=f"#state IN ({', '.join(open_states)})",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":failed": {"S": LedgerState.FAILED},
                    ":index": {"S": f"HOPSTATE#{LedgerState.FAILED}"},
                    ":now": {"S": now},
                    ":reason": {"S": reason},
                    **open_states,
                },
            )
        )

    def await_job(self, copy_job_id: str, task_token: str, chain: ChainState) -> None:
        if chain.current is None:
            raise ValueError(f"{chain.chain_id}: no current hop waits")
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
        answer = conditionally(
            lambda: self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": f"COPYJOB#{copy_job_id}"}, "sk": {"S": "WAIT"}},
                UpdateExpression="SET resumed_at = :now",
                ConditionExpression="attribute_exists(task_token) "
                "AND attribute_not_exists(resumed_at)",
                ExpressionAttributeValues={":now": {"S": _now()}},
                ReturnValues="ALL_NEW",
            )
        )
        return answer["Attributes"]["task_token"]["S"] if answer is not None else None

    def final_event(self, copy_job_id: str) -> JobEvent | None:
        with domain_errors():
            items = self.client.query(
                TableName=self.table_name,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :events)",
                ExpressionAttributeValues={
                    ":pk": {"S": f"JOB#COPY#{copy_job_id}"},
                    ":events": {"S": "EVENT#"},  # not the job's STATE item
                },
                ConsistentRead=True,
            )["Items"]
        events = [JobEvent.model_validate_json(item["event"]["S"]) for item in items]
        final = [event for event in events if event.is_final]
        return max(final, key=lambda event: event.time) if final else None


def _hop_record(item: dict[str, str]) -> HopRecord:
    source = item["source_vault_arn"].split(":")
    return HopRecord(
        chain_id=item["pk"].removeprefix("CHAIN#"),
        index=int(item["sk"].removeprefix("HOP#")),
        copy_job_id=item.get("copy_job_id"),
        source_region=source[3],
        updated_at=datetime.fromisoformat(item["updated_at"]),
        source_account=source[4],
        destination_region=item["destination_vault_arn"].split(":")[3],
        state=item.get("state", ""),
        kind=item.get("kind", ""),
        source_vault_arn=item["source_vault_arn"],
        destination_vault_arn=item["destination_vault_arn"],
        status_message=item.get("status_message"),
        source_recovery_point_arn=item.get("source_recovery_point_arn"),
        destination_recovery_point_arn=item.get("destination_recovery_point_arn"),
        slot=item.get("slot", ""),
    )


def _chain_record(item: dict[str, str]) -> ChainRecord:
    return ChainRecord(
        chain_id=item["pk"].removeprefix("CHAIN#"),
        state=item["state"],
        execution_started="execution_started_at" in item,
        resource_type=item.get("resource_type", ""),
        origin_recovery_point_arn=item.get("origin_recovery_point_arn", ""),
        destination_vault_arn=item.get("destination_vault_arn", ""),
        reason=item.get("reason", ""),
        attempt=int(item.get("attempt", "1")),
        updated_at=item.get("gsi1sk", ""),
    )
