"""Rules over every resource a member's backup plans select, of every type the doctor reads
(resource_facts.READ_TYPES), not only the chained databases: what each type needs before AWS
Backup can back it up, or copy it to the central account.

Findings are grouped: one per cause per member account and region, naming every resource it
touches (`Finding.resources`), so 500 buckets without versioning are one finding, not 500. The
finding's `resource` names the cause, not a count, so the alert a finding raises keeps its id
as resources come and go.

AWS's pages, as each rule cites them:
- [s3] Amazon S3 backups, prerequisites ("You must enable S3 Versioning on your S3 bucket to use
  AWS Backup for Amazon S3"; "Add the AWSBackupServiceRolePolicyForS3Backup and
  AWSBackupServiceRolePolicyForS3Restore to the roles that you intend to use to backup and
  restore S3 buckets"): https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
- [encryption] Encryption for backups in AWS Backup ("Cross-account copy with AWS managed keys
  isn't supported for resources that aren't fully managed by AWS Backup"; backups of those
  types "inherit the encryption settings from their source resource"; "Your IAM role must have
  access to the KMS key being used to back up and restore the object"):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
- [features] Feature availability by resource (which types are copied across accounts):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html
- [assigning] Assigning resources to a backup plan (selections by ARN, by tags, conditions):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.policy import lets_account_use
from backup_relay.doctor.report import Finding
from backup_relay.doctor.resource_facts import (
    READ_TYPES,
    VOLUME_GATEWAYS,
    SelectedResource,
    Selection,
)
from backup_relay.doctor.rules import rule
from backup_relay.domain import resource_types
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
S3_PAGE = f"{_GUIDE}/s3-backups.html"
ENCRYPTION_PAGE = f"{_GUIDE}/encryption.html"
FEATURES_PAGE = f"{_GUIDE}/backup-feature-availability.html"
ASSIGNING_PAGE = f"{_GUIDE}/assigning-resources.html"

#: The tagging convention's key (members.BACKUP_TAG's value: one convention).
BACKUP_TAG = "backup"
#: How many resources a finding's problem names before "and N more" (all are in `resources`).
NAMED = 5

#: The types whose keys the member's backup role uses during the backup [encryption].
RESOURCE_KEY_TYPES = frozenset({"EFS", "DynamoDB", "FSx"})


# ---- which resources a selection holds -------------------------------------------------------


def _tag_condition(kind: str, value: str, actual: str | None) -> bool:
    if kind == "StringEquals":
        return actual == value
    if kind == "StringNotEquals":
        return actual != value
    if kind == "StringLike":
        return actual is not None and fnmatchcase(actual, value)
    if kind == "StringNotLike":
        return actual is None or not fnmatchcase(actual, value)
    return False


def backs_up(resource: SelectedResource) -> bool:
    """Is it a resource AWS Backup backs up? Not a Storage Gateway gateway other than a volume
    gateway (the doctor reads them only to tell a selection that points at one)."""
    return resource.resource_type != "Storage Gateway" or resource.gateway_type in VOLUME_GATEWAYS


def selects(selection: Selection, resource: SelectedResource) -> bool:
    """Does the selection hold the resource [assigning]? Resources by ARN pattern (narrowed by
    every Condition) or any ListOfTags pair, less NotResources. INFERRED: how AWS combines
    Resources, ListOfTags and Conditions when a selection has all three (the guide describes
    each alone); this is the reading that never leaves out what AWS would back up."""
    if any(fnmatchcase(resource.arn, pattern) for pattern in selection.not_resources):
        return False
    by_arn = any(fnmatchcase(resource.arn, pattern) for pattern in selection.resources) and all(
        _tag_condition(kind, value, resource.tags.get(key))
        for kind, key, value in selection.conditions
    )
    by_tag = any(resource.tags.get(key) == value for key, value in selection.tags)
    return by_arn or by_tag


def selected(member: MemberFacts) -> list[tuple[SelectedResource, list[Selection]]]:
    """The member's resources its selections hold, each with the selections that hold it (a
    Storage Gateway gateway AWS Backup does not back up is held by none: storage_types.py)."""
    selections = member.coverage.selections or []
    found = []
    for resource in filter(backs_up, member.coverage.resources or []):
        holding = [s for s in selections if selects(s, resource)]
        if holding:
            found.append((resource, holding))
    return found


def copied_out(member: MemberFacts, holding: Sequence[Selection]) -> list[str]:
    """The other accounts a resource's plans copy it to."""
    return sorted({a for s in holding for a in s.copies_to_accounts if a != member.account})


def grouped(  # noqa: PLR0917  (a grouped finding's fields, in their order)
    member: MemberFacts,
    category: Category,
    cause: str,
    arns: Sequence[str],
    problem: str,
    fix: str,
    severity: Severity = Severity.ERROR,
    docs: str | None = None,
) -> Finding:
    """One finding for a cause, naming its first resources and holding them all."""
    more = f" and {len(arns) - NAMED} more" if len(arns) > NAMED else ""
    named = ", ".join(arns[:NAMED]) + more
    return Finding(
        severity=severity,
        category=category,
        account=member.account,
        region=member.region,
        resource=cause,
        problem=f"{len(arns)} {problem}: {named}",
        fix=fix,
        docs=docs,
        resources=sorted(arns),
    )


# ---- the rules ----------------------------------------------------------------------------------


@rule(Category.RESOURCE_PREREQUISITE)
def selected_buckets_are_versioned(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    """[s3]: AWS Backup backs up no bucket without S3 Versioning."""
    buckets = [
        r.arn
        for r, _ in selected(member)
        if r.resource_type == "S3" and r.versioning is not None and r.versioning != "Enabled"
    ]
    if buckets:
        yield grouped(
            member,
            Category.RESOURCE_PREREQUISITE,
            f"S3 buckets without versioning selected in {member.region}",
            buckets,
            "S3 bucket(s) that backup plans select have no S3 Versioning: AWS Backup cannot back "
            "them up, so they are never copied",
            f"in account {member.account}, for each: aws s3api put-bucket-versioning --bucket "
            "<name> --versioning-configuration Status=Enabled (and add a lifecycle rule that "
            "expires noncurrent versions, or storage grows)",
            docs=S3_PAGE,
        )


@rule(Category.AWS_MANAGED_KEY)
def selected_volumes_can_cross_accounts(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """[encryption]: an EBS volume on an AWS managed key (aws/ebs) is backed up, but its
    recovery points cannot be copied to another account; nor an EC2 instance's if ANY of its
    volumes is on one (its AMI's snapshots keep each volume's key), whatever its other volumes'."""
    volumes = {r.arn: r for r in member.coverage.resources or [] if r.resource_type == "EBS"}
    arns: list[str] = []
    instances: dict[str, list[str]] = {}
    for resource, holding in selected(member):
        if not copied_out(member, holding):
            continue
        if resource.resource_type == "EBS" and resource.key_aws_managed:
            arns.append(resource.arn)
        managed = [v for v in resource.attached if v in volumes and volumes[v].key_aws_managed]
        if resource.resource_type == "EC2" and managed:
            arns.append(resource.arn)
            instances[resource.arn] = managed
    if arns:
        which = "; ".join(
            f"{_id(instance)}: {', '.join(_id(v) for v in managed)}"
            for instance, managed in sorted(instances.items())
        )
        yield grouped(
            member,
            Category.AWS_MANAGED_KEY,
            f"EBS and EC2 resources on AWS managed keys copied from {member.region}",
            arns,
            "EBS volume(s) or EC2 instance(s) that plans copy to another account are (or have a "
            "volume) encrypted with an AWS managed key (aws/ebs), whose policy cannot share it: "
            "every copy fails" + (f" (the instances' volumes on it: {which})" if which else ""),
            "re-encrypt each volume on aws/ebs with a customer managed key shared with account "
            f"{central.account} (copy its snapshot with --kms-key-id, create the volume from "
            "it, and swap it in), and make that key the account's EBS default (aws ec2 "
            "modify-ebs-default-kms-key-id)",
            docs=ENCRYPTION_PAGE,
        )


def _id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@rule(Category.RESOURCE_PREREQUISITE)
def selected_volumes_are_encrypted(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    """[encryption]: backups of EBS and EC2 inherit their source's encryption: an unencrypted
    volume's copies in the central vault are unencrypted too."""
    arns = [
        r.arn
        for r, holding in selected(member)
        if r.resource_type in {"EBS", "EC2"} and not r.encrypted and copied_out(member, holding)
    ]
    if arns:
        yield grouped(
            member,
            Category.RESOURCE_PREREQUISITE,
            f"unencrypted EBS and EC2 resources copied from {member.region}",
            arns,
            "unencrypted EBS volume(s) or EC2 instance(s) are copied to the central account: "
            "their copies there are unencrypted as well (EBS backups keep their source's "
            "encryption)",
            "encrypt each with a customer managed key shared with account "
            f"{central.account} (copy its snapshot with --encrypted --kms-key-id, create the "
            "volume from it), and turn on EBS encryption by default "
            "(aws ec2 enable-ebs-encryption-by-default)",
            severity=Severity.WARNING,
            docs=ENCRYPTION_PAGE,
        )


@rule(Category.RESOURCE_PREREQUISITE)
def resource_keys_let_the_backup_role_in(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """[encryption]: EFS, DynamoDB and FSx are backed up with their resource's key: a customer
    managed key whose policy lets no principal of the member (its root, which delegates to IAM,
    or the backup role) decrypt fails the backup."""
    arns = [
        r.arn
        for r, _ in selected(member)
        if r.resource_type in RESOURCE_KEY_TYPES
        and r.key_arn
        and not r.key_aws_managed
        and r.key_policy is not None
        and not lets_account_use(r.key_policy, member.account)
    ]
    if arns:
        yield grouped(
            member,
            Category.RESOURCE_PREREQUISITE,
            "EFS, DynamoDB and FSx resources on keys the backup role may not use in "
            f"{member.region}",
            arns,
            "EFS or FSx file system(s) or DynamoDB table(s) that plans select are on customer "
            f"managed keys whose policies let no principal of account {member.account} use "
            "them: AWS Backup, working as the plan's backup role, cannot back them up",
            "add to each key's policy a statement allowing the plan's backup role (or "
            f"arn:aws:iam::{member.account}:root, to let IAM decide) kms:Decrypt, "
            "kms:DescribeKey, kms:GenerateDataKey* and kms:CreateGrant",
            docs=ENCRYPTION_PAGE,
        )


@rule(Category.UNSUPPORTED_COPY_ROUTE)
def selected_types_can_be_copied(member: MemberFacts, central: CentralFacts) -> Iterable[Finding]:
    """[features]: a type AWS Backup does not copy across accounts (Redshift, CloudFormation)
    selected by a plan that copies to another account: that copy fails every night. DynamoDB
    has its own rule (advanced features)."""
    by_type: dict[str, list[str]] = {}
    for resource, holding in selected(member):
        known = resource_types.REGISTRY.get(resource.resource_type)
        if resource.resource_type == "DynamoDB" or known is None or known.copies.cross_account:
            continue
        if copied_out(member, holding):
            by_type.setdefault(resource.resource_type, []).append(resource.arn)
    for resource_type, arns in sorted(by_type.items()):
        yield grouped(
            member,
            Category.UNSUPPORTED_COPY_ROUTE,
            f"{resource_type} resources selected by plans copying across accounts",
            arns,
            f"{resource_type} resource(s) are selected by a plan that copies to another account, "
            f"but AWS Backup copies no {resource_type} recovery point across accounts: the copy "
            "fails every night",
            f"tag them backup=custom or disabled and keep their copies by {resource_type}'s own "
            "means, or select them in a plan without a cross-account copy",
            docs=FEATURES_PAGE,
        )


@rule(Category.TAGGING)
def every_type_follows_the_tagging_convention(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """The convention (backup=enabled, disabled or custom) over the resources of every type the
    doctor reads; databases have their own rule (members.databases_follow_the_tagging_...)."""
    resources = [r for r in member.coverage.resources or [] if backs_up(r)]
    untagged = [r.arn for r in resources if BACKUP_TAG not in r.tags]
    custom = [r.arn for r in resources if r.tags.get(BACKUP_TAG) == "custom"]
    if untagged:
        yield grouped(
            member,
            Category.TAGGING,
            f"resources without a backup tag in {member.region}",
            untagged,
            f"resource(s) ({', '.join(READ_TYPES)}) are not tagged backup=enabled, disabled or "
            "custom: a plan selecting backup=enabled leaves them out",
            "tag each backup=enabled (backed up and copied) or backup=disabled (no backup wanted)",
            severity=Severity.WARNING,
            docs=ASSIGNING_PAGE,
        )
    if custom:
        yield grouped(
            member,
            Category.TAGGING,
            f"resources tagged backup=custom in {member.region}",
            custom,
            "resource(s) are tagged backup=custom: their team keeps its own backups, with no "
            "copy outside the account that the relay knows of",
            "confirm each team keeps a copy outside the account, or tag backup=enabled",
            severity=Severity.WARNING,
            docs=ASSIGNING_PAGE,
        )


def coverage_checked(member: MemberFacts) -> tuple[list[str], list[str]]:
    """What the report lists as checked for the member, and what it could not read."""
    coverage = member.coverage
    checked: list[str] = []
    skipped: list[str] = []
    parts = {
        "backup plans' selections": coverage.selections,
        f"resources of {', '.join(READ_TYPES)} (other types a plan selects, such as VMware, "
        "SAP HANA, Timestream, EKS and Aurora DSQL, are not read)": coverage.resources,
        "AWSServiceRoleForBackup": coverage.service_linked_role,
        "the backup roles of the plans' selections": coverage.roles,
        "the vaults the plans back up into (bring-back's destinations)": coverage.vaults,
    }
    for what, value in parts.items():
        if value is None:
            skipped.append(
                f"{what} of member {member.account} {member.region}: not readable by its "
                "DoctorRole (update the member stack: its DoctorRole reads them)"
            )
        else:
            checked.append(what)
    return checked, skipped


#: The rules over the member's selected resources, in the order their findings are listed.
RESOURCE_RULES = (
    selected_buckets_are_versioned,
    selected_volumes_can_cross_accounts,
    selected_volumes_are_encrypted,
    resource_keys_let_the_backup_role_in,
    selected_types_can_be_copied,
    every_type_follows_the_tagging_convention,
)
