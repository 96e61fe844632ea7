"""Each step the state machine calls (HopSteps), on in-memory ports: what it records, what it
asks AWS, what it hands back to the state machine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import FEATURE_NOT_SUPPORTED, chain_for_event
from backup_relay.copy_chain.steps import HopSteps, StepRequest
from backup_relay.domain.chain import ChainState, ChainStatus, HopError, LedgerState, new_chain
from backup_relay.domain.copy_jobs import CopyJobOutcome, RecoveryPoint
from backup_relay.domain.errors import InvalidChainState, Refused, Throttled
from backup_relay.domain.jobs import JobState
from backup_relay.domain.routes import plan_route
from backup_relay.settings import ChainStepsSettings
from tests.support.world import (
    AWS_QUOTAS,
    BACKUP_ROLE,
    CENTRAL_HOME,
    DR,
    DR_REGION,
    HOME,
    LANDED_RP,
    MEMBER_VAULT,
    World,
    copy_event,
    settings,
)

DENIED = "Access Denied trying to call AWS Backup service"


@pytest.fixture
def world() -> World:
    return World()


def _landed_chain() -> ChainState:
    """The chain ingest starts for an Aurora copy that landed in the central vault."""
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    return chain


def _bring_back(**env: str) -> ChainState:
    chain_settings = settings(ChainStepsSettings, **env).routes
    return new_chain(plan_route("Aurora", DR, MEMBER_VAULT, chain_settings), "rp-at-dr")


def _started(steps: HopSteps, chain: ChainState) -> ChainState:
    return steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))


def _hop_done(steps: HopSteps, chain: ChainState, destination_rp: str) -> ChainState:
    """WaitForCopyJob's output: the outcome ingest sent, in current.result."""
    done = chain.model_copy(deep=True)
    assert done.current is not None
    done.current.result = CopyJobOutcome(
        state="COMPLETED",
        copy_job_id=done.running_job_id(),
        destination_recovery_point_arn=destination_rp,
    )
    return done


# ---- next_hop ---------------------------------------------------------------------------------


def test_next_hop_opens_the_first_hop_and_records_it_starting(world: World) -> None:
    # GIVEN a new chain
    chain = _landed_chain()
    # WHEN the state machine asks for the next hop
    opened = world.hop_steps().next_hop(chain, AWS_QUOTAS)
    # THEN the first hop is ready, waiting the stack's CopyWaitTimeoutSeconds for its event
    assert opened.status is ChainStatus.HOP_READY
    assert opened.current is not None
    assert opened.current.wait_seconds == settings(ChainStepsSettings).copy_wait_timeout_seconds
    # AND the ledger shows it STARTING
    assert world.ledger.states_of(chain.chain_id) == [LedgerState.STARTING]


def test_the_last_hop_completing_completes_the_chain(world: World) -> None:
    # GIVEN a one-hop chain whose copy job ran for two hours
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    world.advance(timedelta(hours=2))
    # WHEN the hop's outcome comes back and the state machine asks for the next hop
    done = steps.next_hop(_hop_done(steps, started, "rp-at-dr"), AWS_QUOTAS)
    # THEN the chain is complete, in the state and the ledger, with the hop's duration measured
    assert done.status is ChainStatus.COMPLETED
    assert world.ledger.chains[done.chain_id][0] is LedgerState.COMPLETED
    hop = world.ledger.hops[(done.chain_id, 0)]
    assert (hop.state, hop.destination_recovery_point_arn) == (LedgerState.COMPLETED, "rp-at-dr")
    assert ("hop_completed", timedelta(hours=2)) in world.telemetry.seen
    assert world.telemetry.names()[-1] == "chain_completed"
    # AND no retention was touched (IntermediateRetentionDays is off by default)
    assert world.recovery_points.retention == []


def test_a_hop_that_has_not_completed_is_neither_passed_nor_recorded(world: World) -> None:
    # GIVEN a started hop without an outcome (the state machine would never send it on)
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    # WHEN NextHop is asked for it THEN it refuses, and the ledger does not call it COMPLETED
    with pytest.raises(InvalidChainState):
        steps.next_hop(started, AWS_QUOTAS)
    assert world.ledger.hops[(started.chain_id, 0)].state is LedgerState.STARTED


def _copy_in_central(world: World, arn: str, created_days_ago: float, **lifecycle: int) -> None:
    """A copy in the central vault; it keeps its source backup's creation date."""
    created = world.now - timedelta(days=created_days_ago)
    point = RecoveryPoint(arn, "Aurora", "COMPLETED", created, DR.arn, **lifecycle)
    world.recovery_points.add(CENTRAL_HOME, point)


def test_intermediate_copies_are_shortened_only_after_the_last_hop_when_asked(
    world: World,
) -> None:
    # GIVEN IntermediateRetentionDays=3 and a two-hop bring-back of a backup made 2.5 days ago
    steps = world.hop_steps(INTERMEDIATE_RETENTION_DAYS="3")
    _copy_in_central(world, "rp-central", created_days_ago=2.5)
    first = _started(steps, _bring_back())
    # WHEN hop 1 completes THEN nothing is shortened yet
    second = _started(steps, _hop_done(steps, first, "rp-central"))
    assert world.recovery_points.retention == []
    # WHEN hop 2 completes THEN only the copy left in the central vault is shortened, to 3 more
    # days from now: DeleteAfterDays counts from the creation date the copy kept (3 + 3)
    steps.next_hop(_hop_done(steps, second, "rp-member"), AWS_QUOTAS)
    assert world.recovery_points.retention == [(CENTRAL_HOME, "rp-central", 6)]


@pytest.mark.parametrize(
    ("lifecycle", "expected"),
    [({"delete_after_days": 4}, []), ({"delete_after_days": -1}, [(CENTRAL_HOME, "rp-c", 5)])],
)
def test_an_intermediate_copy_is_never_kept_longer_than_its_lifecycle_says(
    world: World, lifecycle: dict[str, int], expected: list[object]
) -> None:
    # GIVEN IntermediateRetentionDays=3 and a central copy of a backup made a day ago that its
    # vault deletes after 4 days (or keeps forever: -1)
    steps = world.hop_steps(INTERMEDIATE_RETENTION_DAYS="3")
    _copy_in_central(world, "rp-c", created_days_ago=1.5, **lifecycle)
    first = _started(steps, _bring_back())
    second = _started(steps, _hop_done(steps, first, "rp-c"))
    # WHEN the chain completes
    steps.next_hop(_hop_done(steps, second, "rp-member"), AWS_QUOTAS)
    # THEN a sooner end is kept as it is; "forever" is shortened to 2 + 3 days
    assert world.recovery_points.retention == expected


def test_a_throttled_retention_update_retries_next_hop_before_anything_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN IntermediateRetentionDays=3, a two-hop bring-back at its last hop, and an
    # UpdateRecoveryPointLifecycle that AWS throttles once
    steps = world.hop_steps(INTERMEDIATE_RETENTION_DAYS="3")
    _copy_in_central(world, "rp-central", created_days_ago=1)
    first = _started(steps, _bring_back())
    done = _hop_done(steps, _started(steps, _hop_done(steps, first, "rp-central")), "rp-member")
    set_retention = world.recovery_points.set_retention
    calls: list[str] = []

    def throttled_once(*args: object) -> None:
        calls.append("call")
        if len(calls) == 1:
            raise Throttled("ThrottlingException", "Rate exceeded")
        set_retention(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(world.recovery_points, "set_retention", throttled_once)
    # WHEN NextHop fails with Throttled, and the state machine retries it
    with pytest.raises(Throttled):
        steps.next_hop(done, AWS_QUOTAS)
    assert world.ledger.hops[(done.chain_id, 1)].state is LedgerState.STARTED
    steps.next_hop(done, AWS_QUOTAS)
    # THEN the hop was recorded COMPLETED, and counted, once
    assert [name for name in world.telemetry.names() if name == "hop_completed"] == [
        "hop_completed"
    ] * 2  # hop 0 (earlier) and hop 1
    assert world.ledger.chains[done.chain_id][0] is LedgerState.COMPLETED


def test_a_locked_central_vault_that_refuses_the_shorter_retention_does_not_fail_the_chain(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN IntermediateRetentionDays=3, a two-hop bring-back at its last hop, and a central vault
    # whose lock refuses UpdateRecoveryPointLifecycle shortening a point (the simulator's answer)
    steps = world.hop_steps(INTERMEDIATE_RETENTION_DAYS="3")
    _copy_in_central(world, "rp-central", created_days_ago=1)
    first = _started(steps, _bring_back())
    done = _hop_done(steps, _started(steps, _hop_done(steps, first, "rp-central")), "rp-member")

    def locked(*args: object) -> None:
        raise Refused(
            "InvalidRequestException",
            "Recovery point rp-central is in the locked backup vault central: its retention "
            "period (indefinite) cannot be shortened (4 days).",
        )

    monkeypatch.setattr(world.recovery_points, "set_retention", locked)
    # WHEN the last hop's NextHop runs
    ended = steps.next_hop(done, AWS_QUOTAS)
    # THEN the chain completes (the copy keeps its retention) and nothing counts as shortened
    assert ended.status is ChainStatus.COMPLETED
    assert world.ledger.chains[done.chain_id][0] is LedgerState.COMPLETED
    assert "retention_shortened" not in world.telemetry.names()


@pytest.mark.parametrize("status", [None, "DELETING", "EXPIRED"])
def test_an_intermediate_copy_already_deleted_is_skipped(world: World, status: str | None) -> None:
    # GIVEN IntermediateRetentionDays=3 and a central copy that no longer exists, or is going
    steps = world.hop_steps(INTERMEDIATE_RETENTION_DAYS="3")
    if status is not None:
        point = RecoveryPoint("rp-gone", "Aurora", status, world.now, DR.arn)
        world.recovery_points.add(CENTRAL_HOME, point)
    first = _started(steps, _bring_back())
    second = _started(steps, _hop_done(steps, first, "rp-gone"))
    # WHEN the chain completes THEN it completes, and nothing is shortened
    done = steps.next_hop(_hop_done(steps, second, "rp-member"), AWS_QUOTAS)
    assert done.status is ChainStatus.COMPLETED
    assert world.recovery_points.retention == []


# ---- start_copy_job ---------------------------------------------------------------------------


def test_start_copy_job_runs_in_the_hops_source_region_with_its_token(world: World) -> None:
    # GIVEN a bring-back's first hop (it starts in the DR region)
    steps = world.hop_steps(DR_DELETE_AFTER_DAYS="35")
    opened = steps.next_hop(_bring_back(DR_DELETE_AFTER_DAYS="35"), AWS_QUOTAS)
    assert opened.current is not None
    # WHEN it starts
    started = steps.start_copy_job(opened)
    # THEN StartCopyJob ran in the DR region with the hop's token and the stack's backup role
    [(region, request)] = world.copy_jobs.requests
    assert region == DR_REGION
    assert request.idempotency_token == opened.current.idempotency_token
    assert request.iam_role_arn == BACKUP_ROLE
    assert request.source_vault_name == DR.name
    assert request.destination_vault_arn == CENTRAL_HOME.arn
    assert request.lifecycle == {}  # an intermediate copy keeps its vault's lifecycle
    # AND the chain waits for that copy job, which the ledger shows STARTED
    assert started.status is ChainStatus.COPYING
    assert started.running_job_id() == "job-1"
    assert world.ledger.hops[(started.chain_id, 0)].state is LedgerState.STARTED


def test_the_first_hop_measures_the_time_since_its_origin_landed(world: World) -> None:
    # GIVEN a chain whose origin copy landed at 22:00, started the next day at noon
    chain = _landed_chain()
    assert chain.origin_completed_at is not None
    # WHEN its first hop starts
    _started(world.hop_steps(), chain)
    # THEN the delay from landing to the next hop is reported
    assert ("hop_started", world.now - chain.origin_completed_at) in world.telemetry.seen


def test_a_refused_start_fails_the_hop_with_aws_code_and_message(world: World) -> None:
    # GIVEN AWS refuses the copy
    world.copy_jobs.refusal = Refused("AccessDeniedException", "Insufficient privileges")
    # WHEN the hop starts
    started = _started(world.hop_steps(), _landed_chain())
    # THEN the state machine gets a failed hop that says why, and no copy job
    assert started.status is ChainStatus.HOP_FAILED
    assert started.error == HopError(error="AccessDeniedException", cause="Insufficient privileges")
    assert started.current is not None
    assert started.current.copy_job_id is None


def test_a_throttled_start_is_left_to_the_state_machine_to_retry(world: World) -> None:
    # GIVEN AWS Backup throttles StartCopyJob
    world.copy_jobs.throttles = 1
    steps = world.hop_steps()
    opened = steps.next_hop(_landed_chain(), AWS_QUOTAS)
    # WHEN the hop starts THEN Throttled leaves the step (its Retry backs off and tries again)
    with pytest.raises(Throttled):
        steps.start_copy_job(opened)
    # AND the retry, with the same token, starts one copy job
    assert steps.start_copy_job(opened).running_job_id() == "job-1"
    assert len({request.idempotency_token for _, request in world.copy_jobs.requests}) == 1


# ---- await_copy_job / resume ------------------------------------------------------------------


def test_await_registers_the_wait_and_the_hop_runs(world: World) -> None:
    # GIVEN a started hop
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    # WHEN the wait task registers its token
    steps.await_copy_job(started, "token-1")
    # THEN the copy job points to the token, the hop is RUNNING, nothing is resumed yet
    assert world.ledger.waits == {"job-1": "token-1"}
    assert world.ledger.hops[(started.chain_id, 0)].state is LedgerState.RUNNING
    assert world.workflow.resumed == []


def test_await_resumes_at_once_when_the_final_event_came_first(world: World) -> None:
    # GIVEN ingest already recorded the copy job's COMPLETED event (the race)
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    final = copy_event(job_id="job-1", account="123456789012", destination_recovery_point_arn="x")
    world.ledger.events["job-1"] = [copy_event(job_id="job-1", state=JobState.RUNNING), final]
    # WHEN the wait task registers (twice: Step Functions may redeliver)
    steps.await_copy_job(started, "token-1")
    steps.await_copy_job(started, "token-1")
    # THEN the hop is resumed once, with the job's outcome
    [(token, outcome)] = world.workflow.resumed
    assert token == "token-1"
    assert (outcome.state, outcome.destination_recovery_point_arn) == ("COMPLETED", "x")


def test_await_without_a_running_job_is_refused(world: World) -> None:
    opened = world.hop_steps().next_hop(_landed_chain(), AWS_QUOTAS)
    with pytest.raises(InvalidChainState, match="no copy job"):
        world.hop_steps().await_copy_job(opened, "token-1")


# ---- check_copy_job ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "details", "status", "error"),
    [
        (JobState.RUNNING, {}, ChainStatus.COPYING, None),
        (
            JobState.COMPLETED,
            {"destination_recovery_point_arn": "rp-dr"},
            ChainStatus.HOP_COMPLETED,
            None,
        ),
        (
            JobState.FAILED,
            {"status_message": "Access Denied trying to call AWS Backup service"},
            ChainStatus.HOP_FAILED,
            HopError(
                error="CopyJobFailed", cause="Access Denied trying to call AWS Backup service"
            ),
        ),
    ],
)
def test_check_copy_job_asks_aws_when_no_event_came(
    world: World,
    state: JobState,
    details: dict[str, str],
    status: ChainStatus,
    error: HopError | None,
) -> None:
    # GIVEN a started hop whose copy job is now in `state`, its event never delivered
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    world.copy_jobs.finish("job-1", state, **details)
    # WHEN the wait times out and the state machine asks
    checked = steps.check_copy_job(started)
    # THEN the chain keeps waiting, moves on, or fails the hop, as DescribeCopyJob says
    assert (checked.status, checked.error) == (status, error)
    if status is ChainStatus.HOP_COMPLETED:
        assert checked.current is not None
        assert checked.current.result is not None
        assert checked.current.result.destination_recovery_point_arn == "rp-dr"


def test_a_final_event_after_the_poll_fallback_changes_nothing(world: World) -> None:
    # GIVEN a hop whose wait timed out, and whose copy job CheckCopyJob found COMPLETED
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    steps.await_copy_job(started, "token-1")
    world.copy_jobs.finish("job-1", JobState.COMPLETED, destination_recovery_point_arn="rp-dr")
    checked = steps.check_copy_job(started)
    moved = steps.next_hop(checked, AWS_QUOTAS)
    # WHEN the job's COMPLETED event arrives late, twice
    late = copy_event(
        job_id="job-1",
        account=DR.account,
        destination_vault_arn=DR.arn,
        destination_recovery_point_arn="rp-dr",
    )
    actions = [world.triggers().on_event(late) for _ in range(2)]
    # THEN no hop is resumed, no chain starts, and the ledger keeps the hop COMPLETED
    assert actions == [[], []]
    assert world.workflow.resumed == []
    assert len(world.workflow.started) == 0
    assert moved.status is ChainStatus.COMPLETED
    assert world.ledger.hops[(started.chain_id, 0)].state is LedgerState.COMPLETED


def test_a_hop_record_never_moves_backwards(world: World) -> None:
    # GIVEN a hop the ledger shows COMPLETED
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    steps.next_hop(_hop_done(steps, started, "rp-dr"), AWS_QUOTAS)
    # WHEN a retried step records it STARTED or RUNNING again
    world.ledger.hop(started, LedgerState.STARTED)
    world.ledger.hop(started, LedgerState.RUNNING)
    # THEN it stays COMPLETED
    assert world.ledger.hops[(started.chain_id, 0)].state is LedgerState.COMPLETED


# ---- hop_failed -------------------------------------------------------------------------------


def test_a_failed_hop_ends_the_chain_failed_with_its_cause(world: World) -> None:
    # GIVEN a hop whose copy job failed (the wait task's Catch put the cause in $.error)
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    cause = "The snapshot requires a target option group with the following options: APEX."
    started.error = HopError(error="CopyJobFailed", cause=cause)
    # WHEN HopFailed runs
    failed = steps.hop_failed(started)
    # THEN the chain ends FAILED, with the copy job's message, in the state and the ledger
    assert failed.status is ChainStatus.FAILED
    assert failed.error == started.error
    assert world.ledger.hops[(failed.chain_id, 0)].state is LedgerState.FAILED
    assert world.ledger.chains[failed.chain_id] == (LedgerState.FAILED, cause)
    assert world.telemetry.seen[-1] == ("chain_failed", cause)


def test_a_hop_that_failed_without_a_cause_still_ends_with_one(world: World) -> None:
    opened = world.hop_steps().next_hop(_landed_chain(), AWS_QUOTAS)
    failed = world.hop_steps().hop_failed(opened)
    assert failed.error == HopError(error="HopFailed", cause="unknown failure")


def test_a_refused_single_action_copy_goes_on_in_two_hops(world: World) -> None:
    # GIVEN single-action copy enabled for Aurora, and a bring-back planned as one hop
    env = {"SINGLE_ACTION_RESOURCE_TYPES": "Aurora"}
    steps = world.hop_steps(**env)
    started = _started(steps, _bring_back(**env))
    assert len(started.hops) == 1
    # WHEN AWS fails its copy job as unsupported
    cause = f"Copy job from {DR_REGION} to {HOME} cannot be initiated. {FEATURE_NOT_SUPPORTED}."
    started.error = HopError(error="CopyJobFailed", cause=cause)
    replanned = steps.hop_failed(started)
    # THEN the chain is re-planned, the refused hop recorded as such, and it goes on in two hops
    assert replanned.status is ChainStatus.REPLANNED
    assert world.ledger.hops[(started.chain_id, 0)].state is LedgerState.REPLANNED
    assert world.ledger.chains == {}  # not ended
    reopened = steps.next_hop(replanned, AWS_QUOTAS)
    assert [hop.kind for hop in reopened.hops] == ["cross-region", "cross-account"]
    assert reopened.status is ChainStatus.HOP_READY


# ---- the request the state machine sends ------------------------------------------------------


def test_run_hands_the_state_machine_json_and_the_wait_nothing(world: World) -> None:
    # GIVEN the state machine's request for next_hop, as JSON, with the stack's
    # MaxConcurrentCopies as the definition substitutes it (a string)
    steps = world.hop_steps()
    request = StepRequest.model_validate(
        {
            "action": "next_hop",
            "chain": _landed_chain().model_dump(mode="json"),
            "max_concurrent_copies": "3",
        }
    )
    # WHEN the step runs THEN it answers with the chain as JSON, its status for the Choice states
    answer = steps.run(request)
    assert answer is not None
    assert answer["status"] == "hop_ready"
    opened = ChainState.model_validate(answer).current
    assert opened is not None
    assert opened.slot_cap == 3  # the operator's cap, under AWS's quota for the type
    # AND the wait step answers nothing (the callback does), and needs its token
    started = steps.start_copy_job(ChainState.model_validate(answer))
    wait = StepRequest(action="await_copy_job", chain=started, task_token="t")
    assert steps.run(wait) is None
    with pytest.raises(InvalidChainState, match="task token"):
        steps.run(StepRequest(action="await_copy_job", chain=started))


def test_next_hop_is_refused_without_the_stacks_cap() -> None:
    # GIVEN a request for next_hop that does not say the stack's MaxConcurrentCopies
    request = {"action": "next_hop", "chain": _landed_chain().model_dump(mode="json")}
    # WHEN it is read THEN it is refused, rather than a slot opened without its cap
    with pytest.raises(ValueError, match="max_concurrent_copies"):
        StepRequest.model_validate(request)


def test_a_landed_rp_is_the_origin_of_the_chain() -> None:
    assert _landed_chain().origin_recovery_point_arn == LANDED_RP


# ---- AWS's MessageCategory on the failed hop (issue #24) ---------------------------------------

UNHEARD = "Copy job failed. The destination said something no catalogue entry knows."


def test_a_hop_resumed_by_its_failure_keeps_awss_message_category(world: World) -> None:
    # GIVEN a hop whose copy job failed while it waited: ingest resumed it with SendTaskFailure,
    # whose Error and Cause hold AWS's message but not its MessageCategory
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    world.copy_jobs.finish(
        "job-1", JobState.FAILED, status_message=UNHEARD, message_category="AccessDenied"
    )
    started.error = HopError(error="CopyJobFailed", cause=UNHEARD)
    # WHEN HopFailed runs
    failed = steps.hop_failed(started)
    # THEN the failed hop's record keeps AWS's category, asked of DescribeCopyJob
    hop = world.ledger.hops[(failed.chain_id, 0)]
    assert (hop.state, hop.status_message) == (LedgerState.FAILED, UNHEARD)
    assert hop.message_category == "AccessDenied"


def test_a_hop_checkcopyjob_failed_keeps_the_category_it_read(world: World) -> None:
    # GIVEN a hop whose wait timed out, and CheckCopyJob found its job FAILED (with a category)
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    world.copy_jobs.finish(
        "job-1", JobState.FAILED, status_message=UNHEARD, message_category="KMSKeyError"
    )
    checked = steps.check_copy_job(started)
    # WHEN HopFailed runs, and AWS has forgotten the job by then
    del world.copy_jobs.jobs["job-1"]
    steps.hop_failed(checked)
    # THEN the hop's record keeps the category CheckCopyJob read, without asking again
    assert world.ledger.hops[(checked.chain_id, 0)].message_category == "KMSKeyError"


def test_a_hop_whose_job_cannot_be_described_still_fails_without_a_category(
    world: World,
) -> None:
    # GIVEN a failed hop whose copy job DescribeCopyJob does not find
    steps = world.hop_steps()
    started = _started(steps, _landed_chain())
    del world.copy_jobs.jobs["job-1"]
    started.error = HopError(error="CopyJobFailed", cause=UNHEARD)
    # WHEN HopFailed runs
    failed = steps.hop_failed(started)
    # THEN the chain still ends FAILED with AWS's message, its category unknown
    assert failed.status is ChainStatus.FAILED
    hop = world.ledger.hops[(failed.chain_id, 0)]
    assert (hop.status_message, hop.message_category) == (UNHEARD, None)
