"""The chain's pure decisions: which event starts a chain, how hops advance, how a copy job
ended, how a refused single-action copy is re-planned, which copies are intermediate."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backup_relay.copy_chain.decisions import (
    FEATURE_NOT_SUPPORTED,
    POLL_SECONDS,
    WaitPolicy,
    chain_for_event,
    intermediate_copies,
    next_hop,
    replan_after_refusal,
)
from backup_relay.domain.chain import ChainState, ChainStatus, chain_id_for, new_chain
from backup_relay.domain.copy_jobs import (
    CopyJobOutcome,
    CopyJobReport,
    outcome_of,
    outcome_of_event,
)
from backup_relay.domain.errors import InvalidChainState
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay.domain.routes import plan_route
from backup_relay.settings import ChainStepsSettings
from tests.support.world import (
    AWS_QUOTAS,
    CENTRAL,
    CENTRAL_HOME,
    DR,
    DR_REGION,
    HOME,
    LANDED_RP,
    MEMBER_VAULT,
    copy_event,
    settings,
)

SETTINGS = settings(ChainStepsSettings).routes
WAITS = WaitPolicy(home_region=HOME, event_wait_seconds=14400)


def test_a_member_copy_landing_in_the_central_vault_starts_a_chain_to_dr() -> None:
    # GIVEN an Aurora copy from a member vault that COMPLETED into the central vault
    event = copy_event()
    # WHEN ingest asks whether it starts a chain
    chain = chain_for_event(event, SETTINGS, DR)
    # THEN a chain starts from the landed recovery point, one cross-region hop to the DR vault
    assert chain is not None
    assert chain.status is ChainStatus.NEW
    assert chain.recovery_point_arn == LANDED_RP
    assert [hop.kind for hop in chain.hops] == ["cross-region"]
    assert chain.destination_vault_arn == DR.arn
    assert chain.chain_id == chain_id_for(LANDED_RP, DR.arn)
    assert chain.origin_completed_at == event.time


@pytest.mark.parametrize(
    "changes",
    [
        {"state": JobState.RUNNING},
        {"kind": JobKind.BACKUP},
        {"resource_type": "EBS"},
        {"account": CENTRAL},  # our own copy (a chain hop or a bring-back)
        {"destination_vault_arn": CENTRAL_HOME.model_copy(update={"name": "other"}).arn},
        {"destination_vault_arn": CENTRAL_HOME.model_copy(update={"region": DR_REGION}).arn},
        {"destination_vault_arn": "not-an-arn"},
        {"destination_recovery_point_arn": None},
    ],
)
def test_other_events_start_nothing(changes: dict[str, object]) -> None:
    assert chain_for_event(copy_event(**changes), SETTINGS, DR) is None


def _bring_back_chain() -> ChainState:
    return new_chain(plan_route("Aurora", DR, MEMBER_VAULT, SETTINGS), "rp-at-dr")


def _completed(chain: ChainState, destination_rp: str) -> ChainState:
    assert chain.current is not None
    chain.current.result = CopyJobOutcome(
        state="COMPLETED", copy_job_id="j", destination_recovery_point_arn=destination_rp
    )
    return chain


def test_next_hop_walks_the_hops_then_finishes() -> None:
    # GIVEN a two-hop bring-back chain
    # WHEN its first hop opens
    chain = next_hop(_bring_back_chain(), WAITS, AWS_QUOTAS)
    # THEN it is ready, with a deterministic idempotency token
    assert chain.status is ChainStatus.HOP_READY
    assert chain.current is not None
    assert (chain.current.index, chain.current.recovery_point_arn) == (0, "rp-at-dr")
    assert next_hop(_bring_back_chain(), WAITS, AWS_QUOTAS).current == chain.current
    # WHEN it completes THEN the second hop starts from the first hop's copy
    chain = next_hop(_completed(chain, "rp-central"), WAITS, AWS_QUOTAS)
    assert chain.current is not None
    assert (chain.current.index, chain.current.recovery_point_arn) == (1, "rp-central")
    # WHEN the last hop completes THEN the chain is done, every copy listed
    done = next_hop(_completed(chain, "rp-member"), WAITS, AWS_QUOTAS)
    assert done.status is ChainStatus.COMPLETED
    assert done.current is None
    assert done.copies == ["rp-at-dr", "rp-central", "rp-member"]


def test_next_hop_refuses_to_skip_an_unfinished_hop() -> None:
    # GIVEN an open hop without a result, and one that failed
    chain = next_hop(_bring_back_chain(), WAITS, AWS_QUOTAS)
    failed = chain.model_copy(deep=True)
    assert failed.current is not None
    failed.current.result = CopyJobOutcome(state="FAILED", copy_job_id="j", status_message="no")
    # THEN neither moves on
    for unfinished in (chain, failed):
        with pytest.raises(InvalidChainState, match="has not completed"):
            next_hop(unfinished, WAITS, AWS_QUOTAS)


def test_a_hop_in_the_home_region_waits_for_its_event_one_elsewhere_polls() -> None:
    # GIVEN a bring-back: hop 1 starts in the DR region, hop 2 in the stack's home region
    chain = next_hop(_bring_back_chain(), WAITS, AWS_QUOTAS)
    assert chain.current is not None
    # THEN hop 1 (its events never reach this region) polls; hop 2 waits for its event
    assert chain.current.wait_seconds == POLL_SECONDS
    second = next_hop(_completed(chain, "rp-central"), WAITS, AWS_QUOTAS)
    assert second.current is not None
    assert second.current.wait_seconds == WAITS.event_wait_seconds
    # AND a short wait is never lengthened by polling
    assert WaitPolicy(HOME, 30).seconds_for(DR_REGION) == 30


def test_a_hop_in_the_dr_region_waits_for_its_event_when_the_dr_region_forwards_it() -> None:
    # GIVEN a stack whose DR region's vaults stack forwards its copy job events here
    # (DrEventsForwarded)
    waits = WaitPolicy(HOME, 14400, forwarded_regions=frozenset({DR_REGION}))
    # WHEN a bring-back's first hop, in the DR region, opens
    chain = next_hop(_bring_back_chain(), waits, AWS_QUOTAS)
    # THEN it waits for its event as long as a hop at home does; another region still polls
    assert chain.current is not None
    assert chain.current.wait_seconds == 14400
    assert waits.seconds_for("eu-west-1") == POLL_SECONDS


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        (CopyJobReport("j", JobState.CREATED), None),
        (CopyJobReport("j", JobState.RUNNING), None),
        (
            CopyJobReport("j", JobState.COMPLETED, destination_recovery_point_arn="rp"),
            ("COMPLETED", "rp", None),
        ),
        (CopyJobReport("j", JobState.FAILED, status_message="denied"), ("FAILED", None, "denied")),
        (CopyJobReport("j", JobState.PARTIAL), ("FAILED", None, "copy job ended PARTIAL")),
        (CopyJobReport("j", JobState.ABORTED), ("FAILED", None, "copy job ended ABORTED")),
        (CopyJobReport("j", JobState.COMPLETED), ("FAILED", None, "copy job ended COMPLETED")),
        # a PARTIAL copy landed a recovery point, with AWS's message: still no success, and the
        # cause says it was PARTIAL, not only what AWS said
        (
            CopyJobReport(
                "j", JobState.PARTIAL, destination_recovery_point_arn="rp", status_message="some"
            ),
            ("FAILED", None, "copy job ended PARTIAL: some"),
        ),
    ],
)
def test_how_a_copy_job_ended(
    report: CopyJobReport, expected: tuple[str, str | None, str | None] | None
) -> None:
    outcome = outcome_of(report)
    if expected is None:
        assert outcome is None
        return
    assert outcome is not None
    assert (outcome.state, outcome.destination_recovery_point_arn, outcome.status_message) == (
        expected
    )


def test_an_event_and_describe_copy_job_give_the_same_outcome() -> None:
    # GIVEN the same copy job's end, told by its event and by DescribeCopyJob
    event = copy_event(state=JobState.FAILED, status_message="Access denied", job_id="j-7")
    described = CopyJobReport("j-7", JobState.FAILED, status_message="Access denied")
    # THEN both give one outcome
    assert outcome_of_event(event) == outcome_of(described)
    # AND events of other jobs, or without a job id, give none
    assert outcome_of_event(copy_event(kind=JobKind.BACKUP)) is None
    assert outcome_of_event(copy_event(job_id=None, state=JobState.CREATED)) is None


def test_a_refused_single_action_copy_is_replanned_as_two_hops() -> None:
    # GIVEN a bring-back planned as one single-action hop
    single = replace(SETTINGS, single_action_types=frozenset({"Aurora"}))
    chain = next_hop(
        new_chain(plan_route("Aurora", DR, MEMBER_VAULT, single), "rp-at-dr"), WAITS, AWS_QUOTAS
    )
    assert len(chain.hops) == 1
    # WHEN AWS refuses it
    cause = (
        f"Copy job from {DR_REGION} to {HOME} cannot be initiated for Aurora resources. "
        f"{FEATURE_NOT_SUPPORTED}."
    )
    replanned = replan_after_refusal(chain, cause, single)
    # THEN the chain goes on in two hops from the same place, and says why
    assert replanned is not None
    assert replanned.status is ChainStatus.REPLANNED
    assert [hop.kind for hop in replanned.hops] == ["cross-region", "cross-account"]
    assert (replanned.hop_index, replanned.current, replanned.error) == (0, None, None)
    assert FEATURE_NOT_SUPPORTED in replanned.reason
    # AND any other failure, or a refused two-hop chain, is not re-planned
    assert replan_after_refusal(chain, "Access Denied trying to call AWS Backup", single) is None
    two_hops = next_hop(_bring_back_chain(), WAITS, AWS_QUOTAS)
    assert replan_after_refusal(two_hops, cause, SETTINGS) is None


def test_intermediate_copies_are_the_ones_left_in_central_vaults() -> None:
    # GIVEN a finished bring-back: DR -> central (member's region) -> member
    chain = next_hop(
        _completed(next_hop(_bring_back_chain(), WAITS, AWS_QUOTAS), "rp-central"),
        WAITS,
        AWS_QUOTAS,
    )
    done = next_hop(_completed(chain, "rp-member"), WAITS, AWS_QUOTAS)
    # THEN only the copy in the central vault is intermediate (not the DR origin, not the last)
    assert intermediate_copies(done, SETTINGS) == [("rp-central", CENTRAL_HOME)]
