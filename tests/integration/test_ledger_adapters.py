"""The ledger adapters on moto DynamoDB: a job's events beside its STATE item, hops that never
move backwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.adapters import aws, chain_ledger, ledger_schema
from backup_relay.adapters.chain_ledger import DynamoChainLedger
from backup_relay.adapters.event_ledger import DynamoEventLedger
from backup_relay.collect.normalize import normalize
from backup_relay.copy_chain.decisions import WaitPolicy, chain_for_event, next_hop
from backup_relay.copy_chain.ports import SlotLoad
from backup_relay.domain.chain import HopError, LedgerState
from backup_relay.domain.clock import utc_now
from backup_relay.domain.copy_jobs import CopyJobOutcome
from backup_relay.domain.jobs import JobState
from backup_relay.settings import ChainStepsSettings
from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import client
from tests.support.events import documented
from tests.support.world import AWS_QUOTAS, DR, copy_event, settings


def test_a_copy_jobs_final_event_is_found_beside_its_state_item(central: CentralStack) -> None:
    # GIVEN a copy job whose RUNNING event is recorded (with the job's STATE item)
    aws.reset()
    table = central.tables["LedgerTable"]
    events, chains = DynamoEventLedger(table), DynamoChainLedger(table)
    completed = documented("copy_job_completed.json")
    running = documented("copy_job_running.json")
    running["detail"]["copyJobId"] = job_id = completed["detail"]["copyJobId"]
    events.record_event(normalize(running), running)
    # WHEN the wait step asks for its final event THEN there is none yet
    assert chains.final_event(job_id) is None
    # WHEN its COMPLETED event is recorded THEN that is the final event
    events.record_event(normalize(completed), completed)
    final = chains.final_event(job_id)
    assert final is not None
    assert final.state is JobState.COMPLETED


def test_a_hop_recorded_completed_stays_completed(central: CentralStack) -> None:
    # GIVEN a hop the ledger shows COMPLETED
    aws.reset()
    chains = DynamoChainLedger(central.tables["LedgerTable"])
    step_settings = settings(ChainStepsSettings)
    chain = chain_for_event(copy_event(), step_settings.routes, DR)
    assert chain is not None
    opened = next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    chains.hop(opened, LedgerState.COMPLETED)
    # WHEN a late or retried step records it STARTED, then RUNNING
    chains.hop(opened, LedgerState.STARTED)
    chains.hop(opened, LedgerState.RUNNING)
    # THEN it is still COMPLETED
    [record] = chains.hops_in_state(LedgerState.COMPLETED)
    assert (record.chain_id, record.index) == (chain.chain_id, 0)
    assert list(chains.hops_in_state(LedgerState.RUNNING)) == []


def test_the_ledger_frees_the_slot_the_hop_took(central: CentralStack) -> None:
    # GIVEN a hop recorded RUNNING, holding the slot NextHop named (as TakeSlot takes it)
    aws.reset()
    table = central.tables["LedgerTable"]
    chains = DynamoChainLedger(table)
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    opened = next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    assert opened.current is not None
    assert opened.current.slot
    chains.hop(opened, LedgerState.RUNNING)
    holder = f"{chain.chain_id}#0"
    key = {"pk": {"S": opened.current.slot}, "sk": {"S": "SLOT"}}
    client("dynamodb").update_item(
        TableName=table,
        Key=key,
        UpdateExpression="ADD holders :me",
        ExpressionAttributeValues={":me": {"SS": [holder, "other-chain#1"]}},
    )
    # WHEN its execution ended outside its steps and the ledger frees its hops
    [hop] = chains.hops_of(chain.chain_id)
    chains.release_slot(hop)
    # THEN the hop left that slot, and the other holder kept its place
    item = client("dynamodb").get_item(TableName=table, Key=key)["Item"]
    assert item["holders"]["SS"] == ["other-chain#1"]


def test_what_the_ledger_writes_expires_after_the_retention_it_is_given(
    central: CentralStack,
) -> None:
    # GIVEN a ledger that keeps items 400 days
    aws.reset()
    table = central.tables["LedgerTable"]
    events = DynamoEventLedger(table, timedelta(days=400))
    completed = documented("copy_job_completed.json")
    # WHEN it records an event (and the job's state)
    events.record_event(normalize(completed), completed)
    # THEN each item expires 400 days from now (DynamoDB's TTL attribute, epoch seconds)
    items = client("dynamodb").scan(TableName=table)["Items"]
    expiries = {int(item["expires_at"]["N"]) for item in items}
    soon = utc_now() + timedelta(days=400)  # (the sandbox's clock: AWS Backup's virtual time)
    assert len(items) == 2
    assert all(abs(expiry - soon.timestamp()) < 60 for expiry in expiries)


def test_a_copy_job_names_the_chain_and_hop_that_waited_for_it_after_a_replay(
    central: CentralStack,
) -> None:
    # GIVEN a hop that started copy job job-1 and waited for it, then was replayed (the chain's
    # next attempt reopens the hop; its own copy job will be another)
    aws.reset()
    chains = DynamoChainLedger(central.tables["LedgerTable"])
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    chains.chain_started(chain)
    opened = next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    assert opened.current is not None
    opened.current.copy_job_id = "job-1"
    chains.hop(opened, LedgerState.RUNNING)
    chains.await_job("job-1", "token-1", opened)
    chains.chain_died(chain.chain_id, "CopyJobFailed")
    assert chains.chain_retried(chain.model_copy(update={"attempt": 2}), 0)
    # WHEN replay asks which chain made job-1, and a job no chain made
    # THEN job-1 is the chain's hop 1 still; the other is no chain's
    assert chains.hop_of_job("job-1") == (chain.chain_id, 0)
    assert chains.hop_of_job("by-hand") is None


def test_a_failed_hop_keeps_awss_message_category_and_an_older_record_reads_none(
    central: CentralStack,
) -> None:
    # GIVEN a hop recorded FAILED with its copy job's outcome (AWS's MessageCategory)
    aws.reset()
    table = central.tables["LedgerTable"]
    chains = DynamoChainLedger(table)
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    chains.chain_started(chain)
    opened = next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    assert opened.current is not None
    opened.current.copy_job_id = "job-1"
    opened.current.result = CopyJobOutcome(
        state="FAILED", copy_job_id="job-1", status_message="odd", message_category="KMSKeyError"
    )
    opened.error = HopError(error="CopyJobFailed", cause="odd")
    chains.hop(opened, LedgerState.FAILED)
    # WHEN it is read back THEN it keeps AWS's category
    [hop] = chains.hops_of(chain.chain_id)
    assert (hop.status_message, hop.message_category) == ("odd", "KMSKeyError")
    # GIVEN the same hop as a record written before hops kept it (no such attribute)
    key = ledger_schema.hop(chain.chain_id, 0)
    client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": key["pk"]}, "sk": {"S": key["sk"]}},
        UpdateExpression="REMOVE message_category",
    )
    # WHEN it is read back THEN its category reads as None
    [older] = chains.hops_of(chain.chain_id)
    assert (older.status_message, older.message_category) == ("odd", None)
    # GIVEN it kept one again WHEN a replay reopens the hop THEN the old failure's class goes
    client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": key["pk"]}, "sk": {"S": key["sk"]}},
        UpdateExpression="SET message_category = :c",
        ExpressionAttributeValues={":c": {"S": "KMSKeyError"}},
    )
    chains.chain_died(chain.chain_id, "CopyJobFailed")
    assert chains.chain_retried(chain.model_copy(update={"attempt": 2}), 0)
    [reopened] = chains.hops_of(chain.chain_id)
    assert (reopened.state, reopened.message_category) == (LedgerState.REPLANNED, None)


def test_a_hop_keeps_its_slots_cap_and_start_for_tonights_forecast(central: CentralStack) -> None:
    # GIVEN a hop whose copy job started and completed
    aws.reset()
    chains = DynamoChainLedger(central.tables["LedgerTable"])
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    opened = next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    assert opened.current is not None
    started = utc_now().replace(microsecond=0) - timedelta(hours=2)
    opened.current.started_at = started
    chains.hop(opened, LedgerState.STARTED)
    chains.hop(opened, LedgerState.COMPLETED)
    # WHEN status reads the hops completed since an hour ago, and since tomorrow
    [record] = chains.hops_in_state(LedgerState.COMPLETED, utc_now() - timedelta(hours=1))
    later = chains.hops_in_state(LedgerState.COMPLETED, utc_now() + timedelta(days=1))
    # THEN the hop has its slot's cap and its start, and nothing completed after tomorrow
    assert (record.slot_cap, record.started_at) == (opened.current.slot_cap, started)
    assert later == []


def test_a_slots_queue_is_read_in_one_item_as_its_hops_are_recorded(
    central: CentralStack,
) -> None:
    # GIVEN two hops into the same slot recorded STARTING (waiting for it), and one holder
    aws.reset()
    table = central.tables["LedgerTable"]
    chains = DynamoChainLedger(table)
    routes = settings(ChainStepsSettings).routes
    first = chain_for_event(copy_event(), routes, DR)
    second = chain_for_event(copy_event(destination_recovery_point_arn="rp-2"), routes, DR)
    assert first is not None
    assert second is not None
    opened = [next_hop(c, WaitPolicy("us-west-2", 60), AWS_QUOTAS) for c in (first, second)]
    slot = opened[0].current.slot if opened[0].current else ""
    for hop in opened:
        chains.hop(hop, LedgerState.STARTING)
    client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": slot}, "sk": {"S": "SLOT"}},
        UpdateExpression="ADD holders :me",
        ExpressionAttributeValues={":me": {"SS": ["other-chain#0"]}},
    )
    # THEN the slot's queue is the holder and the two waiting, nothing measured yet
    assert chains.slot_load(slot) == SlotLoad(3, None)
    # WHEN the first starts its copy job (2 h ago) and completes it
    assert opened[0].current is not None
    opened[0].current.started_at = utc_now() - timedelta(hours=2)
    chains.hop(opened[0], LedgerState.STARTED)
    chains.hop(opened[0], LedgerState.COMPLETED)
    # THEN it waits no more, and its duration is the slot's measure
    load = chains.slot_load(slot)
    assert load.open_hops == 2
    assert load.typical_hop is not None
    assert abs(load.typical_hop - timedelta(hours=2)) < timedelta(minutes=1)
    # AND a chain that ended outside its steps leaves the waiting set too
    [waiting] = chains.hops_of(second.chain_id)
    chains.release_slot(waiting)
    assert chains.slot_load(slot).open_hops == 1


def test_a_slots_waiting_count_stops_at_its_cap_without_failing(
    central: CentralStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a slot's waiting count capped at 2 (MAX_WAITING, lowered for the test)
    aws.reset()
    monkeypatch.setattr(chain_ledger, "MAX_WAITING", 2)
    chains = DynamoChainLedger(central.tables["LedgerTable"])
    # WHEN three chains queue for it
    for holder in ("a#0", "b#0", "c#0"):
        chains.queue("SLOT#1#us-east-1#cluster-snapshot", holder)
    # THEN it counts two, and the third write did not fail
    assert chains.slot_load("SLOT#1#us-east-1#cluster-snapshot").open_hops == 2


def test_a_chain_that_dies_before_its_first_hop_leaves_its_slots_queue(
    central: CentralStack,
) -> None:
    # GIVEN two chains kept on the central route, each counted in its slot's queue at its start
    # (the overflow's `queue`), whose executions never recorded a hop
    aws.reset()
    chains = DynamoChainLedger(central.tables["LedgerTable"])
    routes = settings(ChainStepsSettings).routes
    dying = chain_for_event(copy_event(), routes, DR)
    other = chain_for_event(copy_event(destination_recovery_point_arn="rp-2"), routes, DR)
    assert dying is not None
    assert other is not None
    opened = next_hop(dying, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    slot = opened.current.slot if opened.current else ""
    for chain in (dying, other):
        chains.chain_started(chain)
        chains.queue(slot, f"{chain.chain_id}#0")
    assert chains.slot_load(slot).open_hops == 2
    # WHEN one dies (its execution never started, or ended before its first hop's record)
    assert chains.chain_died(dying.chain_id, "its execution never started")
    # THEN it no longer counts in the queue; the other still does
    assert chains.slot_load(slot).open_hops == 1
    # AND once the other dies too, the slot counts none
    assert chains.chain_died(other.chain_id, "its execution never started")
    assert chains.slot_load(slot).open_hops == 0
