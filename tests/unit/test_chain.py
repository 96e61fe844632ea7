"""The chain's pure decisions: which event starts a chain, how hops advance, how a hop ends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backup_relay.chain import (
    FEATURE_NOT_SUPPORTED,
    ChainState,
    chain_for_event,
    chain_id_for,
    new_chain,
    next_hop,
    outcome_of,
    replan_after_refusal,
)
from backup_relay.models import JobEvent, JobKind, JobState
from backup_relay.planner import ChainSettings, Vault, plan_route

CENTRAL, MEMBER = "123456789012", "222222222222"
HOME, DR_REGION = "us-west-2", "us-east-1"
SETTINGS = ChainSettings(central_account=CENTRAL, default_central_vault="central")
DR = Vault(account=CENTRAL, region=DR_REGION, name="dr")
CENTRAL_HOME = Vault(account=CENTRAL, region=HOME, name="central")
MEMBER_VAULT = Vault(account=MEMBER, region=HOME, name="member")
LANDED_RP = f"arn:aws:rds:{HOME}:{CENTRAL}:cluster-snapshot:awsbackup:job-landed"


def _copy_event(**changes: object) -> JobEvent:
    fields: dict[str, object] = {
        "kind": JobKind.COPY,
        "job_id": "copy-1",
        "state": JobState.COMPLETED,
        "status_message": None,
        "account": MEMBER,
        "region": HOME,
        "time": datetime(2026, 11, 21, 22, 0, tzinfo=UTC),
        "resource_arn": f"arn:aws:rds:{HOME}:{MEMBER}:cluster:orders",
        "resource_type": "Aurora",
        "source_recovery_point_arn": f"arn:aws:rds:{HOME}:{MEMBER}:cluster-snapshot:awsbackup:j1",
        "destination_recovery_point_arn": LANDED_RP,
        "source_vault_arn": MEMBER_VAULT.arn,
        "destination_vault_arn": CENTRAL_HOME.arn,
        "size_bytes": 10,
        "iam_role_arn": None,
        "event_id": "e-1",
    }
    return JobEvent.model_validate(fields | changes)


def test_a_member_copy_landing_in_the_central_vault_starts_a_chain_to_dr() -> None:
    # GIVEN an Aurora copy from a member vault that COMPLETED into the central vault
    chain = chain_for_event(_copy_event(), SETTINGS, DR)
    # THEN a chain starts from the landed recovery point, one cross-region hop to the DR vault
    assert chain is not None
    assert chain.recovery_point_arn == LANDED_RP
    assert [hop.kind for hop in chain.hops] == ["cross-region"]
    assert chain.destination_vault_arn == DR.arn
    assert chain.chain_id == chain_id_for(LANDED_RP, DR.arn)


@pytest.mark.parametrize(
    "changes",
    [
        {"state": JobState.RUNNING},
        {"kind": JobKind.BACKUP},
        {"resource_type": "EBS"},
        {"account": CENTRAL},  # our own copy (a chain hop or a bring-back)
        {"destination_vault_arn": Vault(account=CENTRAL, region=HOME, name="other").arn},
        {"destination_vault_arn": Vault(account=CENTRAL, region=DR_REGION, name="central").arn},
        {"destination_recovery_point_arn": None},
    ],
)
def test_other_events_start_nothing(changes: dict[str, object]) -> None:
    assert chain_for_event(_copy_event(**changes), SETTINGS, DR) is None


def _two_hop_chain() -> ChainState:
    return new_chain(plan_route("Aurora", DR, MEMBER_VAULT, SETTINGS), "rp-at-dr")


def test_next_hop_walks_the_hops_then_finishes() -> None:
    # GIVEN a two-hop bring-back chain
    chain = next_hop(_two_hop_chain())
    # THEN the first hop is open, with its slot and a deterministic idempotency token
    assert chain.current is not None
    assert chain.current.index == 0
    assert chain.current.recovery_point_arn == "rp-at-dr"
    assert chain.current.slot.key["pk"] == {"S": f"SLOT#{CENTRAL}#{HOME}"}
    assert next_hop(_two_hop_chain()).current == chain.current
    # WHEN it completes THEN the second hop starts from the first hop's copy
    chain.current.result = {"destination_recovery_point_arn": "rp-central"}
    chain = next_hop(chain)
    assert chain.current is not None
    assert (chain.current.index, chain.current.recovery_point_arn) == (1, "rp-central")
    chain.current.result = {"destination_recovery_point_arn": "rp-member"}
    done = next_hop(chain)
    assert done.done
    assert done.current is None
    assert done.recovery_point_arn == "rp-member"


def test_next_hop_refuses_to_skip_an_unfinished_hop() -> None:
    chain = next_hop(_two_hop_chain())
    with pytest.raises(ValueError, match="no result"):
        next_hop(chain)


def test_outcome_of_final_copy_events() -> None:
    assert outcome_of(_copy_event(state=JobState.RUNNING)) is None
    done = outcome_of(_copy_event())
    assert done is not None
    assert (done.state, done.destination_recovery_point_arn) == ("COMPLETED", LANDED_RP)
    failed = outcome_of(_copy_event(state=JobState.FAILED, status_message="Access denied"))
    assert failed is not None
    assert (failed.state, failed.status_message) == ("FAILED", "Access denied")


def test_a_refused_single_action_copy_is_replanned_as_two_hops() -> None:
    # GIVEN a bring-back planned as one single-action hop
    settings = ChainSettings(
        central_account=CENTRAL,
        default_central_vault="central",
        single_action_types=frozenset({"Aurora"}),
    )
    chain = next_hop(new_chain(plan_route("Aurora", DR, MEMBER_VAULT, settings), "rp-at-dr"))
    assert len(chain.hops) == 1
    # WHEN AWS refuses it
    cause = (
        f"Copy job from {DR_REGION} to {HOME} cannot be initiated for Aurora resources. "
        f"{FEATURE_NOT_SUPPORTED}."
    )
    chain.error = {"Error": "CopyJobFailed", "Cause": cause}
    replanned = replan_after_refusal(chain, cause, settings)
    # THEN the chain goes on in two hops from the same place, and says why
    assert replanned is not None
    assert [hop.kind for hop in replanned.hops] == ["cross-region", "cross-account"]
    assert replanned.hop_index == 0
    assert replanned.current is None
    assert replanned.error is None
    assert FEATURE_NOT_SUPPORTED in replanned.reason
    # AND any other failure is not replanned
    assert (
        replan_after_refusal(chain, "Access Denied trying to call AWS Backup service", settings)
        is None
    )


def test_intermediate_copies_are_the_ones_left_in_central_vaults() -> None:
    from backup_relay.chain import intermediate_copies

    # GIVEN a finished bring-back: DR -> central (member's region) -> member
    chain = next_hop(_two_hop_chain())
    assert chain.current is not None
    chain.current.result = {"destination_recovery_point_arn": "rp-central"}
    chain = next_hop(chain)
    assert chain.current is not None
    chain.current.result = {"destination_recovery_point_arn": "rp-member"}
    done = next_hop(chain)
    # THEN only the copy in the central vault is intermediate (not the DR origin, not the last)
    assert done.copies == ["rp-at-dr", "rp-central", "rp-member"]
    assert intermediate_copies(done, SETTINGS) == [("rp-central", CENTRAL_HOME)]
