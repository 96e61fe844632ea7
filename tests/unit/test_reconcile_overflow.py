"""Reconcile and the quota overflow (copy_chain/overflow.py): a chain reconcile starts takes the
same routing call as ingest's; a member's hop is checked through the member's ReplayRole, or
past HopSlaHours from the ledger's times; a chain whose execution never started is closed once
reconcile no longer sees its recovery point — on in-memory ports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import WaitPolicy, chain_for_event, next_hop
from backup_relay.copy_chain.overflow import CentralQueue, MemberSource, OverflowRoutes, overflow
from backup_relay.copy_chain.ports import SlotLoad
from backup_relay.copy_chain.reconcile import Reconcile
from backup_relay.domain.chain import ChainState, LedgerState
from backup_relay.domain.copy_jobs import CopyJobReport, RecoveryPoint
from backup_relay.domain.jobs import JobEvent, JobState
from backup_relay.settings import ReconcileSettings
from tests.support.fakes import FakeMemberCopies, FakeSlotLoads
from tests.support.world import (
    AWS_QUOTAS,
    CENTRAL,
    CENTRAL_HOME,
    DR,
    HOME,
    MEMBER,
    MEMBER_VAULT,
    World,
    copy_event,
    settings,
)

pytestmark = pytest.mark.unit

HOUR = timedelta(hours=1)
ENV = {"SINGLE_ACTION_RESOURCE_TYPES": "Aurora"}
ROUTES = settings(ReconcileSettings, **ENV).routes
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/backup-copies"
CENTRAL_CLUSTER_SLOT = f"SLOT#{CENTRAL}#{DR.region}#cluster-snapshot"
FULL = CentralQueue(open_hops=40, cap=5, typical_hop=2 * HOUR, window_left=8 * HOUR)


@pytest.fixture
def world() -> World:
    return World()


def _landed(world: World) -> JobEvent:
    """A member's Aurora copy that landed in the central vault an hour ago (its backup began
    two hours ago), as AWS holds it."""
    event = copy_event(iam_role_arn=MEMBER_ROLE, time=world.now - HOUR)
    point = RecoveryPoint(
        event.destination_recovery_point_arn or "",
        "Aurora",
        "COMPLETED",
        world.now - 2 * HOUR,
        MEMBER_VAULT.arn,
    )
    world.recovery_points.add(CENTRAL_HOME, point)
    return event


def _reconcile(world: World, loads: FakeSlotLoads) -> Reconcile:
    reconcile = world.reconcile(**ENV)
    reconcile.overflow = OverflowRoutes(ROUTES, world.ledger, loads, 8 * HOUR, 0, now=world.clock)
    return reconcile


def _central(event: JobEvent) -> ChainState:
    chain = chain_for_event(event, ROUTES, DR)
    assert chain is not None
    return chain


def test_a_chain_reconcile_starts_is_counted_in_its_central_slots_queue(world: World) -> None:
    # GIVEN a landed copy whose event was lost, and a central slot with room
    event = _landed(world)
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(2, 2 * HOUR)})
    # WHEN reconcile starts its chain
    report = _reconcile(world, loads)()
    # THEN it went through the overflow's call: the slot was read, the chain kept the central
    # route and counts in the slot's queue at once, as ingest's chains do
    [chain_id] = report.chains_started
    assert loads.reads == [CENTRAL_CLUSTER_SLOT]
    assert loads.queued == [(CENTRAL_CLUSTER_SLOT, f"{chain_id}#0")]
    [started] = world.workflow.started
    assert started.hops == _central(event).hops


def test_a_chain_reconcile_plans_stays_central_even_past_the_window(world: World) -> None:
    # GIVEN a full central slot: ingest would send the chain from the member's vault, but a
    # recovery point names neither the member's own recovery point nor the role
    event = _landed(world)
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(40, 2 * HOUR)})
    # WHEN reconcile starts its chain THEN it stays on the central route
    _reconcile(world, loads)()
    [started] = world.workflow.started
    assert started.hops == _central(event).hops


def test_reconcile_restarts_an_overflowed_chain_with_its_recorded_member_hop(
    world: World,
) -> None:
    # GIVEN a chain ingest recorded with a member's hop (the overflow), whose start failed
    event = _landed(world)
    planned = overflow(_central(event), MemberSource.of_event(event), ROUTES, FULL)
    assert planned is not None
    world.ledger.chain_started(planned)
    loads = FakeSlotLoads({CENTRAL_CLUSTER_SLOT: SlotLoad(0, 2 * HOUR)})
    # WHEN reconcile starts it, the central slot now empty
    report = _reconcile(world, loads)()
    # THEN it starts with the plan it was recorded with (its execution's input does not
    # change), out of the member's own vault; no slot was read or queued
    assert report.chains_started == [planned.chain_id]
    [started] = world.workflow.started
    assert started.hops == planned.hops
    assert [hop.source_account for hop in started.hops] == [MEMBER]
    assert (loads.reads, loads.queued) == ([], [])


def _member_hop_running(world: World) -> str:
    """An overflowed chain whose member hop started its copy job in the member account."""
    event = _landed(world)
    planned = overflow(_central(event), MemberSource.of_event(event), ROUTES, FULL)
    assert planned is not None
    world.ledger.chain_started(planned)
    world.ledger.execution_started(planned)
    opened = next_hop(planned, WaitPolicy(HOME, 600), AWS_QUOTAS)
    assert opened.current is not None
    opened.current.copy_job_id = "member-job-1"
    world.ledger.hop(opened, LedgerState.RUNNING)
    world.ledger.await_job("member-job-1", "token-member", opened)
    return planned.chain_id


def _with_members(world: World, members: FakeMemberCopies) -> Reconcile:
    reconcile = world.reconcile(**ENV)
    reconcile.member_copies = members
    return reconcile


def test_a_member_hop_whose_job_ended_is_resumed_with_what_the_member_role_says(
    world: World,
) -> None:
    # GIVEN a member's hop whose copy job completed, its event lost
    chain_id = _member_hop_running(world)
    members = FakeMemberCopies()
    members.jobs[MEMBER, "member-job-1"] = CopyJobReport(
        "member-job-1", JobState.COMPLETED, destination_recovery_point_arn="rp-dr"
    )
    # WHEN reconcile runs twice
    first, second = _with_members(world, members)(), _with_members(world, members)()
    # THEN DescribeCopyJob, through the member's role in the hop's region, resumed it once
    assert members.described[0] == (MEMBER, HOME, "member-job-1")
    assert [(token, o.state) for token, o in world.workflow.resumed] == [
        ("token-member", "COMPLETED")
    ]
    assert first.hops_resumed == [f"{chain_id} hop 0 (COMPLETED)"]
    assert second.hops_resumed == []
    assert [a.alert_id for a in world.alerts.raised] == [f"recovered:{chain_id}:resumed-0"]


def test_a_member_hop_still_running_past_its_sla_names_the_members_job_state(
    world: World,
) -> None:
    # GIVEN a member's hop copying for 30 hours, its job RUNNING as the member's role sees it
    world.advance(timedelta(hours=-30))
    chain_id = _member_hop_running(world)
    world.advance(timedelta(hours=30))
    members = FakeMemberCopies()
    members.jobs[MEMBER, "member-job-1"] = CopyJobReport("member-job-1", JobState.RUNNING)
    # WHEN reconcile runs THEN it is past its SLA, in the member's own words
    [line] = _with_members(world, members)().hops_past_sla
    assert line.startswith(f"{chain_id} hop 0: copy job member-job-1 RUNNING in member account")
    assert world.workflow.resumed == []


def test_a_member_role_refused_falls_back_to_the_ledgers_times(world: World) -> None:
    # GIVEN a member's hop copying for 30 hours, and its member's role refusing to describe it
    world.advance(timedelta(hours=-30))
    chain_id = _member_hop_running(world)
    world.advance(timedelta(hours=30))
    members = FakeMemberCopies()  # it knows no such job (NotFound, a Refused)
    # WHEN reconcile runs
    report = _with_members(world, members)()
    # THEN the refusal is reported, and the hop still raises its SLA alert from the ledger
    [error] = report.errors
    assert "member-job-1" in error
    assert {a.alert_id for a in world.alerts.raised} == {f"sla:{chain_id}:0"}


def test_a_member_hop_past_its_sla_is_reported_from_the_ledger_naming_the_member(
    world: World,
) -> None:
    # GIVEN a member's hop copying since 30 hours ago (HopSlaHours: 24)
    world.advance(timedelta(hours=-30))
    chain_id = _member_hop_running(world)
    world.advance(timedelta(hours=30))
    # WHEN reconcile runs twice
    report = world.reconcile(**ENV)()
    world.reconcile(**ENV)()
    # THEN it is past its SLA, read from the ledger's times (the central account cannot
    # describe the member's job): one warning, naming the member account
    [line] = report.hops_past_sla
    assert line.startswith(f"{chain_id} hop 0: copy job member-job-1 running in member account")
    # (the same id each run: the alert ledger publishes it once)
    assert {a.alert_id for a in world.alerts.raised} == {f"sla:{chain_id}:0"}
    alert = world.alerts.raised[0]
    assert alert.account == MEMBER
    assert alert.status_message is not None
    assert MEMBER in alert.status_message
    # AND the central account's DescribeCopyJob, which knows no such job, was not asked
    assert report.errors == []


def test_a_member_hop_within_its_sla_raises_nothing(world: World) -> None:
    _member_hop_running(world)
    report = world.reconcile(**ENV)()
    assert (report.hops_past_sla, world.alerts.raised) == ([], [])


def test_a_chain_whose_execution_never_started_is_closed_past_the_lookback(
    world: World,
) -> None:
    # GIVEN a chain recorded 10 days ago whose execution never started (ReconcileLookbackHours
    # is 192: reconcile no longer sees its recovery point), and one recorded just now
    old = _central(copy_event(destination_recovery_point_arn="rp-old"))
    world.ledger.chain_started(old)
    world.ledger.changed[old.chain_id] = world.now - timedelta(days=10)
    recent = _central(copy_event(destination_recovery_point_arn="rp-recent"))
    world.ledger.chain_started(recent)
    # WHEN reconcile runs twice
    first, second = world.reconcile()(), world.reconcile()()
    # THEN the old one ended FAILED, and why (replay runs it again); the recent one is left
    assert first.executions_closed == [f"{old.chain_id} (never started)"]
    state, reason = world.ledger.chains[old.chain_id]
    assert state is LedgerState.FAILED
    assert "never started within ReconcileLookbackHours" in reason
    assert world.ledger.chains[recent.chain_id][0] is LedgerState.RUNNING
    assert second.executions_closed == []
    # AND one alert says the chain failed
    assert [a.alert_id for a in world.alerts.raised] == [f"chain:{old.chain_id}"]
