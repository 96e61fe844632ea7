"""What a recorded job event does to the copy chain (ingest calls it for every delivery)."""

from __future__ import annotations

import pytest

from backup_relay.domain.errors import AccessDenied, InvalidJobEvent, Throttled
from backup_relay.domain.jobs import JobState
from tests.support.world import CENTRAL, CENTRAL_HOME, DR, World, copy_event


@pytest.fixture
def world() -> World:
    return World()


def test_a_landed_copy_starts_one_chain_however_often_it_is_delivered(world: World) -> None:
    # GIVEN a member's Aurora copy COMPLETED into the central vault
    event = world.land(copy_event())
    triggers = world.triggers()
    # WHEN its event is delivered three times
    actions = [triggers.on_event(event) for _ in range(3)]
    # THEN one chain is recorded and started, and counted once
    [chain] = world.workflow.started
    assert actions[0] == [f"started {chain.chain_id}"]
    assert actions[1:] == [[], []]
    assert list(world.ledger.chains) == [chain.chain_id]
    assert world.telemetry.names() == ["chain_started"]


def test_a_start_that_died_after_recording_is_started_by_the_next_delivery(world: World) -> None:
    # GIVEN the chain was recorded, but StartExecution never ran (the first delivery died)
    triggers = world.triggers()
    triggers.on_event(world.land(copy_event()))
    world.workflow.names.clear()
    world.workflow.started.clear()
    # WHEN the event is delivered again THEN the execution is started (same name, same input)
    triggers.on_event(copy_event())
    assert len(world.workflow.started) == 1


def test_a_copy_job_that_ended_resumes_the_hop_waiting_for_it_once(world: World) -> None:
    # GIVEN a hop waits for the central account's copy job job-9
    world.ledger.waits["job-9"] = "token-9"
    done = copy_event(account=CENTRAL, job_id="job-9", destination_recovery_point_arn="rp-dr")
    # WHEN its COMPLETED event is delivered twice
    first, second = (world.triggers().on_event(done) for _ in range(2))
    # THEN the hop is resumed once, with the recovery point the job made
    assert first == ["resumed hop of copy job job-9"]
    assert second == []
    [(token, outcome)] = world.workflow.resumed
    assert (token, outcome.state, outcome.destination_recovery_point_arn) == (
        "token-9",
        "COMPLETED",
        "rp-dr",
    )


def test_a_running_copy_job_resumes_nothing(world: World) -> None:
    world.ledger.waits["job-9"] = "token-9"
    assert world.triggers().on_event(copy_event(job_id="job-9", state=JobState.RUNNING)) == []
    assert world.workflow.resumed == []


def test_without_a_dr_region_nothing_is_chained(world: World) -> None:
    # GIVEN DrRegion is empty (the copy chain is off)
    triggers = world.triggers(DR_REGION="")
    # WHEN a landed copy's event arrives THEN nothing starts
    assert triggers.on_event(copy_event()) == []
    assert world.workflow.started == []


def test_a_landed_copy_aws_does_not_confirm_starts_nothing(world: World) -> None:
    # GIVEN a member's COMPLETED copy event for a recovery point the central vault does not hold
    # (forged, or stale), and one whose point was copied from another vault
    triggers = world.triggers()
    other = world.land(copy_event(destination_recovery_point_arn="rp-other"))
    forged_source = other.model_copy(update={"source_vault_arn": CENTRAL_HOME.arn})
    # WHEN they are delivered THEN each is refused with a reason, and nothing starts
    for event in (copy_event(), forged_source):
        with pytest.raises(InvalidJobEvent) as refused:
            triggers.on_event(event)
        assert refused.value.code == "unverified_event"
    assert world.workflow.started == []
    assert world.ledger.chains == {}


def test_a_landed_copy_in_a_vault_aws_will_not_show_is_refused_and_a_throttle_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN DescribeRecoveryPoint answers as AWS does for a vault that does not exist
    # (AccessDeniedException, 403), then as AWS does when it is busy
    triggers = world.triggers()
    answers = iter(
        [
            AccessDenied(
                "AccessDeniedException", "Insufficient privileges to perform this action."
            ),
            Throttled("ThrottlingException", "Rate exceeded"),
        ]
    )

    def describe(vault: object, arn: str) -> None:
        raise next(answers)

    monkeypatch.setattr(world.recovery_points, "describe", describe)
    # WHEN the landed copy's event is delivered
    with pytest.raises(InvalidJobEvent) as refused:
        triggers.on_event(copy_event())
    # THEN it is refused with the reason and AWS's word (ingest quarantines it), nothing starts
    assert refused.value.code == "unverified_event"
    assert "AccessDeniedException" in refused.value.message
    # AND a throttle is not taken for a refusal: it propagates, for SQS to retry
    with pytest.raises(Throttled):
        triggers.on_event(copy_event())
    assert world.workflow.started == []
    assert world.ledger.chains == {}


def test_a_members_event_never_resumes_a_hop(world: World) -> None:
    # GIVEN a hop waits for the central account's copy job job-9
    world.ledger.waits["job-9"] = "token-9"
    # WHEN a member's event claims that job COMPLETED THEN nothing is resumed
    forged = copy_event(job_id="job-9", destination_vault_arn=DR.arn)
    assert world.triggers().on_event(forged) == []
    assert world.workflow.resumed == []
