"""A night of DR copies at 1,000 and 10,000 member accounts: ours (quota-aware routes) against
the single central hop.

Run: make bench   (or .venv/bin/python bench/night_capacity.py)

The model is the library's own (backup_relay/domain/night_capacity.py, which cites AWS's
quotas): each DR copy takes a slot of its source account per destination region and quota group
(RDS DB snapshots 15 of RDS's 20 in progress, the three cluster-snapshot engines 5 together:
domain/quotas.py), a slot runs its copies in waves of its cap, every copy lasting the same
typical duration. The single central hop runs every copy out of the central account, as the
two-hop chain does today; ours keeps on it what finishes inside the window (NightWindowHours,
the template's default) and routes the surplus as single-action copies from the member accounts
(SingleActionResourceTypes: all four chained types here), each in its own slot. Without
single-action copies, the script finds how many central accounts (each its own slots) the night
would need instead.

The night: every member account has 2 RDS DB instances and 1 Aurora cluster backed up, every
fifth a DocumentDB cluster, every tenth a Neptune cluster, all in us-east-1, copied to DR in
us-west-2; copies of 30 minutes (and, second, of 3 hours). AWS documents no copy duration
(INFERRED: these are assumptions, as in bench/chain_cost.py). Pure computation: no AWS, no moto.
"""

from __future__ import annotations

import time
from datetime import timedelta

from backup_relay.domain.night_capacity import (
    Demand,
    NightPlan,
    NightRoutes,
    RouteKind,
    plan_night,
)
from backup_relay.template_parameters import DEFAULTS

CENTRAL = "999999999999"
HOME, DR = "us-east-1", "us-west-2"
WINDOW = timedelta(hours=float(DEFAULTS["NightWindowHours"] or "8"))
CHAINED = frozenset({"RDS", "Aurora", "DocumentDB", "Neptune"})
ACCOUNTS = (1_000, 10_000)
DURATIONS = (timedelta(minutes=30), timedelta(hours=3))


def night(accounts: int) -> list[Demand]:
    demands = []
    for number in range(1, accounts + 1):
        account = f"{100_000_000_000 + number:012d}"
        mix = {"RDS": 2, "Aurora": 1}
        if number % 5 == 0:
            mix["DocumentDB"] = 1
        if number % 10 == 0:
            mix["Neptune"] = 1
        demands += [Demand(account, HOME, kind, DR, count) for kind, count in mix.items()]
    return demands


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:,.1f} days" if hours > 48 else f"{hours:,.1f} h"


def _row(accounts: int, design: str, plan: NightPlan) -> str:
    share = plan.share()
    flights = plan.in_flight()
    central = flights.get((CENTRAL, DR), 0)
    members = [n for (account, _), n in flights.items() if account != CENTRAL]
    return (
        f"| {accounts:,} | {design} | {sum(share.values()):,} | {_hours(plan.finish)} | "
        f"{'yes' if plan.inside_window else 'no'} | {share.get(RouteKind.CENTRAL, 0):,} | "
        f"{share.get(RouteKind.SINGLE_ACTION, 0):,} ({plan.accounts(RouteKind.SINGLE_ACTION):,}) | "
        f"{central} | {max(members, default=0)} | {sum(flights.values()):,} |"
    )


def central_accounts_needed(demands: list[Demand], duration: timedelta) -> int:
    """How many central accounts (the one and others listed) the night needs to fit its window
    without single-action copies."""
    low, high = 1, 1
    while not _fits(demands, duration, high):
        low, high = high, high * 2
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if not _fits(demands, duration, middle) else (low, middle)
    return high


def _fits(demands: list[Demand], duration: timedelta, accounts: int) -> bool:
    others = tuple(f"{900_000_000_000 + n:012d}" for n in range(1, accounts))
    routes = NightRoutes(CENTRAL, other_central_accounts=others)
    return plan_night(demands, routes, WINDOW, duration).inside_window


def main() -> None:
    started = time.perf_counter()
    print(f"a night of DR copies, {HOME} -> {DR}, window {_hours(WINDOW)} (NightWindowHours)")
    routes = NightRoutes(CENTRAL, CHAINED)
    for duration in DURATIONS:
        print(f"\ncopies of {_hours(duration)}")
        print(
            "| accounts | design | copies | night's finish | inside the window | on the central "
            "hop | single-action (accounts) | in flight, central account | in flight, most of "
            "one member | in flight, all accounts |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        needed = {}
        for accounts in ACCOUNTS:
            demands = night(accounts)
            single = plan_night(demands, routes, WINDOW, duration, overflow=False)
            ours = plan_night(demands, routes, WINDOW, duration)
            print(_row(accounts, "single central hop", single))
            print(_row(accounts, "ours, quota-aware", ours))
            needed[accounts] = central_accounts_needed(demands, duration)
        for accounts, count in needed.items():
            print(
                f"without single-action copies, {accounts:,} accounts need {count:,} central "
                "accounts (the one and others listed) to fit the window"
            )
    print(f"\n(computed in {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
