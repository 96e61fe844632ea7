"""AWS's documented failure messages: what AWS's public pages (and the practitioners they cite)
quote of a job's status message, each with its source, the cause the source states and the
category it must classify to (issue 24, item 2).

Only messages a source quotes are here, as it quotes them (a line the source wraps is joined with
a space; nothing else is changed): the simulator's INFERRED texts are not (docs/simulator.md).
`aws_pattern` marks the Jobs dashboard's "REGEX#..." entries: AWS's own patterns for a family of
messages, quoted without the "REGEX#" prefix; they are fragments of messages, not whole ones.
A case's kind, state and resource type are what its source gives (the message's own words "Copy
job ..." / "Backup job ..." count); None where it gives none.

NEW_CATEGORIES are the families issue 24 (item 3) added: their other phrasings are tested in
tests/unit/test_catalogue_families.py, not in PARAPHRASES.
"""

from __future__ import annotations

from dataclasses import dataclass

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"

#: the Jobs dashboard's "Reasons for problematic jobs": the messages AWS puts in each
#: MessageCategory (the page lists them under collapsed category headings)
DASHBOARD = f"{_GUIDE}/backup-dashboards.html#problematic-reasons"
TROUBLESHOOTING = f"{_GUIDE}/troubleshooting.html#troubleshooting-create-backup"
VSS = f"{_GUIDE}/windows-backups.html"
LAG_PRIMARY = f"{_GUIDE}/lag-vault-primary-backup.html#lag-primary-backup-troubleshooting"
LAG = f"{_GUIDE}/logicallyairgappedvault.html#lag-troubleshoot"
EVENTBRIDGE = f"{_GUIDE}/eventbridge.html"
CROSS_REGION = f"{_GUIDE}/cross-region-backup.html"
KC_CROSS_ACCOUNT = "https://repost.aws/knowledge-center/backup-troubleshoot-cross-account-copy"
KC_ACCESS_DENIED = "https://repost.aws/knowledge-center/backup-resolve-access-denied-error"
KC_KEY = "https://repost.aws/ja/knowledge-center/backup-cross-account-copy-error"
KC_EC2_RESTORE = "https://repost.aws/knowledge-center/aws-backup-encoded-authorization-failure"
KC_EFS_RESTORE = "https://repost.aws/knowledge-center/backup-insufficient-privileges-efs"
TECRACER = (
    "https://www.tecracer.com/blog/2024/04/automating-cross-account-/-cross-region-backups-with-"
    "aws-backup-in-aws-organizations.html"
)
GH_AUTOMATION = "https://github.com/aws-samples/aws-backup-automation/issues/2"
GH_AURORA_TOOL = "https://github.com/awslabs/aurora-snapshot-tool/issues/26"
GH_ASSESSMENT = (
    "https://github.com/aws-solutions-library-samples/account-assessment-for-aws-organizations/"
    "pull/57"
)
GH_CLOUDQUERY = "https://github.com/cloudquery/cq-provider-aws/issues/817"

#: the families issue 24 added to the catalogue
NEW_CATEGORIES = frozenset(
    {
        "resource_deleted", "key_disabled", "windows_vss", "s3_prerequisite", "count_quota",
        "tag_limit", "not_subscribed", "aws_internal", "vault_lock_retention",
        "maintenance_window", "restore_settings",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    message: str  # as the source quotes it
    category: str  # what it must classify to
    cause: str  # the cause the source states (or, for the dashboard, the family it files it in)
    source: str
    kind: str | None = None  # BACKUP, COPY, RESTORE: as the source gives it
    resource_type: str | None = None
    state: str | None = None
    aws_pattern: bool = False  # one of the dashboard's REGEX# entries, not a whole message

    @property
    def id(self) -> str:
        return f"{self.category}:{self.message[:48]}"


def _dashboard(
    message: str, category: str, cause: str, kind: str | None = None, *, pattern: bool = False
) -> Case:
    return Case(message, category, cause, DASHBOARD, kind, aws_pattern=pattern)


CORPUS: tuple[Case, ...] = (
    # --- the Jobs dashboard (AWS's own list, by MessageCategory) --------------------------------
    # Windows VSS
    _dashboard(
        "Windows VSS Backup attempt failed because either Instance or SSM Agent has invalid "
        "state or insufficient privileges.",
        "windows_vss",
        "the instance or its SSM agent is not ready, or lacks the VSS privileges",
        "BACKUP",
    ),
    _dashboard(
        "Windows VSS Backup attempt failed because of insufficient privileges to perform this "
        "operation",
        "windows_vss",
        "the instance's role lacks the VSS privileges",
        "BACKUP",
    ),
    _dashboard(
        "Windows VSS Backup attempt failed because ec2-vss-agent.exe is not installed in the "
        "Instance",
        "windows_vss",
        "the VSS components are not installed on the instance",
        "BACKUP",
    ),
    _dashboard(
        "Windows VSS Backup Job Error encountered, trying for regular backup",
        "windows_vss",
        "VSS failed; AWS Backup fell back to a crash-consistent backup",
        "BACKUP",
    ),
    _dashboard(
        "Windows VSS Backup attempt failed because of unsupported Windows Server version. "
        "Supported Versions are Windows Server 2012 or later.",
        "windows_vss",
        "the instance's Windows Server version is older than 2012",
        "BACKUP",
    ),
    Case(
        "Windows VSS Backup attempt failed because of timeout on VSS enabled snapshot creation",
        "windows_vss",
        "the VSS-enabled snapshot timed out (the page names it the details of a VSS job)",
        VSS,
        "BACKUP",
        "EC2",
    ),
    # limits: concurrency (retrying later cures it) and counts (it does not)
    _dashboard(
        "Subscriber limit exceeded: You have reached the maximum concurrent number of backups, "
        "which is 300. Wait until other jobs finish, and try again. You can also reach out to "
        "Support to request a quota increase.",
        "throttled",
        "the account's concurrent backup quota (300) was reached",
        "BACKUP",
    ),
    _dashboard(
        "Maximum allowed in-progress snapshots for a single volume exceeded.",
        "throttled",
        "too many snapshots of one volume in progress at once",
    ),
    _dashboard(
        "Image creation throttled due to maximum number of concurrent snapshots on an EBS volume.",
        "throttled",
        "too many concurrent snapshots of one EBS volume",
    ),
    _dashboard("subscriber limit exceeded", "throttled", "concurrency quota", pattern=True),
    _dashboard(
        "Maximum allowed active snapshot limit exceeded.",
        "count_quota",
        "the count of snapshots allowed was reached",
    ),
    _dashboard(
        "Cannot create more than 20 user snapshots",
        "count_quota",
        "a per-resource count of manual snapshots (20) was reached",
    ),
    _dashboard(
        "You have reached the maximum supported backups for your account/database. See Quotas "
        "in the Timestream developer guide for additional information.",
        "count_quota",
        "Timestream's count of backups per account or database",
        "BACKUP",
    ),
    _dashboard(
        "You have reached your quota of 50,000 for the number of public and private images "
        "allowed in this Region. Deregister unused images, or request an increase in your AMI "
        "quota.",
        "count_quota",
        "the Region's AMI quota (50,000)",
    ),
    # tags
    _dashboard(
        "The resultant tag set must not have more than 50 user tags.",
        "tag_limit",
        "copying the resource's tags to the recovery point would pass 50 tags",
    ),
    _dashboard("More than 50 tags specified", "tag_limit", "tag limit", pattern=True),
    _dashboard("can have at most", "tag_limit", "tag limit", pattern=True),
    # access denied
    _dashboard(
        "You are not authorized to perform this operation.",
        "iam_role_permissions",
        "the job's role lacks a permission",
    ),
    _dashboard(
        "Access Denied trying to call AWS Backup service",
        "vault_access_policy",
        "the destination vault's access policy does not allow the source account's copy",
        "COPY",
    ),
    _dashboard(
        "Customer credential miss permission to get bucket versioning for bucket.",
        "iam_role_permissions",
        "the job's role lacks s3:GetBucketVersioning",
        "BACKUP",
    ),
    _dashboard(
        "Images from AWS Marketplace cannot be copied to another AWS account.",
        "unsupported_copy_route",
        "an AMI from AWS Marketplace cannot be copied across accounts",
        "COPY",
    ),
    _dashboard(
        "Copy job failed because the destination Backup vault is encrypted with the default "
        "Backup service managed key. The contents of this vault cannot be copied. Only the "
        "contents of a Backup vault encrypted by an AWS KMS key may be copied.",
        "default_vault_key",
        "the destination vault uses the aws/backup key",
        "COPY",
    ),
    _dashboard(
        "UnsupportedOperation : Storage Gateway backup copies require a user-created backup "
        "vault and key at destination.",
        "default_vault_key",
        "a Storage Gateway copy needs a destination vault and key the user created (not the "
        "default vault on the AWS Backup key)",
        "COPY",
    ),
    _dashboard(
        "Snapshots encrypted with the AWS managed key can't be shared. Specify another snapshot.",
        "aws_managed_key",
        "the snapshot's key is AWS managed, so it cannot be shared with the destination",
        "COPY",
    ),
    _dashboard(
        "Encrypted snapshots with Amazon EBS default key cannot be shared",
        "aws_managed_key",
        "the snapshot is encrypted with aws/ebs, which cannot be shared",
        "COPY",
    ),
    _dashboard(
        "Copy job failed. Both source and destination account must be a member of the same "
        "organization.",
        "not_same_organization",
        "the accounts are not in one organization",
        "COPY",
    ),
    _dashboard("access denied", "iam_role_permissions", "access denied", pattern=True),
    _dashboard("not authorized to", "iam_role_permissions", "access denied", pattern=True),
    _dashboard(
        "cannot be assumed by AWS Backup",
        "iam_role_permissions",
        "the role does not trust AWS Backup",
        pattern=True,
    ),
    _dashboard("does not have permission", "iam_role_permissions", "access denied", pattern=True),
    _dashboard("missing permission", "iam_role_permissions", "access denied", pattern=True),
    # concurrent jobs of one resource
    _dashboard(
        "Backup job failed because there was a running job for the same resource.",
        "resource_busy",
        "another job of the resource was running",
        "BACKUP",
    ),
    _dashboard(
        "There are too many copy jobs running for resource.",
        "resource_busy",
        "other copy jobs of the resource were running",
        "COPY",
    ),
    # feature not enabled, lifecycle, windows
    _dashboard(
        "Copy job failed. Cross-account copy feature is not enabled for the current organization.",
        "cross_account_disabled",
        "cross-account backup is off in the organization",
        "COPY",
    ),
    _dashboard(
        "Backup job expired before completion.",
        "backup_window_expired",
        "the job did not complete within its window",
        "BACKUP",
    ),
    _dashboard(
        "Copy job failed. The retention specified in the job is not within the range specified "
        "for the target Backup Vault.",
        "vault_lock_retention",
        "the copy's retention is outside the destination vault's range",
        "COPY",
    ),
    _dashboard(
        "could not start because it is either inside or too close to the weekly maintenance "
        "window configured",
        "maintenance_window",
        "the database's weekly maintenance window",
        "BACKUP",
        pattern=True,
    ),
    _dashboard(
        "could not start because it is either inside or too close to the automated backup "
        "window configured",
        "maintenance_window",
        "the database's automated backup window",
        "BACKUP",
        pattern=True,
    ),
    # keys
    _dashboard(
        "KMS key is either disabled or pending deletion or access to KMS key is denied",
        "key_disabled",
        "the key is disabled or pending deletion (or denies access)",
    ),
    _dashboard(
        "Given key ID is not accessible",
        "kms_key_not_shared",
        "the source key's policy does not let the destination use it",
        "COPY",
    ),
    _dashboard(
        "AMI snapshot copy failed with error: Given key ID is not accessible. You must have "
        "DescribeKey permissions on the default key",
        "aws_managed_key",
        "the AMI's snapshots use the default (AWS managed) EBS key",
        "COPY",
    ),
    # subscription
    _dashboard(
        "The AWS Access Key Id needs a subscription for the service",
        "not_subscribed",
        "the account is not subscribed to the service",
    ),
    # resources that no longer exist
    _dashboard(
        "The specified volume was not found.", "resource_deleted", "the volume no longer exists"
    ),
    _dashboard("The virtual machine is not found.", "resource_deleted", "the VM no longer exists"),
    _dashboard("Table not found.", "resource_deleted", "the table no longer exists"),
    _dashboard("Given key ID does not exist", "key_disabled", "the key was deleted"),
    _dashboard("does not exist", "resource_deleted", "resource not found", pattern=True),
    _dashboard("Could not find resource", "resource_deleted", "resource not found", pattern=True),
    _dashboard(
        "Cannot find recovery point", "resource_deleted", "resource not found", pattern=True
    ),
    _dashboard("resource not found", "resource_deleted", "resource not found", pattern=True),
    _dashboard("no longer available", "resource_deleted", "resource not found", pattern=True),
    _dashboard(
        "Feature is not supported for provided resource type.",
        "unsupported_copy_route",
        "the copy route is not supported for the type",
        "COPY",
        pattern=True,
    ),
    # internal errors
    _dashboard(
        "We are unable to copy resource tags to your backup because of the Internal Failure.",
        "aws_internal",
        "an internal failure",
    ),
    _dashboard("Token expired. Try again.", "aws_internal", "a transient error: try again"),
    _dashboard("An internal error occurred.", "aws_internal", "an internal error"),
    _dashboard(
        "Copy job encountered a fatal error. Please contact AWS Support for further assistance.",
        "aws_internal",
        "a fatal internal error (contact AWS Support)",
        "COPY",
    ),
    _dashboard(
        "Copy job encountered a fatal error.", "aws_internal", "a fatal internal error", "COPY"
    ),
    _dashboard(
        "Backup job encountered a fatal error",
        "aws_internal",
        "a fatal internal error",
        "BACKUP",
        pattern=True,
    ),
    # --- the developer guide's troubleshooting pages -------------------------------------------
    Case(
        "Backup job expired before completion.",
        "backup_window_expired",
        "an RDS console backup conflicted with the Aurora cluster's job: configure a longer "
        "backup window",
        TROUBLESHOOTING,
        "BACKUP",
        "Aurora",
    ),
    Case(
        "The source snapshot KMS key does not exist, is not enabled or you do not have "
        "permissions to access it.",
        "kms_key_not_shared",
        "the KMS key does not let the job's role use it (remedy: add the IAM role to the key)",
        TROUBLESHOOTING,
        "BACKUP",
        "RDS",
    ),
    Case(
        "Backup job failed because the lifecycle is outside the valid range for backup vault.",
        "vault_lock_retention",
        "the retention is outside the logically air-gapped vault's minimum or maximum",
        LAG_PRIMARY,
        "BACKUP",
    ),
    Case(
        "Copy job failed. The retention specified in the job is not within the range specified "
        "for the target Backup Vault.",
        "vault_lock_retention",
        "the retention is outside the logically air-gapped vault's minimum or maximum",
        LAG_PRIMARY,
        "COPY",
    ),
    Case(
        "Backup job completed successfully to the target backup vault. This resource type is "
        "not supported by logically air-gapped backup vault.",
        "unsupported_copy_route",
        "the resource type cannot go to a logically air-gapped vault (Completed with issues)",
        LAG_PRIMARY,
        "BACKUP",
        state="COMPLETED",
    ),
    Case(
        "Backup job completed successfully to the target backup vault. This resource is "
        "encrypted with an AWS managed key and cannot be copied to a logically air-gapped "
        "backup vault.",
        "aws_managed_key",
        "resources AWS Backup does not fully manage, on an AWS managed key, cannot be copied "
        "to a logically air-gapped vault (Completed with issues)",
        LAG_PRIMARY,
        "BACKUP",
        state="COMPLETED",
    ),
    Case(
        "User: <assumed role> is not authorized to perform: kms:CreateGrant on this resource "
        "because the resource does not exist in this Region, no resource-based policies allow "
        "access, or a resource-based policy explicitly denies access",
        "iam_role_permissions",
        "the role lacks kms:CreateGrant on the vault's customer managed key (CloudTrail)",
        LAG,
    ),
    Case(
        "The snapshot requires a target option group with the following options: APEX.",
        "option_group_missing",
        "the destination Region lacks the snapshot's option group (the page's '....' is the "
        "option list; one is named here)",
        CROSS_REGION,
        "COPY",
        "RDS",
    ),
    # --- AWS's example events (events/) ----------------------------------------------------------
    Case(
        "Backup job failed because backup vault arn:aws:backup:us-east-1:123456789012:backup-"
        "vault:test-vault does not exist.",
        "vault_missing",
        "the job's vault does not exist",
        EVENTBRIDGE,
        "BACKUP",
    ),
    Case(
        "Backup job was stopped by user.",
        "stopped_by_user",
        "someone stopped the job",
        EVENTBRIDGE,
        "BACKUP",
        state="ABORTED",
    ),
    Case(
        "Access denied exception while trying to list tags",
        "iam_role_permissions",
        "the role cannot list the resource's tags",
        EVENTBRIDGE,
        "COPY",
    ),
    # --- knowledge-center articles ---------------------------------------------------------------
    Case(
        "Copy job failed. Both source and destination account must be a member of the same "
        "organization",
        "not_same_organization",
        "the accounts are not in one organization",
        KC_CROSS_ACCOUNT,
        "COPY",
    ),
    Case(
        "Copy job from us-west-2 to us-east-1 cannot be initiated for RDS resources. Feature is "
        "not supported for provided resource type.",
        "unsupported_copy_route",
        "the type does not support cross-account and cross-Region in one copy",
        KC_CROSS_ACCOUNT,
        "COPY",
        "RDS",
    ),
    Case(
        "Access Denied trying to call AWS Backup service",
        "vault_access_policy",
        "the destination vault has no access policy allowing copies from the source account",
        KC_ACCESS_DENIED,
        "COPY",
    ),
    Case(
        "Given key ID is not accessible",
        "kms_key_not_shared",
        "the source key's policy does not allow the destination account",
        KC_KEY,
        "COPY",
        "EBS",
    ),
    Case(
        "The source snapshot KMS key does not exist, is not enabled or you do not have "
        "permissions to access it",
        "kms_key_not_shared",
        "the source key's policy does not allow the destination account",
        KC_KEY,
        "COPY",
        "RDS",
    ),
    Case(
        "You are not authorized to perform this operation",
        "iam_role_permissions",
        "the restore role lacks a permission the EC2 restore needs (the article's title)",
        KC_EC2_RESTORE,
        "RESTORE",
        "EC2",
    ),
    Case(
        "Insufficient privileges to perform this action",
        "iam_role_permissions",
        "the restore role lacks a permission the EFS restore needs (the article's title)",
        KC_EFS_RESTORE,
        "RESTORE",
        "EFS",
    ),
    # --- a practitioner's blog and GitHub threads (aws-backup-facts.md, section 5) --------------
    Case(
        "Copy job failed. Cross-account copy feature is not enabled for the current organization.",
        "cross_account_disabled",
        "cross-account backup is not turned on in the management account",
        TECRACER,
        "COPY",
        "RDS",
    ),
    Case(
        "Copy job failed because the destination Backup vault is encrypted with the default "
        "Backup service managed key. The contents of this vault cannot be copied. Only the "
        "contents of a Backup vault encrypted by an AWS KMS key may be copied.",
        "default_vault_key",
        "the destination vault uses aws/backup and the type is not fully managed",
        TECRACER,
        "COPY",
        "EC2",
    ),
    Case(
        "Copy job from eu-north-1 to eu-central-1 cannot be initiated for Aurora resources. "
        "Feature is not supported for provided resource type.",
        "unsupported_copy_route",
        "Aurora cross-account and cross-Region in one copy (before October 2025)",
        TECRACER,
        "COPY",
        "Aurora",
    ),
    Case(
        "IAM Role arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole does "
        "not have sufficient permissions to execute the backup.",
        "iam_role_permissions",
        "the backup role does not exist yet, or lacks the S3 policies",
        TECRACER,
        "BACKUP",
        "S3",
    ),
    Case(
        "Access Denied trying to call AWS Backup service.",
        "vault_access_policy",
        "the destination vault's access policy is missing",
        TECRACER,
        "COPY",
        "Aurora",
    ),
    Case(
        "The source snapshot KMS key [arn:aws:kms:eu-central-1:111111111111:key/...] does not "
        "exist, is not enabled or you do not have permissions to access it.",
        "kms_key_not_shared",
        "the RDS source key does not let the destination use it",
        TECRACER,
        "COPY",
        "RDS",
    ),
    Case(
        "AMI snapshot copy failed with error: Given key ID is not accessible. You must have "
        "DescribeKey permissions on the default CMK",
        "aws_managed_key",
        "the AMI's snapshots use the default (AWS managed) key",
        GH_AUTOMATION,
        "COPY",
        "EC2",
    ),
    Case(
        "The source snapshot KMS key [arn:aws:kms:(source account arn)] does not exist, is not "
        "enabled or you do not have permissions to access it.",
        "kms_key_not_shared",
        "the Aurora snapshot's key is not usable by the destination account",
        GH_AURORA_TOOL,
        "COPY",
        "Aurora",
    ),
    Case(
        "Access denied: Copy job failed. Both source and destination account must be a member "
        "of the same organization",
        "not_same_organization",
        "the accounts are not in one organization",
        GH_ASSESSMENT,
        "COPY",
    ),
    Case(
        "api error ERROR_9601: Your account is not a member of an organization.",
        "not_same_organization",
        "the account is not in an organization (DescribeGlobalSettings)",
        GH_CLOUDQUERY,
    ),
)


#: For each existing failure category: the same cause as AWS words it in different services, job
#: kinds and years, each with where the wording comes from (category -> (wording, source)). A
#: category with one documented wording lists it alone (the test then wraps it); chain_timed_out,
#: partial and unknown have no AWS wording (the relay's own words, or a state alone).
#: Each is classified as a job of the kind that category's jobs are (PARAPHRASE_KINDS).
PARAPHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "not_same_organization": (
        (
            "Copy job failed. Both source and destination account must be a member of the same "
            "organization.",
            DASHBOARD,
        ),
        (
            "Access denied: Copy job failed. Both source and destination account must be a "
            "member of the same organization",
            GH_ASSESSMENT,
        ),
        ("api error ERROR_9601: Your account is not a member of an organization.", GH_CLOUDQUERY),
    ),
    "cross_account_disabled": (
        ("Cross-account copy feature is not enabled for the current organization.", TECRACER),
    ),
    "unsupported_copy_route": (
        ("cannot be initiated for RDS resources", KC_CROSS_ACCOUNT),
        ("Feature is not supported for provided resource type.", DASHBOARD),
        ("Images from AWS Marketplace cannot be copied to another AWS account.", DASHBOARD),
        ("This resource type is not supported by logically air-gapped backup vault.", LAG_PRIMARY),
    ),
    "option_group_missing": (
        (
            "The snapshot requires a target option group with the following options: APEX.",
            CROSS_REGION,
        ),
    ),
    "default_vault_key": (
        (
            "the destination Backup vault is encrypted with the default Backup service managed key",
            TECRACER,
        ),
        ("Storage Gateway backup copies require a user-created backup vault and key", DASHBOARD),
    ),
    "aws_managed_key": (
        ("You must have DescribeKey permissions on the default CMK", GH_AUTOMATION),  # 2019
        ("You must have DescribeKey permissions on the default key", DASHBOARD),  # today
        ("Snapshots encrypted with the AWS managed key can't be shared.", DASHBOARD),
        ("Encrypted snapshots with Amazon EBS default key cannot be shared", DASHBOARD),
        ("This resource is encrypted with an AWS managed key and cannot be copied", LAG_PRIMARY),
    ),
    "kms_key_not_shared": (
        ("Given key ID is not accessible", KC_KEY),  # EBS, EC2
        (
            "The source snapshot KMS key does not exist, is not enabled or you do not have "
            "permissions to access it",
            KC_KEY,  # RDS, Aurora
        ),
    ),
    "vault_access_policy": (
        ("Access Denied trying to call AWS Backup service", KC_ACCESS_DENIED),
        ("Access Denied trying to call AWS Backup service.", TECRACER),
    ),
    "iam_role_permissions": (
        (
            "IAM Role arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole "
            "does not have sufficient permissions to execute the backup.",
            TECRACER,
        ),
        ("You are not authorized to perform this operation.", DASHBOARD),
        ("Insufficient privileges to perform this action", KC_EFS_RESTORE),
        ("Customer credential miss permission to get bucket versioning for bucket.", DASHBOARD),
        ("Access denied exception while trying to list tags", EVENTBRIDGE),
        ("cannot be assumed by AWS Backup", DASHBOARD),
        ("does not have permission", DASHBOARD),
    ),
    "throttled": (
        (
            "Subscriber limit exceeded: You have reached the maximum concurrent number of backups",
            DASHBOARD,
        ),
        ("Maximum allowed in-progress snapshots for a single volume exceeded.", DASHBOARD),
        ("Image creation throttled due to maximum number of concurrent snapshots", DASHBOARD),
    ),
    "resource_busy": (
        ("Backup job failed because there was a running job for the same resource.", DASHBOARD),
        ("There are too many copy jobs running for resource.", DASHBOARD),
    ),
    "backup_window_expired": (("Backup job expired before completion.", TROUBLESHOOTING),),
    "vault_missing": (
        (
            "Backup job failed because backup vault arn:aws:backup:us-east-1:123456789012:"
            "backup-vault:v does not exist.",
            EVENTBRIDGE,
        ),
    ),
    "stopped_by_user": (("Backup job was stopped by user.", EVENTBRIDGE),),
}


#: the kind of job a category's failures come from (the others: BACKUP)
PARAPHRASE_KINDS: dict[str, str] = dict.fromkeys(
    (
        "not_same_organization", "cross_account_disabled", "unsupported_copy_route",
        "option_group_missing", "default_vault_key", "aws_managed_key", "kms_key_not_shared",
        "vault_access_policy",
    ),
    "COPY",
)  # fmt: skip
