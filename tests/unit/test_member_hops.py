"""A hop the quota overflow runs out of a member's own vault (copy_chain/overflow.py): its steps
start and describe its copy job in the member account, as the member's role; a member's event
resumes it only once DescribeCopyJob through the member's role confirms it
(copy_chain/member_hops.py); a central hop stays deaf to members' events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.copy_chain.member_hops import MemberHops
from backup_relay.copy_chain.overflow import CentralQueue, MemberSource, overflow
from backup_relay.copy_chain.steps import HopSteps
from backup_relay.copy_chain.triggers import ChainTriggers
from backup_relay.domain.chain import ChainState, ChainStatus
from backup_relay.domain.copy_jobs import CopyJobReport
from backup_relay.domain.errors import AccessDenied
from backup_relay.domain.jobs import JobEvent, JobState
from backup_relay.settings import ChainStepsSettings
from tests.support.fakes import FakeMemberCopies
from tests.support.world import (
    BACKUP_ROLE,
    CENTRAL_HOME,
    DR,
    HOME,
    MEMBER,
    World,
    copy_event,
    settings,
)

pytestmark = pytest.mark.unit

HOUR = timedelta(hours=1)
FULL = CentralQueue(open_hops=40, cap=5, typical_hop=2 * HOUR, window_left=8 * HOUR)
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/backup-copies"
OTHER_MEMBER = "333333333333"
AT_DR = f"arn:aws:rds:{DR.region}:{DR.account}:cluster-snapshot:awsbackup:at-dr"
ENV = {"SINGLE_ACTION_RESOURCE_TYPES": "Aurora"}


@pytest.fixture
def world() -> World:
    return World()


def _steps(world: World, members: FakeMemberCopies) -> HopSteps:
    steps = world.hop_steps(**ENV)
    steps.member_copies = members
    return steps


def _member_chain(world: World) -> ChainState:
    """A chain the overflow sent from the member's own vault, recorded."""
    routes = settings(ChainStepsSettings, **ENV).routes
    event = world.land(copy_event(iam_role_arn=MEMBER_ROLE))
    central = world.triggers(**ENV)
    chain = overflow(_central(central, event), MemberSource.of_event(event), routes, FULL)
    assert chain is not None
    world.ledger.chain_started(chain)
    return chain


def _central(triggers: ChainTriggers, event: JobEvent) -> ChainState:
    assert triggers.dr_vault is not None
    chain = chain_for_event(event, triggers.routes, triggers.dr_vault)
    assert chain is not None
    return chain


def _waiting(world: World, members: FakeMemberCopies) -> tuple[ChainState, str]:
    """The member chain's hop, its copy job started in the member account, waiting."""
    steps = _steps(world, members)
    started = steps.start_copy_job(steps.next_hop(_member_chain(world), 0))
    steps.await_copy_job(started, "token-1")
    return started, started.running_job_id()


def _triggers(world: World, members: FakeMemberCopies) -> ChainTriggers:
    triggers = world.triggers(**ENV)
    triggers.member_hops = MemberHops(triggers.routes, world.ledger, world.workflow, members)
    return triggers


def test_a_member_hop_starts_its_copy_job_in_the_member_account_as_the_members_role(
    world: World,
) -> None:
    # GIVEN a chain the overflow sent from the member's own vault
    members = FakeMemberCopies()
    steps = _steps(world, members)
    opened = steps.next_hop(_member_chain(world), 0)
    # WHEN its hop starts
    started = steps.start_copy_job(opened)
    # THEN the copy job starts in the member account, of the member's recovery point, as the
    # role the member's own copy ran as, into the DR vault; none in the central account
    [(account, region, request)] = members.started
    assert (account, region) == (MEMBER, HOME)
    assert request.iam_role_arn == MEMBER_ROLE != BACKUP_ROLE
    assert request.recovery_point_arn == copy_event().source_recovery_point_arn
    assert request.destination_vault_arn == DR.arn
    assert world.copy_jobs.requests == []
    assert started.status is ChainStatus.COPYING
    # AND CheckCopyJob asks the member account how it is doing
    members.jobs[MEMBER, started.running_job_id()] = CopyJobReport(
        started.running_job_id(), JobState.COMPLETED, AT_DR
    )
    checked = steps.check_copy_job(started)
    assert checked.status is ChainStatus.HOP_COMPLETED
    assert members.described == [(MEMBER, HOME, started.running_job_id())]


def test_a_member_hop_the_member_refuses_goes_back_to_the_central_route(world: World) -> None:
    # GIVEN the member's ReplayRole refuses (its stack not deployed)
    members = FakeMemberCopies(refusal=AccessDenied("AccessDenied", "not authorized"))
    steps = _steps(world, members)
    failed = steps.start_copy_job(steps.next_hop(_member_chain(world), 0))
    assert failed.status is ChainStatus.HOP_FAILED
    # WHEN the hop failure is handled
    replanned = steps.hop_failed(failed)
    # THEN the chain goes on from the central vault, as it was first planned
    assert replanned.status is ChainStatus.REPLANNED
    assert [hop.source_vault_arn for hop in replanned.hops] == [CENTRAL_HOME.arn]


def test_a_members_event_resumes_its_hop_once_describe_copy_job_confirms_it(
    world: World,
) -> None:
    # GIVEN a member hop waits for its copy job, which AWS says COMPLETED into the DR vault
    members = FakeMemberCopies()
    _, job = _waiting(world, members)
    members.jobs[MEMBER, job] = CopyJobReport(job, JobState.COMPLETED, AT_DR)
    # WHEN the member's event of that job comes (naming another recovery point)
    event = copy_event(job_id=job, destination_vault_arn=DR.arn, destination_recovery_point_arn="x")
    actions = _triggers(world, members).on_event(event)
    # THEN the hop resumes with what DescribeCopyJob, through the member's role, said
    [(token, outcome)] = world.workflow.resumed
    assert token == "token-1"
    assert outcome.destination_recovery_point_arn == AT_DR
    assert members.described[-1] == (MEMBER, HOME, job)
    assert actions == [f"resumed member hop of copy job {job} (DescribeCopyJob confirmed)"]


def test_a_members_event_resumes_nothing_while_aws_says_the_job_runs(world: World) -> None:
    members = FakeMemberCopies()
    _, job = _waiting(world, members)  # CREATED, as AWS tells it
    event = copy_event(job_id=job, destination_vault_arn=DR.arn)
    assert _triggers(world, members).on_event(event) == []
    assert world.workflow.resumed == []


def test_another_accounts_event_naming_a_member_hops_job_resumes_nothing(world: World) -> None:
    # GIVEN a member hop's job COMPLETED
    members = FakeMemberCopies()
    _, job = _waiting(world, members)
    members.jobs[MEMBER, job] = CopyJobReport(job, JobState.COMPLETED, AT_DR)
    # WHEN another member account's event names it THEN nothing is resumed, nothing asked
    forged = copy_event(account=OTHER_MEMBER, job_id=job, destination_vault_arn=DR.arn)
    described = list(members.described)
    assert _triggers(world, members).on_event(forged) == []
    assert world.workflow.resumed == []
    assert members.described == described


def test_a_forged_member_event_does_not_resume_a_central_hop(world: World) -> None:
    # GIVEN a central hop waits for the central account's copy job
    members = FakeMemberCopies()
    steps = world.hop_steps(**ENV)
    routes = settings(ChainStepsSettings, **ENV).routes
    chain = _central(world.triggers(**ENV), world.land(copy_event()))
    assert chain.hops[0].source_account == routes.central_account
    world.ledger.chain_started(chain)
    started = steps.start_copy_job(steps.next_hop(chain, 0))
    steps.await_copy_job(started, "token-c")
    job = started.running_job_id()
    # WHEN a member's event claims that job COMPLETED
    forged = copy_event(job_id=job, destination_vault_arn=DR.arn)
    # THEN nothing is resumed, and no member is even asked
    assert _triggers(world, members).on_event(forged) == []
    assert world.workflow.resumed == []
    assert members.described == []


def test_a_member_hops_event_that_came_before_its_wait_resumes_it_once_aws_confirms(
    world: World,
) -> None:
    # GIVEN a member hop's copy job whose COMPLETED event ingest recorded before the hop waited
    members = FakeMemberCopies()
    steps = _steps(world, members)
    started = steps.start_copy_job(steps.next_hop(_member_chain(world), 0))
    job = started.running_job_id()
    world.ledger.events[job] = [
        copy_event(job_id=job, destination_vault_arn=DR.arn, destination_recovery_point_arn="x")
    ]
    # WHEN the hop waits while AWS still says the job runs THEN it is not resumed
    steps.await_copy_job(started, "token-1")
    assert world.workflow.resumed == []
    # AND once AWS says COMPLETED, the wait (registered again by a retry) resumes it with AWS's
    members.jobs[MEMBER, job] = CopyJobReport(job, JobState.COMPLETED, AT_DR)
    steps.await_copy_job(started, "token-1")
    [(_, outcome)] = world.workflow.resumed
    assert outcome.destination_recovery_point_arn == AT_DR


def test_a_members_event_recorded_for_a_central_hops_job_does_not_resume_it(
    world: World,
) -> None:
    # GIVEN a member's event claiming a central hop's copy job COMPLETED, recorded first
    steps = world.hop_steps(**ENV)
    chain = _central(world.triggers(**ENV), world.land(copy_event()))
    world.ledger.chain_started(chain)
    started = steps.start_copy_job(steps.next_hop(chain, 0))
    job = started.running_job_id()
    world.ledger.events[job] = [copy_event(job_id=job, destination_vault_arn=DR.arn)]
    # WHEN the hop waits THEN nothing resumes it: only the central account's events tell
    steps.await_copy_job(started, "token-c")
    assert world.workflow.resumed == []


def test_reconcile_leaves_a_member_hop_to_its_own_check(world: World) -> None:
    # GIVEN a member hop waiting for its copy job (a job of the member account)
    _waiting(world, FakeMemberCopies())
    # WHEN reconcile looks at the running hops THEN it does not ask the central account for a
    # job that is not its own (it would report it unknown): the hop's CheckCopyJob asks the member
    report = world.reconcile(**ENV)()
    assert report.errors == []
    assert report.hops_resumed == []
