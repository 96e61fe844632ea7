"""Organizations' delegation policy through the sandbox's moto layer (moto has none): who may
put, read and delete it, as AWS's API reference says, and the doctor's read of it."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from backup_relay.adapters.prerequisites.central import organization
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, OUTSIDER_ACCOUNT, client
from backup_relay_sandbox.databases import create_organization
from backup_relay_sandbox.organization import ORGANIZATION_ID
from tests.support.delegation import aws_example_delegation

ADMIN, OTHER = MEMBER_ACCOUNTS


@pytest.fixture(autouse=True)
def _organization(moto: None) -> None:
    moto_fidelity.apply()  # the sandbox's stacks apply it; these tests deploy none
    create_organization(CENTRAL_ACCOUNT, ORGANIZATION_ID, MEMBER_ACCOUNTS, backup_policies=True)
    client("organizations").register_delegated_administrator(
        AccountId=ADMIN, ServicePrincipal="backup.amazonaws.com"
    )


def _code(call: object) -> str:
    with pytest.raises(ClientError) as raised:
        call()  # type: ignore[operator]
    return str(raised.value.response["Error"]["Code"])


def test_the_management_account_puts_it_and_a_delegated_administrator_reads_it() -> None:
    # GIVEN AWS's example delegation policy for backup policies, put by the management account
    content = json.dumps(aws_example_delegation(ADMIN, CENTRAL_ACCOUNT, ORGANIZATION_ID))
    put = client("organizations").put_resource_policy(Content=content)["ResourcePolicy"]
    # WHEN the management account and the delegated administrator read it
    own = client("organizations").describe_resource_policy()["ResourcePolicy"]
    admins = client("organizations", account=ADMIN).describe_resource_policy()["ResourcePolicy"]
    # THEN both get it in AWS's shape: its content, an rp- id and its ARN in the organization
    assert own == admins == put
    assert own["Content"] == content
    summary = own["ResourcePolicySummary"]
    assert summary["Id"].startswith("rp-")
    assert summary["Arn"] == (
        f"arn:aws:organizations::{CENTRAL_ACCOUNT}:resourcepolicy/{ORGANIZATION_ID}/{summary['Id']}"
    )


def test_only_the_management_account_puts_or_deletes_and_only_it_or_an_admin_reads() -> None:
    # GIVEN no delegation policy yet THEN reading it is ResourcePolicyNotFoundException
    organizations = client("organizations")
    assert _code(organizations.describe_resource_policy) == "ResourcePolicyNotFoundException"
    assert _code(organizations.delete_resource_policy) == "ResourcePolicyNotFoundException"
    # WHEN a member puts one, or one that is not an administrator reads it THEN AWS refuses
    admin = client("organizations", account=ADMIN)
    other = client("organizations", account=OTHER)
    assert _code(lambda: admin.put_resource_policy(Content="{}")) == "AccessDeniedException"
    organizations.put_resource_policy(Content="{}")
    assert _code(other.describe_resource_policy) == "AccessDeniedException"
    assert _code(admin.delete_resource_policy) == "AccessDeniedException"
    outsider = client("organizations", account=OUTSIDER_ACCOUNT)
    assert _code(outsider.describe_resource_policy) == "AWSOrganizationsNotInUseException"
    # AND the management account deletes it
    organizations.delete_resource_policy()
    assert _code(organizations.describe_resource_policy) == "ResourcePolicyNotFoundException"


def test_the_doctor_reads_it_or_says_it_could_not() -> None:
    # GIVEN the organization without a delegation policy, then with AWS's example
    # WHEN the doctor reads the organization as the management account
    before = organization()
    content = json.dumps(aws_example_delegation(ADMIN, CENTRAL_ACCOUNT, ORGANIZATION_ID))
    client("organizations").put_resource_policy(Content=content)
    after = organization()
    # THEN it tells "none" from the policy it read
    assert (before.delegation_policy_read, before.delegation_policy) == (True, None)
    assert (after.delegation_policy_read, after.delegation_policy) == (True, content)
