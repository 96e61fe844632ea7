"""`status`'s forecast of tonight's queue: each slot drains at its cap, a copying hop ends a
typical duration (the median of the night's completed hops) after it started, the finish is
told against NightWindowHours, and the routes' share shows the overflow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import WaitPolicy, chain_for_event, next_hop
from backup_relay.domain.chain import ChainState, LedgerState
from backup_relay.domain.night_queue import OpenHop, drain, forecast, typical_duration
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, slot_key
from backup_relay.settings import ReconcileSettings
from backup_relay.status.chains import Status
from backup_relay_cli.render import render_status
from tests.support.fakes import MemoryReplayLedger
from tests.support.world import CENTRAL, DR, HOME, MEMBER, NOW, World, copy_event, settings

pytestmark = pytest.mark.unit

HOUR = timedelta(hours=1)
WINDOW = 8 * HOUR
CENTRAL_SLOT = slot_key(CENTRAL, DR.region, CLUSTER_SNAPSHOTS)


def test_a_slot_drains_its_waiting_hops_in_waves_of_its_cap() -> None:
    # GIVEN a slot of 2 places, one hop copying since an hour ago, and 3 hops waiting
    # WHEN it drains with hops of 2 h
    ends = drain([NOW - HOUR], waiting=3, cap=2, now=NOW, duration=2 * HOUR)
    # THEN the free place takes a waiting hop now (ends +2 h), the copying one frees at +1 h
    # (ends +3 h), the first place again at +2 h (ends +4 h)
    assert ends == NOW + 4 * HOUR


def test_a_hop_past_its_typical_duration_is_taken_to_end_now() -> None:
    assert drain([NOW - 5 * HOUR], waiting=1, cap=1, now=NOW, duration=HOUR) == NOW + HOUR


def test_the_typical_duration_is_the_median_of_the_completed_hops() -> None:
    assert typical_duration([HOUR, 3 * HOUR, 2 * HOUR]) == 2 * HOUR
    assert typical_duration([]) is None


def test_no_completed_hop_no_finish_time() -> None:
    # GIVEN one hop waiting and none completed to measure a hop by
    queue = forecast([OpenHop(CENTRAL_SLOT, 5, None, NOW)], [], CENTRAL, NOW, WINDOW)
    # THEN the forecast says so rather than guess
    assert (queue.open_hops, queue.finish, queue.inside_window) == (1, None, None)


def test_a_queue_past_its_window_is_told_so_and_the_members_slots_are_the_overflow() -> None:
    # GIVEN 20 hops waiting for the central cluster slot (cap 5), opened an hour ago, 2 h hops,
    # and 3 copying in a member's own slot (a single-action copy)
    waiting = [OpenHop(CENTRAL_SLOT, 5, None, NOW - HOUR) for _ in range(20)]
    member_slot = slot_key(MEMBER, DR.region, CLUSTER_SNAPSHOTS)
    copying = [OpenHop(member_slot, 5, NOW - HOUR, NOW - HOUR) for _ in range(3)]
    # WHEN the queue is forecast
    queue = forecast([*waiting, *copying], [2 * HOUR], CENTRAL, NOW, WINDOW)
    # THEN the central slot takes 4 waves (8 h from now), past the window that ends in 7 h
    assert queue.finish == (NOW + 8 * HOUR).isoformat()
    assert queue.window_end == (NOW + 7 * HOUR).isoformat()
    assert queue.inside_window is False
    # AND the routes' share shows the member's copies
    assert queue.share == {"central": 20, "single-action": 3}


def test_a_slot_without_a_recorded_cap_takes_its_quota_groups() -> None:
    queue = forecast([OpenHop(CENTRAL_SLOT, None, None, NOW)], [HOUR], CENTRAL, NOW, WINDOW)
    assert queue.slots[0].cap == CLUSTER_SNAPSHOTS.cap


# ---- in status, from the ledger -------------------------------------------------------------


@pytest.fixture
def world() -> World:
    return World()


def _opened(world: World, number: int) -> ChainState:
    """A member's Aurora copy landed in the central vault: its chain's DR hop opened."""
    landed = copy_event(job_id=f"copy-{number}", destination_recovery_point_arn=f"{LANDED}{number}")
    chain = chain_for_event(landed, settings(ReconcileSettings).routes, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    return next_hop(chain, WaitPolicy(HOME, 600), 0)


def _started(world: World, chain: ChainState) -> None:
    """StartCopyJob answered: the hop copies (CopyJob's step sets when)."""
    assert chain.current is not None
    chain.current.started_at = world.now
    world.ledger.hop(chain, LedgerState.STARTED)


LANDED = f"arn:aws:rds:{HOME}:{CENTRAL}:cluster-snapshot:awsbackup:landed-"


def _status(world: World) -> Status:
    return Status(
        world.ledger,
        MemoryReplayLedger(),
        now=world.clock,
        stale=lambda now: {},
        window=WINDOW,
        central_account=CENTRAL,
    )


def test_status_forecasts_tonights_queue_from_the_ledger(world: World) -> None:
    # GIVEN a hop that took 2 h and completed, then 7 hops opened: 5 copying, 2 waiting
    done = _opened(world, 0)
    _started(world, done)
    world.advance(2 * HOUR)
    world.ledger.hop(done, LedgerState.COMPLETED)
    for number in range(1, 8):
        chain = _opened(world, number)
        world.ledger.hop(chain, LedgerState.STARTING)
        if number <= 5:
            _started(world, chain)
    # WHEN status shows the night
    report = _status(world)(world.now - 24 * HOUR)
    # THEN the 5 copying hops end in 2 h, the 2 waiting ones 2 h later: inside the window
    queue = report.tonight
    assert queue is not None
    assert (queue.open_hops, queue.typical_hop_hours, queue.completed_hops_measured) == (7, 2, 1)
    assert queue.finish == (world.now + 4 * HOUR).isoformat()
    assert queue.inside_window is True
    assert queue.share == {"central": 7}
    [slot] = queue.slots
    assert (slot.cap, slot.copying, slot.waiting) == (CLUSTER_SNAPSHOTS.cap, 5, 2)
    # AND the table says it in one line
    assert "expected to finish" in render_status(report)
    assert "inside the 8 h window" in render_status(report)


def test_status_without_an_open_hop_says_so(world: World) -> None:
    report = _status(world)(world.now - 24 * HOUR)
    assert report.tonight is not None
    assert report.tonight.open_hops == 0
    assert "tonight's queue: no open hop" in render_status(report)


def test_status_without_a_window_shows_no_forecast(world: World) -> None:
    status = Status(world.ledger, MemoryReplayLedger(), now=world.clock, stale=lambda now: {})
    assert status(world.now - 24 * HOUR).tonight is None
