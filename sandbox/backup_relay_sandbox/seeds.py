"""Misconfigurations the sandbox organization can be seeded with (`Organization.build(seeds=...)`),
one per name, each in the first member account and the home region: what the doctor must find,
once, where it is. And the resources of every type the doctor reads, set up as AWS's guides
show (`add_every_read_type`): what it must pass.

Resources are made in moto (S3, EC2, EFS, DynamoDB, Redshift, FSx: what the doctor reads) and
the sandbox's Storage Gateway (moto_storage_gateway.py), tagged backup=enabled (the member
stack's plan selects them) unless the seed is about tags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backup_relay_sandbox.backup_sim import moto_state
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION, client
from backup_relay_sandbox.seed_resources import (
    ENABLED,
    fsx_file_system,
    gateway,
    gateway_volume,
    instance,
)
from backup_relay_sandbox.seed_resources import tag_list as _tags

if TYPE_CHECKING:
    from backup_relay_sandbox.organization import Organization

FOR_BACKUP = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
FOR_S3 = "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"


# ---- resources ----------------------------------------------------------------------------------


def bucket(account: str, name: str, *, versioned: bool, tags: dict[str, str] = ENABLED) -> str:
    s3 = client("s3", REGION, account)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tags(tags)})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return f"arn:aws:s3:::{name}"


def volume(account: str, *, key: str | None, tags: dict[str, str] = ENABLED) -> str:
    """An EBS volume: encrypted with `key`, unencrypted when None."""
    encryption: dict[str, Any] = {"Encrypted": True, "KmsKeyId": key} if key else {}
    created = client("ec2", REGION, account).create_volume(
        Size=8,
        AvailabilityZone=f"{REGION}a",
        TagSpecifications=[{"ResourceType": "volume", "Tags": _tags(tags)}] if tags else [],
        **encryption,
    )
    return f"arn:aws:ec2:{REGION}:{account}:volume/{created['VolumeId']}"


def file_system(account: str, name: str, key: str, tags: dict[str, str] = ENABLED) -> str:
    created = client("efs", REGION, account).create_file_system(
        CreationToken=name, Encrypted=True, KmsKeyId=key, Tags=_tags(tags)
    )
    return str(created["FileSystemArn"])


def table(account: str, name: str, key: str | None, tags: dict[str, str] = ENABLED) -> str:
    """A DynamoDB table: on `key` (a customer managed key), or on AWS's own key when None."""
    sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key} if key else None
    created = client("dynamodb", REGION, account).create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=_tags(tags),
        **({"SSESpecification": sse} if sse else {}),
    )
    return str(created["TableDescription"]["TableArn"])


def redshift_cluster(account: str, name: str, tags: dict[str, str] = ENABLED) -> str:
    client("redshift", REGION, account).create_cluster(
        ClusterIdentifier=name,
        NodeType="ra3.xlplus",
        MasterUsername="relay",
        MasterUserPassword="Sandbox-password-1",
        Tags=_tags(tags),
    )
    return f"arn:aws:redshift:{REGION}:{account}:cluster:{name}"


def key_the_account_may_not_use(account: str) -> str:
    """A customer managed key whose policy lets one administrator role manage it, and no
    principal of the account use it (no statement for the account's root, which would let IAM
    decide)."""
    admin = f"arn:aws:iam::{account}:role/KeyAdministrator"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Allow access for Key Administrators",
                "Effect": "Allow",
                "Principal": {"AWS": admin},
                "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:Put*"],
                "Resource": "*",
            }
        ],
    }
    return str(moto_state.create_customer_key(account, REGION, policy).arn)


def add_every_read_type(org: Organization, account: str) -> list[str]:
    """A resource of each type the doctor reads, as AWS's guides set them up: a versioned bucket,
    an EBS volume, an EC2 instance (each of its volumes), an EFS file system and a persistent
    FSx for Lustre file system on a customer managed key shared with the central account (the
    account's root may use it: IAM decides), a DynamoDB table on AWS's own key with advanced
    features on (the simulator's default), a Redshift cluster its team keeps (backup=custom is
    discouraged: disabled), a cached volume gateway's volume. Returns their ARNs."""
    key = org.sim.create_key(account, REGION, grant_accounts=[CENTRAL_ACCOUNT])
    return [
        bucket(account, f"orders-{account}", versioned=True),
        volume(account, key=key),
        instance(account, key, key),
        file_system(account, "shared-files", key),
        fsx_file_system(account, key),
        table(account, "sessions", None),
        redshift_cluster(account, "warehouse", tags={"backup": "disabled"}),
        gateway_volume(account, gateway(account, "volumes", "CACHED")),
    ]


# ---- misconfigurations --------------------------------------------------------------------------


def _member(org: Organization) -> str:
    return next(iter(org.members))


def _backup_role(org: Organization) -> str:
    """The member stack's BackupRole (its plan's selection names it)."""
    return str(org.members[_member(org)].stack.names["BackupRole"])


def _buckets_without_versioning(org: Organization) -> None:
    for name in ("invoices", "exports", "uploads"):  # three buckets: one finding
        bucket(_member(org), f"{name}-{_member(org)}", versioned=False)


def _backup_role_without_s3_policy(org: Organization) -> None:
    bucket(_member(org), f"orders-{_member(org)}", versioned=True)
    client("iam", REGION, _member(org)).detach_role_policy(
        RoleName=_backup_role(org), PolicyArn=FOR_S3
    )


def _volume_on_aws_managed_key(org: Organization) -> None:
    volume(_member(org), key=org.sim.create_key(_member(org), REGION, aws_managed_alias="aws/ebs"))


def _unencrypted_volume(org: Organization) -> None:
    volume(_member(org), key=None)


def _file_system_key_not_usable(org: Organization) -> None:
    file_system(_member(org), "shared-files", key_the_account_may_not_use(_member(org)))


def _table_key_not_usable(org: Organization) -> None:
    table(_member(org), "ledger", key_the_account_may_not_use(_member(org)))


def _redshift_copied_across_accounts(org: Organization) -> None:
    redshift_cluster(_member(org), "warehouse")


def _untagged_resources(org: Organization) -> None:
    bucket(_member(org), f"scratch-{_member(org)}", versioned=True, tags={})
    volume(_member(org), key=org.sim.create_key(_member(org), REGION), tags={})


def _no_service_linked_role(org: Organization) -> None:
    client("iam", REGION, _member(org)).delete_role(RoleName="AWSServiceRoleForBackup")


def _backup_role_missing(org: Organization) -> None:
    iam, name = client("iam", REGION, _member(org)), _backup_role(org)
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=name)


def _backup_role_not_trusting_backup(org: Organization) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    client("iam", REGION, _member(org)).update_assume_role_policy(
        RoleName=_backup_role(org), PolicyDocument=json.dumps(trust)
    )


def _backup_role_without_backup_policy(org: Organization) -> None:
    client("iam", REGION, _member(org)).detach_role_policy(
        RoleName=_backup_role(org), PolicyArn=FOR_BACKUP
    )


def _member_vault_without_bring_back_policy(org: Organization) -> None:
    vault = org.members[_member(org)].stack.values["MemberVault"]
    client("backup", REGION, _member(org)).delete_backup_vault_access_policy(BackupVaultName=vault)


def _member_vault_on_default_key(org: Organization) -> None:
    """A second plan of the member, backing up resources tagged backup=local into a vault on
    aws/backup (whose policy lets the central account copy in)."""
    account = _member(org)
    org.sim.create_vault(account, REGION, "local")
    org.sim.allow_copy_into(account, REGION, "local", from_accounts=[CENTRAL_ACCOUNT])
    backup = client("backup", REGION, account)
    rule = {"RuleName": "daily", "TargetBackupVaultName": "local"}
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "local", "Rules": [rule]})
    role = org.members[account].stack.values["BackupRole.Arn"]
    tag = {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "local"}
    backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={"SelectionName": "local", "IamRoleArn": role, "ListOfTags": [tag]},
    )


def _management_opted_out_of_s3(org: Organization) -> None:
    """The management account (the sandbox's central account) has not opted in to S3, and a
    plan an organization's backup policy made in the member selects a bucket by its tags: the
    management account's opt-ins decide for that plan (AWS's manage-cross-account page). The
    member has opted in, and its own plan (the member stack's) selects the bucket too: it is
    backed up by that plan, not by the policy's."""
    account = _member(org)
    org.sim.settings.opt_in(CENTRAL_ACCOUNT, REGION, {"S3": False})
    bucket(account, f"orders-{account}", versioned=True)
    vault = org.members[account].stack.values["MemberVault"]
    tag = {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "enabled"}
    org.sim.create_policy_plan(
        account,
        REGION,
        {
            "BackupPlanName": "org-daily",
            "Rules": [{"RuleName": "daily", "TargetBackupVaultName": vault}],
        },
        [
            {
                "SelectionName": "org-tagged",
                "IamRoleArn": org.members[account].stack.values["BackupRole.Arn"],
                "ListOfTags": [tag],
            }
        ],
    )


def _member_opted_out_of_s3(org: Organization) -> None:
    """The member has not opted in to S3 in its home region, and its own plan (the member
    stack's) selects a bucket by its tags; the management account has opted in."""
    org.sim.settings.opt_in(_member(org), REGION, {"S3": False})
    bucket(_member(org), f"invoices-{_member(org)}", versioned=True)


def _management_delegation_policy_without_backup_policies(org: Organization) -> None:
    """The member is AWS Backup's delegated administrator, and the management account's
    delegation policy only lets it view the organization and its policies (AWS's example
    "View organization, OUs, accounts, and policies"): it cannot manage backup policies."""
    organizations = client("organizations", REGION, CENTRAL_ACCOUNT)
    organizations.register_delegated_administrator(
        AccountId=_member(org), ServicePrincipal="backup.amazonaws.com"
    )
    view = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{_member(org)}:root"},
        "Action": [
            "organizations:DescribeOrganization",
            "organizations:DescribePolicy",
            "organizations:ListRoots",
            "organizations:ListAccounts",
            "organizations:ListPolicies",
            "organizations:ListTargetsForPolicy",
        ],
        "Resource": "*",
    }
    policy = {"Version": "2012-10-17", "Statement": [view]}
    organizations.put_resource_policy(Content=json.dumps(policy))


def _central_backup_role_without_backup_policy(org: Organization) -> None:
    """The central role the chain's copies run as (BackupRoleName) lost
    AWSBackupServiceRolePolicyForBackup; it keeps the restore policy the console gives it."""
    role = str(org.central.stack.values["BackupRoleName"]).rsplit("/", 1)[-1]
    client("iam", REGION, CENTRAL_ACCOUNT).detach_role_policy(RoleName=role, PolicyArn=FOR_BACKUP)


def _no_central_service_linked_role(org: Organization) -> None:
    client("iam", REGION, CENTRAL_ACCOUNT).delete_role(RoleName="AWSServiceRoleForBackup")


# ---- misconfigurations of FSx, Storage Gateway and EC2 instances ---------------------------------


def _instance_with_a_volume_on_aws_managed_key(org: Organization) -> None:
    """An instance whose root volume is on a customer managed key shared with the central
    account and whose data volume is on aws/ebs: its AMI's copy fails all the same."""
    account = _member(org)
    shared = org.sim.create_key(account, REGION, grant_accounts=[CENTRAL_ACCOUNT])
    instance(account, shared, org.sim.create_key(account, REGION, aws_managed_alias="aws/ebs"))


def _fsx_on_aws_managed_key(org: Organization) -> None:
    fsx_file_system(
        _member(org), org.sim.create_key(_member(org), REGION, aws_managed_alias="aws/fsx")
    )


def _fsx_key_not_usable(org: Organization) -> None:
    fsx_file_system(_member(org), key_the_account_may_not_use(_member(org)))


def _fsx_scratch_file_system(org: Organization) -> None:
    fsx_file_system(_member(org), None, deployment="SCRATCH_2")


def _file_gateway_selected(org: Organization) -> None:
    """A file gateway tagged as the plan selects (AWS Backup backs up only volume gateways)."""
    gateway(_member(org), "files", "FILE_S3", tags=ENABLED)


#: Each misconfiguration by name: what `Organization.build(seeds=...)` makes.
SEEDS: dict[str, Callable[[Organization], None]] = {
    "buckets_without_versioning": _buckets_without_versioning,
    "backup_role_without_s3_policy": _backup_role_without_s3_policy,
    "volume_on_aws_managed_key": _volume_on_aws_managed_key,
    "unencrypted_volume": _unencrypted_volume,
    "file_system_key_not_usable": _file_system_key_not_usable,
    "table_key_not_usable": _table_key_not_usable,
    "redshift_copied_across_accounts": _redshift_copied_across_accounts,
    "untagged_resources": _untagged_resources,
    "no_service_linked_role": _no_service_linked_role,
    "backup_role_missing": _backup_role_missing,
    "backup_role_not_trusting_backup": _backup_role_not_trusting_backup,
    "backup_role_without_backup_policy": _backup_role_without_backup_policy,
    "member_vault_without_bring_back_policy": _member_vault_without_bring_back_policy,
    "member_vault_on_default_key": _member_vault_on_default_key,
    "management_opted_out_of_s3": _management_opted_out_of_s3,
    "member_opted_out_of_s3": _member_opted_out_of_s3,
    "no_central_service_linked_role": _no_central_service_linked_role,
    "central_backup_role_without_backup_policy": _central_backup_role_without_backup_policy,
    "management_delegation_policy_without_backup_policies": (
        _management_delegation_policy_without_backup_policies
    ),
    "instance_with_a_volume_on_aws_managed_key": _instance_with_a_volume_on_aws_managed_key,
    "fsx_on_aws_managed_key": _fsx_on_aws_managed_key,
    "fsx_key_not_usable": _fsx_key_not_usable,
    "fsx_scratch_file_system": _fsx_scratch_file_system,
    "file_gateway_selected": _file_gateway_selected,
}


def seed(org: Organization, name: str) -> None:
    if name not in SEEDS:
        raise ValueError(f"no seed {name!r}: {sorted(SEEDS)}")
    SEEDS[name](org)
