"""The route table: which copy AWS Backup makes from one vault to another, as data.

A route's case is its resource type x same or other account x same or other region x the
destination (and source) vault's type (standard, logically air-gapped) x opt-in regions or another
partition on the way (and, for the chain, whether the type is chained or allowed a single-action
copy by the stack's settings). Its action is one of: one copy, two hops (cross-account in the
source region, then cross-region: the chain), straight into a logically air-gapped (LAG) vault, or
impossible, with AWS's reason. RULES are tried in order and the first that applies decides; each
cites the AWS page its fact comes from, and a rule AWS's pages do not state is `inferred` (INFERRED
in the docs' table, `backup-relay plan` and its --json).

The per-type facts (which copies AWS makes of a type, whether a LAG vault takes it) stay in the
resource types registry (domain/resource_types.py, `Copies`): a rule reads them, so a type added
there reaches the table. `routes.plan_route` reads this table and only builds the hops;
`scripts/generate_docs_routes.py` writes docs/copy-chain.md's route table from it. Later steps
(several destinations per chain, the LAG vault resources, the simulator's LAG model) read the
same `decide()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from backup_relay.domain import resource_types
from backup_relay.domain.resource_types import ResourceType

#: AWS's pages the rules cite, by a short name.
PAGES = {
    "features": "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html",
    "lag": "https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html",
    "lag-primary": "https://docs.aws.amazon.com/aws-backup/latest/devguide/lag-vault-primary-backup.html#lag-primary-backup-troubleshooting",
    "cross-account": "https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html",
    "cross-region": "https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html",
    "history": "https://docs.aws.amazon.com/aws-backup/latest/devguide/doc-history.html",
    "features-regions": "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html#features-by-region",
    "quotas": "https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html",
}  # fmt: skip

#: Opt-in regions: some copies are not available in them (the features page's Region notes).
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
        "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
        "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
    }
)  # fmt: skip


#: Regions without logically air-gapped vaults: "Not currently available in Asia Pacific
#: (Malaysia), Canada West (Calgary), China (Beijing), China (Ningxia), AWS GovCloud (US-East),
#: or AWS GovCloud (US-West)" (the LAG page's comparison table, [lag]).
NO_LAG_VAULTS = frozenset(
    {"ap-southeast-5", "ca-west-1", "cn-north-1", "cn-northwest-1", "us-gov-east-1",
     "us-gov-west-1"}
)  # fmt: skip
#: Regions where "Cross-Region and cross-account copy to a logically air-gapped vault is not
#: currently available" (the features page's Region table, footnote 1 [features-regions]):
#: those above, and Mexico (Central), Thailand, Taipei, New Zealand.
NO_LAG_COPIES_IN = NO_LAG_VAULTS | {"mx-central-1", "ap-southeast-7", "ap-east-2", "ap-southeast-6"}


def partition(region: str) -> str:
    """The partition of a region: China's and GovCloud's regions copy only among themselves."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class VaultType(StrEnum):
    STANDARD = "standard"
    LOGICALLY_AIR_GAPPED = "logically-air-gapped"


class Encryption(StrEnum):
    """How the recovery point's resource is encrypted, where a route depends on it."""

    CUSTOMER_MANAGED = "customer-managed"
    AWS_MANAGED = "aws-managed"
    UNENCRYPTED = "unencrypted"


class Action(StrEnum):
    ONE_COPY = "one copy"
    TWO_HOPS = "two hops"
    INTO_LAG = "straight into LAG"
    IMPOSSIBLE = "impossible"


@dataclass(frozen=True)
class Case:
    """What decides a route."""

    resource_type: str
    other_account: bool = False
    other_region: bool = False
    destination_vault: VaultType = VaultType.STANDARD
    source_vault: VaultType = VaultType.STANDARD
    opt_in: tuple[str, ...] = ()  # the opt-in regions among the source's and the destination's
    other_partition: bool = False
    chained: bool = False  # the stack copies the type in two hops (ChainedResourceTypes)
    single_action: bool = False  # ... and allows it a single-action copy
    encryption: Encryption | None = None  # None: not known (a condition on the route)
    #: The copy's retention into the destination (DeleteAfterDays; None: kept for ever) and the
    #: destination LAG vault's range (min, max days; None: not known, not checked).
    retention_days: int | None = None
    retention_range: tuple[int, int] | None = None
    #: (source region, destination region); () when not known (a case built by hand)
    regions: tuple[str, ...] = ()

    @property
    def into_lag(self) -> bool:
        return self.destination_vault is VaultType.LOGICALLY_AIR_GAPPED


@dataclass(frozen=True)
class Rule:
    family: str
    when: str  # the row's condition, in words (the docs' table)
    action: Action
    #: Why, in one line: `{type}`, `{opt_in}`, `{copyable}`, `{retention}`, `{range}` are
    #: filled in.
    reason: str
    page: str  # a key of PAGES
    applies: Callable[[Case, ResourceType | None], bool]
    inferred: bool = False


@dataclass(frozen=True)
class Decision:
    family: str
    action: Action
    reason: str
    page: str  # the URL
    inferred: bool
    #: What AWS requires of the recovery point that the case does not tell (empty: nothing).
    condition: str = ""

    @property
    def possible(self) -> bool:
        return self.action is not Action.IMPOSSIBLE


def _copied(t: ResourceType | None) -> bool:
    return t is not None and t.copies.any


def _cluster(t: ResourceType | None) -> bool:
    return t is not None and t.database is not None and t.database.cluster


def _both(c: Case) -> bool:
    return c.other_account and c.other_region


def _lag_takes(t: ResourceType | None) -> bool | None:
    return t.copies.into_lag if t else False


_WEAK_KEYS = (Encryption.AWS_MANAGED, Encryption.UNENCRYPTED)


def _outside_range(c: Case) -> bool:
    """A copy into a LAG vault whose retention its range does not hold: AWS fails the job
    ("Copy job failed. The retention specified in the job is not within the range specified for
    the target Backup Vault." [lag-primary]). No expiry is longer than any maximum."""
    if not c.into_lag or c.retention_range is None:
        return False
    low, high = c.retention_range
    return c.retention_days is None or not low <= c.retention_days <= high


def retention_words(days: int | None) -> str:
    return "no expiry" if days is None else f"{days} days"


#: First applying rule wins. Every case reaches one (the last applies to all).
RULES: tuple[Rule, ...] = (
    Rule(
        "not-copied", "the type has no cross-account nor cross-Region copy", Action.IMPOSSIBLE,
        "AWS Backup cannot copy {type!r} recovery points (copyable types: {copyable})",
        "features", lambda c, t: not _copied(t),
    ),
    Rule(
        "other-partition", "source and destination in different partitions", Action.IMPOSSIBLE,
        "AWS Backup copies only within a partition: China's regions and GovCloud's copy only "
        "among themselves", "features", lambda c, t: c.other_partition,
    ),
    Rule(
        "no-cross-account", "other account; the type has no cross-account copy",
        Action.IMPOSSIBLE, "AWS Backup cannot copy {type} across accounts", "features",
        lambda c, t: c.other_account and t is not None and not t.copies.cross_account,
    ),
    Rule(
        "no-cross-region", "other region; the type has no cross-Region copy", Action.IMPOSSIBLE,
        "AWS Backup cannot copy {type} across regions", "features",
        lambda c, t: c.other_region and t is not None and not t.copies.cross_region,
    ),
    Rule(
        "opt-in-cross-account", "other account, an opt-in region on the way; the type has no "
        "cross-account copy there", Action.IMPOSSIBLE,
        "AWS Backup cannot copy {type} across accounts in the opt-in region {opt_in}", "features",
        lambda c, t: (
            c.other_account and bool(c.opt_in) and t is not None
            and not t.copies.cross_account_in_opt_in_regions
        ),
    ),
    Rule(
        "lag-no-vaults", "into a LAG vault in a region without them", Action.IMPOSSIBLE,
        "AWS Backup has no logically air-gapped vaults in {destination_region}", "lag",
        lambda c, t: c.into_lag and bool(c.regions) and c.regions[-1] in NO_LAG_VAULTS,
    ),
    Rule(
        "lag-region", "into a LAG vault across accounts or regions, a region on the way where "
        "AWS makes no such copy", Action.IMPOSSIBLE,
        "AWS Backup makes no cross-Region or cross-account copy into a logically air-gapped "
        "vault in {lag_regions}", "features-regions",
        lambda c, t: (
            c.into_lag and (c.other_account or c.other_region)
            and bool(set(c.regions) & NO_LAG_COPIES_IN)
        ),
    ),
    Rule(
        "lag-refuses-type", "into a LAG vault; the type is not taken by one", Action.IMPOSSIBLE,
        "a logically air-gapped vault does not take {type} recovery points (AWS: RDS DB "
        "instances and Multi-AZ DB clusters cannot be copied into one)", "lag",
        lambda c, t: c.into_lag and _lag_takes(t) is False,
    ),
    Rule(
        "lag-weak-key", "into a LAG vault; a cluster unencrypted or on an AWS managed key",
        Action.IMPOSSIBLE,
        "a {type} cluster that is unencrypted or encrypted with an AWS managed key cannot be "
        "copied into a logically air-gapped vault: encrypt it with a customer managed key",
        "lag", lambda c, t: c.into_lag and _cluster(t) and c.encryption in _WEAK_KEYS,
    ),
    Rule(
        "lag-retention-range", "into a LAG vault; the copy's retention outside the vault's "
        "minimum and maximum", Action.IMPOSSIBLE,
        "the copy's retention ({retention}) is outside the logically air-gapped vault's range "
        "({range}): AWS fails the copy job (\"The retention specified in the job is not within "
        "the range specified for the target Backup Vault\"): give the copy a DeleteAfterDays "
        "inside it (the stack's DrRetentionDays)", "lag-primary", lambda c, t: _outside_range(c),
    ),
    Rule(
        "lag-to-lag", "from a LAG vault into a LAG vault", Action.ONE_COPY,
        "LAG vault to LAG vault: on demand only (a StartCopyJob, as the relay copies; a backup "
        "plan's copy rule cannot)", "lag",
        lambda c, t: c.into_lag and c.source_vault is VaultType.LOGICALLY_AIR_GAPPED,
    ),
    Rule(
        "lag-two-hops", "into a LAG vault, other account and other region, a chained type",
        Action.TWO_HOPS,
        "{type} copies cross accounts in the source region, then cross regions straight into "
        "the logically air-gapped vault (AWS copies the cluster types across regions into one "
        "since February 12, 2026; INFERRED: that no single-action copy goes into one, which AWS "
        "does not say)", "history",
        lambda c, t: c.into_lag and _both(c) and c.chained, inferred=True,
    ),
    Rule(
        "lag-cluster-cross-region", "into a LAG vault in another region, a cluster type",
        Action.INTO_LAG,
        "one copy straight into the logically air-gapped vault across regions (\"Amazon "
        "Aurora, Amazon DocumentDB, and Amazon Neptune now support cross-Region snapshot "
        "copying to logically air-gapped vaults\", February 12, 2026)", "history",
        lambda c, t: c.into_lag and c.other_region and _cluster(t),
    ),
    Rule(
        "lag-unconfirmed", "into a LAG vault; AWS's pages as read do not say it takes the type",
        Action.INTO_LAG,
        "one copy straight into the logically air-gapped vault (INFERRED: the pages as read do "
        "not confirm a LAG vault takes {type}; the features page's LAG column decides)",
        "features", lambda c, t: c.into_lag and _lag_takes(t) is None, inferred=True,
    ),
    Rule(
        "lag", "into a LAG vault", Action.INTO_LAG,
        "one copy straight into the logically air-gapped vault", "quotas",
        lambda c, t: c.into_lag,
    ),
    Rule(
        "one-hop", "same account or same region", Action.ONE_COPY, "one copy job does it",
        "features", lambda c, t: not _both(c),
    ),
    Rule(
        "not-chained", "other account and other region, a type not chained", Action.ONE_COPY,
        "one copy job does it", "cross-account", lambda c, t: not c.chained,
    ),
    Rule(
        "single-action", "other account and other region, a chained type allowed a "
        "single-action copy, no opt-in region", Action.ONE_COPY,
        "single-action copy is enabled", "history",
        lambda c, t: c.single_action and not c.opt_in,
    ),
    Rule(
        "two-hops", "other account and other region, a chained type", Action.TWO_HOPS,
        "{type} copies cross accounts and regions in two hops", "cross-account",
        lambda c, t: True,
    ),
)  # fmt: skip


def decide(case: Case) -> Decision:
    """The action of the first rule that applies to `case`."""
    registry = resource_types.REGISTRY  # read when called: a test may replace it
    known = registry.get(case.resource_type)
    rule = next(r for r in RULES if r.applies(case, known))
    reason = rule.reason.format(
        type=case.resource_type,
        opt_in=", ".join(case.opt_in),
        copyable=", ".join(sorted(registry.copied())),
        retention=retention_words(case.retention_days),
        range="{} to {} days".format(*case.retention_range) if case.retention_range else "",
        destination_region=case.regions[-1] if case.regions else "",
        lag_regions=", ".join(sorted(set(case.regions) & NO_LAG_COPIES_IN)),
    )
    condition = ""
    possible = rule.action is not Action.IMPOSSIBLE
    if possible and case.into_lag and _cluster(known) and case.encryption is None:
        condition = (
            "the cluster must be encrypted with a customer managed key (unencrypted, or on "
            "an AWS managed key, it cannot go into a logically air-gapped vault)"
        )
    return Decision(rule.family, rule.action, reason, PAGES[rule.page], rule.inferred, condition)


def case_of(
    resource_type: str,
    source: tuple[str, str],
    destination: tuple[str, str],
    *,
    destination_vault: VaultType = VaultType.STANDARD,
    source_vault: VaultType = VaultType.STANDARD,
    chained: bool = False,
    single_action: bool = False,
    encryption: Encryption | None = None,
    retention_days: int | None = None,
    retention_range: tuple[int, int] | None = None,
) -> Case:
    """The case of a copy from one (account, region) to another."""
    regions = {source[1], destination[1]}
    return Case(
        resource_type,
        other_account=source[0] != destination[0],
        other_region=source[1] != destination[1],
        destination_vault=destination_vault,
        source_vault=source_vault,
        opt_in=tuple(sorted(regions & OPT_IN_REGIONS)),
        other_partition=partition(source[1]) != partition(destination[1]),
        chained=chained,
        single_action=single_action,
        encryption=encryption,
        retention_days=retention_days,
        retention_range=retention_range,
        regions=(source[1], destination[1]),
    )
