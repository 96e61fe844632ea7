"""The quota-aware route of a chain that starts (copy_chain/overflow.py): the central route
while its slot finishes inside the window, else a single-action copy from the member's own
vault, as the member's role, where the route table and SingleActionResourceTypes allow one; and
back to the central route when the member's copy fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import (
    WaitPolicy,
    chain_for_event,
    intermediate_copies,
    next_hop,
)
from backup_relay.copy_chain.overflow import (
    CentralQueue,
    MemberSource,
    OverflowRoutes,
    back_to_central,
    central_finishes_in_time,
    overflow,
)
from backup_relay.copy_chain.ports import SlotLoad
from backup_relay.domain.chain import ChainState, ChainStatus, HopError
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.routes import HopKind, RoutePolicy
from backup_relay.settings import ReconcileSettings
from tests.support.fakes import FakeSlotLoads, MemoryChainLedger
from tests.support.world import (
    CENTRAL,
    CENTRAL_HOME,
    DR,
    HOME,
    MEMBER,
    MEMBER_VAULT,
    NOW,
    copy_event,
    settings,
)

pytestmark = pytest.mark.unit

HOUR = timedelta(hours=1)
#: the central cluster slot (cap 5) with 40 hops open, 2 h each, 8 h of window left: 9 waves
FULL = CentralQueue(open_hops=40, cap=5, typical_hop=2 * HOUR, window_left=8 * HOUR)
EMPTY = CentralQueue(open_hops=0, cap=5, typical_hop=2 * HOUR, window_left=8 * HOUR)


#: the role the member's copy into the central vault ran as: the member hop runs as it too
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/backup-copies"
CENTRAL_CLUSTER_SLOT = f"SLOT#{CENTRAL}#{DR.region}#cluster-snapshot"


def landed(**changes: object) -> JobEvent:
    return copy_event(iam_role_arn=MEMBER_ROLE, **changes)


def source(event: JobEvent | None = None) -> MemberSource:
    """What the member's copy event tells of its own recovery point (ingest's chain start)."""
    return MemberSource.of_event(event or landed())


def routes(single_action: str = "Aurora") -> RoutePolicy:
    return settings(ReconcileSettings, SINGLE_ACTION_RESOURCE_TYPES=single_action).routes


def central_chain(policy: RoutePolicy) -> ChainState:
    chain = chain_for_event(landed(), policy, DR)
    assert chain is not None
    return chain


def test_a_slot_that_finishes_in_the_window_keeps_the_central_route() -> None:
    policy = routes()
    assert overflow(central_chain(policy), source(), policy, EMPTY) is None


def test_a_full_central_slot_sends_the_chain_from_the_members_own_vault() -> None:
    # GIVEN Aurora allowed single-action copies, and the central slot full past the window
    policy = routes()
    chain = central_chain(policy)
    event = landed()
    # WHEN the chain is routed
    planned = overflow(chain, source(event), policy, FULL)
    # THEN it is one single-action copy of the member's own recovery point into the DR vault
    assert planned is not None
    [hop] = planned.hops
    assert hop.kind is HopKind.CROSS_ACCOUNT_AND_REGION
    assert (hop.source_vault_arn, hop.destination_vault_arn) == (MEMBER_VAULT.arn, DR.arn)
    assert hop.source_recovery_point_arn == event.source_recovery_point_arn
    assert hop.iam_role_arn == MEMBER_ROLE
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
    assert opened.current.recovery_point_arn == event.source_recovery_point_arn


def test_a_type_not_allowed_single_action_copies_stays_central() -> None:
    policy = routes(single_action="RDS")
    assert overflow(central_chain(policy), source(), policy, FULL) is None


def test_a_slot_not_measured_yet_keeps_the_central_route() -> None:
    unmeasured = CentralQueue(open_hops=400, cap=5, typical_hop=None, window_left=HOUR)
    assert central_finishes_in_time(unmeasured)


def test_a_landed_copy_from_another_accounts_vault_stays_central() -> None:
    # GIVEN an event whose source vault is not the reporting member's own
    policy = routes()
    event = landed(source_vault_arn=DR.arn)
    # THEN no single-action copy is planned from it
    assert overflow(central_chain(policy), source(event), policy, FULL) is None


def test_a_landed_copy_whose_event_names_no_role_stays_central() -> None:
    # GIVEN an event that does not say which role the member's copy ran as
    policy = routes()
    event = copy_event(iam_role_arn=None)
    # THEN no single-action copy is planned: the member hop would have no role to run as
    assert overflow(central_chain(policy), source(event), policy, FULL) is None


def _routes_at_start(
    loads: FakeSlotLoads, ledger: MemoryChainLedger | None = None, single_action: str = "Aurora"
) -> OverflowRoutes:
    policy = routes(single_action)
    ledger = ledger or MemoryChainLedger(NOW)
    return OverflowRoutes(policy, ledger, loads, 8 * HOUR, 0, now=lambda: landed().time)


def test_at_chain_start_the_central_slots_queue_is_read_once_and_decides() -> None:
    # GIVEN the central cluster slot's queue: 40 hops of 2 h (8 h of window: 9 waves of 5)
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(40, 2 * HOUR)})
    policy = routes()
    # WHEN a chain starts
    planned = _routes_at_start(loads).route(central_chain(policy), source())
    # THEN the slot was read once, and the chain copies from the member's own vault
    assert loads.reads == [CENTRAL_CLUSTER_SLOT]
    assert [hop.source_account for hop in planned.hops] == [MEMBER]
    assert loads.queued == []  # not the central slot's


def test_at_chain_start_a_slot_with_room_keeps_the_central_route() -> None:
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(3, 2 * HOUR)})
    chain = central_chain(routes())
    assert _routes_at_start(loads).route(chain, source()) == chain
    # AND it counts in the slot's queue at once, for the next chain's decision
    assert loads.queued == [(CENTRAL_CLUSTER_SLOT, f"{chain.chain_id}#0")]


def test_a_type_not_allowed_single_action_copies_reads_no_slot() -> None:
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(40, 2 * HOUR)})
    chain = central_chain(routes("RDS"))
    assert _routes_at_start(loads, single_action="RDS").route(chain, source()) == chain
    assert loads.reads == []


def test_a_redelivered_event_keeps_the_plan_the_chain_was_recorded_with() -> None:
    # GIVEN a chain recorded on the central route (its slot had room then)
    ledger = MemoryChainLedger(NOW)
    chain = central_chain(routes())
    ledger.chain_started(chain)
    # WHEN its event comes again, the slot now full
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(40, 2 * HOUR)})
    again = _routes_at_start(loads, ledger).route(central_chain(routes()), source())
    # THEN it keeps its recorded route: its execution's input does not change
    assert again.hops == chain.hops


def test_a_member_hop_that_fails_goes_back_to_the_central_route() -> None:
    # GIVEN an overflowed chain whose member hop AWS refused
    policy = routes()
    chain = central_chain(policy)
    planned = overflow(chain, source(), policy, FULL)
    assert planned is not None
    opened = next_hop(planned, WaitPolicy(HOME, 600), 0)
    opened.error = HopError(error="AccessDenied", cause="not authorized to perform sts:AssumeRole")
    # WHEN it is re-planned
    replanned = back_to_central(opened, "not authorized", policy)
    # THEN it copies the landed central copy from the central vault, as first planned
    assert replanned is not None
    assert replanned.status is ChainStatus.REPLANNED
    assert [h.source_vault_arn for h in replanned.hops] == [CENTRAL_HOME.arn]
    reopened = next_hop(replanned, WaitPolicy(HOME, 600), 0)
    assert reopened.current is not None
    assert reopened.current.recovery_point_arn == chain.origin_recovery_point_arn
    assert reopened.current.slot == CENTRAL_CLUSTER_SLOT


def test_a_central_hop_is_not_sent_back_to_central() -> None:
    policy = routes()
    opened = next_hop(central_chain(policy), WaitPolicy(HOME, 600), 0)
    assert back_to_central(opened, "refused", policy) is None


def test_an_overflowed_chains_central_copy_is_intermediate_as_any_origin() -> None:
    # GIVEN an overflowed chain that completed: the DR copy was made from the member's own
    # recovery point, and the member's copy in the central vault (its origin) was not used
    policy = routes()
    planned = overflow(central_chain(policy), source(), policy, FULL)
    assert planned is not None
    done = planned.model_copy(update={"copies": [planned.origin_recovery_point_arn, "rp-dr"]})
    # THEN the central copy is intermediate (IntermediateRetentionDays shortens it, as it does
    # the origin of a chain that copied it), in the central vault where it landed; the member's
    # own recovery point never is; and another destination's chain still copying from it keeps it
    assert intermediate_copies(done, policy) == [(planned.origin_recovery_point_arn, CENTRAL_HOME)]
    assert intermediate_copies(done, policy, origin_shared=True) == []
