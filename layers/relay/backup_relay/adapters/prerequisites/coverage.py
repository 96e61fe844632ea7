"""A member's coverage facts, through its member stack's DoctorRole: its backup plans'
selections (its own plans' and those backup policies made, which AWS lists among the account's
plans), the resources of every type the doctor reads, the roles AWS Backup works as.

Each part is read on its own: one the DoctorRole may not read (a member stack from before it
granted the reads) is None, and the report says it was skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, translated
from backup_relay.adapters.prerequisites import storage
from backup_relay.adapters.prerequisites.reads import key_facts, or_none, pages, readable
from backup_relay.doctor.policy import as_list
from backup_relay.doctor.resource_facts import (
    MemberCoverage,
    MemberVaultFacts,
    RoleFacts,
    SelectedResource,
    Selection,
)
from backup_relay.domain.backup_policies import made_by_backup_policy

T = TypeVar("T")
Client = Callable[[str], Any]

#: What AWS answers a role that may not make a read: IAM and S3's AccessDenied, the JSON
#: services' AccessDeniedException, EC2's UnauthorizedOperation.
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_BACKUP_POLICY_PREFIX = "AWSBackupServiceRolePolicyFor"


def _allowed(call: Callable[[], T]) -> T | None:
    try:
        return call()
    except ClientError as error:
        if code_of(error) in _DENIED:
            return None
        raise translated(error) from error


def resource_type_opt_in(region: str | None = None) -> dict[str, bool] | None:
    """The caller's ResourceTypeOptInPreference (DescribeRegionSettings) in `region`."""
    settings = readable(lambda: aws.backup(region).describe_region_settings())
    if settings is None:
        return None
    return {k: bool(v) for k, v in (settings.get("ResourceTypeOptInPreference") or {}).items()}


def service_linked_role() -> bool | None:
    """Does the caller's account have AWSServiceRoleForBackup?"""
    iam = aws.client("iam")
    return _allowed(
        lambda: or_none(lambda: iam.get_role(RoleName="AWSServiceRoleForBackup")) is not None
    )


def member_coverage(client: Client, account: str, region: str) -> MemberCoverage:
    backup = client("backup")
    selections = _allowed(lambda: _selections(backup, account))
    iam = client("iam")
    return MemberCoverage(
        selections=selections,
        vaults=_allowed(lambda: _vaults(backup, client("kms"), selections or [])),
        resources=_allowed(lambda: _resources(client, account, region)),
        service_linked_role=_allowed(
            lambda: or_none(lambda: iam.get_role(RoleName="AWSServiceRoleForBackup")) is not None
        ),
        roles=_allowed(lambda: [role_facts(iam, arn) for arn in _role_arns(selections)]),
    )


def _role_arns(selections: list[Selection] | None) -> list[str]:
    return sorted({s.role_arn for s in selections or [] if s.role_arn})


# ---- selections ---------------------------------------------------------------------------------


def _selections(backup: Any, account: str) -> list[Selection]:
    found: list[Selection] = []
    for listed in pages(backup, "list_backup_plans", "BackupPlansList"):
        plan_id = listed["BackupPlanId"]
        plan = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
        copies = sorted(
            {
                action["DestinationBackupVaultArn"].split(":")[4]
                for plan_rule in plan.get("Rules", [])
                for action in plan_rule.get("CopyActions") or []
            }
            - {account}
        )
        for entry in pages(
            backup, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id
        ):
            selection = backup.get_backup_selection(
                BackupPlanId=plan_id, SelectionId=entry["SelectionId"]
            )["BackupSelection"]
            targets = sorted({r["TargetBackupVaultName"] for r in plan.get("Rules", [])})
            made = _selection(plan.get("BackupPlanName", plan_id), selection, copies, targets)
            made.from_backup_policy = made_by_backup_policy(str(plan_id))
            found.append(made)
    return found


def _selection(
    plan: str, selection: dict[str, Any], copies: list[str], targets: list[str]
) -> Selection:
    conditions = selection.get("Conditions") or {}
    return Selection(
        plan=plan,
        name=selection.get("SelectionName", ""),
        role_arn=selection.get("IamRoleArn", ""),
        resources=list(selection.get("Resources") or []),
        not_resources=list(selection.get("NotResources") or []),
        tags=[
            (t["ConditionKey"], t["ConditionValue"])
            for t in selection.get("ListOfTags") or []
            if t.get("ConditionType") == "STRINGEQUALS"
        ],
        conditions=[
            (kind, c["ConditionKey"].removeprefix("aws:ResourceTag/"), c["ConditionValue"])
            for kind in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")
            for c in conditions.get(kind) or []
        ],
        copies_to_accounts=copies,
        target_vaults=targets,
    )


def _vaults(backup: Any, kms: Any, selections: list[Selection]) -> list[MemberVaultFacts]:
    """The vaults the member's plans back up into: where its recovery points are, and where a
    bring-back returns them."""
    targets = {vault for s in selections for vault in s.target_vaults}
    found = []
    for vault in pages(backup, "list_backup_vaults", "BackupVaultList"):
        name = vault["BackupVaultName"]
        if name not in targets:
            continue
        key_arn = vault.get("EncryptionKeyArn")
        policy = or_none(lambda: backup.get_backup_vault_access_policy(BackupVaultName=name))  # noqa: B023
        found.append(
            MemberVaultFacts(
                arn=vault["BackupVaultArn"],
                key_arn=key_arn,
                key_aws_managed=key_facts(kms, key_arn)[0] if key_arn else False,
                access_policy=policy.get("Policy") if policy else None,
            )
        )
    return found


# ---- roles --------------------------------------------------------------------------------------


def role_facts(iam: Any, arn: str) -> RoleFacts:
    name = arn.rsplit("/", 1)[-1]
    role = or_none(lambda: iam.get_role(RoleName=name))
    if role is None:
        return RoleFacts(arn=arn, exists=False)
    trust = role["Role"].get("AssumeRolePolicyDocument") or {}
    if isinstance(trust, str):
        trust = json.loads(trust)
    trusts = any(
        statement.get("Effect") == "Allow"
        and "backup.amazonaws.com" in as_list((statement.get("Principal") or {}).get("Service"))
        for statement in as_list(trust.get("Statement"))
        if isinstance(statement, dict)
    )
    attached = [
        p["PolicyName"]
        for p in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
    ]
    inline = list(pages(iam, "list_role_policies", "PolicyNames", RoleName=name))
    return RoleFacts(
        arn=arn,
        exists=True,
        trusts_backup=trusts,
        managed_policies=attached,
        other_policies=len(inline) + sum(not p.startswith(_BACKUP_POLICY_PREFIX) for p in attached),
    )


# ---- resources ----------------------------------------------------------------------------------


def _resources(client: Client, account: str, region: str) -> list[SelectedResource]:
    kms = client("kms")
    keys: dict[str, tuple[bool, str | None, str | None]] = {}

    def keyed(resource: SelectedResource) -> SelectedResource:
        if resource.key_arn:
            if resource.key_arn not in keys:
                keys[resource.key_arn] = key_facts(kms, resource.key_arn)
            managed, _, policy = keys[resource.key_arn]
            resource.key_aws_managed, resource.key_policy = managed, policy
        return resource

    found = [
        *_buckets(client("s3"), region),
        *_volumes(client("ec2"), account, region),
        *_file_systems(client("efs")),
        *_tables(client("dynamodb")),
        *_clusters(client("redshift"), account, region),
        *storage.file_systems(client("fsx")),
        *storage.gateways(client("storagegateway")),
    ]
    return [keyed(resource) for resource in found]


def _tag_list(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def _buckets(s3: Any, region: str) -> list[SelectedResource]:
    """The account's buckets in this region: ListBuckets filtered by BucketRegion (one call a
    page, not a GetBucketLocation a bucket), then each one's tags and versioning."""
    found = []
    for listed in pages(s3, "list_buckets", "Buckets", BucketRegion=region):
        name = listed["Name"]
        if listed.get("BucketRegion", region) != region:
            continue
        tags = _no_tags_is_empty(lambda: s3.get_bucket_tagging(Bucket=name)["TagSet"])  # noqa: B023
        versioning = s3.get_bucket_versioning(Bucket=name).get("Status", "")
        found.append(
            SelectedResource(
                arn=f"arn:aws:s3:::{name}",
                resource_type="S3",
                tags=_tag_list(tags),
                versioning=versioning,
            )
        )
    return found


def _no_tags_is_empty(call: Callable[[], list[dict[str, str]]]) -> list[dict[str, str]]:
    try:
        return call()
    except ClientError as error:
        if code_of(error) == "NoSuchTagSet":
            return []
        raise


def _volumes(ec2: Any, account: str, region: str) -> list[SelectedResource]:
    """EBS volumes, and EC2 instances with every volume attached to them (an instance is backed
    up as an image of its volumes, each snapshot on its volume's key)."""
    volumes = {v["VolumeId"]: v for v in pages(ec2, "describe_volumes", "Volumes")}
    found = [
        SelectedResource(
            arn=f"arn:aws:ec2:{region}:{account}:volume/{volume_id}",
            resource_type="EBS",
            tags=_tag_list(volume.get("Tags")),
            encrypted=bool(volume.get("Encrypted")),
            key_arn=volume.get("KmsKeyId"),
        )
        for volume_id, volume in volumes.items()
    ]
    for reservation in pages(ec2, "describe_instances", "Reservations"):
        for instance in reservation.get("Instances", []):
            attached = [
                m["Ebs"]["VolumeId"]
                for m in instance.get("BlockDeviceMappings", [])
                if m.get("Ebs", {}).get("VolumeId") in volumes
            ]
            found.append(
                SelectedResource(
                    arn=f"arn:aws:ec2:{region}:{account}:instance/{instance['InstanceId']}",
                    resource_type="EC2",
                    tags=_tag_list(instance.get("Tags")),
                    encrypted=all(volumes[v].get("Encrypted") for v in attached),
                    attached=[f"arn:aws:ec2:{region}:{account}:volume/{v}" for v in attached],
                )
            )
    return found


def _file_systems(efs: Any) -> list[SelectedResource]:
    return [
        SelectedResource(
            arn=system["FileSystemArn"],
            resource_type="EFS",
            tags=_tag_list(system.get("Tags")),
            encrypted=bool(system.get("Encrypted")),
            key_arn=system.get("KmsKeyId"),
        )
        for system in pages(efs, "describe_file_systems", "FileSystems")
    ]


def _tables(dynamodb: Any) -> list[SelectedResource]:
    found = []
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page.get("TableNames", []):
            table = dynamodb.describe_table(TableName=name)["Table"]
            tags = dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags")
            found.append(
                SelectedResource(
                    arn=table["TableArn"],
                    resource_type="DynamoDB",
                    tags=_tag_list(tags),
                    key_arn=(table.get("SSEDescription") or {}).get("KMSMasterKeyArn"),
                )
            )
    return found


def _clusters(redshift: Any, account: str, region: str) -> list[SelectedResource]:
    return [
        SelectedResource(
            arn=f"arn:aws:redshift:{region}:{account}:cluster:{cluster['ClusterIdentifier']}",
            resource_type="Redshift",
            tags=_tag_list(cluster.get("Tags")),
            encrypted=bool(cluster.get("Encrypted")),
        )
        for cluster in pages(redshift, "describe_clusters", "Clusters")
    ]
