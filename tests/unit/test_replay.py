"""Replay: failed chain hops run again as a new attempt, failed member copies are copied again
through the member's replay role; never twice, never what completed or is gone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.domain.chain import ChainState, HopError, LedgerState
from backup_relay.domain.copy_jobs import ListedCopyJob
from backup_relay.domain.jobs import JobState
from backup_relay.replay.failed_copies import Replay, ReplayRequest, since
from backup_relay.replay.report import ReplayOutcome
from backup_relay.settings import ChainStepsSettings
from backup_relay_cli.render import render_replay
from tests.support.fakes import FakeCentralCopyJobs, FakeMemberCopies, MemoryReplayLedger
from tests.support.world import (
    AWS_QUOTAS,
    CENTRAL,
    CENTRAL_HOME,
    DR,
    MEMBER,
    NOW,
    World,
    copy_event,
    settings,
)

KMS = "The source snapshot KMS key does not exist, is not enabled or you do not have permissions"
OPTIONS = "The snapshot requires a target option group with the following options: APEX."


@pytest.fixture
def world() -> World:
    return World()


def _failed_chain(world: World, cause: str = OPTIONS) -> ChainState:
    """A chain whose only hop (central vault -> DR) failed with AWS's message."""
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    steps = world.hop_steps()
    copying = steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
    error = HopError(error="CopyJobFailed", cause=cause)
    return steps.hop_failed(copying.model_copy(update={"error": error}))


def _replay(
    world: World,
    jobs: MemoryReplayLedger,
    members: FakeMemberCopies,
    central: FakeCentralCopyJobs | None = None,
) -> Replay:
    return Replay(
        central_vault_name=CENTRAL_HOME.name,
        central_account=CENTRAL,
        chains=world.ledger,
        jobs=jobs,
        member_copies=members,
        workflow=world.workflow,
        central_copies=central or FakeCentralCopyJobs(),
        regions=(CENTRAL_HOME.region, DR.region),
        now=world.clock,
    )


def _failed_member_copy(job_id: str = "copy-1") -> object:
    return copy_event(
        job_id=job_id,
        state=JobState.FAILED,
        status_message=KMS,
        iam_role_arn=f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole",
    )


# ---- a chain hop -------------------------------------------------------------------------------


def test_a_failed_hop_runs_again_as_a_new_attempt_once(world: World) -> None:
    # GIVEN a chain whose hop to DR failed (its option group was missing; now fixed)
    failed = _failed_chain(world)
    replay = _replay(world, MemoryReplayLedger(), FakeMemberCopies())
    # WHEN the operator replays what failed, twice
    first, second = replay(ReplayRequest()), replay(ReplayRequest())
    # THEN the first started attempt 2 from the failed hop, with a new execution name and a new
    # idempotency token; the second found nothing failed
    [item] = first.items
    assert (item.kind, item.outcome, item.category) == (
        "chain hop",
        ReplayOutcome.REPLAYED,
        "option_group_missing",
    )
    assert item.started == f"{failed.chain_id}-attempt-2"
    [attempt] = world.workflow.started[-1:]
    assert (attempt.attempt, attempt.hop_index, attempt.status) == (2, 0, "new")
    steps = world.hop_steps()
    reopened = steps.next_hop(attempt, AWS_QUOTAS)
    assert reopened.current is not None
    assert failed.current is not None
    assert reopened.current.idempotency_token != failed.current.idempotency_token
    assert world.ledger.chains[failed.chain_id][0] is LedgerState.RUNNING
    assert second.items == []


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(world: World) -> None:
    failed = _failed_chain(world)
    report = _replay(world, MemoryReplayLedger(), FakeMemberCopies())(ReplayRequest(dry_run=True))
    [item] = report.items
    assert item.outcome is ReplayOutcome.WOULD_REPLAY
    assert item.why == "would run hop 1 of 1 again as attempt 2"
    assert world.ledger.chains[failed.chain_id][0] is LedgerState.FAILED
    assert len(world.workflow.started) == 0


def test_a_hop_whose_copy_completed_meanwhile_is_skipped(world: World) -> None:
    # GIVEN a failed chain whose copy to DR was made meanwhile (by hand, or a late retry)
    failed = _failed_chain(world)
    jobs = MemoryReplayLedger()
    jobs.add(
        copy_event(
            job_id="by-hand",
            account=CENTRAL,
            source_recovery_point_arn=failed.recovery_point_arn,
            destination_vault_arn=DR.arn,
        )
    )
    # WHEN replayed THEN it is skipped, naming the copy job
    [item] = _replay(world, jobs, FakeMemberCopies())(ReplayRequest()).items
    assert (item.outcome, item.why) == (
        ReplayOutcome.SKIPPED,
        "hop 1 of 1 completed since: copy job by-hand made the copy",
    )


# ---- a member's copy ---------------------------------------------------------------------------


def test_a_failed_member_copy_is_copied_again_in_its_account_once(world: World) -> None:
    # GIVEN a member's copy into the central vault that failed (its key was not shared)
    jobs, members = MemoryReplayLedger(), FakeMemberCopies()
    jobs.add(_failed_member_copy())  # type: ignore[arg-type]
    replay = _replay(world, jobs, members)
    # WHEN replayed twice
    first, second = replay(ReplayRequest()), replay(ReplayRequest())
    # THEN one copy job started in the member account, from the same source into the same vault
    [item] = first.items
    assert (item.kind, item.outcome, item.category) == (
        "member copy",
        ReplayOutcome.REPLAYED,
        "kms_key_not_shared",
    )
    [(account, region, request)] = members.started
    assert (account, region) == (MEMBER, "us-west-2")
    assert request.destination_vault_arn == CENTRAL_HOME.arn
    assert request.idempotency_token == "replay-copy-1"
    [again] = second.items
    assert (again.outcome, again.why) == (
        ReplayOutcome.SKIPPED,
        "replayed already as copy job member-job-1",
    )


def test_a_member_copy_whose_source_is_gone_is_reported_gone(world: World) -> None:
    jobs, members = MemoryReplayLedger(), FakeMemberCopies()
    event = _failed_member_copy()
    jobs.add(event)  # type: ignore[arg-type]
    members.gone.add(event.source_recovery_point_arn)  # type: ignore[attr-defined]
    [item] = _replay(world, jobs, members)(ReplayRequest()).items
    assert item.outcome is ReplayOutcome.GONE
    assert jobs.replays == {}


# ---- choosing what to replay -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_fields", "kinds"),
    [
        ({}, ["chain hop", "member copy"]),
        ({"category": "kms_key_not_shared"}, ["member copy"]),
        ({"category": "option_group_missing"}, ["chain hop"]),
        ({"account": MEMBER}, ["member copy"]),
        ({"job_id": "copy-9"}, ["member copy"]),
        ({"resource_type": "RDS"}, []),
        ({"since": "1h"}, []),
    ],
)
def test_the_selection_narrows_what_is_replayed(
    world: World, request_fields: dict[str, str], kinds: list[str]
) -> None:
    _failed_chain(world)
    jobs = MemoryReplayLedger()
    jobs.add(_failed_member_copy("copy-9"))  # type: ignore[arg-type]
    world.advance(timedelta(hours=3))  # the failures are 3 hours old
    report = _replay(world, jobs, FakeMemberCopies())(ReplayRequest(dry_run=True, **request_fields))
    assert sorted(item.kind for item in report.items) == kinds


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2026-11-20T00:00:00+00:00", NOW.replace(day=20, hour=0)),
    ],
)
def test_since_takes_a_duration_or_a_time(given: str, expected: object) -> None:
    assert since(given, NOW) == expected


def test_since_refuses_anything_else_naming_the_forms() -> None:
    with pytest.raises(ValueError, match=r"give a duration \(90m, 24h, 7d\) or an ISO 8601 time"):
        ReplayRequest(since="yesterday")


def test_a_central_failure_the_ledger_never_heard_of_is_reported(world: World) -> None:
    # GIVEN a copy job of the central account that FAILED, whose events were lost, and no
    # chain in the ledger for its recovery point
    central = FakeCentralCopyJobs(
        {
            CENTRAL_HOME.region: [
                ListedCopyJob("lost-1", "FAILED", "rp-by-hand", DR.arn, "RDS", OPTIONS, NOW)
            ]
        }
    )
    # WHEN replay looks THEN it reports it, saying what to do, and starts nothing
    [item] = _replay(world, MemoryReplayLedger(), FakeMemberCopies(), central)(
        ReplayRequest()
    ).items
    assert (item.kind, item.id, item.outcome, item.category) == (
        "central copy",
        "lost-1",
        ReplayOutcome.SKIPPED,
        "option_group_missing",
    )
    assert "start-copy-job" in item.why
    assert world.workflow.started == []


# ---- a chain's earlier attempts ------------------------------------------------------------------


def _attempt_fails(world: World, chain: ChainState, cause: str = OPTIONS) -> ChainState:
    """The chain's next hop starts a copy job, waits for it (as the state machine does) and the
    job FAILS with AWS's message."""
    steps = world.hop_steps()
    copying = steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
    assert copying.current is not None
    assert copying.current.copy_job_id is not None
    steps.await_copy_job(copying, f"token-{copying.current.copy_job_id}")
    error = HopError(error="CopyJobFailed", cause=cause)
    return steps.hop_failed(copying.model_copy(update={"error": error}))


def _listed(failed: ChainState, at: timedelta = timedelta()) -> ListedCopyJob:
    """The failed copy job of `failed`'s open hop as ListCopyJobs lists it."""
    assert failed.current is not None
    assert failed.current.copy_job_id is not None
    return ListedCopyJob(
        failed.current.copy_job_id,
        "FAILED",
        failed.current.recovery_point_arn,
        DR.arn,
        "RDS",
        OPTIONS,
        NOW + at,
    )


def _replayed_chain(world: World) -> tuple[ChainState, ListedCopyJob]:
    """A chain whose first attempt failed and was replayed: attempt 2 runs."""
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    first = _attempt_fails(world, chain)
    [item] = _replay(world, MemoryReplayLedger(), FakeMemberCopies())(ReplayRequest()).items
    assert item.outcome is ReplayOutcome.REPLAYED
    return first, _listed(first)


def test_a_replayed_chains_first_attempt_is_shown_as_such_never_as_started_by_hand(
    world: World,
) -> None:
    # GIVEN a chain whose first attempt's copy job FAILED, replayed (attempt 2 now runs); AWS
    # Backup still lists the first attempt's FAILED copy job
    first, listed = _replayed_chain(world)
    central = FakeCentralCopyJobs({CENTRAL_HOME.region: [listed]})
    # WHEN the operator lists what failed again
    report = _replay(world, MemoryReplayLedger(), FakeMemberCopies(), central)(
        ReplayRequest(dry_run=True)
    )
    # THEN the job is the chain's earlier attempt, with nothing to do: no advice to copy it by
    # hand (a second copy), and nothing started
    [item] = report.items
    assert (item.kind, item.id) == ("earlier attempt", listed.copy_job_id)
    assert item.outcome is ReplayOutcome.SKIPPED
    assert item.why.startswith(f"earlier attempt of {first.chain_id} hop 1, replayed: attempt 2 ")
    assert item.why.endswith(": nothing to do")
    assert "start-copy-job" not in item.why
    assert "by hand" not in item.why
    assert len(world.workflow.started) == 1  # the replay's, nothing since


def test_an_earlier_attempt_of_a_chain_that_failed_again_points_at_the_chain(world: World) -> None:
    # GIVEN a replayed chain whose second attempt FAILED too
    first, listed = _replayed_chain(world)
    [attempt_2] = world.workflow.started
    second = _attempt_fails(world, attempt_2)
    central = FakeCentralCopyJobs({CENTRAL_HOME.region: [listed, _listed(second)]})
    # WHEN listed
    report = _replay(world, MemoryReplayLedger(), FakeMemberCopies(), central)(
        ReplayRequest(dry_run=True)
    )
    # THEN the chain's row replays attempt 3; the first attempt's job says to replay the chain
    by_kind = {item.kind: item for item in report.items}
    assert sorted(by_kind) == ["chain hop", "earlier attempt"]
    assert by_kind["chain hop"].why == "would run hop 1 of 1 again as attempt 3"
    earlier = by_kind["earlier attempt"]
    assert earlier.id == listed.copy_job_id
    assert f"replay the chain, not this job: backup-relay replay --chain-id {first.chain_id}" in (
        earlier.why
    )


def test_an_earlier_attempt_of_a_later_hop_is_found_by_its_copy_job(world: World) -> None:
    # GIVEN a replayed chain whose failed job copied an intermediate recovery point (a later
    # hop's source, which names no chain)
    first, listed = _replayed_chain(world)
    intermediate = ListedCopyJob(
        listed.copy_job_id, "FAILED", "rp-intermediate", DR.arn, "RDS", OPTIONS, NOW
    )
    central = FakeCentralCopyJobs({CENTRAL_HOME.region: [intermediate]})
    # WHEN listed THEN it is the chain's earlier attempt all the same
    [item] = _replay(world, MemoryReplayLedger(), FakeMemberCopies(), central)(
        ReplayRequest(dry_run=True)
    ).items
    assert item.kind == "earlier attempt"
    assert item.why.startswith(f"earlier attempt of {first.chain_id} hop 1, replayed: ")


def test_an_earlier_attempt_of_a_chain_that_completed_is_left_out(world: World) -> None:
    # GIVEN a replayed chain whose second attempt COMPLETED
    _, listed = _replayed_chain(world)
    [attempt_2] = world.workflow.started
    world.ledger.chain_ended(attempt_2, LedgerState.COMPLETED, "copied")
    central = FakeCentralCopyJobs({CENTRAL_HOME.region: [listed]})
    # WHEN listed THEN nothing failed that needs anything
    report = _replay(world, MemoryReplayLedger(), FakeMemberCopies(), central)(ReplayRequest())
    assert report.items == []


# ---- AWS's MessageCategory (issue #24) -------------------------------------------------------

UNHEARD = "Copy job failed. The destination answered in words nobody wrote down."


def test_a_listed_failure_in_unknown_words_gets_the_family_awss_category_picks(
    world: World,
) -> None:
    # GIVEN a failed copy job of the central account that ListCopyJobs lists with a message no
    # entry knows and AWS's MessageCategory AccessDenied
    listed = ListedCopyJob("lost-1", "FAILED", "rp-by-hand", DR.arn, "RDS", UNHEARD, NOW)
    central = FakeCentralCopyJobs(
        {CENTRAL_HOME.region: [replace(listed, message_category="AccessDenied")]}
    )
    # WHEN a dry run looks at it
    [item] = _replay(world, MemoryReplayLedger(), FakeMemberCopies(), central)(
        ReplayRequest(dry_run=True)
    ).items
    # THEN it is diagnosed by AWS's category's family, and says AWS's category
    assert (item.id, item.category, item.message_category) == (
        "lost-1",
        "iam_role_permissions",
        "AccessDenied",
    )


def test_a_failed_hop_with_awss_category_is_diagnosed_by_it_in_a_dry_run(world: World) -> None:
    # GIVEN a chain whose hop's copy job failed in words no entry knows, AWS's category KMSKeyError
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    steps = world.hop_steps()
    copying = steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))
    assert copying.current is not None
    assert copying.current.copy_job_id is not None
    world.copy_jobs.finish(
        copying.current.copy_job_id,
        JobState.FAILED,
        status_message=UNHEARD,
        message_category="KMSKeyError",
    )
    error = HopError(error="CopyJobFailed", cause=UNHEARD)
    steps.hop_failed(copying.model_copy(update={"error": error}))
    # WHEN a dry run looks at it
    report = _replay(world, MemoryReplayLedger(), FakeMemberCopies())(ReplayRequest(dry_run=True))
    [item] = report.items
    # THEN AWS's category picked its family (a key), and the item says AWS's category
    assert (item.kind, item.outcome) == ("chain hop", ReplayOutcome.WOULD_REPLAY)
    assert (item.category, item.message_category) == ("kms_key_not_shared", "KMSKeyError")
    # AND `replay --dry-run` shows both, and `--json` has AWS's as `message_category`
    assert "kms_key_not_shared (AWS: KMSKeyError)" in render_replay(report, dry_run=True)
    assert json.loads(report.model_dump_json())["items"][0]["message_category"] == "KMSKeyError"
