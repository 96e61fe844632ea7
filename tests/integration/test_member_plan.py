"""The member stack's optional vault and backup plan (CreateBackupPlan), as the template
declares them: for organizations without backup policies."""

from __future__ import annotations

import pytest

from backup_relay_sandbox.deployment import Deployment
from backup_relay_sandbox.template import MEMBER_TEMPLATE, load_template

PLAN_RESOURCES = {"MemberVaultKey", "MemberVault", "MemberBackupPlan", "MemberBackupSelection"}


def _member(stack_name: str = "backup-relay-member", **parameters: str) -> Deployment:
    stack = Deployment.of(
        stack_name,
        load_template(MEMBER_TEMPLATE),
        account="222222222222",
        region="eu-west-1",
        parameters={"CentralAccountId": "123456789012", **parameters},
    )
    stack.values |= {
        "MemberVault": "backup-relay-member",
        "MemberVaultKey.Arn": "arn:aws:kms:eu-west-1:222222222222:key/k",
        "MemberBackupPlan": "plan-id",
        "BackupRole.Arn": "arn:aws:iam::222222222222:role/backup-relay/StackSet-b-BackupRole-X",
    }
    return stack


def _created(stack: Deployment) -> set[str]:
    types = {"AWS::KMS::Key", "AWS::Backup::BackupVault", "AWS::Backup::BackupPlan"}
    return {lid for t in (*types, "AWS::Backup::BackupSelection") for lid in stack.of_type(t)}


def test_no_vault_and_no_plan_by_default() -> None:
    assert _created(_member()) == set()


@pytest.fixture
def with_plan() -> Deployment:
    return _member(CreateBackupPlan="true", CentralVaultName="central")


def test_the_plan_copies_into_the_central_vault_of_the_same_region(with_plan: Deployment) -> None:
    # GIVEN CreateBackupPlan=true
    assert _created(with_plan) == PLAN_RESOURCES
    # THEN its one rule backs up into the member's vault and copies to the central vault here
    [rule] = with_plan.resolved("MemberBackupPlan")["BackupPlan"]["BackupPlanRule"]
    assert rule["TargetBackupVault"] == "backup-relay-member"
    [copy] = rule["CopyActions"]
    assert copy["DestinationBackupVaultArn"] == (
        "arn:aws:backup:eu-west-1:123456789012:backup-vault:central"
    )


def test_the_plan_selects_what_is_tagged_backup_enabled(with_plan: Deployment) -> None:
    selection = with_plan.resolved("MemberBackupSelection")["BackupSelection"]
    assert selection["ListOfTags"] == [
        {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "enabled"}
    ]
    # AND it runs as the role the stack creates: AWSBackupDefaultServiceRole exists only where
    # someone used the AWS Backup console, and CreateBackupSelection refuses a missing role
    assert selection["IamRoleArn"] == with_plan.values["BackupRole.Arn"]
    role = with_plan.resolved("BackupRole")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "backup.amazonaws.com"
    }
    policies = {arn.rsplit("/", 1)[-1] for arn in role["ManagedPolicyArns"]}
    assert policies >= {
        "AWSBackupServiceRolePolicyForBackup",
        "AWSBackupServiceRolePolicyForRestores",
        "AWSBackupServiceRolePolicyForS3Backup",  # tagged S3 buckets back up too
        "AWSBackupServiceRolePolicyForS3Restore",
    }


def test_the_vault_key_is_customer_managed_and_shared_with_the_central_account(
    with_plan: Deployment,
) -> None:
    policy = with_plan.resolved("MemberVaultKey")["KeyPolicy"]
    shared = [
        s for s in policy["Statement"]
        if s["Principal"]["AWS"] == "arn:aws:iam::123456789012:root"
    ]  # fmt: skip
    assert {a for s in shared for a in s["Action"]} >= {"kms:Decrypt", "kms:CreateGrant"}
    [grants] = [s for s in shared if "kms:CreateGrant" in s["Action"]]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    # AND the vault lets the central account bring copies back into it
    [statement, bound] = with_plan.resolved("MemberVault")["AccessPolicy"]["Statement"]
    assert statement["Action"] == "backup:CopyIntoBackupVault"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    # AND copies out of it go only to the central account's vaults or this account's own
    assert (bound["Effect"], bound["Action"]) == ("Deny", "backup:CopyFromBackupVault")
    assert bound["Condition"]["ForAnyValue:ArnNotLike"]["backup:CopyTargets"] == [
        "arn:aws:backup:*:123456789012:backup-vault:*",
        f"arn:aws:backup:*:{with_plan.account}:backup-vault:*",
    ]


def test_the_vault_is_named_after_the_stack_instance_unless_named() -> None:
    # GIVEN two instances of the member stack in one account (it left the OU and re-joined)
    first = _member(CreateBackupPlan="true")
    again = _member("StackSet-backup-relay-member-again", CreateBackupPlan="true")
    # THEN each names its vault after its own stack id: the retained one does not collide
    names = [s.resolved("MemberVault")["BackupVaultName"] for s in (first, again)]
    assert all(n.startswith("backup-relay-member-") and len(n) == 28 for n in names)
    assert names[0] != names[1]
    # AND a name the operator gives is used as is
    named = _member(CreateBackupPlan="true", MemberVaultName="vault")
    assert named.resolved("MemberVault")["BackupVaultName"] == "vault"
