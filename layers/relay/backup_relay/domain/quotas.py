"""How many copies AWS lets an account run at once into one region, per resource type: the
copy chain's concurrency slots.

Every hop of a chain is a copy job of one account (its source vault's) into one region, and the
databases' own snapshot-copy quotas, not AWS Backup's, bind the chained types: AWS Backup's
quota "only appl[ies] to resource types fully managed by AWS Backup", and RDS, Aurora,
DocumentDB and Neptune are not. Each number below is AWS's, written here once, with where AWS
says it; docs/copy-chain.md ("Concurrency") quotes them.

A hop takes a slot per (source account, destination region, quota group). AWS documents neither
whether RDS counts DB snapshot copies and DB cluster snapshot copies together, nor whether
DocumentDB and Neptune (which use "operational technology that is shared with Amazon RDS")
count with Aurora. So the groups assume the worst of each (INFERRED): the three cluster-snapshot
engines share one counter of their lowest quota, and RDS's DB snapshots get what is left of
RDS's quota after it, so the four together never pass RDS's either.

Copies into a logically air-gapped (LAG) vault have a quota of their own on AWS Backup's quotas
page ("Logically air-gapped vault maximum concurrent copies", per resource type:
`LAG_VAULT_COPIES`).
AWS does not say per what it counts (vault, account, destination region), nor whether a copy into
a LAG vault also counts against the engine's snapshot-copy quota (INFERRED: both, as the worst
case). So a hop into a LAG vault takes the same slot as any other copy of its type into that
region (the engine's counter, shared with the DR copies) with the lower of the two caps
(`slot_for(..., into_lag=True)`). For Aurora, DocumentDB and Neptune the engines' five bind long
before the LAG vault's twenty.
"""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.domain import resource_types


@dataclass(frozen=True)
class CopyQuota:
    """AWS's documented limit on copies in progress at once, per account and destination region."""

    limit: int
    quote: str  # AWS's words
    url: str


RDS_DB_SNAPSHOT_COPIES = CopyQuota(
    20,
    "You can have up to 20 snapshot copy requests in progress to a single destination Region "
    "per account.",
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html",
)
AURORA_CLUSTER_SNAPSHOT_COPIES = CopyQuota(
    5,
    "You can have up to five snapshot copy requests in progress to a single destination Region "
    "per account.",
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html",
)
DOCUMENTDB_CLUSTER_SNAPSHOT_COPIES = CopyQuota(
    5,
    "You can have up to five snapshot copy requests in progress to a single destination Region "
    "per account.",
    "https://docs.aws.amazon.com/documentdb/latest/developerguide/"
    "backup_restore-copy_cluster_snapshot.html",
)
NEPTUNE_CLUSTER_SNAPSHOT_COPIES = CopyQuota(
    5,
    "You can have up to five snapshot copy requests in progress to a single Region per account.",
    "https://docs.aws.amazon.com/neptune/latest/userguide/backup-restore-copy-snapshot.html",
)
AWS_BACKUP_COPY_JOBS = CopyQuota(
    100,
    "Concurrent cross-Region or in-Region copy jobs per account in destination Region: 100 "
    "(Limit only apply to resource types fully managed by AWS Backup.)",
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html",
)


#: "Logically air-gapped vault maximum concurrent copies" on AWS Backup's quotas page, by the
#: registry's type names; a type it does not list has no LAG quota of its own (the group's binds).
LAG_VAULT_COPIES_URL = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html"
)
LAG_VAULT_COPIES = {
    "EBS": 20,
    "EC2": 20,  # "The EBS concurrent copy limit applies to any snapshots being copied as part of
    # an AMI copy"
    "Aurora": 20,
    "DocumentDB": 20,
    "Neptune": 20,
    "Storage Gateway": 5,
    "FSx": 5,
}


@dataclass(frozen=True)
class QuotaGroup:
    """Resource types whose copies one slot counts together, and how many it lets run. Each
    type names its group in the resource types registry (domain/resource_types.py)."""

    name: str  # the last part of the slot's key
    cap: int
    why: str

    def members(self) -> frozenset[str]:
        """The registry's types in this group (a type it does not know: FULLY_MANAGED's)."""
        return frozenset(t.name for t in resource_types.REGISTRY if t.quota_group == self.name)


_CLUSTER_QUOTAS = (
    AURORA_CLUSTER_SNAPSHOT_COPIES,
    DOCUMENTDB_CLUSTER_SNAPSHOT_COPIES,
    NEPTUNE_CLUSTER_SNAPSHOT_COPIES,
)
_CLUSTER_CAP = min(quota.limit for quota in _CLUSTER_QUOTAS)

CLUSTER_SNAPSHOTS = QuotaGroup(
    "cluster-snapshot",
    _CLUSTER_CAP,
    "each engine's quota; one counter for the three, as they may share it (INFERRED)",
)
DB_SNAPSHOTS = QuotaGroup(
    "db-snapshot",
    RDS_DB_SNAPSHOT_COPIES.limit - _CLUSTER_CAP,
    "RDS's quota less the cluster snapshots' cap, as they may count together (INFERRED)",
)
FULLY_MANAGED = QuotaGroup(
    "backup",
    AWS_BACKUP_COPY_JOBS.limit,
    "AWS Backup's quota for the types it fully manages",
)
GROUPS = (DB_SNAPSHOTS, CLUSTER_SNAPSHOTS, FULLY_MANAGED)


def quota_group(resource_type: str) -> QuotaGroup:
    """The group the registry names for the type; FULLY_MANAGED for a type it does not know."""
    known = resource_types.REGISTRY.get(resource_type)
    if known is None:
        return FULLY_MANAGED
    [group] = [group for group in GROUPS if group.name == known.quota_group]
    return group


@dataclass(frozen=True)
class Slot:
    """The concurrency slot a hop takes: the ledger item's key, and how many may hold it."""

    key: str
    cap: int


def slot_key(source_account: str, destination_region: str, group: QuotaGroup) -> str:
    return f"SLOT#{source_account}#{destination_region}#{group.name}"


def slot_for(
    resource_type: str,
    source_account: str,
    destination_region: str,
    max_concurrent_copies: int,
    *,
    into_lag: bool = False,
) -> Slot:
    """The slot of a hop of `resource_type` out of `source_account` into `destination_region`.
    `max_concurrent_copies` is the stack's MaxConcurrentCopies: an operator's lower cap, 0 for
    AWS's quota alone; it never raises a cap above AWS's. `into_lag`: the hop copies into a
    logically air-gapped vault, whose own quota (LAG_VAULT_COPIES) caps it too."""
    if max_concurrent_copies < 0:
        raise ValueError(f"MaxConcurrentCopies must be 0 or more, not {max_concurrent_copies}")
    group = quota_group(resource_type)
    cap = group.cap
    if into_lag and resource_type in LAG_VAULT_COPIES:
        cap = min(cap, LAG_VAULT_COPIES[resource_type])
    cap = min(cap, max_concurrent_copies) if max_concurrent_copies else cap
    return Slot(slot_key(source_account, destination_region, group), cap)
