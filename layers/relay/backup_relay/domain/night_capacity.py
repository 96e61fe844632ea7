"""The night model: will tonight's DR copies finish inside the night's window, and by which
routes?

Every DR hop of the two-hop chain copies out of the central account, and a copy takes a slot of
its *source* account per destination region and quota group (domain/quotas.py, AWS's numbers
with their pages): RDS lets an account have 20 snapshot copies in progress to one destination
region, Aurora, DocumentDB and Neptune 5. Through one central account a night of N copies of a
typical duration d into one region therefore takes ceil(N / cap) x d: 200,000 30-minute copies
take about 208 days (bench/chain_cost.py).

Each member account has its own quota per destination region. Since October 2025 AWS copies
RDS, Aurora, DocumentDB and Neptune recovery points across accounts and regions in a single
action [SINGLE_ACTION_PAGE]; such a copy started in the member account (from the member's own
recovery point, straight into the DR vault) takes the member's slot, not the central account's.
It needs the DR vault's access policy to allow the member accounts `backup:CopyIntoBackupVault`
[VAULT_POLICY_PAGE]. So `plan_night` keeps on the central route what finishes inside the
window and routes the surplus, in this order:

1. single-action copies from the member accounts (each member's own slot), only for the types
   the stack allows a single-action copy (SingleActionResourceTypes) and where the route table
   allows one (domain/route_table.py: no opt-in region on the way); the members with the most
   copies first (fewer accounts carry the surplus);
2. the other central accounts the operator lists (each its own slots, into the same region);
3. the other DR regions the operator lists (the central account's slots into those regions).

What none of them can take inside the window stays on the central route, and the plan says the
night overruns. The model counts in waves: a slot of cap c runs c copies at once, each of the
typical duration (INFERRED: AWS gives no duration for a copy, "AWS Backup does not provide any
service-level agreements (SLAs) for copy job completion times"; the bench assumes one, status
measures it from the night's completed hops). The member's own first hop (its plan's copy into
the central vault, in its own region) takes the member's home-region slot, not the DR region's:
it is not modelled.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from backup_relay.domain.quotas import quota_group, slot_for
from backup_relay.domain.route_table import case_of, decide

SINGLE_ACTION_PAGE = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html"
)
SINGLE_ACTION_QUOTE = (
    "Amazon RDS, Aurora, DocumentDB, and Neptune now support cross-Region and cross-account "
    "snapshot copying in a single action."
)
VAULT_POLICY_PAGE = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html"
)
VAULT_POLICY_QUOTE = (
    "You must \u201cAllow\u201d the access policy backup:CopyIntoBackupVault for your "
    "destination backup vault."
)


class RouteKind(StrEnum):
    """Whose slot a DR copy takes."""

    CENTRAL = "central"  # the two-hop chain's DR hop, out of the central account
    SINGLE_ACTION = "single-action"  # from the member account, its own slot
    OTHER_CENTRAL = "other-central"  # another central account the operator lists
    OTHER_REGION = "other-region"  # another DR region the operator lists


@dataclass(frozen=True)
class Demand:
    """`count` chained recovery points of `resource_type` that landed in the central vault of
    `source_region` from `source_account` tonight and must reach `destination_region`."""

    source_account: str
    source_region: str
    resource_type: str
    destination_region: str
    count: int


@dataclass(frozen=True)
class NightRoutes:
    """The routes a night may use: the stack's settings (RoutePolicy's central account and
    single-action types, MaxConcurrentCopies) and what the operator lists besides."""

    central_account: str
    single_action_types: frozenset[str] = frozenset()
    other_central_accounts: tuple[str, ...] = ()
    other_regions: tuple[str, ...] = ()
    max_concurrent_copies: int = 0  # 0: AWS's quotas alone

    def single_action_allowed(self, demand: Demand) -> bool:
        """The route table's answer for a copy from the member straight into the destination
        region's vault of the central account, the type allowed a single-action copy."""
        if demand.resource_type not in self.single_action_types:
            return False
        other_account = demand.source_account != self.central_account
        return _single_action(
            demand.resource_type, demand.source_region, demand.destination_region, other_account
        )


@functools.cache
def _single_action(resource_type: str, source: str, destination: str, other_account: bool) -> bool:
    """The route table's answer depends on the accounts only through whether they differ."""
    accounts = ("member", "central") if other_account else ("central", "central")
    case = case_of(
        resource_type,
        (accounts[0], source),
        (accounts[1], destination),
        chained=True,
        single_action=True,
    )
    return decide(case).family == "single-action"


@dataclass(frozen=True)
class Assignment:
    """`copies` of a quota group run through one slot: `account`'s into `region`."""

    route: RouteKind
    account: str
    region: str
    group: str
    cap: int
    copies: int

    def finish(self, duration: timedelta) -> timedelta:
        """When the slot's last copy ends, from the night's start: ceil(copies / cap) waves."""
        return waves(self.copies, self.cap) * duration


def waves(copies: int, cap: int) -> int:
    if copies <= 0:
        return 0
    if cap <= 0:
        raise ValueError(f"a slot must let at least one copy run, not {cap}")
    return math.ceil(copies / cap)


@dataclass(frozen=True)
class NightPlan:
    window: timedelta
    duration: timedelta
    assignments: tuple[Assignment, ...]

    @property
    def finish(self) -> timedelta:
        """When the night's last copy ends, from its start (0: nothing to copy)."""
        return max((a.finish(self.duration) for a in self.assignments), default=timedelta(0))

    @property
    def inside_window(self) -> bool:
        return self.finish <= self.window

    def share(self) -> dict[RouteKind, int]:
        """How many copies each route carries (routes that carry none left out)."""
        shares: dict[RouteKind, int] = defaultdict(int)
        for assignment in self.assignments:
            shares[assignment.route] += assignment.copies
        return {route: shares[route] for route in RouteKind if shares[route]}

    def in_flight(self) -> dict[tuple[str, str], int]:
        """The most copies in progress at once per (account, destination region): each slot's
        first wave."""
        peaks: dict[tuple[str, str], int] = defaultdict(int)
        for a in self.assignments:
            peaks[(a.account, a.region)] += min(a.copies, a.cap)
        return dict(peaks)

    def accounts(self, route: RouteKind) -> int:
        return len({a.account for a in self.assignments if a.route is route and a.copies})

    def finish_of(self, route: RouteKind) -> timedelta:
        found = [a.finish(self.duration) for a in self.assignments if a.route is route]
        return max(found, default=timedelta(0))


@dataclass
class _Slots:
    """The slots a plan fills: (account, region, group) -> copies, with their caps."""

    window_waves: int
    max_concurrent_copies: int
    routes: dict[tuple[str, str, str], RouteKind] = field(default_factory=dict)
    caps: dict[tuple[str, str, str], int] = field(default_factory=dict)
    used: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def cap(self, resource_type: str, account: str, region: str) -> tuple[str, str, str]:
        group = quota_group(resource_type).name
        key = (account, region, group)
        if key not in self.caps:
            cap = slot_for(resource_type, account, region, self.max_concurrent_copies).cap
            self.caps[key] = cap
        return key

    def free(self, key: tuple[str, str, str]) -> int:
        """How many more copies the slot finishes inside the window."""
        return max(0, self.caps[key] * self.window_waves - self.used[key])

    def put(self, key: tuple[str, str, str], route: RouteKind, copies: int) -> None:
        if copies <= 0:
            return
        self.routes.setdefault(key, route)
        self.used[key] += copies

    def assignments(self) -> tuple[Assignment, ...]:
        return tuple(
            Assignment(self.routes[key], *key, cap=self.caps[key], copies=used)
            for key, used in sorted(self.used.items())
            if used
        )


def plan_night(
    demands: Iterable[Demand],
    routes: NightRoutes,
    window: timedelta,
    duration: timedelta,
    *,
    overflow: bool = True,
) -> NightPlan:
    """Which route carries each of the night's copies (see the module's docstring).
    `overflow=False`: every copy on the central route, as the two-hop chain alone runs them."""
    if duration <= timedelta(0) or window <= timedelta(0):
        raise ValueError("the window and a copy's duration must be positive")
    slots = _Slots(window // duration, routes.max_concurrent_copies)
    for bucket in _buckets(demands).values():
        _place(bucket, routes, slots, overflow=overflow)
    return NightPlan(window, duration, slots.assignments())


def _buckets(demands: Iterable[Demand]) -> Mapping[tuple[str, str], list[Demand]]:
    """The demands per (destination region, quota group): what competes for one central slot.
    Each bucket lists the biggest demands first (then by account, to be deterministic)."""
    buckets: dict[tuple[str, str], list[Demand]] = defaultdict(list)
    for demand in demands:
        if demand.count > 0:
            group = quota_group(demand.resource_type).name
            buckets[(demand.destination_region, group)].append(demand)
    for bucket in buckets.values():
        bucket.sort(key=lambda d: (-d.count, d.source_account, d.resource_type))
    return dict(sorted(buckets.items()))


def _place(bucket: list[Demand], routes: NightRoutes, slots: _Slots, *, overflow: bool) -> None:
    first = bucket[0]
    central = slots.cap(first.resource_type, routes.central_account, first.destination_region)
    total = sum(d.count for d in bucket)
    surplus = total - slots.free(central) if overflow else 0
    left: dict[int, int] = {i: d.count for i, d in enumerate(bucket)}  # what stays central

    def move(index: int, key: tuple[str, str, str], route: RouteKind) -> None:
        nonlocal surplus
        taken = min(left[index], slots.free(key), surplus)
        if taken > 0:
            slots.put(key, route, taken)
            left[index] -= taken
            surplus -= taken

    for index, demand in enumerate(bucket):  # 1. the members' own slots
        if surplus <= 0:
            break
        if routes.single_action_allowed(demand):
            own = slots.cap(demand.resource_type, demand.source_account, demand.destination_region)
            move(index, own, RouteKind.SINGLE_ACTION)
    others = [
        (RouteKind.OTHER_CENTRAL, account, first.destination_region)
        for account in routes.other_central_accounts
    ] + [
        (RouteKind.OTHER_REGION, routes.central_account, region)
        for region in routes.other_regions
        if region != first.destination_region
    ]
    cursor = 0  # the demands before it have nothing left on the central route
    for route, account, region in others:  # 2. and 3. what the operator lists
        key = slots.cap(first.resource_type, account, region)
        while surplus > 0 and cursor < len(bucket) and slots.free(key) > 0:
            move(cursor, key, route)
            if left[cursor] == 0:
                cursor += 1
        if surplus <= 0:
            break
    slots.put(central, RouteKind.CENTRAL, sum(left.values()))
