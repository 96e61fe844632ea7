"""Rules over the roles AWS Backup works as in a member account: its service-linked role
AWSServiceRoleForBackup, and the backup role each selection of the member's plans names.

AWS's pages, as each rule cites them:
- [slr] Using roles to back up and copy (AWSServiceRoleForBackup, which trusts
  backup.amazonaws.com): https://docs.aws.amazon.com/aws-backup/latest/devguide/using-service-linked-roles-AWSServiceRoleForBackup.html
- [roles] IAM service roles (the backup role a plan passes, its trust, AWS's managed policies
  AWSBackupServiceRolePolicyForBackup and, for S3, AWSBackupServiceRolePolicyForS3Backup):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
- [s3] Amazon S3 backups: https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
The message AWS gives a job whose role is missing or lacks these policies ("IAM Role ... does
not have sufficient permissions to execute the backup.") is the catalogue's
iam_role_permissions: the findings use its category.
"""

from __future__ import annotations

from collections.abc import Iterable

from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.report import Finding
from backup_relay.doctor.resource_facts import RoleFacts
from backup_relay.doctor.resources import selected
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
SLR_PAGE = f"{_GUIDE}/using-service-linked-roles-AWSServiceRoleForBackup.html"
ROLES_PAGE = f"{_GUIDE}/iam-service-roles.html"
S3_PAGE = f"{_GUIDE}/s3-backups.html"

SERVICE_LINKED_ROLE = "AWSServiceRoleForBackup"
#: The managed policy every backup role needs [roles], and S3's [s3].
FOR_BACKUP = "AWSBackupServiceRolePolicyForBackup"
FOR_S3 = "AWSBackupServiceRolePolicyForS3Backup"
_POLICY_ARNS = {
    FOR_BACKUP: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    FOR_S3: "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
}


def _finding(  # noqa: PLR0917  (a finding's fields, in their order)
    member: MemberFacts,
    resource: str,
    problem: str,
    fix: str,
    severity: Severity = Severity.ERROR,
    docs: str = ROLES_PAGE,
) -> Finding:
    return Finding(
        severity=severity,
        category=Category.IAM_ROLE_PERMISSIONS,
        account=member.account,
        region=member.region,
        resource=resource,
        problem=problem,
        fix=fix,
        docs=docs,
    )


@rule(Category.IAM_ROLE_PERMISSIONS)
def service_linked_role_exists(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    """[slr]: AWS Backup makes its service-linked role on first use, but a key policy can name
    it (the central vault keys', a member key's statement for bring-back) only once it exists:
    PutKeyPolicy refuses "one or more invalid principals" before."""
    if member.coverage.service_linked_role is False:
        yield _finding(
            member,
            f"arn:aws:iam::{member.account}:role/aws-service-role/backup.amazonaws.com/"
            f"{SERVICE_LINKED_ROLE}",
            f"account {member.account} has no {SERVICE_LINKED_ROLE} yet: no key policy can "
            "name it, so keys cannot be shared with it before AWS Backup first runs here",
            f"in account {member.account}: aws iam create-service-linked-role "
            "--aws-service-name backup.amazonaws.com",
            severity=Severity.WARNING,
            docs=SLR_PAGE,
        )


@rule(Category.IAM_ROLE_PERMISSIONS)
def central_service_linked_role_exists(central: CentralFacts) -> Iterable[Finding]:
    """[slr]: the central vaults' key policies name the organization's AWSServiceRoleForBackup,
    the central account's included: it must exist before they can."""
    if central.service_linked_role is False:
        yield Finding(
            severity=Severity.WARNING,
            category=Category.IAM_ROLE_PERMISSIONS,
            account=central.account,
            region="-",
            resource=f"arn:aws:iam::{central.account}:role/aws-service-role/"
            f"backup.amazonaws.com/{SERVICE_LINKED_ROLE}",
            problem=f"account {central.account} has no {SERVICE_LINKED_ROLE} yet: no key policy "
            "can name it, so keys cannot be shared with it before AWS Backup first runs here",
            fix=f"in account {central.account}: aws iam create-service-linked-role "
            "--aws-service-name backup.amazonaws.com",
            docs=SLR_PAGE,
        )


@rule(Category.IAM_ROLE_PERMISSIONS)
def backup_roles_can_back_up(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    """[roles]: each selection's role exists, trusts backup.amazonaws.com, and carries AWS's
    managed backup policy, and S3's when the selection holds buckets [s3]. Without a managed
    policy, a role whose own policies may grant the same is warned about, not failed."""
    roles = {role.arn: role for role in member.coverage.roles or []}
    selections = member.coverage.selections or []
    holds_s3 = {
        s.role_arn for r, holding in selected(member) for s in holding if r.resource_type == "S3"
    }
    for arn in sorted({s.role_arn for s in selections}):
        role = roles.get(arn)
        if role is not None:
            yield from role_findings(member, role, needs_s3=arn in holds_s3)


def role_findings(member: MemberFacts, role: RoleFacts, *, needs_s3: bool) -> Iterable[Finding]:
    plans = f"the backup plans' selections of account {member.account} name it"
    if not role.exists:
        yield _finding(
            member,
            role.arn,
            f"the backup role {role.arn} does not exist, but {plans}: every backup and copy "
            "they start fails",
            "create it (trusting backup.amazonaws.com, with the managed policy "
            f"{_POLICY_ARNS[FOR_BACKUP]}), or deploy the member stack with CreateBackupPlan=true "
            "and BackupRoleName empty (it creates one)",
        )
        return
    if not role.trusts_backup:
        yield _finding(
            member,
            role.arn,
            f"the backup role {role.arn} does not trust backup.amazonaws.com: AWS Backup cannot "
            "work as it, and every backup and copy of its selections fails",
            "add to its trust policy a statement allowing the principal "
            '{"Service": "backup.amazonaws.com"} sts:AssumeRole',
        )
    needed = [FOR_BACKUP] + ([FOR_S3] if needs_s3 else [])
    missing = [name for name in needed if name not in role.managed_policies]
    if missing:
        own = role.other_policies > 0
        yield _finding(
            member,
            role.arn,
            f"the backup role {role.arn} does not carry {', '.join(missing)}"
            + (" (S3 buckets are selected with it)" if FOR_S3 in missing else "")
            + (
                ": unless its own policies grant the same, its backups fail"
                if own
                else ", nor any policy of its own: its backups fail"
            ),
            f"in account {member.account}: "
            + "; ".join(
                f"aws iam attach-role-policy --role-name {role.arn.rsplit('/', 1)[-1]} "
                f"--policy-arn {_POLICY_ARNS[name]}"
                for name in missing
            ),
            severity=Severity.WARNING if own else Severity.ERROR,
            docs=S3_PAGE if FOR_S3 in missing else ROLES_PAGE,
        )


@rule(Category.IAM_ROLE_PERMISSIONS)
def central_backup_role_can_copy(central: CentralFacts) -> Iterable[Finding]:
    """[roles]: the role the chain passes to StartCopyJob (BackupRoleName, or the stack's
    BackupRole) carries AWSBackupServiceRolePolicyForBackup, whose statements include what the
    copies of the chained snapshot types need (rds:CopyDBSnapshot, rds:CopyDBClusterSnapshot and
    their describes, with the KMS grants): https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSBackupServiceRolePolicyForBackup.html
    The template's BackupRole carries it (and the restore and S3 policies, which copies do not
    need). Its existence and trust are backup_role_ready's (central.py). Without the managed
    policy, a role with policies of its own is warned about, not failed."""
    policies = central.backup_role_policies
    if not central.backup_role_exists or not central.backup_role_trusts_backup:
        return
    if policies is None or FOR_BACKUP in policies:
        return
    own = central.backup_role_other_policies > 0
    name = central.backup_role_arn.rsplit("/", 1)[-1]
    yield Finding(
        severity=Severity.WARNING if own else Severity.ERROR,
        category=Category.IAM_ROLE_PERMISSIONS,
        account=central.account,
        region="-",
        resource=central.backup_role_arn,
        problem="the role the chain passes to AWS Backup for its copies does not carry "
        + FOR_BACKUP
        + (
            ": unless its own policies grant the same, every hop's copy fails"
            if own
            else ", nor any policy of its own: every hop's copy fails"
        ),
        fix=f"in account {central.account}: aws iam attach-role-policy --role-name {name} "
        f"--policy-arn {_POLICY_ARNS[FOR_BACKUP]}; or leave the central stack's BackupRoleName "
        "empty (the stack then creates its own role, which carries it)",
        docs=ROLES_PAGE,
    )


#: The role rules, in the order their findings are listed: a member's, the central account's.
ROLE_RULES = (service_linked_role_exists, backup_roles_can_back_up)
CENTRAL_ROLE_RULES = (central_service_linked_role_exists, central_backup_role_can_copy)
