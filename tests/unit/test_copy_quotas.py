"""The copy chain's concurrency slots: one per (source account, destination region, quota
group), never capped above AWS's documented quota for the type, whatever MaxConcurrentCopies."""

from __future__ import annotations

from pathlib import Path

import pytest

from backup_relay.domain.quotas import (
    AURORA_CLUSTER_SNAPSHOT_COPIES,
    AWS_BACKUP_COPY_JOBS,
    CLUSTER_SNAPSHOTS,
    DB_SNAPSHOTS,
    DOCUMENTDB_CLUSTER_SNAPSHOT_COPIES,
    FULLY_MANAGED,
    GROUPS,
    NEPTUNE_CLUSTER_SNAPSHOT_COPIES,
    RDS_DB_SNAPSHOT_COPIES,
    CopyQuota,
    QuotaGroup,
    quota_group,
    slot_for,
)
from backup_relay.domain.resource_types import REGISTRY
from backup_relay.template_parameters import DEFAULTS

QUOTAS = (
    RDS_DB_SNAPSHOT_COPIES,
    AURORA_CLUSTER_SNAPSHOT_COPIES,
    DOCUMENTDB_CLUSTER_SNAPSHOT_COPIES,
    NEPTUNE_CLUSTER_SNAPSHOT_COPIES,
    AWS_BACKUP_COPY_JOBS,
)
#: Each chained type's own documented quota.
OWN_QUOTA = {
    "RDS": RDS_DB_SNAPSHOT_COPIES,
    "Aurora": AURORA_CLUSTER_SNAPSHOT_COPIES,
    "DocumentDB": DOCUMENTDB_CLUSTER_SNAPSHOT_COPIES,
    "Neptune": NEPTUNE_CLUSTER_SNAPSHOT_COPIES,
}


@pytest.mark.parametrize("resource_type", sorted(REGISTRY.two_hop()))
def test_no_chained_type_is_capped_above_its_own_quota(resource_type: str) -> None:
    # GIVEN the stack's default MaxConcurrentCopies (AWS's quotas alone)
    default = int(DEFAULTS["MaxConcurrentCopies"] or "0")
    # WHEN a hop of the type takes its slot
    slot = slot_for(resource_type, "111111111111", "us-west-2", default)
    # THEN its cap is within the type's own quota
    assert 1 <= slot.cap <= OWN_QUOTA[resource_type].limit


def test_the_cluster_snapshot_engines_share_one_slot_within_each_ones_quota() -> None:
    # GIVEN Aurora, DocumentDB and Neptune, whose shared counter AWS does not rule out
    slots = {
        slot_for(t, "111111111111", "us-west-2", 0) for t in ("Aurora", "DocumentDB", "Neptune")
    }
    # THEN one slot counts them together, capped by the lowest of their quotas
    [slot] = slots
    assert slot.cap == min(q.limit for t, q in OWN_QUOTA.items() if t != "RDS")


def test_rds_and_the_cluster_snapshots_together_stay_within_rds_quota() -> None:
    # (should RDS count DB snapshot and DB cluster snapshot copies against one counter)
    assert DB_SNAPSHOTS.cap + CLUSTER_SNAPSHOTS.cap <= RDS_DB_SNAPSHOT_COPIES.limit
    assert DB_SNAPSHOTS.cap > 0


def test_a_type_aws_backup_fully_manages_is_capped_by_aws_backups_quota() -> None:
    # GIVEN an EBS hop (not a chained type: a chain may still carry one if an operator adds it)
    slot = slot_for("EBS", "111111111111", "us-west-2", 0)
    # THEN AWS Backup's quota caps it, in a slot of its own
    assert quota_group("EBS") is FULLY_MANAGED
    assert slot.cap == AWS_BACKUP_COPY_JOBS.limit


def test_slots_are_per_source_account_destination_region_and_group() -> None:
    # GIVEN hops of the same type that differ in account or region, and hops of two groups
    keys = {
        slot_for("Aurora", "111111111111", "us-west-2", 0).key,
        slot_for("Aurora", "222222222222", "us-west-2", 0).key,
        slot_for("Aurora", "111111111111", "eu-west-1", 0).key,
        slot_for("RDS", "111111111111", "us-west-2", 0).key,
    }
    # THEN each has its own slot
    assert len(keys) == 4
    assert slot_for("Neptune", "111111111111", "us-west-2", 0).key == (
        "SLOT#111111111111#us-west-2#cluster-snapshot"
    )


@pytest.mark.parametrize(
    ("resource_type", "stack_cap", "cap"),
    [
        ("RDS", 0, DB_SNAPSHOTS.cap),  # 0: AWS's quota alone
        ("RDS", 2, 2),  # an operator's lower cap
        ("Aurora", 2, 2),
        ("Aurora", 50, CLUSTER_SNAPSHOTS.cap),  # never above AWS's quota
        ("RDS", 100, DB_SNAPSHOTS.cap),
        ("EBS", 7, 7),
    ],
)
def test_max_concurrent_copies_only_lowers_the_cap(
    resource_type: str, stack_cap: int, cap: int
) -> None:
    assert slot_for(resource_type, "111111111111", "us-west-2", stack_cap).cap == cap


def test_a_negative_stack_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="MaxConcurrentCopies"):
        slot_for("RDS", "111111111111", "us-west-2", -1)


def test_every_registered_type_is_in_one_group_of_a_positive_cap() -> None:
    named = [t for group in GROUPS for t in group.members()]
    assert sorted(named) == sorted(REGISTRY.names())
    assert all(group.cap > 0 for group in GROUPS)
    assert set(OWN_QUOTA) <= set(named)
    assert CLUSTER_SNAPSHOTS.members() == {"Aurora", "DocumentDB", "Neptune"}
    assert DB_SNAPSHOTS.members() == {"RDS"}


def test_a_type_the_registry_does_not_know_is_capped_by_aws_backups_quota() -> None:
    assert "Unknown" not in REGISTRY
    assert quota_group("Unknown") is FULLY_MANAGED


@pytest.mark.parametrize("quota", QUOTAS, ids=lambda q: q.url.rsplit("/", 1)[-1])
def test_the_docs_quote_every_quota_from_its_source(quota: CopyQuota) -> None:
    # (the numbers live in quotas.py; docs/copy-chain.md quotes them with their sources)
    docs = (Path(__file__).resolve().parents[2] / "docs" / "copy-chain.md").read_text()
    assert quota.url in docs


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_the_docs_give_every_groups_cap(group: QuotaGroup) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "copy-chain.md").read_text()
    assert f"| `{group.name}` |" in docs
    assert f"| {group.cap} |" in docs
