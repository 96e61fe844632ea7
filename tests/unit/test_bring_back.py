"""Bring-back: the reverse route of a DR copy to a member vault, through the same chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import ValidationError

from backup_relay.copy_chain.bring_back import BringBackRequest, TargetNotAllowed
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.errors import AccessDenied, NotFound, Refused, Throttled
from backup_relay.domain.routes import RouteError, Vault
from tests.support.world import CENTRAL_HOME, DR, MEMBER_VAULT, NOW, World

AT_DR = "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:job-dr"


@pytest.fixture
def world() -> World:
    world = World()
    point = RecoveryPoint(AT_DR, "Aurora", "COMPLETED", NOW - timedelta(days=3), CENTRAL_HOME.arn)
    world.recovery_points.add(DR, point)
    return world


def _request(**changes: object) -> BringBackRequest:
    fields: dict[str, object] = {
        "recovery_point_arn": AT_DR,
        "to_account": MEMBER_VAULT.account,
        "to_region": MEMBER_VAULT.region,
        "to_vault": MEMBER_VAULT.name,
    }
    return BringBackRequest.model_validate(fields | changes)


def test_a_dr_copy_comes_back_in_two_hops_through_the_central_vault(world: World) -> None:
    # WHEN an operator brings an Aurora DR copy back to the member vault
    chain, started = world.bring_back()(_request())
    # THEN the chain goes DR -> central vault of the member's region -> member vault, and starts
    assert started is True
    assert [(hop.source_vault_arn, hop.destination_vault_arn) for hop in chain.hops] == [
        (DR.arn, CENTRAL_HOME.arn),
        (CENTRAL_HOME.arn, MEMBER_VAULT.arn),
    ]
    assert list(world.ledger.chains) == [chain.chain_id]
    # AND asking again starts nothing new
    assert world.bring_back()(_request()) == (chain, False)


def test_a_dry_run_plans_and_changes_nothing(world: World) -> None:
    chain, started = world.bring_back()(_request(dry_run=True))
    assert (started, len(chain.hops)) == (False, 2)
    assert world.ledger.chains == {}
    assert world.workflow.started == []


def test_without_a_dr_vault_nothing_is_brought_back(world: World) -> None:
    with pytest.raises(RouteError, match="no DR vault is configured"):
        world.bring_back(DR_REGION="")(_request())
    assert world.workflow.started == []


def test_an_unknown_recovery_point_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.bring_back()(_request(recovery_point_arn=AT_DR + "-gone"))


def test_the_source_is_always_the_dr_vault(world: World) -> None:
    # GIVEN a request that names another source vault (a member's, or a central one)
    # WHEN it is read THEN it is refused: bring-back takes its source only from the DR vault
    with pytest.raises(ValidationError, match="from_vault"):
        _request(from_vault=MEMBER_VAULT.arn)


@pytest.mark.parametrize(
    ("env", "target", "allowed"),
    [
        ({}, MEMBER_VAULT, True),  # both empty: the organization's accounts (it is one)
        ({"ALLOWED_SOURCE_ACCOUNTS": "333333333333"}, MEMBER_VAULT, False),
        ({"ALLOWED_SOURCE_ACCOUNTS": MEMBER_VAULT.account}, MEMBER_VAULT, True),
        ({"BRING_BACK_TARGETS": MEMBER_VAULT.account}, MEMBER_VAULT, True),
        ({"BRING_BACK_TARGETS": f"{MEMBER_VAULT.account}:restore"}, MEMBER_VAULT, False),
        ({"BRING_BACK_TARGETS": f"333333333333,{MEMBER_VAULT.account}:member"}, MEMBER_VAULT, True),
    ],
)
def test_a_target_outside_bring_back_targets_is_refused_before_any_call(
    world: World, env: dict[str, str], target: Vault, allowed: bool
) -> None:
    # GIVEN a stack's allow-list of bring-back targets
    bring_back = world.bring_back(**env)
    request = _request(to_account=target.account, to_vault=target.name)
    # WHEN an operator brings a DR copy back to a vault
    if allowed:
        assert bring_back(request)[1] is True
        return
    with pytest.raises(TargetNotAllowed) as refused:
        bring_back(request)
    # THEN a vault the list does not admit is refused, saying which parameter to change
    assert f"{target.account}:{target.name} is not a bring-back target" in str(refused.value)
    assert "BringBackTargets parameter" in str(refused.value)
    assert world.workflow.started == []


@pytest.mark.parametrize("status", ["CREATING", "PARTIAL", "DELETING", "EXPIRED"])
def test_a_recovery_point_that_is_not_whole_is_not_brought_back(world: World, status: str) -> None:
    # GIVEN the DR copy is still being made, lacks part of its source, or its retention ended
    point = world.recovery_points.describe(DR, AT_DR)
    world.recovery_points.add(DR, replace(point, status=status))
    # WHEN an operator brings it back THEN it is refused, naming its status, and nothing starts
    with pytest.raises(RouteError, match=status):
        world.bring_back()(_request())
    assert world.workflow.started == []
    assert world.ledger.chains == {}


def test_an_available_recovery_point_is_brought_back(world: World) -> None:
    # GIVEN the DR copy is AVAILABLE (the model's status for a backup "ready for use")
    point = world.recovery_points.describe(DR, AT_DR)
    world.recovery_points.add(DR, replace(point, status="AVAILABLE"))
    # WHEN an operator brings it back THEN its chain starts
    assert world.bring_back()(_request())[1] is True


# ---- empty allow-lists: the organization's accounts, never anyone ------------------------------


@pytest.mark.parametrize("account", ["333333333333", "abc", ""])
def test_with_both_allow_lists_empty_an_account_outside_the_organization_is_refused(
    world: World, account: str
) -> None:
    # GIVEN BringBackTargets and AllowedSourceAccounts empty, and an organization of the central
    # and member accounts
    bring_back = world.bring_back()
    # WHEN an operator brings a DR copy back to an account that is not one of them
    with pytest.raises(TargetNotAllowed) as refused:
        bring_back(_request(to_account=account))
    # THEN it is refused in one line that names the fix, and nothing is started
    message = str(refused.value)
    assert message.startswith(f"{account}:{MEMBER_VAULT.name} is not a bring-back target")
    assert "the organization's accounts" in message
    assert "BringBackTargets parameter" in message
    assert "\n" not in message
    assert world.workflow.started == []
    assert world.ledger.chains == {}


@pytest.mark.parametrize(
    "refusal",
    [
        AccessDenied("AccessDeniedException", "You don't have permissions to access this."),
        Refused("AWSOrganizationsNotInUseException", "Your account is not a member of one."),
    ],
)
def test_when_the_organization_cannot_be_read_the_bring_back_is_refused_never_admitted(
    world: World, refusal: Refused
) -> None:
    # GIVEN both allow-lists empty, run from an account Organizations does not let list its
    # accounts (neither the management account nor a delegated administrator)
    world.organization.refusal = refusal
    # WHEN an operator brings a DR copy back to a member account, even one of the organization
    with pytest.raises(TargetNotAllowed) as refused:
        world.bring_back()(_request())
    # THEN it is refused, saying why and both fixes, in one line; nothing is started
    message = str(refused.value)
    assert message.startswith(
        f"cannot tell whether account {MEMBER_VAULT.account} is in the organization "
        f"(organizations:ListAccounts: {refusal.code})"
    )
    assert "BringBackTargets parameter" in message
    assert "an account allowed to list the organization" in message
    assert "\n" not in message
    assert world.workflow.started == []


def test_a_throttled_listing_is_an_error_to_retry_never_an_admission(world: World) -> None:
    world.organization.refusal = Throttled("TooManyRequestsException", "slow down")
    with pytest.raises(Throttled):
        world.bring_back()(_request())
    assert world.workflow.started == []


@pytest.mark.parametrize(
    "env",
    [
        {"BRING_BACK_TARGETS": MEMBER_VAULT.account},
        {"ALLOWED_SOURCE_ACCOUNTS": MEMBER_VAULT.account},
    ],
)
def test_an_allow_list_that_names_accounts_needs_no_organizations_call(
    world: World, env: dict[str, str]
) -> None:
    # GIVEN an allow-list that names accounts, run where the organization cannot be read
    world.organization.refusal = AccessDenied("AccessDeniedException", "denied")
    # WHEN a DR copy is brought back to one of them THEN it starts; Organizations is not asked
    assert world.bring_back(**env)(_request())[1] is True
    assert world.organization.calls == 0
