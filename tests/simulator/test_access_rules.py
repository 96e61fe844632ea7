"""A cross-account copy is held to the destination vault's access policy and the source key's
policy as AWS evaluates them: the copy job's role against the vault, the destination account's
AWSServiceRoleForBackup against the key (every condition evaluated, not taken as met), fully
managed types' keys included, and never into the `Default` vault. Each allowed setup is AWS's
documented example (create-cross-account-backup.html, encryption.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backup_relay_sandbox.backup_sim import failures
from backup_relay_sandbox.cloud import REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, StartCopy, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"  # start_copy's
ORG = "o-sandbox0001"
RDS_KEY = failures.RDS_KEY_NOT_ACCESSIBLE


def _vault_policy(statement: dict[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "backup:CopyIntoBackupVault", "Resource": "*"} | statement
        ],
    }


def _key(api: Api, *statements: dict[str, Any]) -> str:
    admin = {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{MEMBER}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    policy = {"Version": "2012-10-17", "Statement": [admin, *statements]}
    created = api(MEMBER, "kms").create_key(Policy=json.dumps(policy))
    return str(created["KeyMetadata"]["Arn"])


def _copy(api: Api, topology: Topology, start_copy: StartCopy, point: str) -> dict[str, Any]:
    job_id = start_copy(point)
    topology.sim.run_until_idle()
    job: dict[str, Any] = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    return job


# -- the destination vault's access policy ---------------------------------------------------

#: create-cross-account-backup.html, "Configure destination backup vault access for an AWS
#: account or IAM role" (its role, SomeRole, in place of the copy's), and "Share a destination
#: backup vault an organizational unit" (its OU paths, in the sandbox organization).
ACCOUNT_AND_ROLE = {"Principal": {"AWS": ["arn:aws:iam::444455556666:root", ROLE]}}
OU_PATHS = {
    "Principal": "*",
    "Condition": {
        "ForAnyValue:StringLike": {
            "aws:PrincipalOrgPaths": [
                f"{ORG}/r-sandbox0001/ou-def0-awsbbbbb/",
                f"{ORG}/r-sandbox0001/ou-def0-awsbbbbb/ou-jkl0-awsddddd/*",
            ]
        }
    },
}
ROLES_BY_PATH = {
    "Principal": {"AWS": "*"},
    "Condition": {
        "StringEquals": {"aws:PrincipalOrgID": ORG},
        "ArnLike": {"aws:PrincipalArn": "arn:*:iam::*:role/backup-relay/*"},
    },
}
ALLOWED = {
    "the copy's role, named": (ACCOUNT_AND_ROLE, ()),
    "the member's OU path": (OU_PATHS, ("ou-def0-awsbbbbb",)),
    "a nested OU's path": (OU_PATHS, ("ou-def0-awsbbbbb", "ou-jkl0-awsddddd", "ou-x")),
}
REFUSED = {
    "another role of the account": (
        {"Principal": {"AWS": f"arn:aws:iam::{MEMBER}:role/SomeRole"}},
        (),
    ),
    "another OU's path": (OU_PATHS, ("ou-def0-awscccccc",)),
    "a role path the copy's role is not on": (ROLES_BY_PATH, ()),
    "a condition the simulator does not evaluate": (
        {"Principal": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        (),
    ),
}


@pytest.mark.parametrize("case", ALLOWED, ids=list(ALLOWED))
def test_documented_vault_policies_let_the_copy_in(
    case: str, api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN the central vault with one of AWS's documented access policies, and the member
    # where that policy places it
    statement, units = ALLOWED[case]
    topology.sim.settings.organizational_units[MEMBER] = units
    topology.sim.put_vault_access_policy(CENTRAL, REGION, "central-vault", _vault_policy(statement))
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN the member copies a recovery point there
    job = _copy(api, topology, start_copy, point)

    # THEN the copy lands
    assert job["State"] == "COMPLETED"


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_vault_policies_that_do_not_name_the_copy_keep_it_out(
    case: str, api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a central vault policy whose principal or condition does not cover the copy's role
    statement, units = REFUSED[case]
    topology.sim.settings.organizational_units[MEMBER] = units
    topology.sim.put_vault_access_policy(CENTRAL, REGION, "central-vault", _vault_policy(statement))
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN the member copies a recovery point there
    job = _copy(api, topology, start_copy, point)

    # THEN AWS's access denied ends it
    assert (job["State"], job["StatusMessage"]) == ("FAILED", failures.VAULT_ACCESS_DENIED)


# -- the source key's policy -----------------------------------------------------------------

#: encryption.html, "AWS Backup permissions, grants, and deny statements": its example, for the
#: destination account.
DOCUMENTED_KEY = (
    {
        "Sid": "KmsPermissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CENTRAL}:root"},
        "Action": [
            "kms:ListKeys",
            "kms:DescribeKey",
            "kms:GenerateDataKey",
            "kms:Decrypt",
            "kms:ListAliases",
        ],
        "Resource": "*",
    },
    {
        "Sid": "KmsCreateGrantPermissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CENTRAL}:root"},
        "Action": ["kms:CreateGrant"],
        "Resource": "*",
        "Condition": {
            "ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "aws:backup:backup-vault"},
            "Bool": {"kms:GrantIsForAWSResource": True},
            "StringLike": {"kms:ViaService": "backup.*.amazonaws.com"},
        },
    },
)
SERVICE_ROLE = (
    f"arn:aws:iam::{CENTRAL}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
)
#: The destination's service-linked role named, as the sandbox's vault keys and practitioners'
#: examples name each member's.
PER_SERVICE_ROLE = (
    {
        "Effect": "Allow",
        "Principal": {"AWS": SERVICE_ROLE},
        "Action": [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
        ],
        "Resource": "*",
    },
    {
        "Effect": "Allow",
        "Principal": {"AWS": SERVICE_ROLE},
        "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    },
)
DECRYPT_ONLY = (
    {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CENTRAL}:root"},
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
    },
)
GRANT_NOT_FOR_AWS_RESOURCES = (
    PER_SERVICE_ROLE[0],
    PER_SERVICE_ROLE[1] | {"Condition": {"Bool": {"kms:GrantIsForAWSResource": "false"}}},
)
ANOTHER_ACCOUNTS_ROLE = tuple(
    s | {"Principal": {"AWS": SERVICE_ROLE.replace(CENTRAL, "444455556666")}}
    for s in PER_SERVICE_ROLE
)


@pytest.mark.parametrize(
    ("statements", "resource_type"),
    [(DOCUMENTED_KEY, "RDS"), (PER_SERVICE_ROLE, "RDS"), (DOCUMENTED_KEY, "EBS")],
    ids=["AWS's example (RDS)", "the service role named (RDS)", "AWS's example (EBS)"],
)
def test_documented_key_policies_let_the_destination_copy(
    statements: tuple[dict[str, Any], ...],
    resource_type: str,
    api: Api,
    topology: Topology,
    start_copy: StartCopy,
) -> None:
    # GIVEN a resource whose key's policy is AWS's documented one for the central account
    key = _key(api, *statements)
    point = topology.recovery_point(topology.resource(resource_type, key_arn=key))

    # WHEN the member copies its recovery point to the central account
    job = _copy(api, topology, start_copy, point)

    # THEN the copy lands
    assert job["State"] == "COMPLETED"


@pytest.mark.parametrize(
    "statements",
    [DECRYPT_ONLY, GRANT_NOT_FOR_AWS_RESOURCES, ANOTHER_ACCOUNTS_ROLE],
    ids=["only Decrypt and DescribeKey", "grants not for AWS resources", "another account"],
)
def test_a_key_the_destination_cannot_fully_use_fails_the_copy(
    statements: tuple[dict[str, Any], ...], api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN an RDS resource whose key the central account may not use as a copy does
    key = _key(api, *statements)
    point = topology.recovery_point(topology.resource("RDS", key_arn=key))

    # WHEN the member copies its recovery point to the central account
    job = _copy(api, topology, start_copy, point)

    # THEN RDS's key message ends it
    assert (job["State"], job["StatusMessage"]) == ("FAILED", RDS_KEY)


@pytest.mark.parametrize("shared", [False, True], ids=["not shared", "shared"])
def test_a_fully_managed_copy_needs_its_vaults_key_shared(
    shared: bool, api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN an EFS recovery point in a member vault on a customer managed key
    key = _key(api, *(PER_SERVICE_ROLE if shared else ()))
    vault = topology.sim.create_vault(MEMBER, REGION, "member-cmk-vault", key)
    point = topology.recovery_point(topology.resource("EFS"), vault)

    # WHEN the member copies it to the central account
    job_id = api(MEMBER).start_copy_job(
        RecoveryPointArn=point,
        SourceBackupVaultName="member-cmk-vault",
        DestinationBackupVaultArn=topology.central_vault,
        IamRoleArn=ROLE,
    )["CopyJobId"]
    topology.sim.run_until_idle()
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]

    # THEN it lands only when the vault's key is shared with the central account
    if shared:
        assert job["State"] == "COMPLETED"
    else:
        assert (job["State"], job["StatusMessage"]) == (
            "FAILED",
            failures.EC2_KEY_NOT_ACCESSIBLE,
        )


def test_a_fully_managed_copy_from_an_aws_backup_keyed_vault_lands(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN an EFS recovery point in the member vault on aws/backup (AWS: fully managed types
    # may use the AWS Backup managed key)
    point = topology.recovery_point(topology.resource("EFS"))

    # WHEN the member copies it to the central account
    job = _copy(api, topology, start_copy, point)

    # THEN it lands
    assert job["State"] == "COMPLETED"


# -- the Default vault -----------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", ["EFS", "RDS"])
def test_the_default_vault_is_never_a_cross_account_destination(
    resource_type: str, api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN the central account's Default vault, on a customer managed key, open to the
    # organization
    default = topology.sim.create_vault(
        CENTRAL, REGION, "Default", topology.sim.create_key(CENTRAL, REGION)
    )
    topology.sim.allow_copy_into(CENTRAL, REGION, "Default")
    point = topology.recovery_point(topology.resource(resource_type))

    # WHEN the member copies a recovery point into it
    job_id = start_copy(point, default)
    topology.sim.run_until_idle()
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]

    # THEN it fails as a copy into the AWS Backup default key's vault does
    message = failures.DEFAULT_VAULT_KEY.format(resource_type=resource_type)
    assert (job["State"], job["StatusMessage"]) == ("FAILED", message)
