"""Rules over a member's copies into the central account that AWS's documented setups add: the
source key usable by the member's own backup role, and the central copies' retention within the
central vault's lock."""

from __future__ import annotations

from collections.abc import Iterable

from backup_relay.doctor.facts import CentralFacts, MemberFacts, PlanCopy
from backup_relay.doctor.policy import lets_account_use
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import KEY_STATEMENTS, Severity


@rule(Category.KMS_KEY_NOT_SHARED)
def member_keys_usable_by_their_own_account(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """The copy job runs as the member's backup role, in the member account: the source key's
    policy must let that account use the key, by its root (the default key policy, which lets
    IAM policies decide) or by the role, beside the destination account
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
    One finding per key."""
    keys: dict[str, int] = {}
    for point in member.recovery_points:
        if point.key_aws_managed or point.key_state != "Enabled":
            continue  # member_keys_usable reports those
        if not lets_account_use(point.key_policy, member.account):
            keys[point.key_arn] = keys.get(point.key_arn, 0) + 1
    for key_arn, count in keys.items():
        yield Finding(
            severity=Severity.ERROR,
            category=Category.KMS_KEY_NOT_SHARED,
            account=member.account,
            region=member.region,
            resource=key_arn,
            problem=f"{count} recovery point(s) are encrypted with a key whose policy lets no "
            f"principal of account {member.account} use it: the account's own backup role "
            "cannot copy them",
            fix=f"add to its key policy the statement allowing arn:aws:iam::{member.account}:"
            "root kms:* (the default key policy's: IAM policies then decide), or one allowing "
            f"the backup role the plan copies with {KEY_STATEMENTS}",
        )


@rule(Category.VAULT_LOCK_RETENTION)
def central_copies_fit_the_central_vault_lock(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """A copy action's DeleteAfterDays (the member stack's CentralRetentionDays, or a backup
    policy's) within the destination vault's Vault Lock: "If the job's retention period is
    shorter than that minimum retention period, then the vault fails the backup or copy job"
    and likewise longer than the maximum
    (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html;
    API_PutBackupVaultLockConfiguration). No DeleteAfterDays is longer than any maximum."""
    locks = {
        vault.arn: (vault.lock_min_retention_days, vault.lock_max_retention_days)
        for vault in central.vaults
        if vault.exists and vault.role == "central"
    }
    for copy in member.plan_copies or []:
        low, high = locks.get(copy.destination_vault_arn, (None, None))
        days = copy.delete_after_days
        if days is None or (low is None and high is None):
            continue
        too_short = low is not None and days != 0 and days < low
        too_long = high is not None and (days == 0 or days > high)
        if not (too_short or too_long):
            continue
        kept = f"{days} days" if days else "no expiry"
        where = (
            "the organization's backup policy's copy action lifecycle"
            if copy.from_backup_policy
            else "the member stack's CentralRetentionDays (or the plan's copy action lifecycle)"
        )
        yield Finding(
            severity=Severity.ERROR,
            category=Category.VAULT_LOCK_RETENTION,
            account=member.account,
            region=member.region,
            resource=f"backup plan {copy.plan}, rule {copy.rule}",
            problem=f"the plan keeps its copies in the central vault {kept}, but the vault's lock "
            f"allows {low or 1} to {high or 'unlimited'} days: every copy into it fails",
            fix=f"set {where} within {low or 1} to {high or 'unlimited'} days",
        )


@rule(Category.DYNAMODB_ADVANCED_FEATURES)
def dynamodb_copies_can_cross_accounts(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """DynamoDB without AWS Backup's advanced features copies neither across accounts nor
    across regions (https://docs.aws.amazon.com/aws-backup/latest/devguide/
    backup-feature-availability.html; advanced-ddb-backup.html). The plans a backup policy makes
    follow the management account's setting, the member's own plans the member's (the issue's
    reading of advanced-ddb-backup.html; INFERRED: how a plan is told to be a policy's, see
    PlanCopy.from_backup_policy)."""
    if not member.dynamodb_tables:
        return
    settings = central.organization.management_dynamodb_advanced_features
    for from_policy in (False, True):
        copies = [
            copy
            for copy in member.plan_copies or []
            if copy.from_backup_policy is from_policy
            and _leaves(copy.destination_vault_arn, member)
        ]
        setting = (
            (settings or {}).get(member.region)
            if from_policy
            else member.dynamodb_advanced_features
        )
        if not copies or setting is not False:
            continue  # None: not readable (the checkup says so)
        where = (
            "across accounts"
            if any(_other_account(c, member) for c in copies)
            else ("across regions")
        )
        owner = central.organization.management_account if from_policy else member.account
        yield Finding(
            severity=Severity.ERROR,
            category=Category.DYNAMODB_ADVANCED_FEATURES,
            account=member.account,
            region=member.region,
            resource=f"AWS Backup region settings of {owner or 'the management account'}",
            problem=f"{member.dynamodb_tables} DynamoDB table(s), and "
            f"{'a backup policy' if from_policy else 'a plan'} copying {where} "
            f"({copies[0].destination_vault_arn}), but AWS Backup's advanced features for "
            f"DynamoDB are off{' in the management account' if from_policy else ''}: those "
            "copies fail",
            fix="aws backup update-region-settings --resource-type-management-preference "
            f"DynamoDB=true, in account {owner or 'the management account'}, region "
            f"{member.region}"
            + (
                " (the management account's setting decides for the plans backup policies make)"
                if from_policy
                else ""
            ),
        )


def _other_account(copy: PlanCopy, member: MemberFacts) -> bool:
    return copy.destination_vault_arn.split(":")[4] != member.account


def _leaves(vault_arn: str, member: MemberFacts) -> bool:
    """A copy to another account or another region."""
    parts = vault_arn.split(":")
    return len(parts) > 4 and (parts[4] != member.account or parts[3] != member.region)
