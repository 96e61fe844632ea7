"""Chains and hops in the ledger, the waiting hops ingest resumes, and the slots of a chain that
ended outside its steps (the state machine takes and frees them otherwise). Keys and item
shapes: ledger_schema.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from backup_relay.adapters import ledger_schema as ledger
from backup_relay.adapters.dynamo import DynamoTable, Item
from backup_relay.adapters.ledger_schema import ChainItem, HopItem, WaitingHopItem
from backup_relay.copy_chain.ports import SlotLoad
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
from backup_relay.domain.jobs import JobEvent, JobKind
from backup_relay.domain.quotas import quota_group, slot_key
from backup_relay.domain.routes import HopKind

#: The most hops a slot's item counts as waiting: 4,000 holders of about 50 bytes stay near half
#: of DynamoDB's item size ("The maximum item size in DynamoDB is 400 KB",
#: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html), beside
#: TakeSlot's holders; 4,000 hops in waves of a cap of 20 are 200 waves, past a 24 h window for
#: any hop of 8 minutes or more.
MAX_WAITING = 4000


def _now() -> str:
    return utc_now().isoformat(timespec="seconds")


def _hops_json(chain: ChainState) -> str:
    return json.dumps([hop.model_dump() for hop in chain.hops])


class DynamoChainLedger(DynamoTable):
    def chain_started(self, chain: ChainState) -> bool:
        now = _now()
        item: ChainItem = {
            **ledger.chain(chain.chain_id),
            "gsi1pk": ledger.chains_in(LedgerState.RUNNING),
            "gsi1sk": now,
            "state": LedgerState.RUNNING,
            "resource_type": chain.resource_type,
            "origin_recovery_point_arn": chain.origin_recovery_point_arn,
            "destination_vault_arn": chain.destination_vault_arn,
            "hops": _hops_json(chain),
            "reason": chain.reason,
            "plan_reason": chain.reason,  # `reason` says how it ended, once it did
            "started_at": now,
        }
        created = self.put(item, once=True)
        if created:
            self.put(ledger.by_recovery_point(chain.origin_recovery_point_arn, chain.chain_id))
        return created

    def execution_started(self, chain: ChainState) -> None:
        self.update(
            ledger.chain(chain.chain_id),
            "SET execution_started_at = if_not_exists(execution_started_at, :t)",
            {":t": _now()},
        )

    def awaiting_start(self, chain_id: str) -> bool:
        item = self.get(ledger.chain(chain_id))
        return item is not None and "execution_started_at" not in item

    def chain_ended(self, chain: ChainState, state: LedgerState, reason: str) -> None:
        self.update(
            ledger.chain(chain.chain_id),
            "SET #state = :s, gsi1pk = :g, gsi1sk = :t, reason = :r, ended_at = :t, hops = :h",
            {
                ":s": state,
                ":g": ledger.chains_in(state),
                ":t": _now(),
                ":r": reason or "-",
                ":h": _hops_json(chain),
            },
        )

    def hop(self, chain: ChainState, state: LedgerState) -> None:
        current = chain.current
        if current is None:
            raise ValueError(f"{chain.chain_id}: no current hop to record")
        now = _now()
        item: HopItem = {
            **ledger.hop(chain.chain_id, current.index),
            "gsi1pk": ledger.hops_in(state),
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
            "message_category": current.result.message_category if current.result else None,
            "slot": current.slot,
            "slot_cap": current.slot_cap,
            "started_at": current.started_at.isoformat() if current.started_at else None,
            "updated_at": now,
        }
        written = self.put_unless_behind(
            item, lambda stored: hop_may_become(LedgerState(stored) if stored else None, state)
        )
        if written and current.slot and state is not LedgerState.RUNNING:  # STARTED said it
            self._count_in_slot(chain, current.slot, state)

    def _count_in_slot(self, chain: ChainState, slot: str, state: LedgerState) -> None:
        """The slot's queue as the overflow reads it (slot_load): a hop STARTING waits for the
        slot; once recorded anything else it does not; a COMPLETED hop adds its duration."""
        assert chain.current is not None
        me = {f"{chain.chain_id}#{chain.current.index}"}
        if state is LedgerState.STARTING:
            self.queue(slot, next(iter(me)))
            return
        started = chain.current.started_at
        if state is LedgerState.COMPLETED and started is not None:
            seconds = max(0, round((utc_now() - started).total_seconds()))
            self.update(
                {"pk": slot, "sk": ledger.SLOT.sk()},
                "DELETE waiting :me ADD done_hops :one, done_seconds :s",
                {":me": me, ":one": 1, ":s": seconds},
            )
            return
        self.update({"pk": slot, "sk": ledger.SLOT.sk()}, "DELETE waiting :me", {":me": me})

    def queue(self, slot: str, holder: str) -> None:
        """Capped at MAX_WAITING: the slot's item (TakeSlot's too) stays far under DynamoDB's
        item size; past it the slot reads as MAX_WAITING waiting, past any night's window."""
        self.update(
            {"pk": slot, "sk": ledger.SLOT.sk()},
            "ADD waiting :me",
            {":me": {holder}, ":max": MAX_WAITING},
            condition="attribute_not_exists(waiting) OR size(waiting) < :max",
        )

    def slot_load(self, slot: str) -> SlotLoad:
        item = self.get({"pk": slot, "sk": ledger.SLOT.sk()}) or {}
        done, seconds = int(item.get("done_hops", 0)), int(item.get("done_seconds", 0))
        return SlotLoad(
            open_hops=len(item.get("holders", ())) + len(item.get("waiting", ())),
            typical_hop=timedelta(seconds=seconds / done) if done else None,
        )

    def hops_in_state(self, state: LedgerState, since: datetime | None = None) -> list[HopRecord]:
        after = since.isoformat() if since is not None else None
        return [_hop_record(item) for item in self.in_index(ledger.hops_in(state), after)]

    def chains_in_state(self, state: LedgerState) -> list[ChainRecord]:
        return [_chain_record(item) for item in self.in_index(ledger.chains_in(state))]

    def chain(self, chain_id: str) -> ChainRecord | None:
        item = self.get(ledger.chain(chain_id))
        return _chain_record(item) if item else None

    def chains_of(self, recovery_point_arn: str) -> list[str]:
        items = self.query(ledger.chains_from(recovery_point_arn))
        return [ledger.chain_id_of(item["sk"]) for item in items]

    def chain_plan(self, chain_id: str) -> ChainState | None:
        item = self.get(ledger.chain(chain_id))
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
        retried = self.update(
            ledger.chain(chain.chain_id),
            "SET #state = :running, gsi1pk = :index, gsi1sk = :now, "
            "attempt = :attempt, reason = :reason REMOVE execution_started_at, ended_at",
            {
                ":running": LedgerState.RUNNING,
                ":failed": LedgerState.FAILED,
                ":index": ledger.chains_in(LedgerState.RUNNING),
                ":now": now,
                ":attempt": str(chain.attempt),
                ":previous": str(chain.attempt - 1),
                ":one": "1",
                ":reason": f"replayed from hop {from_hop + 1} as attempt {chain.attempt}",
            },
            condition="#state = :failed AND "
            "(attempt = :previous OR (attribute_not_exists(attempt) AND :previous = :one))",
        )
        if retried is None:
            return False
        for hop in self.hops_of(chain.chain_id):  # the new attempt takes over from the failed hop
            if hop.index >= from_hop:
                self._reopen_hop(hop, f"replayed as attempt {chain.attempt}", now)
        return True

    def _reopen_hop(self, hop: HopRecord, reason: str, now: str) -> None:
        self.update(
            ledger.hop(hop.chain_id, hop.index),
            "SET #state = :replanned, gsi1pk = :index, gsi1sk = :now, "
            "status_message = :reason, updated_at = :now REMOVE message_category",
            {
                ":replanned": LedgerState.REPLANNED,
                ":index": ledger.hops_in(LedgerState.REPLANNED),
                ":now": now,
                ":reason": reason,
            },
        )

    def hops_of(self, chain_id: str) -> list[HopRecord]:
        items = self.query(ledger.chain(chain_id)["pk"], ledger.HOPS, consistent=True)
        return [_hop_record(item) for item in items]

    def release_slot(self, hop: HopRecord) -> None:
        self.update(
            ledger.slot_of(hop),
            "DELETE holders :me, waiting :me",
            {":me": {hop.slot_holder}},
            condition="attribute_exists(pk)",  # no slot: nothing to free
        )

    def chain_died(self, chain_id: str, reason: str) -> bool:
        now = _now()
        ended = self.update(
            ledger.chain(chain_id),
            "SET #state = :failed, gsi1pk = :index, gsi1sk = :now, "
            "reason = :reason, ended_at = :now",
            {
                ":failed": LedgerState.FAILED,
                ":index": ledger.chains_in(LedgerState.FAILED),
                ":running": LedgerState.RUNNING,
                ":now": now,
                ":reason": reason,
            },
            condition="#state = :running",
        )
        hops = self.hops_of(chain_id)
        for hop in hops:
            if hop.state in OPEN_HOP_STATES:
                self._close_hop(hop, reason, now)
        if not any(hop.index == 0 for hop in hops):
            self._unqueue_first_hop(chain_id)
        return ended is not None

    def _unqueue_first_hop(self, chain_id: str) -> None:
        """A chain the overflow kept on the central route counts in its slot's `waiting` as
        `<chain id>#0` from its start (queue); its first hop's records take it out. A chain
        that dies before its first hop is recorded (its execution never started, or ended
        before NextHop) is taken out here, or the slot's queue would count it for ever."""
        plan = self.chain_plan(chain_id)
        if plan is None or not plan.hops:
            return
        first = plan.hops[0]
        slot = slot_key(
            first.source_account, first.destination_region, quota_group(plan.resource_type)
        )
        self.update(
            {"pk": slot, "sk": ledger.SLOT.sk()},
            "DELETE waiting :me",
            {":me": {f"{chain_id}#0"}},
            condition="attribute_exists(pk)",  # no slot item: nothing queued
        )

    def _close_hop(self, hop: HopRecord, reason: str, now: str) -> None:
        open_states = {f":open{i}": state for i, state in enumerate(sorted(OPEN_HOP_STATES))}
        self.update(
            ledger.hop(hop.chain_id, hop.index),
            "SET #state = :failed, gsi1pk = :index, gsi1sk = :now, "
            "status_message = :reason, updated_at = :now REMOVE message_category",
            {
                ":failed": LedgerState.FAILED,
                ":index": ledger.hops_in(LedgerState.FAILED),
                ":now": now,
                ":reason": reason,
                **open_states,
            },
            condition=f"#state IN ({', '.join(open_states)})",
        )

    def await_job(self, copy_job_id: str, task_token: str, chain: ChainState) -> None:
        if chain.current is None:
            raise ValueError(f"{chain.chain_id}: no current hop waits")
        item: WaitingHopItem = {
            **ledger.waiting_hop(copy_job_id),
            "task_token": task_token,
            "chain_id": chain.chain_id,
            "hop_index": str(chain.current.index),
        }
        self.put(item)

    def claim_resume(self, copy_job_id: str) -> str | None:
        """The waiting hop's task token, for the first caller only: a duplicate event (or the
        wait step racing ingest) finds it claimed and resumes nothing."""
        claimed = self.update(
            ledger.waiting_hop(copy_job_id),
            "SET resumed_at = :now",
            {":now": _now()},
            condition="attribute_exists(task_token) AND attribute_not_exists(resumed_at)",
            returns="ALL_NEW",
        )
        return claimed["task_token"] if claimed is not None else None

    def hop_of_job(self, copy_job_id: str) -> tuple[str, int] | None:
        # the waiting hop's item outlives its attempt: a replay opens a new copy job (a new item)
        item = self.get(ledger.waiting_hop(copy_job_id))
        return (item["chain_id"], int(item["hop_index"])) if item else None

    def final_event(self, copy_job_id: str) -> JobEvent | None:
        """The copy job's final event, if ingest recorded it (ledger_schema.JOB_EVENT)."""
        job = ledger.job(JobKind.COPY, copy_job_id)
        events = [
            JobEvent.model_validate_json(item["event"])
            for item in self.query(job, ledger.EVENTS, consistent=True)  # not its STATE item
        ]
        final = [event for event in events if event.is_final]
        return max(final, key=lambda event: event.time) if final else None


def _hop_record(item: Item) -> HopRecord:
    source = item["source_vault_arn"].split(":")
    return HopRecord(
        chain_id=ledger.chain_id_of(item["pk"]),
        index=ledger.hop_index_of(item["sk"]),
        copy_job_id=item.get("copy_job_id"),
        source_region=source[3],
        updated_at=datetime.fromisoformat(item["updated_at"]),
        source_account=source[4],
        destination_region=item["destination_vault_arn"].split(":")[3],
        state=LedgerState(item["state"]) if item.get("state") else None,
        kind=HopKind(item["kind"]) if item.get("kind") else None,
        source_vault_arn=item["source_vault_arn"],
        destination_vault_arn=item["destination_vault_arn"],
        status_message=item.get("status_message"),
        message_category=item.get("message_category"),  # None in a hop recorded before it
        source_recovery_point_arn=item.get("source_recovery_point_arn"),
        destination_recovery_point_arn=item.get("destination_recovery_point_arn"),
        slot=item.get("slot", ""),
        slot_cap=int(item["slot_cap"]) if item.get("slot_cap") is not None else None,
        started_at=datetime.fromisoformat(item["started_at"]) if item.get("started_at") else None,
    )


def _chain_record(item: Item) -> ChainRecord:
    return ChainRecord(
        chain_id=ledger.chain_id_of(item["pk"]),
        state=LedgerState(item["state"]),
        execution_started="execution_started_at" in item,
        resource_type=item.get("resource_type", ""),
        origin_recovery_point_arn=item.get("origin_recovery_point_arn", ""),
        destination_vault_arn=item.get("destination_vault_arn", ""),
        reason=item.get("reason", ""),
        attempt=int(item.get("attempt", "1")),
        updated_at=item.get("gsi1sk", ""),
    )
