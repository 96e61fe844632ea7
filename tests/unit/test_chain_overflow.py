"""The quota-aware route of a chain that starts (copy_chain/overflow.py, not wired yet): the
central route while its slot finishes inside the window, else a single-action copy from the
member's own vault, where the route table and SingleActionResourceTypes allow one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import WaitPolicy, chain_for_event, next_hop
from backup_relay.copy_chain.overflow import CentralQueue, central_finishes_in_time, overflow
from backup_relay.domain.chain import ChainState
from backup_relay.domain.routes import HopKind, RoutePolicy
from backup_relay.settings import ReconcileSettings
from tests.support.world import DR, HOME, MEMBER, MEMBER_VAULT, copy_event, settings

pytestmark = pytest.mark.unit

HOUR = timedelta(hours=1)
#: the central cluster slot (cap 5) with 40 hops open, 2 h each, 8 h of window left: 9 waves
FULL = CentralQueue(open_hops=40, cap=5, typical_hop=2 * HOUR, window_left=8 * HOUR)
EMPTY = CentralQueue(open_hops=0, cap=5, typical_hop=2 * HOUR, window_left=8 * HOUR)


def routes(single_action: str = "Aurora") -> RoutePolicy:
    return settings(ReconcileSettings, SINGLE_ACTION_RESOURCE_TYPES=single_action).routes


def central_chain(policy: RoutePolicy) -> ChainState:
    chain = chain_for_event(copy_event(), policy, DR)
    assert chain is not None
    return chain


def test_a_slot_that_finishes_in_the_window_keeps_the_central_route() -> None:
    policy = routes()
    assert overflow(central_chain(policy), copy_event(), policy, EMPTY) is None


def test_a_full_central_slot_sends_the_chain_from_the_members_own_vault() -> None:
    # GIVEN Aurora allowed single-action copies, and the central slot full past the window
    policy = routes()
    chain = central_chain(policy)
    event = copy_event()
    # WHEN the chain is routed
    planned = overflow(chain, event, policy, FULL)
    # THEN it is one single-action copy of the member's own recovery point into the DR vault
    assert planned is not None
    [hop] = planned.hops
    assert hop.kind is HopKind.CROSS_ACCOUNT_AND_REGION
    assert (hop.source_vault_arn, hop.destination_vault_arn) == (MEMBER_VAULT.arn, DR.arn)
    assert planned.recovery_point_arn == event.source_recovery_point_arn
    # AND it is still the same chain, of the same landed copy
    assert (planned.chain_id, planned.origin_recovery_point_arn) == (
        chain.chain_id,
        chain.origin_recovery_point_arn,
    )
    assert "would not finish inside NightWindowHours" in planned.reason
    # AND its hop takes the member account's slot, not the central account's
    opened = next_hop(planned, WaitPolicy(HOME, 600), 0)
    assert opened.current is not None
    assert opened.current.slot == f"SLOT#{MEMBER}#{DR.region}#cluster-snapshot"


def test_a_type_not_allowed_single_action_copies_stays_central() -> None:
    policy = routes(single_action="RDS")
    assert overflow(central_chain(policy), copy_event(), policy, FULL) is None


def test_a_slot_not_measured_yet_keeps_the_central_route() -> None:
    unmeasured = CentralQueue(open_hops=400, cap=5, typical_hop=None, window_left=HOUR)
    assert central_finishes_in_time(unmeasured)


def test_a_landed_copy_from_another_accounts_vault_stays_central() -> None:
    # GIVEN an event whose source vault is not the reporting member's own
    policy = routes()
    event = copy_event(source_vault_arn=DR.arn)
    # THEN no single-action copy is planned from it
    assert overflow(central_chain(policy), event, policy, FULL) is None
