"""Rules over the central account: its vaults and their keys, the organization's settings, the
backup role, and the stack's own collection path."""

from __future__ import annotations

from collections.abc import Iterable

from backup_relay.doctor.facts import CentralFacts, VaultFacts
from backup_relay.doctor.policy import (
    allows_copy_into,
    allows_organization,
    open_to_anyone,
)
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.doctor.sharing import copy_in_refused, key_not_shared
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity


def _vault_finding(
    vault: VaultFacts,
    category: Category,
    problem: str,
    fix: str,
    *,
    resource: str | None = None,
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(
        severity=severity,
        category=category,
        account=vault.account,
        region=vault.region,
        resource=resource or vault.arn,
        problem=problem,
        fix=fix,
    )


@rule(Category.VAULT_MISSING)
def vaults_exist(facts: CentralFacts) -> Iterable[Finding]:
    for vault in facts.vaults:
        if vault.unreachable:
            yield _vault_finding(
                vault,
                Category.VAULT_MISSING,
                f"the {vault.role} vault's region {vault.region} did not answer: "
                f"{vault.unreachable}",
                f"enable region {vault.region} for account {vault.account} (Account settings > "
                "AWS Regions, for an opt-in region), or set the stack's DrRegion to a region "
                "it uses",
            )
        elif vault.denied:
            yield _vault_finding(
                vault,
                Category.VAULT_MISSING,
                f"the {vault.role} vault does not exist, or this account may not read it (AWS "
                "Backup answers AccessDenied to DescribeBackupVault for both)",
                f"deploy vaults/template.yaml in {vault.region} (account {vault.account}), or "
                "create the vault with a customer managed KMS key; if it exists, allow the "
                "doctor's role backup:DescribeBackupVault and backup:GetBackupVaultAccessPolicy "
                "on it",
            )
        elif not vault.exists:
            yield _vault_finding(
                vault,
                Category.VAULT_MISSING,
                f"the {vault.role} vault does not exist",
                f"deploy vaults/template.yaml in {vault.region} (account {vault.account}), "
                "or create the vault with a customer managed KMS key",
            )


@rule(Category.DEFAULT_VAULT_KEY)
def vault_keys_customer_managed(facts: CentralFacts) -> Iterable[Finding]:
    for vault in facts.vaults:
        if vault.exists and vault.key_aws_managed:
            yield _vault_finding(
                vault,
                Category.DEFAULT_VAULT_KEY,
                f"the {vault.role} vault is encrypted with an AWS managed key "
                f"({vault.key_arn}): it cannot receive cross-account copies of RDS, Aurora, "
                "DocumentDB or Neptune",
                "a vault's key cannot change: create the vault again with a customer "
                "managed key (vaults/template.yaml does), under the name the stack uses",
            )


@rule(Category.KEY_DISABLED, Category.KMS_KEY_NOT_SHARED)
def vault_keys_usable(facts: CentralFacts) -> Iterable[Finding]:
    """Enabled, and usable by the organization: a bring-back copies out of these vaults into
    member accounts, whose AWSServiceRoleForBackup then decrypts with the vault's key."""
    for vault in facts.vaults:
        if not vault.exists or vault.key_aws_managed or not vault.key_arn:
            continue
        if vault.key_state not in (None, "Enabled"):
            yield _vault_finding(
                vault,
                Category.KEY_DISABLED,
                f"the {vault.role} vault's key {vault.key_arn} is {vault.key_state}: nothing "
                "can be copied into or out of the vault",
                f"in account {vault.account}, region {vault.region}: aws kms "
                f"cancel-key-deletion / enable-key --key-id {vault.key_arn}",
            )
        elif vault.key_policy is not None and (refused := key_not_shared(vault, facts)):
            problem, fix = refused
            yield _vault_finding(
                vault,
                Category.KMS_KEY_NOT_SHARED,
                problem,
                fix,
                resource=vault.key_arn,
                severity=Severity.WARNING,
            )


@rule(Category.VAULT_ACCESS_POLICY)
def vaults_let_the_organization_copy_in(facts: CentralFacts) -> Iterable[Finding]:
    """The organization, or each served account by name (sharing.copy_in_refused)."""
    # Only CopyIntoBackupVault: AWS rejects cross-account access to a vault for any other action
    # whatever its policy says; CopyFromBackupVault is authorized on the source recovery point,
    # in the source account (https://docs.aws.amazon.com/aws-backup/latest/devguide/
    # create-a-vault-access-policy.html), single-action copies included.
    for vault in facts.vaults:
        if vault.exists and (refused := copy_in_refused(vault, facts)):
            problem, fix = refused
            yield _vault_finding(
                vault,
                Category.VAULT_ACCESS_POLICY,
                f"the {vault.role} vault's access policy {problem}",
                fix,
            )


@rule(Category.VAULT_LOCK_RETENTION)
def vault_locks_fit_the_retention(facts: CentralFacts) -> Iterable[Finding]:
    """The chain gives central copies IntermediateRetentionDays (0: it leaves their lifecycle
    alone) and DR copies DrRetentionDays (0: kept until deleted)."""
    asked = {"central": facts.intermediate_retention_days, "DR": facts.dr_retention_days}
    for vault in facts.vaults:
        low, high = vault.lock_min_retention_days, vault.lock_max_retention_days
        days = asked.get(vault.role, 0)
        if not vault.exists or (low is None and high is None):
            continue
        if vault.role == "central" and days == 0:
            continue
        too_short = low is not None and days != 0 and days < low
        too_long = high is not None and (days == 0 or days > high)
        if too_short or too_long:
            kept = f"{days} days" if days else "no expiry"
            parameter = (
                "IntermediateRetentionDays" if vault.role == "central" else "DrRetentionDays"
            )
            yield _vault_finding(
                vault,
                Category.VAULT_LOCK_RETENTION,
                f"the {vault.role} vault's lock allows retention of {low or 1} to "
                f"{high or 'unlimited'} days; the chain gives its copies {kept}, so every copy "
                "into it fails",
                f"set the central stack's {parameter} within the lock's range (a compliance "
                "lock past its grace time cannot change)",
            )


@rule(Category.CROSS_ACCOUNT_DISABLED)
def cross_account_backup_on(facts: CentralFacts) -> Iterable[Finding]:
    if facts.cross_account_backup is False:
        yield Finding(
            severity=Severity.ERROR,
            category=Category.CROSS_ACCOUNT_DISABLED,
            account=facts.organization.management_account or facts.account,
            region="-",
            resource="AWS Backup global settings",
            problem="cross-account backup is turned off for the organization",
            fix="in the organization's MANAGEMENT account: AWS Backup console > Settings > "
            "Cross-account backup, or aws backup update-global-settings --global-settings "
            "isCrossAccountBackupEnabled=true",
        )


@rule(Category.IAM_ROLE_PERMISSIONS)
def backup_role_ready(facts: CentralFacts) -> Iterable[Finding]:
    if not facts.backup_role_exists or not facts.backup_role_trusts_backup:
        problem = (
            "does not exist"
            if not facts.backup_role_exists
            else "does not trust backup.amazonaws.com"
        )
        yield Finding(
            severity=Severity.ERROR,
            category=Category.IAM_ROLE_PERMISSIONS,
            account=facts.account,
            region="-",
            resource=facts.backup_role_arn,
            problem=f"the role the chain passes to AWS Backup {problem}",
            fix="leave the stack's BackupRoleName empty (the stack then creates its own backup "
            "role), set it to a role that exists, or create this one trusting "
            "backup.amazonaws.com with the managed policies AWSBackupServiceRolePolicyForBackup "
            "and AWSBackupServiceRolePolicyForRestores. AWSBackupDefaultServiceRole exists only "
            "in accounts where someone has used the AWS Backup console (it creates the role on "
            "first use)",
        )


@rule(Category.NOT_SAME_ORGANIZATION)
def central_account_in_the_organization(facts: CentralFacts) -> Iterable[Finding]:
    found = facts.organization.organization_id
    if found is not None and found != facts.organization_id:
        yield Finding(
            severity=Severity.ERROR,
            category=Category.NOT_SAME_ORGANIZATION,
            account=facts.account,
            region="-",
            resource=f"organization {found}",
            problem=f"the central account belongs to organization {found}, not to the stack's "
            f"OrganizationId {facts.organization_id}: members' copies into it are refused",
            fix=f"set the stack's OrganizationId to {found}, or move account {facts.account} "
            f"into organization {facts.organization_id}",
        )


@rule(Category.ORGANIZATION_SETUP)
def organization_ready_for_backup(facts: CentralFacts) -> Iterable[Finding]:
    org = facts.organization
    management = org.management_account or "the management account"

    def warn(resource: str, problem: str, fix: str) -> Finding:
        return Finding(
            severity=Severity.WARNING,
            category=Category.ORGANIZATION_SETUP,
            account=org.management_account or facts.account,
            region="-",
            resource=resource,
            problem=problem,
            fix=fix,
        )

    if org.backup_trusted_access is False:
        yield warn(
            "trusted access for backup.amazonaws.com",
            "AWS Backup has no trusted access in AWS Organizations: backup policies and "
            "cross-account monitoring do not work",
            f"in account {management}: aws organizations enable-aws-service-access "
            "--service-principal backup.amazonaws.com (or AWS Backup console > Settings)",
        )
    if org.backup_policies_enabled is False:
        yield warn(
            "BACKUP_POLICY policy type",
            "backup policies are not enabled: each member needs a backup plan of its own that "
            "copies into the central vault (the member stack can create one: CreateBackupPlan)",
            f"in account {management}: aws organizations enable-policy-type --root-id <root> "
            "--policy-type BACKUP_POLICY, then attach a backup policy whose copy action "
            "targets the central vault",
        )
    admins = org.delegated_administrators
    central_manages = org.management_account in (None, facts.account)
    if admins is not None and not central_manages and facts.account not in admins:
        yield warn(
            "delegated administrator for backup.amazonaws.com",
            f"account {facts.account} is not AWS Backup's delegated administrator: it cannot "
            "see the members' jobs (cross-account monitoring) when a member copy fails",
            f"in account {management}: aws organizations register-delegated-administrator "
            f"--account-id {facts.account} --service-principal backup.amazonaws.com",
        )


@rule(Category.BUS_POLICY, Category.EVENT_RULES)
def stack_collects_the_organizations_events(facts: CentralFacts) -> Iterable[Finding]:
    stack = facts.stack
    if stack is None:
        return
    bus_arn = f"arn:aws:events:<region>:{facts.account}:event-bus/{stack.bus_name}"

    def fail(category: Category, resource: str, problem: str, fix: str) -> Finding:
        return Finding(
            severity=Severity.ERROR,
            category=category,
            account=facts.account,
            region="-",
            resource=resource,
            problem=problem,
            fix=fix,
        )

    if not stack.bus_exists:
        yield fail(
            Category.EVENT_RULES,
            bus_arn,
            f"the central event bus {stack.bus_name} does not exist",
            "deploy the central stack (sam deploy), or set EVENT_BUS_NAME to its bus",
        )
        return
    if not allows_organization(stack.bus_policy, "events:PutEvents", facts.organization_id):
        yield fail(
            Category.BUS_POLICY,
            bus_arn,
            "the bus policy does not let the organization's accounts put events: members' "
            "forwarded events are dropped",
            "deploy the central stack again (its EventBusPolicy allows events:PutEvents under "
            f'"aws:PrincipalOrgID": "{facts.organization_id}")',
        )
    elif open_to_anyone(stack.bus_policy):
        yield fail(
            Category.BUS_POLICY,
            bus_arn,
            "the bus policy lets any AWS account put events, not only the organization's",
            'remove the statement allowing "*" without an "aws:PrincipalOrgID" condition',
        )
    enabled = [r for r in stack.rules if r.enabled and "aws.backup" in r.sources]
    for disabled in (r for r in stack.rules if not r.enabled):
        yield fail(
            Category.EVENT_RULES,
            disabled.name,
            f"rule {disabled.name} on {stack.bus_name} is disabled: its events never reach "
            "the ingest queue",
            f"aws events enable-rule --event-bus-name {stack.bus_name} --name {disabled.name}",
        )
    if not enabled:
        yield fail(
            Category.EVENT_RULES,
            stack.ingest_queue_arn,
            f"no enabled rule on {stack.bus_name} sends aws.backup events to the ingest queue",
            "deploy the central stack again: its rules target the ingest queue",
        )


#: The central account's rules, in the order their findings are listed.
CENTRAL_RULES = (
    vaults_exist,
    vault_keys_customer_managed,
    vault_keys_usable,
    vaults_let_the_organization_copy_in,
    vault_locks_fit_the_retention,
    cross_account_backup_on,
    backup_role_ready,
    central_account_in_the_organization,
    organization_ready_for_backup,
    stack_collects_the_organizations_events,
)

__all__ = ["CENTRAL_RULES", "allows_copy_into"]
