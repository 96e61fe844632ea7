"""An execution that ended outside the chain's steps: its slots are freed, the chain recorded."""

from __future__ import annotations

import pytest

from backup_relay.alerts.message import facts
from backup_relay.copy_chain.chain_ended import ChainEnded
from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.domain.chain import ChainState, HopError, LedgerState
from backup_relay.domain.jobs import JobState
from backup_relay.settings import ChainStepsSettings
from tests.support.world import AWS_QUOTAS, DR, World, copy_event, settings


@pytest.fixture
def world() -> World:
    return World()


def _copying(world: World) -> ChainState:
    """A chain whose first hop started its copy job (and holds its concurrency slot)."""
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    steps = world.hop_steps()
    return steps.start_copy_job(steps.next_hop(chain, AWS_QUOTAS))


def _ended(world: World) -> ChainEnded:
    return ChainEnded(
        ledger=world.ledger, alerts=world.alerts, telemetry=world.telemetry, now=world.clock
    )


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_an_execution_stopped_mid_hop_frees_its_slot_and_is_recorded_failed(
    world: World, status: str
) -> None:
    # GIVEN a chain copying its first hop
    chain = _copying(world)
    # WHEN its execution ends outside the chain's steps
    report = _ended(world)(chain.chain_id, status)
    # THEN its hop left the slot it took, and the ledger says the chain and the hop FAILED, and why
    assert chain.current is not None
    assert world.ledger.released == [(chain.current.slot, f"{chain.chain_id}#0")]
    assert world.ledger.chains[chain.chain_id] == (
        LedgerState.FAILED,
        f"execution {status}: ended outside the chain's steps",
    )
    assert world.ledger.hops[(chain.chain_id, 0)].state is LedgerState.FAILED
    assert (report.slots_released, report.recorded_failed) == (1, True)
    assert world.telemetry.seen[-1] == ("chain_ended", (chain.chain_id, status, 1, True))


def test_a_chain_its_steps_already_ended_keeps_its_record(world: World) -> None:
    # GIVEN a chain whose HopFailed step recorded it FAILED with AWS's message
    chain = _copying(world)
    world.ledger.chain_ended(chain, LedgerState.FAILED, "Access Denied")
    # WHEN the FAILED execution's event arrives
    report = _ended(world)(chain.chain_id, "FAILED")
    # THEN its slot is freed again (harmless) and the record keeps its cause
    assert report.recorded_failed is False
    assert world.ledger.chains[chain.chain_id] == (LedgerState.FAILED, "Access Denied")


def test_a_running_execution_is_left_alone(world: World) -> None:
    chain = _copying(world)
    report = _ended(world)(chain.chain_id, "RUNNING")
    assert (report.slots_released, world.ledger.released) == (0, [])
    assert world.ledger.chains[chain.chain_id][0] is LedgerState.RUNNING


def test_a_chain_that_ends_failed_raises_one_alert_naming_its_hop(world: World) -> None:
    # GIVEN a chain whose hop failed with AWS's message, recorded by its own steps
    chain = _copying(world)
    denied = HopError(
        error="CopyJobFailed", cause="Access Denied trying to call AWS Backup service"
    )
    world.hop_steps().hop_failed(chain.model_copy(update={"error": denied}))
    # WHEN the FAILED execution's event arrives (twice: EventBridge delivers at least once)
    arn = "arn:aws:states:us-west-2:123456789012:execution:copy-chain:" + chain.chain_id
    _ended(world)(chain.chain_id, "FAILED", arn)
    _ended(world)(chain.chain_id, "FAILED", arn)
    # THEN both raise the chain's one alert, naming the hop and AWS's message
    [alert, again] = world.alerts.raised
    assert alert == again
    assert alert.alert_id == f"chain:{chain.chain_id}"
    assert alert.hop is not None
    assert alert.hop.startswith("hop 1 of 1")
    assert alert.status_message == "Access Denied trying to call AWS Backup service"
    assert alert.execution_arn == arn


def test_a_chain_alert_shows_awss_class_and_the_family_it_picked(world: World) -> None:
    # GIVEN a chain whose hop's copy job failed with a message no entry knows, and AWS's
    # MessageCategory AccessDenied (DescribeCopyJob), after ingest resumed the hop's wait
    chain = _copying(world)
    assert chain.current is not None
    assert chain.current.copy_job_id is not None
    unheard = "Copy job failed. The destination said something no catalogue entry knows."
    world.copy_jobs.finish(
        chain.current.copy_job_id,
        JobState.FAILED,
        status_message=unheard,
        message_category="AccessDenied",
    )
    failed = HopError(error="CopyJobFailed", cause=unheard)
    world.hop_steps().hop_failed(chain.model_copy(update={"error": failed}))
    # WHEN the FAILED execution's event arrives
    _ended(world)(chain.chain_id, "FAILED")
    # THEN the chain's alert carries AWS's class, and the family it picked diagnoses it
    [alert] = world.alerts.raised
    assert alert.message_category == "AccessDenied"
    assert alert.diagnosis.aws_category == "AccessDenied"
    assert alert.diagnosis.category == "iam_role_permissions"
    assert ("AWS class", "AccessDenied") in facts(alert)


def test_a_hop_recorded_without_a_category_gives_an_alert_without_one(world: World) -> None:
    # GIVEN a chain whose failed hop has no category (DescribeCopyJob could not say)
    chain = _copying(world)
    assert chain.current is not None
    assert chain.current.copy_job_id is not None
    del world.copy_jobs.jobs[chain.current.copy_job_id]
    denied = HopError(
        error="CopyJobFailed", cause="Access Denied trying to call AWS Backup service"
    )
    world.hop_steps().hop_failed(chain.model_copy(update={"error": denied}))
    # WHEN the FAILED execution's event arrives
    _ended(world)(chain.chain_id, "FAILED")
    # THEN its alert is diagnosed from the message alone, with no AWS class
    [alert] = world.alerts.raised
    assert alert.message_category is None
    assert alert.diagnosis.category == "vault_access_policy"
    assert "AWS class" not in dict(facts(alert))
