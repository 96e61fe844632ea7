"""Rules over the FSx file systems and Storage Gateway gateways a member's plans select: what
AWS Backup needs of each before it can back it up, or copy it to the central account. Grouped
as resources.py's: one finding per cause per member account and region, naming every resource.
(EFS, DynamoDB and FSx keys the backup role must be able to use: resources.py.)

AWS's pages, as each rule cites them:
- [encryption] Encryption for backups in AWS Backup ("Cross-account copy with AWS managed keys
  isn't supported for resources that aren't fully managed by AWS Backup"; FSx is not, per
  [features]'s "Full management" column):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
- [fsx-key] Amazon FSx API, CreateFileSystem's KmsKeyId ("If a KmsKeyId isn't specified, the
  Amazon FSx-managed KMS key for your account is used"; Lustre's SCRATCH types are "encrypted
  using the Amazon FSx service KMS key for your account"):
  https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateFileSystem.html
- [fsx-backup] Amazon FSx API, CreateBackup ("For Amazon FSx for Lustre file systems, you can
  create a backup only for file systems that have the following configuration: A Persistent
  deployment type ..."): https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateBackup.html
- [features] Feature availability by AWS Region ("Cross-Region and Cross-account copy of FSx
  for ONTAP is not supported in Asia Pacific (New Zealand), China (Beijing), and China
  (Ningxia)"): https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html
- [supported] Supported AWS resources ("AWS Storage Gateway (Volume Gateway) | AWS Storage
  Gateway volumes"): https://docs.aws.amazon.com/aws-backup/latest/devguide/whatisbackup.html
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from backup_relay.doctor.facts import CentralFacts, MemberFacts
from backup_relay.doctor.report import Finding
from backup_relay.doctor.resource_facts import VOLUME_GATEWAYS, SelectedResource, Selection
from backup_relay.doctor.resources import ENCRYPTION_PAGE, FEATURES_PAGE, copied_out, grouped
from backup_relay.doctor.resources import selected as selected_resources
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category

FSX_KEY_PAGE = "https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateFileSystem.html"
FSX_BACKUP_PAGE = "https://docs.aws.amazon.com/fsx/latest/APIReference/API_CreateBackup.html"
SUPPORTED_PAGE = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/whatisbackup.html#supported-resources"
)

#: [features]: the regions where AWS Backup copies no FSx for ONTAP backup to another account
#: (Asia Pacific (New Zealand), China (Beijing), China (Ningxia)).
ONTAP_NOT_COPIED_IN = frozenset({"ap-southeast-6", "cn-north-1", "cn-northwest-1"})


def _fsx(member: MemberFacts) -> list[tuple[SelectedResource, list[Selection]]]:
    return [(r, holding) for r, holding in selected_resources(member) if r.resource_type == "FSx"]


def _scratch(resource: SelectedResource) -> bool:
    """An FSx for Lustre file system of a scratch deployment type (never backed up, so never
    copied: its key does not matter)."""
    return resource.fsx_type == "LUSTRE" and (resource.fsx_deployment or "").startswith("SCRATCH")


@rule(Category.AWS_MANAGED_KEY)
def selected_file_systems_can_cross_accounts(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """[encryption], [fsx-key]: an FSx file system on the AWS managed key (aws/fsx: FSx's own,
    the default when none is given) is backed up with it, and that key cannot be shared: its
    copies to another account fail."""
    arns = [
        r.arn
        for r, holding in _fsx(member)
        if r.key_aws_managed and not _scratch(r) and copied_out(member, holding)
    ]
    if arns:
        yield grouped(
            member,
            Category.AWS_MANAGED_KEY,
            f"FSx file systems on AWS managed keys copied from {member.region}",
            arns,
            "FSx file system(s) that plans copy to another account are encrypted with the AWS "
            "managed key aws/fsx (FSx's default), whose policy cannot share it: every copy fails",
            "a file system's key cannot be changed: restore a backup of each into a new file "
            "system on a customer managed key shared with account "
            f"{central.account} (aws fsx create-file-system-from-backup --kms-key-id), and "
            "select that one",
            docs=ENCRYPTION_PAGE,
        )


@rule(Category.RESOURCE_PREREQUISITE)
def selected_file_systems_can_be_backed_up(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """[fsx-backup]: FSx backs up no FSx for Lustre file system of a scratch deployment type."""
    arns = [r.arn for r, _ in _fsx(member) if _scratch(r)]
    if arns:
        yield grouped(
            member,
            Category.RESOURCE_PREREQUISITE,
            f"FSx for Lustre scratch file systems selected in {member.region}",
            arns,
            "FSx for Lustre file system(s) that plans select are of a scratch deployment type, "
            "which FSx backs up only if persistent: AWS Backup cannot back them up",
            "tag each backup=disabled (scratch data is meant to be rebuilt), or move its data to "
            "a PERSISTENT_2 file system (a scratch one cannot be converted) and select that",
            docs=FSX_BACKUP_PAGE,
        )


@rule(Category.UNSUPPORTED_COPY_ROUTE)
def selected_ontap_file_systems_can_cross_accounts(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """[features]: in a few regions AWS Backup copies no FSx for ONTAP backup across accounts."""
    if member.region not in ONTAP_NOT_COPIED_IN:
        return
    arns = [
        r.arn
        for r, holding in _fsx(member)
        if r.fsx_type == "ONTAP" and copied_out(member, holding)
    ]
    if arns:
        yield grouped(
            member,
            Category.UNSUPPORTED_COPY_ROUTE,
            f"FSx for ONTAP file systems selected by plans copying across accounts in "
            f"{member.region}",
            arns,
            f"FSx for ONTAP file system(s) are selected by a plan that copies to another account, "
            f"but AWS Backup copies no FSx for ONTAP backup across accounts in {member.region}: "
            "the copy fails every night",
            "select them in a plan without a cross-account copy (and keep their copies by "
            "ONTAP's own means, such as SnapMirror), or tag them backup=disabled",
            docs=FEATURES_PAGE,
        )


def _points_at(selection: Selection, gateway: SelectedResource) -> bool:
    """Does the selection name the gateway, or what would be its volumes (a Resources pattern
    such as arn:aws:storagegateway:<region>:<account>:gateway/sgw-*/*), or select it by a tag?
    INFERRED: that AWS Backup then backs up nothing of it, without a failed job."""
    if any(fnmatchcase(gateway.arn, pattern) for pattern in selection.not_resources):
        return False
    named = any(
        fnmatchcase(gateway.arn, pattern) or fnmatchcase(f"{gateway.arn}/volume/", pattern)
        for pattern in selection.resources
    )
    return named or any(gateway.tags.get(key) == value for key, value in selection.tags)


@rule(Category.RESOURCE_PREREQUISITE)
def selected_gateways_are_volume_gateways(
    member: MemberFacts, central: CentralFacts
) -> Iterable[Finding]:
    """[supported]: AWS Backup backs up Storage Gateway's volumes (cached and stored volume
    gateways); a selection pointing at a file or tape gateway backs up nothing of it."""
    selections = member.coverage.selections or []
    arns = [
        r.arn
        for r in member.coverage.resources or []
        if r.resource_type == "Storage Gateway"
        and r.gateway_type not in VOLUME_GATEWAYS
        and any(_points_at(s, r) for s in selections)
    ]
    if arns:
        yield grouped(
            member,
            Category.RESOURCE_PREREQUISITE,
            f"Storage Gateway gateways AWS Backup cannot back up selected in {member.region}",
            arns,
            "Storage Gateway gateway(s) that plans select (by ARN or tag) are not volume "
            "gateways (file or tape): AWS Backup backs up only volume gateways' volumes, so "
            "nothing of them is backed up",
            "remove them from the selections (untag them, or add them to NotResources), and "
            "protect a file gateway's data through its S3 bucket or FSx file system (select "
            "that), a tape gateway's through its own tape archive",
            docs=SUPPORTED_PAGE,
        )


#: The rules over the member's selected FSx file systems and Storage Gateway gateways.
STORAGE_RULES = (
    selected_file_systems_can_cross_accounts,
    selected_file_systems_can_be_backed_up,
    selected_ontap_file_systems_can_cross_accounts,
    selected_gateways_are_volume_gateways,
)
