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

from backup_relay.ports import Prerequisites

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

    def __call__(self) -> DoctorReport:
        facts = self.prerequisites.central()
        report = DoctorReport(
            checked=[f"{v.role} vault {v.arn}" for v in facts.vaults]
            + ["cross-account backup", f"backup role {facts.backup_role_arn}"]
        )
        for rule in RULES:
            report.findings.extend(rule(facts))
        return report


def _allows_copy_into(policy: str | None, organization_id: str) -> bool:
    """Does an Allow statement grant backup:CopyIntoBackupVault to the organization (or to
    everyone)? Accounts named one by one are not the organization: they do not count."""
    if not policy:
        return False
    try:
        statements = json.loads(policy).get("Statement", [])
    except (ValueError, AttributeError):
        return False
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        if not any(a in ("backup:CopyIntoBackupVault", "backup:*", "*") for a in actions):
            continue
        if statement.get("Principal") not in ("*", {"AWS": "*"}):
            continue
        org = (statement.get("Condition") or {}).get("StringEquals", {}).get("aws:PrincipalOrgID")
        if org in (None, organization_id) or organization_id in _as_list(org):
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
