"""The central account's facts: its vaults and their keys, the Backup service role, the
organization, the stack's bus and rules, the DR region's option groups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import NOT_FOUND, code_of, translated
from backup_relay.adapters.prerequisites.coverage import (
    resource_type_opt_in,
    service_linked_role,
)
from backup_relay.adapters.prerequisites.features import drill_facts, hub_facts
from backup_relay.adapters.prerequisites.ram import vault_shares
from backup_relay.adapters.prerequisites.reads import (
    UNREADABLE,
    bus_rules,
    key_facts,
    option_groups,
    or_none,
    pages,
    readable,
    vault_facts_of,
)
from backup_relay.doctor.facts import (
    CentralFacts,
    DestinationFacts,
    OrganizationFacts,
    StackFacts,
    VaultFacts,
)
from backup_relay.doctor.policy import as_list

#: AWS Backup's managed policies for a backup role (AWSBackupServiceRolePolicyFor...).
_BACKUP_POLICY_PREFIX = "AWSBackupServiceRolePolicyFor"
#: Regions that do not answer (not opted in, or no such region).
_UNREACHABLE = {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure"}


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
    source_accounts: tuple[str, ...] = ()  # AllowedSourceAccounts
    #: AdditionalDestinations: (label, logically air-gapped, region, vault name)
    destinations: tuple[tuple[str, bool, str, str], ...] = ()
    lag_retention: tuple[int, int] | None = None  # LagMin/MaxRetentionDays
    on_demand_backups_to_dr: bool = False
    function_role_path: str | None = None  # arn:aws:iam::<central>:role/backup-relay/<stack>/
    #: RestoreDrills: (the DR vault's name, the relay bus's ARN, ChainedResourceTypes), checked
    #: in dr_region; None: off
    drills: tuple[str, str, tuple[str, ...]] | None = None
    security_hub_region: str | None = None  # SecurityHubFindings: the stack's region; None: off

    def central(self) -> CentralFacts:
        organization_facts = organization()
        if organization_facts.management_account == self.account:
            regions = sorted({region for _, region, _ in self.vaults})
            organization_facts.management_dynamodb_advanced_features = dynamodb_advanced_features(
                regions
            )
        return CentralFacts(
            account=self.account,
            organization_id=self.organization_id,
            vaults=[self.vault_facts(role, region, name) for role, region, name in self.vaults],
            cross_account_backup=cross_account_backup(),
            backup_role_arn=self.backup_role_arn,
            intermediate_retention_days=self.intermediate_retention_days,
            dr_retention_days=self.dr_retention_days,
            organization=organization_facts,
            source_accounts=list(self.source_accounts),
            stack=self._stack(),
            dr_region=self.dr_region,
            dr_option_groups=option_groups(aws.client("rds", self.dr_region))
            if self.dr_region
            else None,
            resource_type_opt_in=resource_type_opt_in(),
            service_linked_role=service_linked_role(),
            destinations=[self.destination_facts(*d) for d in self.destinations],
            lag_retention=self.lag_retention,
            on_demand_backups_to_dr=self.on_demand_backups_to_dr,
            function_role_path=self.function_role_path,
            drills=drill_facts(backup_role, self.dr_region, *self.drills)
            if self.drills and self.dr_region
            else None,
            security_hub=hub_facts(self.security_hub_region) if self.security_hub_region else None,
            **backup_role(self.backup_role_arn),
        )

    def destination_facts(self, label: str, lag: bool, region: str, name: str) -> DestinationFacts:
        vault = self.vault_facts("LAG" if lag else "destination", region, name)
        shares = (
            vault_shares(aws.client("ram", region), vault.arn) if lag and vault.exists else None
        )
        return DestinationFacts(label=label, logically_air_gapped=lag, vault=vault, shares=shares)

    def vault_facts(self, role: str, region: str, name: str) -> VaultFacts:
        arn = f"arn:aws:backup:{region}:{self.account}:backup-vault:{name}"
        where = {"role": role, "arn": arn, "account": self.account, "region": region}
        backup = aws.backup(region)
        try:
            vault = backup.describe_backup_vault(BackupVaultName=name)
        except EndpointConnectionError as error:
            return VaultFacts(**where, exists=False, unreachable=str(error))
        except ClientError as error:
            code = code_of(error)
            if code in UNREADABLE:
                # AWS Backup's answer for a vault that does not exist, as for one this
                # account may not read: https://github.com/aws/aws-sdk-js/issues/2625
                return VaultFacts(**where, exists=False, denied=True)
            if code in _UNREACHABLE:
                return VaultFacts(**where, exists=False, unreachable=str(error))
            if code in NOT_FOUND:
                return VaultFacts(**where, exists=False)
            raise translated(error) from error
        key_arn = vault.get("EncryptionKeyArn")
        policy = or_none(lambda: backup.get_backup_vault_access_policy(BackupVaultName=name))
        key = key_facts(aws.client("kms", region), key_arn) if key_arn else (False, None, None)
        return vault_facts_of(where | {"arn": vault.get("BackupVaultArn", arn)}, vault, policy, key)

    def _stack(self) -> StackFacts | None:
        if not self.bus_name:
            return None
        events = aws.client("events")
        bus = or_none(lambda: events.describe_event_bus(Name=self.bus_name))
        rules = [
            rule
            for rule in (bus_rules(events, self.bus_name) if bus else [])
            if self.ingest_queue_arn in rule.targets
        ]
        return StackFacts(
            bus_name=self.bus_name,
            bus_exists=bus is not None,
            bus_policy=bus.get("Policy") if bus else None,
            ingest_queue_arn=self.ingest_queue_arn,
            rules=rules,
        )


def dynamodb_advanced_features(regions: list[str]) -> dict[str, bool] | None:
    """This account's AWS Backup advanced features for DynamoDB, by region (None: it may not
    read them: backup:DescribeRegionSettings)."""
    found: dict[str, bool] = {}
    for region in regions:
        settings = readable(aws.backup(region).describe_region_settings)
        if settings is None:
            return None
        value = (settings.get("ResourceTypeManagementPreference") or {}).get("DynamoDB")
        if value is not None:  # not set: nothing said
            found[region] = bool(value)
    return found


def delegation_policy(organizations: Any) -> tuple[bool, str | None]:
    """Organizations' delegation policy: (read, its content; None when there is none). Only
    the management account or a delegated administrator may read it; any other: (False, None)
    (https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeResourcePolicy.html)."""
    try:
        described = organizations.describe_resource_policy()["ResourcePolicy"]
    except ClientError as error:
        code = code_of(error)
        if code == "ResourcePolicyNotFoundException":
            return True, None
        if code in UNREADABLE:
            return False, None
        raise translated(error) from error
    return True, str(described.get("Content") or "")


def cross_account_backup(region: str | None = None) -> bool | None:
    try:
        settings = aws.backup(region).describe_global_settings()["GlobalSettings"]
    except ClientError:
        return None  # only the management account (or a delegated one) may read it
    value = settings.get("isCrossAccountBackupEnabled")
    return None if value is None else str(value).lower() == "true"


def backup_role(role_arn: str) -> dict[str, Any]:
    name = role_arn.rsplit("/", 1)[-1]
    iam = aws.client("iam")
    role = or_none(lambda: iam.get_role(RoleName=name))
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
    attached = readable(
        lambda: [
            p["PolicyName"]
            for p in pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        ]
    )
    inline = readable(lambda: list(pages(iam, "list_role_policies", "PolicyNames", RoleName=name)))
    policies = None if attached is None or inline is None else attached
    return {
        "backup_role_exists": True,
        "backup_role_trusts_backup": "backup.amazonaws.com" in trusted,
        "backup_role_policies": policies,
        "backup_role_other_policies": len(inline or [])
        + sum(not p.startswith(_BACKUP_POLICY_PREFIX) for p in attached or []),
    }


def organization() -> OrganizationFacts:
    organizations = aws.client("organizations")
    described: dict[str, Any] | None = readable(
        lambda: organizations.describe_organization()["Organization"]
    )
    accounts = readable(
        lambda: [a["Id"] for a in pages(organizations, "list_accounts", "Accounts")]
    )
    services = readable(
        lambda: [
            s["ServicePrincipal"]
            for s in pages(
                organizations,
                "list_aws_service_access_for_organization",
                "EnabledServicePrincipals",
            )
        ]
    )
    admins = readable(
        lambda: [
            a["Id"]
            for a in pages(
                organizations,
                "list_delegated_administrators",
                "DelegatedAdministrators",
                ServicePrincipal="backup.amazonaws.com",
            )
        ]
    )
    roots = readable(lambda: list(pages(organizations, "list_roots", "Roots")))
    management = described.get("MasterAccountId") if described else None
    delegation: tuple[bool, str | None] = (False, None)
    if any(admin != management for admin in admins or []):
        delegation = delegation_policy(organizations)
    return OrganizationFacts(
        delegation_policy_read=delegation[0],
        delegation_policy=delegation[1],
        organization_id=described["Id"] if described else None,
        management_account=described.get("MasterAccountId") if described else None,
        accounts=accounts,
        backup_trusted_access=None if services is None else "backup.amazonaws.com" in services,
        ram_trusted_access=None if services is None else "ram.amazonaws.com" in services,
        delegated_administrators=admins,
        backup_policies_enabled=None
        if not roots
        else any(
            t.get("Type") == "BACKUP_POLICY" and t.get("Status") == "ENABLED"
            for root in roots
            for t in root.get("PolicyTypes", [])
        ),
    )
