"""Rules over a member's own vaults (those its plans, or a backup policy's, back up into): a
bring-back (`backup-relay bring-back`) copies a DR recovery point into one of them, from the
central account.

AWS's pages, as each rule cites them:
- [cross-account] Creating backup copies across AWS accounts: "You must “Allow” the access
  policy backup:CopyIntoBackupVault for your destination backup vault":
  https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
- [encryption] Encryption for backups in AWS Backup (types not fully managed by AWS Backup
  cannot be copied into a vault on the AWS Backup default key): the message AWS gives such a copy
  is the catalogue's default_vault_key:
  https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
Both are warnings: the nightly copies do not use these vaults as destinations, a bring-back does.
"""

from __future__ import annotations

from collections.abc import Iterable

from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.policy import allows, names_account, principals
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
CROSS_ACCOUNT_PAGE = f"{_GUIDE}/create-cross-account-backup.html"
ENCRYPTION_PAGE = f"{_GUIDE}/encryption.html"


def admits(policy: str | None, account: str) -> bool:
    """Does an Allow statement grant backup:CopyIntoBackupVault to `account` (its root, a role of
    it), or to every principal (an organization condition included: the central account is in
    the organization, the doctor checks that elsewhere)?"""
    actions = ("backup:CopyIntoBackupVault", "backup:*", "*")
    return any(
        names_account(name, account)
        for statement in allows(policy, actions)
        for name in principals(statement)
    )


@rule(Category.DEFAULT_VAULT_KEY, Category.VAULT_ACCESS_POLICY)
def member_vaults_take_bring_back(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    for vault in member.coverage.vaults or []:
        if vault.key_aws_managed:
            yield Finding(
                severity=Severity.WARNING,
                category=Category.DEFAULT_VAULT_KEY,
                account=member.account,
                region=member.region,
                resource=vault.arn,
                problem=f"the member vault {vault.arn} is on an AWS managed key (aws/backup): a "
                "bring-back of RDS, Aurora, DocumentDB, Neptune, EBS or EC2 recovery points into "
                "it fails",
                fix="bring back into a vault on a customer managed key (the member stack's "
                "CreateBackupPlan makes one), or create one: aws backup create-backup-vault "
                "--encryption-key-arn <customer managed key>",
                docs=ENCRYPTION_PAGE,
            )
        if not admits(vault.access_policy, central.account):
            yield Finding(
                severity=Severity.WARNING,
                category=Category.VAULT_ACCESS_POLICY,
                account=member.account,
                region=member.region,
                resource=vault.arn,
                problem=f"the access policy of member vault {vault.arn} does not let account "
                f"{central.account} copy into it: a bring-back into it is refused",
                fix="add to its access policy a statement allowing the principal "
                f"arn:aws:iam::{central.account}:root backup:CopyIntoBackupVault (the member "
                "stack's vault has it)",
                docs=CROSS_ACCOUNT_PAGE,
            )


#: The member vault rules.
MEMBER_VAULT_RULES = (member_vaults_take_bring_back,)
