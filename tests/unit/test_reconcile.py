"""Reconcile: starts chains whose event was lost, resumes hops whose completion never came,
reports hops past their SLA — on in-memory ports."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.copy_chain.steps import HopSteps
from backup_relay.coverage.resources import Coverage
from backup_relay.domain.chain import LedgerState, chain_id_for
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.settings import ReconcileSettings
from backup_relay.status.chains import Status
from tests.support.fakes import FakeRecoveryPoints, MemoryReplayLedger
from tests.support.world import (
    AWS_QUOTAS,
    CENTRAL,
    CENTRAL_HOME,
    DR,
    MEMBER_VAULT,
    NOW,
    World,
    copy_event,
    settings,
)

CHAIN = settings(ReconcileSettings).routes

DENIED = "Access Denied trying to call AWS Backup service"


@pytest.fixture
def world() -> World:
    return World()


def _landed(arn: str, **changes: object) -> RecoveryPoint:
    """A member's copy in the central vault of the home region."""
    fields: dict[str, object] = {
        "arn": arn,
        "resource_type": "Neptune",
        "status": "COMPLETED",
        "created_at": NOW - timedelta(hours=3),
        "source_vault_arn": MEMBER_VAULT.arn,
    }
    return RecoveryPoint(**(fields | changes))  # type: ignore[arg-type]


def test_a_landed_copy_without_a_chain_gets_one_once(world: World) -> None:
    # GIVEN a member's copy in the central vault whose COMPLETED event never arrived
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-lost"))
    reconcile = world.reconcile()
    # WHEN reconcile runs twice
    first, second = reconcile(), reconcile()
    # THEN one chain to DR was started, by the first run
    assert first.chains_started == [chain_id_for("rp-lost", DR.arn)]
    assert second.chains_started == []
    assert [chain.recovery_point_arn for chain in world.workflow.started] == ["rp-lost"]
    # AND a warning says reconcile had to start it
    [warning] = world.alerts.raised
    assert warning.alert_id == f"recovered:{first.chains_started[0]}:started"


def test_a_copy_that_landed_days_after_its_backup_began_is_still_chained(world: World) -> None:
    # GIVEN a copy that landed just now from a backup that began three days ago: it carries the
    # backup's creation date, and its COMPLETED event never arrived
    three_days_ago = NOW - timedelta(days=3)
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-late", created_at=three_days_ago))
    # WHEN reconcile runs THEN its window (from the backup's creation) still holds it
    assert world.reconcile()().chains_started == [chain_id_for("rp-late", DR.arn)]


@pytest.mark.parametrize(
    "changes",
    [
        {"source_vault_arn": None},  # a backup made in the central account
        {"source_vault_arn": CENTRAL_HOME.model_copy(update={"name": "x"}).arn},  # our own copy
        {"resource_type": "EBS"},  # not a chained type
        # not (or no longer) a whole recovery point: still being copied, missing part of its
        # source, being deleted, or past its retention
        {"status": "CREATING"},
        {"status": "PARTIAL"},
        {"status": "DELETING"},
        {"status": "EXPIRED"},
        {"created_at": NOW - timedelta(hours=193)},  # older than ReconcileLookbackHours
    ],
)
def test_recovery_points_that_need_no_chain_are_left_alone(
    world: World, changes: dict[str, object]
) -> None:
    world.recovery_points.add(CENTRAL_HOME, _landed("rp", **changes))
    assert world.reconcile()().chains_started == []


def test_an_available_copy_is_chained_like_a_completed_one(world: World) -> None:
    # GIVEN a landed copy that AWS reports AVAILABLE ("the backup was successfully created for
    # the recovery point ... now ready for use", the model's RecoveryPointStatus) and whose
    # COMPLETED event never arrived
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-available", status="AVAILABLE"))
    # WHEN reconcile runs THEN it starts its chain
    assert world.reconcile()().chains_started == [chain_id_for("rp-available", DR.arn)]


def test_a_chain_already_started_by_ingest_is_not_started_again(world: World) -> None:
    # GIVEN ingest started the chain of a landed copy
    world.triggers().on_event(world.land(copy_event(destination_recovery_point_arn="rp-1")))
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-1", resource_type="Aurora"))
    # WHEN reconcile runs THEN it starts nothing more
    assert world.reconcile()().chains_started == []
    assert len(world.workflow.started) == 1


def test_a_chain_whose_first_start_failed_is_started(world: World) -> None:
    # GIVEN a landed copy whose chain ingest recorded, but whose StartExecution then failed
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-1", resource_type="Aurora"))
    chain = chain_for_event(copy_event(destination_recovery_point_arn="rp-1"), CHAIN, DR)
    assert chain is not None
    assert world.ledger.chain_started(chain)
    assert world.workflow.started == []
    # WHEN reconcile runs twice
    first, second = world.reconcile()(), world.reconcile()()
    # THEN the first run started its execution, the second left it alone
    assert first.chains_started == [chain.chain_id]
    assert second.chains_started == []
    assert [c.chain_id for c in world.workflow.started] == [chain.chain_id]


def test_accounts_outside_the_allow_list_get_no_chain(world: World) -> None:
    # GIVEN AllowedSourceAccounts naming another member, and a copy from this one
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-1"))
    reconcile = world.reconcile(ALLOWED_SOURCE_ACCOUNTS="999999999999")
    # WHEN reconcile runs THEN it starts nothing, and says why
    report = reconcile()
    assert report.chains_started == []
    assert report.skipped == [
        f"rp-1: account {MEMBER_VAULT.account} is not in AllowedSourceAccounts"
    ]


def test_an_error_on_one_hop_does_not_stop_the_others(world: World) -> None:
    # GIVEN two waiting hops whose events never came: one copy job AWS no longer knows, one that
    # failed
    steps = world.hop_steps()
    _running_hop(world, steps, JobState.COMPLETED, destination_recovery_point_arn="rp-dr")
    del world.copy_jobs.jobs["job-1"]
    _running_hop(world, steps, JobState.FAILED, status_message=DENIED)
    # WHEN reconcile runs
    report = world.reconcile()()
    # THEN the second hop was resumed, and the first reported
    assert len(report.hops_resumed) == 1
    [error] = report.errors
    assert "copy job job-1" in error
    assert "ResourceNotFoundException" in error


def _running_hop(world: World, steps: HopSteps, job_state: JobState, **details: str) -> str:
    """A hop waiting for its copy job, whose event never came; the job is now `job_state`."""
    landed = copy_event(destination_recovery_point_arn=f"rp-{job_state}")
    world.triggers().on_event(world.land(landed))
    chain = steps.start_copy_job(steps.next_hop(world.workflow.started[-1], AWS_QUOTAS))
    steps.await_copy_job(chain, f"token-{job_state}")
    world.copy_jobs.finish(chain.running_job_id(), job_state, **details)
    return chain.chain_id


def test_hops_whose_job_ended_are_resumed_once_with_its_outcome(world: World) -> None:
    # GIVEN two waiting hops: one job completed, one failed
    steps = world.hop_steps()
    _running_hop(world, steps, JobState.COMPLETED, destination_recovery_point_arn="rp-dr")
    _running_hop(world, steps, JobState.FAILED, status_message=DENIED)
    # WHEN reconcile runs twice
    first, second = world.reconcile()(), world.reconcile()()
    # THEN each hop was resumed once, with its job's outcome
    assert [(token, o.state, o.status_message) for token, o in world.workflow.resumed] == [
        ("token-COMPLETED", "COMPLETED", None),
        ("token-FAILED", "FAILED", DENIED),
    ]
    assert len(first.hops_resumed) == 2
    assert second.hops_resumed == []
    assert [a.headline for a in world.alerts.raised] == ["reconcile resumed hop 1 of a chain"] * 2


def test_a_hop_running_longer_than_its_sla_is_reported(world: World) -> None:
    # GIVEN a hop whose copy job still runs, one started 30 hours ago, one just now
    steps = world.hop_steps()
    world.advance(timedelta(hours=-30))
    slow = _running_hop(world, steps, JobState.RUNNING)
    world.advance(timedelta(hours=30))
    _running_hop(world, steps, JobState.CREATED)
    # WHEN reconcile runs THEN only the slow one is past its SLA (HopSlaHours, 24)
    report = world.reconcile()()
    [line] = report.hops_past_sla
    assert line.startswith(f"{slow} hop 0: copy job job-1 RUNNING since")
    assert report.hops_resumed == []
    assert world.telemetry.seen[-1] == ("reconciled", report)
    # AND a warning names it, once however many runs see it
    world.reconcile()()
    assert {a.alert_id for a in world.alerts.raised} == {f"sla:{slow}:0"}


def test_hops_in_other_states_are_not_checked(world: World) -> None:
    steps = world.hop_steps()
    chain_id = _running_hop(world, steps, JobState.COMPLETED, destination_recovery_point_arn="x")
    hop = world.ledger.hops[(chain_id, 0)]
    world.ledger.hops[(chain_id, 0)] = replace(hop, state=LedgerState.COMPLETED)
    assert world.reconcile()().hops_resumed == []


def test_without_a_dr_region_no_chain_is_started(world: World) -> None:
    world.recovery_points.add(CENTRAL_HOME, _landed("rp-lost"))
    assert world.reconcile(DR_REGION="")().chains_started == []


def test_the_central_account_is_the_stacks() -> None:
    assert CENTRAL_HOME.account == CENTRAL


def _copying_chain(world: World) -> str:
    """A chain started by its event, its first hop copying (holding its concurrency slot)."""
    chain = chain_for_event(copy_event(), CHAIN, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    world.workflow.start(chain)
    world.ledger.execution_started(chain)
    steps = world.hop_steps()
    steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
    return chain.chain_id


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_a_chain_whose_execution_ended_unseen_is_closed_and_its_slot_freed(
    world: World, status: str
) -> None:
    # GIVEN a chain copying its first hop, whose execution ended outside its steps, and the
    # status-change event that would have freed its slot was lost
    chain_id = _copying_chain(world)
    world.workflow.end(chain_id, status)
    # WHEN reconcile runs twice
    first, second = world.reconcile()(), world.reconcile()()
    # THEN the first run freed the hop's slot and recorded the chain and its hop FAILED, and why;
    # the second found nothing left to close
    assert first.executions_closed == [f"{chain_id} ({status})"]
    assert [holder for _, holder in world.ledger.released] == [f"{chain_id}#0"]
    assert world.ledger.chains[chain_id] == (
        LedgerState.FAILED,
        f"execution {status}: ended outside the chain's steps",
    )
    assert world.ledger.hops[(chain_id, 0)].state is LedgerState.FAILED
    assert second.executions_closed == []


def test_a_running_execution_and_a_chain_not_yet_started_are_left_alone(world: World) -> None:
    # GIVEN a chain whose execution runs, and one recorded whose start was never confirmed
    running = _copying_chain(world)
    waiting = chain_for_event(copy_event(destination_recovery_point_arn="rp-2"), CHAIN, DR)
    assert waiting is not None
    world.ledger.chain_started(waiting)
    # WHEN reconcile runs
    report = world.reconcile()()
    # THEN it closed nothing and freed no slot
    assert report.executions_closed == []
    assert world.ledger.released == []
    assert world.ledger.chains[running][0] is LedgerState.RUNNING


def test_a_resource_that_becomes_stale_raises_one_warning_per_episode(world: World) -> None:
    # GIVEN a member's Aurora backed up, and its DR copy completed 30 hours ago (limit 26 h)
    jobs = MemoryReplayLedger()
    resource = copy_event().resource_arn
    jobs.add(backup_event(resource, NOW - timedelta(hours=31)))
    jobs.add(dr_copy(resource, "dr-1", NOW - timedelta(hours=30)))
    coverage = Coverage(jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}))
    coverage.now = world.clock
    # WHEN reconcile runs twice
    first, second = world.reconcile(coverage)(), world.reconcile(coverage)()
    # THEN both report it stale, and raise the same one warning
    assert first.stale_resources == second.stale_resources == [resource]
    assert {a.alert_id for a in world.alerts.raised} == {
        f"stale:{resource}:{(NOW - timedelta(hours=30)).isoformat()}"
    }
    # WHEN a new DR copy lands THEN it is current; once that one is old too, a new warning
    jobs.add(dr_copy(resource, "dr-2", NOW))
    assert world.reconcile(coverage)().stale_resources == []
    world.advance(timedelta(hours=27))
    coverage.now = world.clock
    assert world.reconcile(coverage)().stale_resources == [resource]
    assert len({a.alert_id for a in world.alerts.raised}) == 2


def test_a_resource_first_backed_up_within_the_maximum_age_is_pending_not_stale(
    world: World,
) -> None:
    # GIVEN a first backup 2 hours ago, whose chain has not reached DR yet (limit 26 h)
    jobs = MemoryReplayLedger()
    resource = copy_event().resource_arn
    jobs.add(backup_event(resource, NOW - timedelta(hours=2)))
    coverage = Coverage(jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}))
    coverage.now = world.clock
    # WHEN reconcile runs THEN nothing is stale and nothing raised
    assert world.reconcile(coverage)().stale_resources == []
    assert world.alerts.raised == []
    [found] = coverage(timedelta(hours=26)).resources
    assert (found.current, found.pending) == (True, True)
    # WHEN it is still without a DR copy a day later THEN it is stale
    world.advance(timedelta(hours=25))
    coverage.now = world.clock
    assert world.reconcile(coverage)().stale_resources == [resource]


def test_a_resource_whose_copy_failed_is_stale_at_once(world: World) -> None:
    # GIVEN a first backup 2 hours ago whose copy into the central vault FAILED
    jobs = MemoryReplayLedger()
    resource = copy_event().resource_arn
    jobs.add(backup_event(resource, NOW - timedelta(hours=2)))
    jobs.add(
        copy_event(
            job_id="failed-1",
            state=JobState.FAILED,
            time=NOW - timedelta(hours=1),
            resource_arn=resource,
        )
    )
    coverage = Coverage(jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}))
    coverage.now = world.clock
    # THEN it is stale, not pending: its first night's copy will not come by itself
    [found] = coverage(timedelta(hours=26)).resources
    assert (found.current, found.pending) == (False, False)


def test_a_dr_copy_whose_event_was_lost_is_found_in_the_dr_vault(world: World) -> None:
    # GIVEN an Aurora backed up 3 hours ago whose DR copy's COMPLETED event AWS never delivered
    # (its hop completed by polling), and an older one 40 hours ago that never reached DR
    jobs = MemoryReplayLedger()
    resource = copy_event().resource_arn
    jobs.add(backup_event(resource, NOW - timedelta(hours=40)))
    jobs.add(backup_event(resource, NOW - timedelta(hours=3)))
    points = FakeRecoveryPoints()
    points.add(
        DR,
        RecoveryPoint(
            arn="arn:aws:backup:us-east-1:111111111111:recovery-point:dr-1",
            resource_type="Aurora",
            status="COMPLETED",
            created_at=NOW - timedelta(hours=3),  # a copy keeps its source's creation date
            source_vault_arn="central",
            resource_arn=resource,
        ),
    )
    coverage = Coverage(
        jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}), dr_points=points
    )
    coverage.now = world.clock
    # WHEN reconcile checks coverage THEN the DR vault's copy makes it current, without a warning
    assert world.reconcile(coverage)().stale_resources == []
    assert world.alerts.raised == []
    [found] = coverage(timedelta(hours=26)).resources
    assert (found.current, found.verified_in_vault, found.age_hours) == (True, True, 3.0)


def backup_event(resource: str | None, at: datetime) -> JobEvent:
    return copy_event(
        kind=JobKind.BACKUP, job_id=f"backup-{at.isoformat()}", time=at, resource_arn=resource
    )


def dr_copy(resource: str | None, job_id: str, at: datetime) -> JobEvent:
    """A chain's COMPLETED copy of `resource` into the DR vault."""
    return copy_event(
        job_id=job_id, account=CENTRAL, time=at, resource_arn=resource, destination_vault_arn=DR.arn
    )


def test_status_of_a_resource_shows_its_restores_with_what_they_created(world: World) -> None:
    # GIVEN a resource backed up, then restored into a new cluster
    jobs = MemoryReplayLedger()
    resource = copy_event().resource_arn
    jobs.add(backup_event(resource, NOW - timedelta(hours=5)))
    restored = (resource or "") + "-restored"
    jobs.add(
        copy_event(
            kind=JobKind.RESTORE,
            job_id="restore-1",
            time=NOW - timedelta(hours=1),
            resource_arn=resource,
            created_resource_arn=restored,
        )
    )
    # WHEN its status is asked THEN its jobs come oldest first, the restore with what it created
    report = Status(world.ledger, jobs, now=world.clock)(
        NOW - timedelta(days=1), resource_arn=resource
    )
    assert [(j.kind, j.created_resource_arn) for j in report.jobs] == [
        ("BACKUP", None),
        ("RESTORE", restored),
    ]
