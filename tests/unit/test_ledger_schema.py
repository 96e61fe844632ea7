"""The ledger's key schema: each key builder writes a key of its own kind and of no other, the
adapters read back what they wrote, and the keys the domain makes (a slot's, a job's) are the
schema's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backup_relay.adapters import ledger_schema as ledger
from backup_relay.adapters.ledger_patterns import Pattern
from backup_relay.adapters.ledger_schema import ITEMS, ItemKind
from backup_relay.domain.chain import HopRecord
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay.domain.quotas import GROUPS, slot_for
from tests.support.world import copy_event

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
EVENT = copy_event(job_id="copy-1")
HOP = HopRecord("chain-1", 3, None, "us-west-2", NOW, "111111111111", "us-east-1", slot="")

BUILT = [
    (ledger.chain("chain-1"), ledger.CHAIN),
    (ledger.hop("chain-1", 3), ledger.HOP),
    (
        ledger.by_recovery_point("arn:aws:rds:us-west-2:1:cluster-snapshot:a", "c"),
        ledger.BY_RECOVERY_POINT,
    ),
    (ledger.waiting_hop("copy-1"), ledger.WAITING_HOP),
    (ledger.job_event(EVENT), ledger.JOB_EVENT),
    (ledger.job_event(copy_event(job_id=None, state=JobState.CREATED)), ledger.JOB_EVENT),
    (ledger.job_state(EVENT), ledger.JOB_STATE),
    (ledger.replay("copy-1"), ledger.REPLAY),
    (ledger.quarantined(NOW, "message-1"), ledger.QUARANTINED),
    (ledger.alert("job:COPY:copy-1:FAILED"), ledger.ALERT),
    (ledger.quarantine_count("2026-11-22T12"), ledger.QUARANTINE_COUNT),
    (ledger.PROVEN_RESTORE.key(resource_arn="arn:aws:rds:r:1:db:d"), ledger.PROVEN_RESTORE),
]


@pytest.mark.parametrize(("key", "kind"), BUILT, ids=lambda v: getattr(v, "name", ""))
def test_each_builder_writes_a_key_of_its_kind_and_of_no_other(
    key: ledger.Key, kind: ItemKind
) -> None:
    assert [k for k in ITEMS if k.matches(key["pk"], key["sk"])] == [kind]


def test_every_kind_has_a_builder() -> None:
    built = {kind.name for _, kind in BUILT}
    assert built | {ledger.SLOT.name} == {kind.name for kind in ITEMS}  # a slot: the domain's


def test_the_ledger_reads_back_the_chain_and_hop_it_keyed() -> None:
    # GIVEN a hop's key WHEN its chain and index are read back THEN they are the hop's
    key = ledger.hop("chain-1", 3)
    assert (ledger.chain_id_of(key["pk"]), ledger.hop_index_of(key["sk"])) == ("chain-1", 3)
    assert key["sk"].startswith(ledger.HOPS)
    # AND a by-recovery-point item's sort key names its chain
    key = ledger.by_recovery_point("arn:rp", "chain-1")
    assert key["pk"] == ledger.chains_from("arn:rp")
    assert ledger.chain_id_of(key["sk"]) == "chain-1"


def test_hops_sort_in_their_order() -> None:
    keys = [ledger.hop("c", index)["sk"] for index in (0, 2, 10)]
    assert sorted(keys) == keys


def test_a_jobs_events_and_state_share_the_partition_the_chain_ledger_reads() -> None:
    # GIVEN a copy job's event, as ingest keys it
    event_key, state_key = ledger.job_event(EVENT), ledger.job_state(EVENT)
    # THEN the wait step finds it under its copy job's partition, its events apart from its state
    assert event_key["pk"] == state_key["pk"] == ledger.job(JobKind.COPY, "copy-1")
    assert event_key["sk"].startswith(ledger.EVENTS)
    assert not state_key["sk"].startswith(ledger.EVENTS)


@pytest.mark.parametrize("resource_type", ["RDS", "Aurora", "EBS"])
def test_the_slot_next_hop_names_is_a_slot_of_the_schema(resource_type: str) -> None:
    # GIVEN the slot the domain gives a hop (NextHop sets it; the state machine takes it)
    slot = slot_for(resource_type, "111111111111", "us-east-1", 0)
    # THEN it is a slot's key, and the ledger frees that slot for the hop that recorded it
    assert ledger.kind_of(slot.key, ledger.SLOT.sk()) is ledger.SLOT
    hop = replace(HOP, slot=slot.key)
    assert ledger.slot_of(hop) == {"pk": slot.key, "sk": ledger.SLOT.sk()}


def test_a_hop_older_than_quota_groups_frees_its_accounts_and_regions_slot() -> None:
    # GIVEN a hop recorded before slots had quota groups (no `slot`)
    legacy = ledger.slot_of(HOP)["pk"]
    # THEN the slot it frees is its account's and destination region's, without a group
    current = slot_for("RDS", HOP.source_account, HOP.destination_region, 0).key
    assert current.removeprefix(f"{legacy}#") in {group.name for group in GROUPS}


def test_index_partitions_name_the_state() -> None:
    assert ledger.jobs_in(JobKind.COPY, JobState.FAILED).endswith("#COPY#FAILED")
    index = ledger.job_event_index(EVENT)
    assert index["gsi1sk"].startswith(EVENT.time.isoformat())


def test_a_pattern_as_the_docs_write_it() -> None:
    assert Pattern("HOP#{index:02d}").doc == "HOP#<nn>"
    assert Pattern("RP#{recovery_point_arn}").doc == "RP#<recovery point arn>"
    assert Pattern("STATE").prefix == "STATE"
