"""`backup-relay doctor`: check the prerequisites of the copy chain before a night's copies fail.

Each check is a pure rule over facts an adapter gathers (ports.Prerequisites), and each finding
names its category (the failure catalogue's, so a finding and the alert its failure would raise
agree), the resource, and the fix: the statement to add, the setting and the account where it
is changed. This first part checks the central account: its vaults in the stack's region and
the DR region (they exist; their keys are customer managed; their access policies let the
organization copy in), cross-account backup, and the backup role the chain passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from backup_relay.ports import MemberPrerequisites, Prerequisites

SERVICE_ROLE = "AWSServiceRoleForBackup"


class VaultFacts(BaseModel):
    role: str  # "central" or "DR"
    arn: str
    account: str
    region: str
    exists: bool
    key_arn: str | None = None
    key_aws_managed: bool = False
    access_policy: str | None = None  # JSON, None when the vault has none


class CentralFacts(BaseModel):
    account: str
    organization_id: str
    vaults: list[VaultFacts]
    cross_account_backup: bool | None  # None: the account may not read it
    backup_role_arn: str
    backup_role_exists: bool
    backup_role_trusts_backup: bool


class RecoveryPointKey(BaseModel):
    """A member's recovery point of a chained type, and the key it is encrypted with."""

    arn: str
    resource_type: str
    key_arn: str
    key_aws_managed: bool
    key_policy: str  # JSON


class MemberFacts(BaseModel):
    account: str
    region: str
    recovery_points: list[RecoveryPointKey]


class Finding(BaseModel):
    severity: str  # "fail": copies will fail; "warn": some will, or cannot be checked
    category: str
    account: str
    region: str
    resource: str
    problem: str
    fix: str


class DoctorReport(BaseModel):
    findings: list[Finding] = []
    checked: list[str] = []  # what was checked, one line each

    @property
    def failed(self) -> bool:
        return any(finding.severity == "fail" for finding in self.findings)


Rule = Callable[[CentralFacts], Iterable[Finding]]


def vaults_exist(facts: CentralFacts) -> Iterable[Finding]:
    for vault in facts.vaults:
        if not vault.exists:
            yield Finding(
                severity="fail",
                category="vault_missing",
                account=vault.account,
                region=vault.region,
                resource=vault.arn,
                problem=f"the {vault.role} vault does not exist",
                fix=f"deploy vaults/template.yaml in {vault.region} (account {vault.account}), "
                "or create the vault with a customer managed KMS key",
            )


def vault_keys_customer_managed(facts: CentralFacts) -> Iterable[Finding]:
    for vault in facts.vaults:
        if vault.exists and vault.key_aws_managed:
            yield Finding(
                severity="fail",
                category="default_vault_key",
                account=vault.account,
                region=vault.region,
                resource=vault.arn,
                problem=f"the {vault.role} vault is encrypted with an AWS managed key "
                f"({vault.key_arn}): it cannot receive cross-account copies of RDS, Aurora, "
                "DocumentDB or Neptune",
                fix="a vault's key cannot change: create the vault again with a customer "
                "managed key (vaults/template.yaml does), under the name the stack uses",
            )


def vaults_let_the_organization_copy_in(facts: CentralFacts) -> Iterable[Finding]:
    for vault in facts.vaults:
        if vault.exists and not _allows_copy_into(vault.access_policy, facts.organization_id):
            yield Finding(
                severity="fail",
                category="vault_access_policy",
                account=vault.account,
                region=vault.region,
                resource=vault.arn,
                problem=f"the {vault.role} vault's access policy does not allow "
                "backup:CopyIntoBackupVault from the organization",
                fix='add to its access policy: {"Effect": "Allow", "Principal": {"AWS": "*"}, '
                '"Action": "backup:CopyIntoBackupVault", "Resource": "*", "Condition": '
                f'{{"StringEquals": {{"aws:PrincipalOrgID": "{facts.organization_id}"}}}}}}',
            )


def cross_account_backup_on(facts: CentralFacts) -> Iterable[Finding]:
    if facts.cross_account_backup is False:
        yield Finding(
            severity="fail",
            category="cross_account_disabled",
            account=facts.account,
            region="-",
            resource="AWS Backup global settings",
            problem="cross-account backup is turned off for the organization",
            fix="in the organization's MANAGEMENT account: AWS Backup console > Settings > "
            "Cross-account backup, or aws backup update-global-settings --global-settings "
            "isCrossAccountBackupEnabled=true",
        )


def backup_role_ready(facts: CentralFacts) -> Iterable[Finding]:
    if not facts.backup_role_exists or not facts.backup_role_trusts_backup:
        problem = (
            "does not exist"
            if not facts.backup_role_exists
            else "does not trust backup.amazonaws.com"
        )
        yield Finding(
            severity="fail",
            category="iam_role_permissions",
            account=facts.account,
            region="-",
            resource=facts.backup_role_arn,
            problem=f"the role the chain passes to AWS Backup {problem}",
            fix="create it trusting backup.amazonaws.com with the managed policies "
            "AWSBackupServiceRolePolicyForBackup and AWSBackupServiceRolePolicyForRestores "
            "(the console creates AWSBackupDefaultServiceRole on first use only), or set the "
            "stack's BackupRoleName to one that exists",
        )


def member_keys_usable(member: MemberFacts, central_account: str) -> Iterable[Finding]:
    """One finding per key (not per recovery point): the fix is the key's."""
    by_key: dict[str, list[RecoveryPointKey]] = {}
    for point in member.recovery_points:
        if point.key_aws_managed or not _lets_account_use(point.key_policy, central_account):
            by_key.setdefault(point.key_arn, []).append(point)
    for key_arn, points in by_key.items():
        types = ", ".join(sorted({p.resource_type for p in points}))
        if points[0].key_aws_managed:
            yield Finding(
                severity="fail",
                category="aws_managed_key",
                account=member.account,
                region=member.region,
                resource=key_arn,
                problem=f"{len(points)} {types} recovery point(s) are encrypted with an AWS "
                "managed key, whose policy cannot let the central account use it",
                fix="encrypt the resources with a customer managed key shared with account "
                f"{central_account}, and back them up again",
            )
        else:
            yield Finding(
                severity="fail",
                category="kms_key_not_shared",
                account=member.account,
                region=member.region,
                resource=key_arn,
                problem=f"{len(points)} {types} recovery point(s) are encrypted with a key "
                f"whose policy does not let account {central_account} use it: their copies "
                "into the central vault will fail",
                fix="add to its key policy a statement allowing arn:aws:iam::"
                f"{central_account}:role/aws-service-role/backup.amazonaws.com/"
                "AWSServiceRoleForBackup kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, "
                "kms:GenerateDataKey* and kms:DescribeKey, and kms:CreateGrant, kms:ListGrants "
                'and kms:RevokeGrant under "kms:GrantIsForAWSResource": "true"',
            )


#: Every rule, in the order its findings are listed.
RULES: tuple[Rule, ...] = (
    vaults_exist,
    vault_keys_customer_managed,
    vaults_let_the_organization_copy_in,
    cross_account_backup_on,
    backup_role_ready,
)


@dataclass
class Doctor:
    prerequisites: Prerequisites
    members: MemberPrerequisites | None = None  # through each member stack's DoctorRole
    member_accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # where members' recovery points are checked

    def __call__(self) -> DoctorReport:
        facts = self.prerequisites.central()
        report = DoctorReport(
            checked=[f"{v.role} vault {v.arn}" for v in facts.vaults]
            + ["cross-account backup", f"backup role {facts.backup_role_arn}"]
        )
        for rule in RULES:
            report.findings.extend(rule(facts))
        members = self.members
        for account in self.member_accounts if members is not None else ():
            for region in self.regions:
                member = members.member(account, region)  # type: ignore[union-attr]
                report.checked.append(
                    f"member {account} {region}: keys of {len(member.recovery_points)} "
                    "recovery points"
                )
                report.findings.extend(member_keys_usable(member, facts.account))
        return report


def _allows_copy_into(policy: str | None, organization_id: str) -> bool:
    """Does an Allow statement grant backup:CopyIntoBackupVault to the organization (or to
    everyone)? Accounts named one by one are not the organization: they do not count."""
    for statement in _allows(policy, ("backup:CopyIntoBackupVault", "backup:*", "*")):
        if statement.get("Principal") not in ("*", {"AWS": "*"}):
            continue
        org = (statement.get("Condition") or {}).get("StringEquals", {}).get("aws:PrincipalOrgID")
        if org in (None, organization_id) or organization_id in _as_list(org):
            return True
    return False


def _lets_account_use(policy: str, account: str) -> bool:
    """Does an Allow statement grant kms:Decrypt to the account, a role of it, or everyone?"""
    for statement in _allows(policy, ("kms:Decrypt", "kms:*", "*")):
        principal = statement.get("Principal")
        principals = _as_list(principal.get("AWS") if isinstance(principal, dict) else principal)
        if any(p in ("*", account) or f":{account}:" in str(p) for p in principals):
            return True
    return False


def _allows(policy: str | None, actions: tuple[str, ...]) -> list[dict[str, Any]]:
    """The policy's Allow statements that name one of `actions`."""
    try:
        statements = json.loads(policy or "").get("Statement", [])
    except (ValueError, AttributeError):
        return []
    return [
        statement
        for statement in (statements if isinstance(statements, list) else [statements])
        if isinstance(statement, dict)
        and statement.get("Effect") == "Allow"
        and any(action in actions for action in _as_list(statement.get("Action")))
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
