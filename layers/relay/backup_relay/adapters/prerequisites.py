"""The facts the doctor checks: read from the central account (vaults, keys, the organization,
the stack's bus) and from each member through its member stack's DoctorRole."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from botocore.exceptions import ClientError, EndpointConnectionError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.doctor.facts import (
    RESERVING_FUNCTION,
    BusRuleFacts,
    CentralFacts,
    LambdaConcurrency,
    MemberFacts,
    MemberResource,
    OptionGroupFacts,
    OrganizationFacts,
    PlanCopy,
    PreflightFacts,
    RecoveryPointKey,
    StackFacts,
    StackPlan,
    VaultFacts,
)
from backup_relay.doctor.policy import as_list
from backup_relay.domain import resource_types
from backup_relay.domain.clock import Clock, utc_now

T = TypeVar("T")

_MISSING = {
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}
#: What Organizations answers an account that may not read a setting (a member, an account
#: outside any organization, a service it does not know).
_UNREADABLE = {
    "AccessDeniedException",
    "AccessDenied",
    "AWSOrganizationsNotInUseException",
    "InvalidInputException",
}
#: Regions that do not answer (not opted in, or no such region).
_UNREACHABLE = {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure"}
#: How far back the doctor reads a member's recovery points (their keys predict the next
#: night's copies). 35 days holds the newest recovery point of every resource backed up at least
#: monthly (a monthly rule's last one is at most 31 days old), as coverage's window does; older
#: ones the chain no longer copies, and listing them all ran past the DoctorFunction's timeout.
RECOVERY_POINT_LOOKBACK = timedelta(days=35)


@dataclass
class AwsPrerequisites:
    account: str
    organization_id: str
    vaults: list[tuple[str, str, str]]  # (role, region, name)
    backup_role_arn: str
    intermediate_retention_days: int = 0
    dr_retention_days: int = 0
    bus_name: str | None = None
    ingest_queue_arn: str = ""
    dr_region: str | None = None

    def central(self) -> CentralFacts:
        return CentralFacts(
            account=self.account,
            organization_id=self.organization_id,
            vaults=[self._vault(role, region, name) for role, region, name in self.vaults],
            cross_account_backup=_cross_account_backup(),
            backup_role_arn=self.backup_role_arn,
            intermediate_retention_days=self.intermediate_retention_days,
            dr_retention_days=self.dr_retention_days,
            organization=_organization(),
            stack=self._stack(),
            dr_region=self.dr_region,
            dr_option_groups=_option_groups(aws.client("rds", self.dr_region))
            if self.dr_region
            else None,
            **_backup_role(self.backup_role_arn),
        )

    def _vault(self, role: str, region: str, name: str) -> VaultFacts:
        arn = f"arn:aws:backup:{region}:{self.account}:backup-vault:{name}"
        where = {"role": role, "arn": arn, "account": self.account, "region": region}
        backup = aws.backup(region)
        try:
            vault = _or_none(lambda: backup.describe_backup_vault(BackupVaultName=name))
        except (ClientError, EndpointConnectionError) as error:
            if isinstance(error, ClientError) and code_of(error) not in _UNREACHABLE:
                raise translated(error) from error
            return VaultFacts(**where, exists=False, unreachable=str(error))
        if vault is None:
            return VaultFacts(**where, exists=False)
        key_arn = vault.get("EncryptionKeyArn")
        policy = _or_none(lambda: backup.get_backup_vault_access_policy(BackupVaultName=name))
        kms = aws.client("kms", region)
        managed, state, key_policy = _key(kms, key_arn) if key_arn else (False, None, None)
        return VaultFacts(
            **(where | {"arn": vault.get("BackupVaultArn", arn)}),
            exists=True,
            key_arn=key_arn,
            key_aws_managed=managed,
            key_state=state,
            key_policy=key_policy,
            access_policy=policy.get("Policy") if policy else None,
            lock_min_retention_days=vault.get("MinRetentionDays") if vault.get("Locked") else None,
            lock_max_retention_days=vault.get("MaxRetentionDays") if vault.get("Locked") else None,
        )

    def _stack(self) -> StackFacts | None:
        if not self.bus_name:
            return None
        events = aws.client("events")
        bus = _or_none(lambda: events.describe_event_bus(Name=self.bus_name))
        rules = [
            rule
            for rule in (_rules(events, self.bus_name) if bus else [])
            if self.ingest_queue_arn in rule.targets
        ]
        return StackFacts(
            bus_name=self.bus_name,
            bus_exists=bus is not None,
            bus_policy=bus.get("Policy") if bus else None,
            ingest_queue_arn=self.ingest_queue_arn,
            rules=rules,
        )


@dataclass
class AwsMemberPrerequisites:
    """A member account, as its member stack's DoctorRole (`<role name>-<region>`) sees it."""

    role_name: str
    central_account: str
    chained_types: frozenset[str]
    central_bus_name: str | None = None  # its forwarding rule targets this bus
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
                dynamodb_advanced_features=_dynamodb_advanced_features(backup),
            )

    def _recovery_points(self, backup: Any, kms: Any) -> list[RecoveryPointKey]:
        """The chained types' recovery points of the lookback, filtered by AWS (one type a
        call: ByResourceType takes one), not every recovery point of every vault."""
        points: list[RecoveryPointKey] = []
        keys: dict[str, tuple[bool, str | None, str | None]] = {}
        since = self.now() - self.lookback
        for vault in _pages(backup, "list_backup_vaults", "BackupVaultList"):
            listed = (
                point
                for resource_type in sorted(self.chained_types)
                for point in _pages(
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
                    keys[key_arn] = _key(kms, key_arn)
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

    def _forwarding(
        self, events: Any, iam: Any, sqs: Any, region: str
    ) -> list[BusRuleFacts] | None:
        if not self.central_bus_name:
            return None
        bus = f"arn:aws:events:{region}:{self.central_account}:event-bus/{self.central_bus_name}"
        forwarding = [rule for rule in _rules(events, "default") if bus in rule.targets]
        for rule in forwarding:
            rule.missing_roles = [
                role for role in rule.missing_roles if not _role_exists(iam, role)
            ]
            rule.dead_letters = _dead_letters(sqs, rule.dead_letter_queues)
        return forwarding


def _cross_account_backup(region: str | None = None) -> bool | None:
    try:
        settings = aws.backup(region).describe_global_settings()["GlobalSettings"]
    except ClientError:
        return None  # only the management account (or a delegated one) may read it
    value = settings.get("isCrossAccountBackupEnabled")
    return None if value is None else str(value).lower() == "true"


def _backup_role(role_arn: str) -> dict[str, bool]:
    name = role_arn.rsplit("/", 1)[-1]
    role = _or_none(lambda: aws.client("iam").get_role(RoleName=name))
    if role is None:
        return {"backup_role_exists": False, "backup_role_trusts_backup": False}
    trust = role["Role"].get("AssumeRolePolicyDocument") or {}
    if isinstance(trust, str):
        trust = json.loads(trust)
    trusted = [
        service
        for statement in as_list(trust.get("Statement"))
        if statement.get("Effect") == "Allow"
        for service in as_list((statement.get("Principal") or {}).get("Service"))
    ]
    return {
        "backup_role_exists": True,
        "backup_role_trusts_backup": "backup.amazonaws.com" in trusted,
    }


@dataclass
class AwsPreflight:
    """The caller's account, in the plan's region, before `sam deploy` (doctor --preflight):
    read-only calls only."""

    def preflight(self, plan: StackPlan) -> PreflightFacts:
        with domain_errors():
            identity = aws.client("sts", plan.region).get_caller_identity()
        account, partition = identity["Account"], identity["Arn"].split(":")[1]
        role = plan.parameters.get("BackupRoleName", "")
        role_arn = f"arn:{partition}:iam::{account}:role/{role}" if role else ""
        absent = {"backup_role_exists": False, "backup_role_trusts_backup": False}
        central = CentralFacts(
            account=account,
            organization_id=plan.parameters.get("OrganizationId", ""),
            vaults=[],
            cross_account_backup=_cross_account_backup(plan.region),
            backup_role_arn=role_arn,
            organization=_organization(),
            **(_backup_role(role_arn) if role else absent),
        )
        return PreflightFacts(
            plan=plan,
            central=central,
            lambda_concurrency=_lambda_concurrency(plan.region, plan.stack_name),
        )


def _lambda_concurrency(region: str, stack_name: str) -> LambdaConcurrency | None:
    lambda_ = aws.client("lambda", region)
    try:
        limit = lambda_.get_account_settings()["AccountLimit"]
    except ClientError as error:
        if code_of(error) in _UNREADABLE:
            return None
        raise translated(error) from error
    return LambdaConcurrency(
        limit=limit["ConcurrentExecutions"],
        unreserved=limit["UnreservedConcurrentExecutions"],
        stack_reserves=_stack_reserves(lambda_, region, stack_name),
    )


def _stack_reserves(lambda_: Any, region: str, stack_name: str) -> int:
    """What the deployed stack's function reserves now: 0 before the first deploy."""
    try:
        resource = aws.cloudformation(region).describe_stack_resource(
            StackName=stack_name, LogicalResourceId=RESERVING_FUNCTION
        )["StackResourceDetail"]
    except ClientError as error:
        if code_of(error) == "ValidationError":  # no such stack, or no such resource in it
            return 0
        raise translated(error) from error
    function = resource.get("PhysicalResourceId")
    found = _or_none(lambda: lambda_.get_function_concurrency(FunctionName=function))
    return int((found or {}).get("ReservedConcurrentExecutions") or 0) if function else 0


def _dead_letters(sqs: Any, queue_arns: list[str]) -> int | None:
    """Messages waiting in these queues (the member's forward dead-letter queue: events that
    never reached the central bus); None when one cannot be read (a member stack from before
    its DoctorRole could read the queue: no finding)."""
    waiting = 0
    for arn in queue_arns:
        _, _, _, _, account, name = arn.split(":", 5)
        depth = partial(_queue_depth, sqs, name, account)
        read = _readable(partial(_or_none, depth))
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
    return _or_none(lambda: iam.get_role(RoleName=name)) is not None


def _organization() -> OrganizationFacts:
    organizations = aws.client("organizations")
    described: dict[str, Any] | None = _readable(
        lambda: organizations.describe_organization()["Organization"]
    )
    accounts = _readable(
        lambda: [a["Id"] for a in _pages(organizations, "list_accounts", "Accounts")]
    )
    services = _readable(
        lambda: [
            s["ServicePrincipal"]
            for s in _pages(
                organizations,
                "list_aws_service_access_for_organization",
                "EnabledServicePrincipals",
            )
        ]
    )
    admins = _readable(
        lambda: [
            a["Id"]
            for a in _pages(
                organizations,
                "list_delegated_administrators",
                "DelegatedAdministrators",
                ServicePrincipal="backup.amazonaws.com",
            )
        ]
    )
    roots = _readable(lambda: list(_pages(organizations, "list_roots", "Roots")))
    return OrganizationFacts(
        organization_id=described["Id"] if described else None,
        management_account=described.get("MasterAccountId") if described else None,
        accounts=accounts,
        backup_trusted_access=None if services is None else "backup.amazonaws.com" in services,
        delegated_administrators=admins,
        backup_policies_enabled=None
        if not roots
        else any(
            t.get("Type") == "BACKUP_POLICY" and t.get("Status") == "ENABLED"
            for root in roots
            for t in root.get("PolicyTypes", [])
        ),
    )


def _rules(events: Any, bus: str) -> list[BusRuleFacts]:
    """The bus's rules with their targets (and the roles targets use, as `missing_roles` until
    the caller checks them)."""
    found: list[BusRuleFacts] = []
    for rule in _pages(events, "list_rules", "Rules", EventBusName=bus):
        targets = list(
            _pages(events, "list_targets_by_rule", "Targets", Rule=rule["Name"], EventBusName=bus)
        )
        pattern = json.loads(rule.get("EventPattern") or "{}")
        found.append(
            BusRuleFacts(
                name=rule["Name"],
                enabled=rule.get("State") == "ENABLED",
                sources=[str(s) for s in as_list(pattern.get("source"))],
                targets=[t["Arn"] for t in targets],
                missing_roles=[t["RoleArn"] for t in targets if t.get("RoleArn")],
                dead_letter_queues=[
                    t["DeadLetterConfig"]["Arn"]
                    for t in targets
                    if t.get("DeadLetterConfig", {}).get("Arn")
                ],
            )
        )
    return found


def _resources(rds: Any, chained_types: frozenset[str]) -> list[MemberResource]:
    """The member's databases of chained types: RDS instances outside clusters, Aurora,
    DocumentDB and Neptune clusters, and RDS Multi-AZ clusters (which AWS Backup cannot copy)."""
    found: list[MemberResource] = []
    for cluster in _pages(rds, "describe_db_clusters", "DBClusters"):
        resource_type = resource_types.REGISTRY.database_type(cluster.get("Engine", "")) or ""
        found.append(
            MemberResource(
                arn=cluster["DBClusterArn"],
                resource_type=resource_type,
                tags=_tags(cluster),
                multi_az_cluster=resource_type == "RDS",
            )
        )
    for instance in _pages(rds, "describe_db_instances", "DBInstances"):
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
    groups = _option_groups(rds, OptionGroupName=custom[0])
    return groups[0] if groups and groups[0].options else None


def _option_groups(rds: Any, **query: str) -> list[OptionGroupFacts]:
    return [
        OptionGroupFacts(
            name=group["OptionGroupName"],
            engine=group.get("EngineName", ""),
            major_version=group.get("MajorEngineVersion", ""),
            options=[o["OptionName"] for o in group.get("Options", [])],
        )
        for group in _pages(rds, "describe_option_groups", "OptionGroupsList", **query)
    ]


def _plan_copies(backup: Any) -> list[PlanCopy]:
    copies: list[PlanCopy] = []
    for listed in _pages(backup, "list_backup_plans", "BackupPlansList"):
        plan = backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"])["BackupPlan"]
        for plan_rule in plan.get("Rules", []):
            copies.extend(
                PlanCopy(
                    plan=plan.get("BackupPlanName", listed["BackupPlanId"]),
                    rule=plan_rule.get("RuleName", ""),
                    destination_vault_arn=action["DestinationBackupVaultArn"],
                )
                for action in plan_rule.get("CopyActions") or []
            )
    return copies


def _dynamodb_advanced_features(backup: Any) -> bool | None:
    settings = _readable(backup.describe_region_settings)
    if settings is None:
        return None
    value = (settings.get("ResourceTypeManagementPreference") or {}).get("DynamoDB")
    return None if value is None else bool(value)


def _key(kms: Any, key_arn: str) -> tuple[bool, str | None, str | None]:
    """(AWS manages it, its state, its policy). AWS manages aws/rds, aws/backup, ...: their
    policies cannot be changed."""
    with domain_errors():
        key = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
        aliases = kms.list_aliases(KeyId=key["KeyId"]).get("Aliases", [])
        managed_alias = any(a.get("AliasName", "").startswith("alias/aws/") for a in aliases)
        managed = key.get("KeyManager") == "AWS" or managed_alias
        policy = None if managed else kms.get_key_policy(KeyId=key_arn, PolicyName="default")
    return managed, key.get("KeyState"), policy["Policy"] if policy else None


def _tags(described: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in described.get("TagList") or []}


def _pages(client: Any, operation: str, key: str, **query: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**query):
        yield from page.get(key) or []


def _or_none(call: Callable[[], T]) -> T | None:
    """The answer, or None when the thing does not exist."""
    try:
        return call()
    except ClientError as error:
        if code_of(error) in _MISSING:
            return None
        raise translated(error) from error


def _readable(call: Callable[[], T]) -> T | None:
    """The answer, or None when this account may not read it."""
    try:
        return call()
    except ClientError as error:
        if code_of(error) in _UNREADABLE:
            return None
        raise translated(error) from error
