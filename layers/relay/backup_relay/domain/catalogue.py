"""The failure catalogue: one entry per way of failing, checked in order (see diagnosis.py)."""

from __future__ import annotations

from backup_relay.domain.catalogue_families import FIRST, LAST
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import GUIDE, Entry

CATALOGUE: tuple[Entry, ...] = (
    *FIRST,  # catalogue_families.py: what looser patterns below would take for something else
    Entry(  # ChainEnded's words for a chain execution someone stopped
        Category.STOPPED_BY_USER,
        (r"execution aborted",),
        "Someone stopped the copy chain's execution",
        "Step Functions' StopExecution ended the chain (CloudTrail in account {account} says "
        "who). Nothing to fix if it was meant; otherwise replay the chain.",
        True,
        "https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html",
    ),
    Entry(  # ChainEnded's words for a chain execution past its TimeoutSeconds
        Category.CHAIN_TIMED_OUT,
        (r"execution timed_out",),
        "The copy chain ran past its execution timeout (7 days)",
        "A hop waited longer than the chain's timeout: look at its copy job (still CREATED "
        "means AWS Backup queued it; RUNNING, a very large copy). Once it has ended, replay "
        "the chain; if copies that long are normal, raise the state machine's TimeoutSeconds.",
        True,
        f"{GUIDE}/recov-point-create-a-copy.html",
    ),
    Entry(
        Category.NOT_SAME_ORGANIZATION,
        (r"must be a member of the same organi[sz]ation", r"not a member of an organi[sz]ation"),
        "The source and destination accounts are not in the same AWS Organization",
        "Cross-account copies work only between accounts of one organization: bring account "
        "{source_account} and account {destination_account} into the same organization (AWS "
        "Organizations, from its management account), or copy into a vault of an account of "
        "the source's organization.",
        True,
        f"{GUIDE}/create-cross-account-backup.html",
    ),
    Entry(
        Category.CROSS_ACCOUNT_DISABLED,
        # AWS's job message (tecRacer's blog, cited in sandbox/.../backup_sim/failures.py):
        # "Copy job failed. Cross-account copy feature is not enabled for the current
        # organization." (also the Jobs dashboard's list); the setting is "cross-account backup"
        (r"cross-?account (copy|backup)( feature)? (is )?(not enabled|disabled|turned off)",),
        "Cross-account backup is turned off for the organization",
        "Turn on cross-account backup in the organization's MANAGEMENT account (member accounts "
        "cannot): AWS Backup console > Settings > Cross-account management > Cross-account "
        "backup, or `aws backup update-global-settings --global-settings "
        "isCrossAccountBackupEnabled=true` with the management account's credentials.",
        True,
        f"{GUIDE}/create-cross-account-backup.html",
    ),
    Entry(
        Category.UNSUPPORTED_COPY_ROUTE,
        (r"multi-az db cluster snapshot is not supported",),
        "RDS Multi-AZ DB clusters cannot be copied",
        "AWS Backup supports no copy of a Multi-AZ DB cluster's snapshots (AWS Backup's feature "
        "availability): keep their DR by other means (for example a cross-region read replica), "
        "or exclude them from the copy rule of the backup plan. Replaying will fail again.",
        False,
        f"{GUIDE}/backup-feature-availability.html",
    ),
    Entry(
        Category.UNSUPPORTED_COPY_ROUTE,
        (r"cannot be initiated for .* resources", r"feature is not supported for provided"),
        "This copy route is not supported for the resource type in one step",
        "AWS Backup will not copy {resource_type} from {region} to {destination_region} across "
        "accounts in one job: copy it in two hops, across accounts in the same region first, "
        "then across regions (backup-relay's copy chain does this; remove {resource_type} from "
        "the stack's SingleActionResourceTypes). The same single-step copy fails again.",
        False,
        f"{GUIDE}/backup-feature-availability.html",
    ),
    Entry(  # the Jobs dashboard's "Images from AWS Marketplace cannot be copied to another AWS
        # account."; lag-vault-primary-backup.html's "This resource type is not supported by
        # logically air-gapped backup vault." (a backup Completed with issues)
        Category.UNSUPPORTED_COPY_ROUTE,
        (
            r"cannot be copied to another (aws )?account",
            r"not supported by (a |the )?logically air-gapped",
        ),
        "AWS Backup cannot copy this resource where the copy goes",
        "AWS Backup will not copy this {resource_type} there: images from AWS Marketplace "
        "cannot be copied to another account, and a logically air-gapped vault takes only the "
        "resource types AWS Backup lists for it (its feature availability). Exclude the "
        "resource from that copy rule or target, or protect it by other means; the same copy "
        "fails again.",
        False,
        f"{GUIDE}/backup-feature-availability.html",
    ),
    Entry(
        Category.OPTION_GROUP_MISSING,
        (r"requires a target option group",),
        "The destination region lacks the RDS option group the snapshot needs",
        "In account {destination_account}, region {destination_region}, create an option group "
        "for the snapshot's engine and major version with the options {options} (RDS console > "
        "Option groups, or `aws rds create-option-group` then `add-option-to-option-group`); "
        "AWS Backup copies an RDS snapshot across regions only into a region that has them.",
        True,
        f"{GUIDE}/cross-region-backup.html",
    ),
    Entry(
        Category.DEFAULT_VAULT_KEY,
        # AWS's job message (same source): "Copy job failed because the destination Backup vault
        # is encrypted with the default Backup service managed key. The contents of this vault
        # cannot be copied. ..."
        # The Jobs dashboard files Storage Gateway's "UnsupportedOperation : Storage Gateway
        # backup copies require a user-created backup vault and key at destination." with it.
        (
            r"encrypted with the default backup service managed key",
            r"(destination|backup) vault is encrypted with the (aws backup )?default",
            r"requires? a user-created backup vault and key",
        ),
        "The destination vault is encrypted with the AWS managed key aws/backup",
        "A vault encrypted with aws/backup cannot receive cross-account copies of types that "
        "AWS Backup does not fully manage ({resource_type}), and a vault's key cannot change: "
        "create the destination vault again with a customer managed KMS key (in account "
        "{destination_account}) whose key policy lets the source accounts' "
        "AWSServiceRoleForBackup use it, and copy into that vault.",
        True,
        f"{GUIDE}/encryption.html",
    ),
    Entry(
        Category.AWS_MANAGED_KEY,
        # "the default CMK" (2019) is "the default key" in AWS's words today (the Jobs dashboard),
        # as in "Encrypted snapshots with Amazon EBS default key cannot be shared"
        (
            r"default cmk",
            r"alias/aws/",
            r"aws[ -]managed (kms )?key",
            r"\bdefault (kms |ebs |rds )?key\b",
        ),
        "The recovery point is encrypted with an AWS managed key, which cannot be shared",
        "An AWS managed key's policy (aws/rds, aws/ebs) cannot be changed, so account "
        "{destination_account} can never use it: cross-account copy with AWS managed keys is "
        "not supported for resources AWS Backup does not fully manage. Encrypt the source with a "
        "customer managed key (RDS and Aurora: copy a snapshot with a customer managed key and "
        "restore from it; EBS: set the volume's key to one), share that key with {service_role} "
        "({key_statements}), and back up again.",
        True,
        f"{GUIDE}/encryption.html",
    ),
    Entry(
        Category.KMS_KEY_NOT_SHARED,
        (
            r"source snapshot kms key .*does not exist, is not enabled or you do not have "
            r"permissions",
            r"given key id is not accessible",
            r"kms key .* is not accessible",
        ),
        "The source KMS key does not let the destination account use it",
        "Add a statement to the key policy of {key} (in account {source_account}) allowing the "
        "principal {service_role} {key_statements}. RDS's 'source snapshot KMS key ... does not "
        "exist, is not enabled or you do not have permissions' and EBS's 'Given key ID is not "
        "accessible' both mean this statement is missing (or the key is disabled or pending "
        "deletion). If the key is AWS managed (aws/rds, aws/ebs), its policy cannot change: "
        "re-encrypt with a customer managed key (aws_managed_key).",
        True,
        "https://repost.aws/knowledge-center/backup-cross-account-copy-error",
    ),
    Entry(
        Category.VAULT_ACCESS_POLICY,
        (r"access denied trying to call aws backup service", r"copyintobackupvault"),
        "The destination vault's access policy does not allow the copy",
        "Despite its words, this message on a copy usually means the destination vault's access "
        "policy, not IAM: add to the access policy of {destination_vault} (account "
        "{destination_account}) a statement allowing backup:CopyIntoBackupVault to account "
        "{source_account} (or to the whole organization with aws:PrincipalOrgID). If it "
        "already does, check that the role the copy ran with has backup:CopyFromBackupVault "
        "and backup:CopyIntoBackupVault.",
        True,
        "https://repost.aws/knowledge-center/backup-resolve-access-denied-error",
        kinds=frozenset({"COPY"}),
    ),
    Entry(
        Category.IAM_ROLE_PERMISSIONS,
        (r"iam role .* does not have sufficient permissions", r"does not have sufficient perm"),
        "The role AWS Backup ran the job with lacks permissions, or does not exist",
        "Give the role {role} in account {account} the permissions of the AWS managed policies "
        "AWSBackupServiceRolePolicyForBackup (and ...ForRestores for restores). AWS gives this "
        "same message when the role does not exist yet: the console creates "
        "AWSBackupDefaultServiceRole on first use only, so in an account never opened in the "
        "console create it (trusting backup.amazonaws.com) or point the plan at a role that "
        "exists.",
        True,
        f"{GUIDE}/iam-service-roles.html",
    ),
    Entry(
        Category.IAM_ROLE_PERMISSIONS,
        (r"access denied exception while trying to list tags",),
        "The role AWS Backup ran the job with cannot read the resource's tags",
        "Give the role the job ran with ({role}, account {account}) permission to list the "
        "resource's tags (for example rds:ListTagsForResource, ec2:DescribeTags, "
        "tag:GetResources), as AWSBackupServiceRolePolicyForBackup grants.",
        True,
        f"{GUIDE}/iam-service-roles.html",
    ),
    Entry(
        Category.IAM_ROLE_PERMISSIONS,
        (r"does not permit attaching a new instance profile",),
        "The restore would attach an instance profile other than the backed-up one",
        "Restore with the instance profile the backup recorded, or give the restore role "
        "iam:PassRole on the new instance profile's role (account {account}).",
        True,
        f"{GUIDE}/restoring-ec2.html",
    ),
    Entry(
        Category.IAM_ROLE_PERMISSIONS,
        # the Jobs dashboard's own patterns for its access-denied family, and the words AWS's
        # restore articles quote ("Insufficient privileges to perform this action")
        (
            r"access ?denied",
            r"not authori[sz]ed to\b",
            r"insufficient privileges",
            r"does not have (the )?permission",
            r"miss(ing)? permission",
            r"cannot be assumed by",
        ),
        "AWS denied the job access",
        "The role the job ran with ({role}, account {account}) lacks a permission the job "
        "needed, or a resource policy (vault, key) or an SCP denies it: the message above names "
        "the action. CloudTrail in account {account} shows the denied call.",
        True,
        f"{GUIDE}/security-iam.html",
    ),
    Entry(
        Category.THROTTLED,
        # concurrency, as the Jobs dashboard lists it: "the maximum concurrent number of backups",
        # "Maximum allowed in-progress snapshots for a single volume exceeded."
        (
            r"rate exceeded",
            r"throttl",
            r"limitexceeded",
            r"limit .*(reached|exceeded)",
            r"maximum concurrent",
            r"\b(in-progress|concurrent)\b[^.]*\b(exceeded|reached)\b",
        ),
        "AWS throttled the request or a concurrency quota was reached",
        "Retry later. If it recurs, lower the concurrency (the stack's MaxConcurrentCopies, the "
        "number of plans starting at once), spread the plans' start times, or ask for a quota "
        "increase where AWS allows one (AWS Backup: 100 concurrent copy jobs per account and "
        "destination region for fully managed types; RDS and its family: a few snapshot copies "
        "in progress per destination region).",
        True,
        f"{GUIDE}/aws-backup-limits.html",
    ),
    Entry(
        Category.RESOURCE_BUSY,
        (
            r"running job for the same resource",
            r"already (a job )?in progress",
            r"another (backup|copy) job",
            r"too many (backup |copy )?jobs running for",  # the Jobs dashboard's, for copies
        ),
        "Another job of the same resource was running",
        "Only one backup or copy job runs at a time per resource: move the rules that act on "
        "{resource} apart (start times, frequency), or lengthen their completion window so a "
        "job can wait its turn.",
        True,
        f"{GUIDE}/recov-point-create-a-copy.html",
    ),
    Entry(
        Category.BACKUP_WINDOW_EXPIRED,
        # not an RDS "automated backup window" (the database's own: a maintenance-window
        # conflict); "Backup job expired before completion." (the Jobs dashboard, troubleshooting)
        (
            r"(start|completion|(?<!automated )backup) window",
            r"window (has )?expired",
            r"expired before (completion|(it )?(start|complet))",
        ),
        "The job did not start or finish within its window",
        "Widen the backup rule's start window (StartWindowMinutes) or completion window "
        "(CompletionWindowMinutes), or move the plan's schedule away from other jobs of the "
        "resource.",
        True,
        f"{GUIDE}/creating-a-backup-plan.html",
    ),
    Entry(
        Category.BACKUP_WINDOW_EXPIRED,
        (),
        "The job did not start or finish within its window",
        "AWS ended it EXPIRED without a message: widen the backup rule's start window "
        "(StartWindowMinutes) or completion window (CompletionWindowMinutes), or move the "
        "plan's schedule away from other jobs of the resource.",
        True,
        f"{GUIDE}/creating-a-backup-plan.html",
        states=frozenset({"EXPIRED"}),
    ),
    Entry(
        Category.STOPPED_BY_USER,
        (r"stopped by (the )?user", r"was (stopped|cancell?ed)"),
        "Someone stopped the job",
        "Nothing to fix if it was meant: CloudTrail (StopBackupJob) in account {account} says "
        "who stopped it. Otherwise run it again.",
        True,
        f"{GUIDE}/API_StopBackupJob.html",
    ),
    Entry(
        Category.STOPPED_BY_USER,
        (),
        "Someone stopped the job",
        "AWS ended it ABORTED without a message: CloudTrail (StopBackupJob) in account "
        "{account} says who stopped it. Run it again if it was not meant.",
        True,
        f"{GUIDE}/API_StopBackupJob.html",
        states=frozenset({"ABORTED"}),
    ),
    Entry(
        Category.VAULT_MISSING,
        (r"backup vault .* does not exist",),
        "The backup vault the job writes to does not exist",
        "Create the vault {vault} (its account and region are in its ARN), or point the backup "
        "plan's rule or copy action at a vault that exists.",
        True,
        f"{GUIDE}/vaults.html",
    ),
    *LAST,  # catalogue_families.py: "does not exist" of what the entries above did not take
    Entry(
        Category.PARTIAL,
        (),
        "Part of the resource was not backed up or copied",
        "AWS ended the job PARTIAL: its console page lists what is missing. Run it again once "
        "the cause is fixed.",
        True,
        f"{GUIDE}/troubleshooting.html",
        states=frozenset({"PARTIAL"}),
    ),
)


UNKNOWN = Entry(
    Category.UNKNOWN,
    (),
    "A failure the catalogue does not know",
    "AWS's message is kept whole above. Open the job in the AWS Backup console (account "
    "{account}, region {region}) and look the message up in AWS Backup's troubleshooting guide; "
    "if it recurs, add it to backup-relay's failure catalogue (backup_relay/domain/catalogue.py).",
    False,
    f"{GUIDE}/troubleshooting.html",
)


#: Every category the catalogue can answer, in the catalogue's order.
CATEGORIES: tuple[str, ...] = tuple(
    dict.fromkeys([*(entry.category for entry in CATALOGUE), UNKNOWN.category])
)
