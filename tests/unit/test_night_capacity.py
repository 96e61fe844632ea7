"""The night model's decisions: what stays on the central route, where the surplus goes (the
members' own slots first, then the central accounts and DR regions the operator lists), and when
a night overruns its window. Figures at scale: bench/night_capacity.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.domain.night_capacity import (
    Demand,
    NightRoutes,
    RouteKind,
    plan_night,
    waves,
)
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, DB_SNAPSHOTS

CENTRAL = "999999999999"
HOME, DR = "us-east-1", "us-west-2"
WINDOW = timedelta(hours=8)
COPY = timedelta(minutes=30)
WAVES = WINDOW // COPY  # 16
CHAINED = frozenset({"RDS", "Aurora", "DocumentDB", "Neptune"})


def member(number: int) -> str:
    return f"{number:012d}"


def demands(accounts: int, resource_type: str, each: int, region: str = HOME) -> list[Demand]:
    return [Demand(member(i), region, resource_type, DR, each) for i in range(1, accounts + 1)]


def test_a_night_the_central_slot_finishes_in_its_window_stays_central() -> None:
    # GIVEN exactly as many Aurora copies as the central cluster slot finishes in 8 h
    night = demands(CLUSTER_SNAPSHOTS.cap * WAVES, "Aurora", 1)
    # WHEN the night is planned, single-action copies allowed
    plan = plan_night(night, NightRoutes(CENTRAL, CHAINED), WINDOW, COPY)
    # THEN every copy stays on the central route, and the night ends with its window
    assert plan.share() == {RouteKind.CENTRAL: CLUSTER_SNAPSHOTS.cap * WAVES}
    assert plan.finish == WINDOW
    assert plan.inside_window


def test_the_surplus_goes_to_the_members_own_slots_biggest_members_first() -> None:
    # GIVEN 300 members with 1 RDS copy each and one with 30, all allowed single-action copies
    night = [*demands(300, "RDS", 1), Demand(member(500), HOME, "RDS", DR, 30)]
    # WHEN the night is planned
    plan = plan_night(night, NightRoutes(CENTRAL, CHAINED), WINDOW, COPY)
    # THEN the central slot keeps what it finishes inside the window, the rest runs from members
    central = DB_SNAPSHOTS.cap * WAVES
    assert plan.share() == {RouteKind.CENTRAL: central, RouteKind.SINGLE_ACTION: 330 - central}
    # AND the biggest member carries its own copies first, in its own slot
    [big] = [a for a in plan.assignments if a.account == member(500)]
    assert (big.route, big.region, big.copies) == (RouteKind.SINGLE_ACTION, DR, 30)
    assert plan.inside_window


def test_a_type_not_allowed_single_action_copies_stays_off_the_members_slots() -> None:
    # GIVEN twice what the central slot finishes, of a type SingleActionResourceTypes leaves out
    night = demands(2 * DB_SNAPSHOTS.cap * WAVES, "RDS", 1)
    routes = NightRoutes(CENTRAL, frozenset({"Aurora"}))
    # WHEN the night is planned
    plan = plan_night(night, routes, WINDOW, COPY)
    # THEN every copy stays central, and the night overruns its window
    assert plan.share() == {RouteKind.CENTRAL: len(night)}
    assert plan.finish == 2 * WINDOW
    assert not plan.inside_window


def test_an_opt_in_region_on_the_way_keeps_a_copy_off_the_single_action_route() -> None:
    # GIVEN Neptune copies from an opt-in region, where the route table allows no single action
    night = demands(2 * CLUSTER_SNAPSHOTS.cap * WAVES, "Neptune", 1, region="af-south-1")
    # WHEN the night is planned
    plan = plan_night(night, NightRoutes(CENTRAL, CHAINED), WINDOW, COPY)
    # THEN none runs from the members
    assert RouteKind.SINGLE_ACTION not in plan.share()


def test_without_single_action_the_listed_central_accounts_then_regions_take_the_surplus() -> None:
    # GIVEN three central slots' worth of RDS copies, no single-action type, and one more
    # central account and one more DR region listed
    night = demands(3 * DB_SNAPSHOTS.cap * WAVES, "RDS", 1)
    routes = NightRoutes(
        CENTRAL, other_central_accounts=(member(777),), other_regions=("eu-west-1",)
    )
    # WHEN the night is planned
    plan = plan_night(night, routes, WINDOW, COPY)
    # THEN each route carries one slot's worth, and the night fits its window
    one = DB_SNAPSHOTS.cap * WAVES
    assert plan.share() == {
        RouteKind.CENTRAL: one,
        RouteKind.OTHER_CENTRAL: one,
        RouteKind.OTHER_REGION: one,
    }
    slots = {(a.route, a.account, a.region) for a in plan.assignments}
    assert (RouteKind.OTHER_CENTRAL, member(777), DR) in slots
    assert (RouteKind.OTHER_REGION, CENTRAL, "eu-west-1") in slots
    assert plan.inside_window


def test_the_members_own_slots_come_before_the_listed_central_accounts() -> None:
    # GIVEN a surplus the members can carry, and another central account listed
    night = demands(2 * DB_SNAPSHOTS.cap * WAVES, "RDS", 1)
    routes = NightRoutes(CENTRAL, CHAINED, other_central_accounts=(member(777),))
    # WHEN the night is planned
    plan = plan_night(night, routes, WINDOW, COPY)
    # THEN the other central account carries nothing
    assert RouteKind.OTHER_CENTRAL not in plan.share()


def test_the_cluster_types_of_a_member_share_its_one_cluster_slot() -> None:
    # GIVEN a member with more Aurora and Neptune copies than its own cluster slot finishes,
    # after the central slot is full
    full = demands(CLUSTER_SNAPSHOTS.cap * WAVES, "DocumentDB", 1)
    big = member(500)
    own = CLUSTER_SNAPSHOTS.cap * WAVES
    night = [*full, Demand(big, HOME, "Aurora", DR, own), Demand(big, HOME, "Neptune", DR, 10)]
    # WHEN the night is planned
    plan = plan_night(night, NightRoutes(CENTRAL, CHAINED), WINDOW, COPY)
    # THEN its one cluster slot takes what it finishes in the window, no more
    [slot] = [a for a in plan.assignments if a.account == big]
    assert (slot.group, slot.copies) == (CLUSTER_SNAPSHOTS.name, own)


def test_max_concurrent_copies_lowers_every_slot() -> None:
    # GIVEN MaxConcurrentCopies 2
    night = demands(40, "RDS", 1)
    routes = NightRoutes(CENTRAL, max_concurrent_copies=2)
    # WHEN the night is planned
    plan = plan_night(night, routes, WINDOW, COPY)
    # THEN the central slot runs 2 at once: 20 waves
    assert plan.in_flight() == {(CENTRAL, DR): 2}
    assert plan.finish == 20 * COPY


def test_the_single_central_hop_takes_its_waves_whatever_the_window() -> None:
    # GIVEN 10,000 members with 2 RDS copies each
    night = demands(10_000, "RDS", 2)
    # WHEN the night runs on the central route alone
    plan = plan_night(night, NightRoutes(CENTRAL, CHAINED), WINDOW, COPY, overflow=False)
    # THEN it takes ceil(20,000 / the slot's cap) copies' durations
    assert plan.finish == waves(20_000, DB_SNAPSHOTS.cap) * COPY
    assert plan.share() == {RouteKind.CENTRAL: 20_000}


def test_no_slot_ever_runs_more_copies_at_once_than_its_cap() -> None:
    # GIVEN a large mixed night
    night = demands(300, "RDS", 3) + demands(300, "Aurora", 2)
    # WHEN it is planned
    plan = plan_night(night, NightRoutes(CENTRAL, CHAINED), WINDOW, COPY)
    # THEN every slot's peak is within its cap, and each copy is carried once
    assert all(min(a.copies, a.cap) <= a.cap for a in plan.assignments)
    assert sum(plan.share().values()) == 300 * 5
    assert plan.in_flight()[(CENTRAL, DR)] == DB_SNAPSHOTS.cap + CLUSTER_SNAPSHOTS.cap


def test_an_empty_night_finishes_at_once() -> None:
    plan = plan_night([], NightRoutes(CENTRAL), WINDOW, COPY)
    assert (plan.finish, plan.share(), plan.inside_window) == (timedelta(0), {}, True)


@pytest.mark.parametrize(("window", "copy"), [(timedelta(0), COPY), (WINDOW, timedelta(0))])
def test_a_window_or_a_copy_of_no_length_is_refused(window: timedelta, copy: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        plan_night(demands(1, "RDS", 1), NightRoutes(CENTRAL), window, copy)
