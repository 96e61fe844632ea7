"""A member account's facts, through its member stack's DoctorRole: its recovery points' keys,
its databases of chained types, its plans' copies, its forwarding rules and their dead letters,
its DynamoDB settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.adapters.prerequisites.coverage import member_coverage
from backup_relay.adapters.prerequisites.reads import (
    UNREADABLE,
    bus_rules,
    key_facts,
    option_groups,
    or_none,
    pages,
    readable,
)
from backup_relay.doctor.facts import (
    BusRuleFacts,
    MemberFacts,
    MemberResource,
    OptionGroupFacts,
    PlanCopy,
    RecoveryPointKey,
    ReplayRoleFacts,
)
from backup_relay.domain import resource_types
from backup_relay.domain.backup_policies import made_by_backup_policy
from backup_relay.domain.clock import Clock, utc_now

#: How far back the doctor reads a member's recovery points (their keys predict the next
#: night's copies). 35 days holds the newest recovery point of every resource backed up at least
#: monthly (a monthly rule's last one is at most 31 days old), as coverage's window does; older
#: ones the chain no longer copies, and listing them all ran past the DoctorFunction's timeout.
RECOVERY_POINT_LOOKBACK = timedelta(days=35)


@dataclass
class AwsMemberPrerequisites:
    """A member account, as its member stack's DoctorRole (`<role name>-<region>`) sees it."""

    role_name: str
    central_account: str
    chained_types: frozenset[str]
    central_bus_name: str | None = None  # its forwarding rule targets this bus
    #: MemberReplayRoleName, when OnDemandBackupsToDr is on: its ReplayRole is read
    replay_role_name: str | None = None
    lookback: timedelta = RECOVERY_POINT_LOOKBACK  # recovery points created since
    now: Clock = field(default=utc_now)

    def member(self, account: str, region: str) -> MemberFacts:
        with domain_errors():
            credentials = aws.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{self.role_name}-{region}",
                RoleSessionName="backup-relay-doctor",
            )["Credentials"]

        def client(service: str) -> Any:
            return aws.client_as(credentials, service, region)

        backup = client("backup")
        with domain_errors():
            return MemberFacts(
                account=account,
                region=region,
                recovery_points=self._recovery_points(backup, client("kms")),
                resources=_resources(client("rds"), self.chained_types),
                plan_copies=_plan_copies(backup),
                forwarding_rules=self._forwarding(
                    client("events"), client("iam"), client("sqs"), region
                ),
                dynamodb_tables=sum(
                    len(page.get("TableNames", []))
                    for page in client("dynamodb").get_paginator("list_tables").paginate()
                ),
                **_region_settings(backup),
                coverage=member_coverage(client, account, region),
                replay_role=self._replay_role(client("iam"), account, region),
            )

    def _recovery_points(self, backup: Any, kms: Any) -> list[RecoveryPointKey]:
        """The chained types' recovery points of the lookback, filtered by AWS (one type a
        call: ByResourceType takes one), not every recovery point of every vault."""
        points: list[RecoveryPointKey] = []
        keys: dict[str, tuple[bool, str | None, str | None]] = {}
        since = self.now() - self.lookback
        for vault in pages(backup, "list_backup_vaults", "BackupVaultList"):
            listed = (
                point
                for resource_type in sorted(self.chained_types)
                for point in pages(
                    backup,
                    "list_recovery_points_by_backup_vault",
                    "RecoveryPoints",
                    BackupVaultName=vault["BackupVaultName"],
                    ByResourceType=resource_type,
                    ByCreatedAfter=since,
                )
            )
            for point in listed:
                key_arn = point.get("EncryptionKeyArn")
                if point.get("ResourceType") not in self.chained_types or not key_arn:
                    continue
                if key_arn not in keys:
                    keys[key_arn] = key_facts(kms, key_arn)
                managed, state, policy = keys[key_arn]
                points.append(
                    RecoveryPointKey(
                        arn=point["RecoveryPointArn"],
                        resource_type=point["ResourceType"],
                        key_arn=key_arn,
                        key_aws_managed=managed,
                        key_policy=policy or "{}",
                        key_state=state or "Enabled",
                    )
                )
        return points

    def _replay_role(self, iam: Any, account: str, region: str) -> ReplayRoleFacts | None:
        """Its ReplayRole, through the DoctorRole's iam:GetRole (None: not asked, or denied)."""
        if not self.replay_role_name:
            return None
        name = f"{self.replay_role_name}-{region}"
        arn = f"arn:aws:iam::{account}:role/{name}"
        try:
            role = iam.get_role(RoleName=name)
        except ClientError as error:
            if code_of(error) == "NoSuchEntity":
                return ReplayRoleFacts(arn=arn, exists=False)
            if code_of(error) in UNREADABLE:
                return None
            raise translated(error) from error
        trust = role["Role"].get("AssumeRolePolicyDocument") or {}
        text = trust if isinstance(trust, str) else json.dumps(trust)
        return ReplayRoleFacts(arn=role["Role"].get("Arn", arn), exists=True, trust_policy=text)

    def _forwarding(
        self, events: Any, iam: Any, sqs: Any, region: str
    ) -> list[BusRuleFacts] | None:
        if not self.central_bus_name:
            return None
        bus = f"arn:aws:events:{region}:{self.central_account}:event-bus/{self.central_bus_name}"
        forwarding = [rule for rule in bus_rules(events, "default") if bus in rule.targets]
        for rule in forwarding:
            rule.missing_roles = [
                role for role in rule.missing_roles if not _role_exists(iam, role)
            ]
            rule.dead_letters = _dead_letters(sqs, rule.dead_letter_queues)
        return forwarding


def _resources(rds: Any, chained_types: frozenset[str]) -> list[MemberResource]:
    """The member's databases of chained types: RDS instances outside clusters, Aurora,
    DocumentDB and Neptune clusters, and RDS Multi-AZ clusters (which AWS Backup cannot copy)."""
    found: list[MemberResource] = []
    for cluster in pages(rds, "describe_db_clusters", "DBClusters"):
        resource_type = resource_types.REGISTRY.database_type(cluster.get("Engine", "")) or ""
        found.append(
            MemberResource(
                arn=cluster["DBClusterArn"],
                resource_type=resource_type,
                tags=_tags(cluster),
                multi_az_cluster=resource_type == "RDS",
            )
        )
    for instance in pages(rds, "describe_db_instances", "DBInstances"):
        if instance.get("DBClusterIdentifier"):
            continue  # a member of a cluster: the cluster is backed up
        found.append(
            MemberResource(
                arn=instance["DBInstanceArn"],
                resource_type="RDS",
                tags=_tags(instance),
                option_group=_option_group_of(rds, instance),
            )
        )
    return [r for r in found if r.resource_type in chained_types]


def _option_group_of(rds: Any, instance: dict[str, Any]) -> OptionGroupFacts | None:
    names = [m["OptionGroupName"] for m in instance.get("OptionGroupMemberships", [])]
    custom = [name for name in names if not name.startswith("default:")]
    if not custom:
        return None
    groups = option_groups(rds, OptionGroupName=custom[0])
    return groups[0] if groups and groups[0].options else None


def _plan_copies(backup: Any) -> list[PlanCopy]:
    """Each copy action, with its lifecycle (no DeleteAfterDays: 0, kept until deleted) and
    whether a backup policy made its plan (`made_by_backup_policy`: INFERRED, see there)."""
    copies: list[PlanCopy] = []
    for listed in pages(backup, "list_backup_plans", "BackupPlansList"):
        plan = backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"])["BackupPlan"]
        for plan_rule in plan.get("Rules", []):
            copies.extend(
                PlanCopy(
                    plan=plan.get("BackupPlanName", listed["BackupPlanId"]),
                    rule=plan_rule.get("RuleName", ""),
                    destination_vault_arn=action["DestinationBackupVaultArn"],
                    from_backup_policy=made_by_backup_policy(str(listed["BackupPlanId"])),
                    delete_after_days=int(
                        (action.get("Lifecycle") or {}).get("DeleteAfterDays") or 0
                    ),
                )
                for action in plan_rule.get("CopyActions") or []
            )
    return copies


def _region_settings(backup: Any) -> dict[str, Any]:
    """The member's own DescribeRegionSettings: DynamoDB's advanced features and the resource
    types it has opted in to (both None when its DoctorRole may not read them)."""
    settings = readable(backup.describe_region_settings)
    if settings is None:
        return {"dynamodb_advanced_features": None, "resource_type_opt_in": None}
    value = (settings.get("ResourceTypeManagementPreference") or {}).get("DynamoDB")
    opt_in = settings.get("ResourceTypeOptInPreference") or {}
    return {
        "dynamodb_advanced_features": None if value is None else bool(value),
        "resource_type_opt_in": {k: bool(v) for k, v in opt_in.items()},
    }


def _dead_letters(sqs: Any, queue_arns: list[str]) -> int | None:
    """Messages waiting in these queues (the member's forward dead-letter queue: events that
    never reached the central bus); None when one cannot be read (a member stack from before
    its DoctorRole could read the queue: no finding)."""
    waiting = 0
    for arn in queue_arns:
        _, _, _, _, account, name = arn.split(":", 5)
        depth = partial(_queue_depth, sqs, name, account)
        read = readable(partial(or_none, depth))
        if read is None:
            return None
        waiting += read
    return waiting


def _queue_depth(sqs: Any, name: str, account: str) -> int:
    url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _role_exists(iam: Any, role_arn: str) -> bool:
    name = role_arn.rsplit("/", 1)[-1]
    return or_none(lambda: iam.get_role(RoleName=name)) is not None


def _tags(described: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in described.get("TagList") or []}
