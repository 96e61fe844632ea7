"""The organization's accounts through AWS Organizations' ListAccounts (moto, with the sandbox's
fidelity patch): what bring-back admits when BringBackTargets and AllowedSourceAccounts are
empty."""

from __future__ import annotations

import pytest

from backup_relay.adapters.organization import TTL_SECONDS, OrganizationsAccounts
from backup_relay.domain.errors import AccessDenied, Refused
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, client
from backup_relay_sandbox.databases import create_organization
from backup_relay_sandbox.organization import ORGANIZATION_ID


@pytest.fixture(autouse=True)
def _aws_as_documented(moto: None) -> None:
    moto_fidelity.apply()  # the sandbox's stacks apply it; these tests deploy none


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_management_account_lists_the_organizations_accounts_once_per_ttl() -> None:
    # GIVEN an organization whose management account is the central account
    create_organization(
        CENTRAL_ACCOUNT, ORGANIZATION_ID, MEMBER_ACCOUNTS[:1], backup_policies=False
    )
    clock = _Clock()
    accounts = OrganizationsAccounts(clock=clock)
    # WHEN its accounts are read THEN they are the management account and the member
    assert accounts.active_accounts() == {CENTRAL_ACCOUNT, MEMBER_ACCOUNTS[0]}
    # WHEN an account joins THEN the cached list holds until the TTL has passed
    joined = client("organizations").create_account(AccountName="late", Email="late@example.com")
    assert joined["CreateAccountStatus"]["State"] == "SUCCEEDED"
    clock.now += TTL_SECONDS - 1
    assert len(accounts.active_accounts()) == 2
    clock.now += 1
    assert len(accounts.active_accounts()) == 3


def test_a_member_account_may_not_list_them() -> None:
    # GIVEN a member account that is not a delegated administrator
    create_organization(
        CENTRAL_ACCOUNT, ORGANIZATION_ID, MEMBER_ACCOUNTS[:1], backup_policies=False
    )
    member = OrganizationsAccounts(
        client=lambda: client("organizations", account=MEMBER_ACCOUNTS[0])
    )
    # WHEN it reads the organization's accounts THEN Organizations refuses, as AWS documents
    with pytest.raises(AccessDenied, match="AccessDeniedException"):
        member.active_accounts()


def test_an_account_outside_any_organization_may_not_list_them() -> None:
    # GIVEN no organization at all WHEN the accounts are read THEN Organizations refuses
    with pytest.raises(Refused, match="AWSOrganizationsNotInUseException"):
        OrganizationsAccounts().active_accounts()


def test_a_delegated_administrator_lists_them() -> None:
    # GIVEN a member account registered as AWS Backup's delegated administrator
    create_organization(
        CENTRAL_ACCOUNT, ORGANIZATION_ID, MEMBER_ACCOUNTS[:1], backup_policies=False
    )
    client("organizations").register_delegated_administrator(
        AccountId=MEMBER_ACCOUNTS[0], ServicePrincipal="backup.amazonaws.com"
    )
    admin = OrganizationsAccounts(
        client=lambda: client("organizations", account=MEMBER_ACCOUNTS[0])
    )
    # WHEN it reads the organization's accounts THEN it gets them all
    assert admin.active_accounts() == {CENTRAL_ACCOUNT, MEMBER_ACCOUNTS[0]}
