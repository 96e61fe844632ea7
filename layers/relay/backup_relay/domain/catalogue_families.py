"""The catalogue's entries for the families of causes issue #24 added, in two ordered blocks that
`catalogue.py` places in its one tuple (first match wins):

- FIRST, before every other entry: what other entries' looser patterns would take for
  something else. An EXPIRED job is `backup_window_expired` whatever its message; a key that is
  disabled or pending deletion is not "not shared" (`kms_key_not_shared`, which also says
  "is not accessible"); an internal error is not `throttled`; a quota of images or a tag limit
  is not a rate ("limit exceeded"); an RDS window conflict is not AWS Backup's window
  ("backup window"); a retention outside a locked vault's range is not "access denied".
- LAST, after `vault_missing`: "does not exist" is also said of a backup vault and of the RDS
  key that is not shared, which the entries before answer.

Patterns match meaning across wordings (services and years word one cause differently); a test
of each category shows several phrasings (tests/unit/test_catalogue_families.py).
"""

from __future__ import annotations

from backup_relay.domain.categories import Category
from backup_relay.domain.failures import GUIDE, Entry

_KMS = "https://docs.aws.amazon.com/kms/latest/developerguide"

FIRST: tuple[Entry, ...] = (
    Entry(  # whatever AWS wrote, EXPIRED means the job did not start or finish in its window
        Category.BACKUP_WINDOW_EXPIRED,
        (r".",),
        "The job did not start or finish within its window",
        "AWS ended it EXPIRED (its message above says what it was waiting for): widen the backup "
        "rule's start window (StartWindowMinutes) or completion window "
        "(CompletionWindowMinutes), or move the plan's schedule away from other jobs of "
        "{resource}.",
        True,
        f"{GUIDE}/creating-a-backup-plan.html",
        states=frozenset({"EXPIRED"}),
    ),
    Entry(  # a chain's hop: copy_jobs.outcome_of's words for a copy job that ended EXPIRED
        Category.BACKUP_WINDOW_EXPIRED,
        (r"^copy job ended expired",),
        "The copy job did not start or finish within its window",
        "AWS ended the copy job EXPIRED: it waited behind other jobs of {resource} past its "
        "window. Move the rules that act on it apart, or lengthen the completion window; then "
        "replay the chain.",
        True,
        f"{GUIDE}/creating-a-backup-plan.html",
    ),
    Entry(
        Category.KEY_DISABLED,
        (
            r"pending[ _-]?deletion",
            r"scheduled for deletion",
            r"\bkey\b.{0,200}?\b(is|was|has been) (currently )?disabled",
            r"\bdisabled ?exception\b",
            r"kms ?invalid ?state",
            r"key state",
            r"\bkms key\b.{0,200}?\b(was|has been|is) deleted",
            r"\bkey\b.{0,120}?\bno longer exists",
            r"given key id does not exist",  # the Jobs dashboard's wording
        ),
        "The KMS key is disabled, pending deletion or deleted",
        "Enable the key {key} again (KMS console > the key > Key actions > Enable, or `aws kms "
        "enable-key`) or cancel its deletion (`aws kms cancel-key-deletion`, then enable it), "
        "in the account that owns it. A key already deleted cannot come back: what it "
        "encrypted cannot be copied or restored; back the resource up again with a key that "
        "exists.",
        True,
        f"{_KMS}/key-state.html",
    ),
    Entry(
        Category.VAULT_LOCK_RETENTION,
        (
            r"vault ?lock",
            r"locked (backup )?vault",
            r"(min|max)(imum)?[ _-]?retention",
            r"retention (period|days?) .{0,120}?(outside|not within|out of range|"
            r"less than|shorter than|greater than|longer than|exceeds|does not (meet|satisfy))",
            r"air-?gapped vault.{0,160}?(retention|lifecycle)",
            r"(retention|lifecycle)\b.{0,80}?\b(not within|outside) the (valid )?range",
            r"(lifecycle|retention).{0,80}?(not allowed|not permitted) by the (destination )?vault",
        ),
        "The retention is outside what the destination vault allows (vault lock)",
        "The vault {destination_vault} (account {destination_account}) is locked, or is a "
        "logically air-gapped vault, and accepts only recovery points whose retention lies "
        "within its minimum and maximum (a logically air-gapped vault's minimum is at least 7 "
        "days). Give the copy rule (or the chain's copies) a lifecycle within that range, or "
        "copy into a vault whose lock allows it: a lock in compliance mode cannot be loosened "
        "once its grace time has passed.",
        True,
        f"{GUIDE}/vault-lock.html",
    ),
    Entry(
        Category.AWS_INTERNAL,
        (
            r"internal (server |service )?(error|failure)",
            r"internal ?failure",
            r"internal ?server ?error",
            r"service ?unavailable",
            r"service is (temporarily )?unavailable",
            r"an unexpected error",
            r"unknown error occurred",
            r"encountered a fatal error",  # the Jobs dashboard's (copy and backup jobs)
            r"token expired\. try again",
        ),
        "An internal or transient error at AWS",
        "Nothing in your setup causes it: replay the job (or let the next scheduled one run). If "
        "it recurs for {resource} in account {account}, open an AWS Support case with the job "
        "id and AWS's message above.",
        True,
        f"{GUIDE}/CommonErrors.html",
    ),
    Entry(
        Category.COUNT_QUOTA,
        (
            r"snapshot ?quota ?exceeded",
            r"quota for (manual )?(db )?(cluster )?snapshots",
            r"cannot create more than \d+ (manual )?(db )?snapshots",
            r"maximum number of (amis|images|(manual )?(db )?snapshots|backups)"
            r"(?! cop)(?! in progress)",
            r"\b(ami|image)s? (quota|limit) (reached|exceeded)",
            r"snapshots? per volume",
            r"too many (amis|images|snapshots)(?! cop)(?! in progress)",
            r"(ami|image) ?limit ?exceeded",
            r"active snapshot limit",  # the Jobs dashboard's
            r"cannot create more than \d+ (user |manual )?(db )?snapshots",
            r"maximum supported backups",  # Timestream's
            r"quota of [\d,]+ for the number of .{0,40}?images",
            r"\bami quota\b",
        ),
        "A count quota is reached: more images or snapshots would exceed it",
        "Retrying does not help: delete recovery points of {resource} that are past their use "
        "(shorten the backup plan's retention), or ask for a higher quota (Service Quotas, "
        "account {account}, region {region}: for example EC2's public and private AMIs, RDS's "
        "manual snapshots, EBS's snapshots per volume). Then run the job again.",
        True,
        f"{GUIDE}/aws-backup-limits.html",
    ),
    Entry(
        Category.TAG_LIMIT,
        (
            r"tag ?limit ?exceeded",
            r"too many tags",
            r"tags? limit",
            r"(number of|more than \d+) tags",
            r"maximum of \d+ (user-created )?tags",
            r"tags? .{0,60}?exceeds? (the )?(maximum|limit)",
            r"more than \d+ (user )?tags",
            r"can have at most",  # the Jobs dashboard's own pattern for the tag limit
        ),
        "The recovery point would carry more tags than AWS allows",
        "A resource can have at most 50 user-created tags, and AWS Backup copies the resource's "
        "tags plus the plan's recovery point tags onto the recovery point: remove tags from "
        "{resource}, or fewer recovery point tags in the backup plan's rule (account "
        "{account}).",
        True,
        "https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_TagResources.html",
    ),
    Entry(
        Category.MAINTENANCE_WINDOW,
        (
            r"maintenance window",
            r"preferred ?(backup|maintenance) ?window",
            r"(backup|maintenance) windows? .{0,60}?(overlap|conflict)",
            r"(inside|too close to) (or too close to )?the (automated |weekly )?"
            r"(backup|maintenance) window",
            r"(overlap|conflict)s? with .{0,60}?(backup|maintenance) window",
            r"(is|was) (currently )?in (its|the) (rds |automated |db )?backup window",
        ),
        "The job ran into the database's RDS backup or maintenance window",
        "AWS Backup cannot take an RDS snapshot of {resource} while RDS runs its own automated "
        "backup or maintenance: move the backup plan's start window at least an hour away "
        "from the database's preferred backup window and maintenance window (RDS console > "
        "the database > Maintenance & backups), or move those windows.",
        True,
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ManagingAutomatedBackups.html",
    ),
    Entry(
        Category.WINDOWS_VSS,
        (
            r"\bvss\b",
            r"volume shadow copy",
            r"awsvsscomponents",
            r"ec2vss",
        ),
        "Windows VSS could not take an application-consistent backup",
        "On the instance {resource} (account {account}): the SSM Agent must run and be online, "
        "the AwsVssComponents package be installed, the instance role carry the "
        "AWSEC2VssSnapshotPolicy permissions, and the instance be running; VSS also times out "
        "on busy writers (look at the instance's Windows event log). Or turn WindowsVSS off in "
        "the plan's advanced backup settings for a crash-consistent backup.",
        True,
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-vss-snapshots-backup.html",
    ),
    Entry(
        Category.S3_PREREQUISITE,
        (
            r"versioning (is )?(not|isn't|must be) (enabled|turned on|suspended)",
            r"(enable|requires?|without) (s3 )?(bucket )?versioning",
            r"^(?!.*\bpermission).*bucket versioning",  # not a role that may not read it
            r"glacier",
            r"deep archive",
            r"archive (access )?tier",
            r"archived objects?",
        ),
        "The S3 bucket lacks what AWS Backup needs: versioning, or objects it can read",
        "AWS Backup backs up only buckets with S3 Versioning enabled, and skips objects in the S3 "
        "Glacier storage classes and Intelligent-Tiering's archive tiers: enable versioning on "
        "{resource} (account {account}), and restore or exclude archived objects. Give the "
        "backup role the managed policies AWSBackupServiceRolePolicyForS3Backup and "
        "...ForS3Restore.",
        True,
        f"{GUIDE}/s3-backups.html",
    ),
    Entry(
        Category.NOT_SUBSCRIBED,
        (
            r"not subscribed",
            r"subscription ?required",
            r"needs a subscription",
            r"opt ?in ?required",
            r"not opted[ -]in",
            r"(region|service)\b.{0,60}?\b(is not|isn't) (enabled|opted[ -]in|available)",
            r"region is disabled",
        ),
        "The account is not subscribed to the service, or the region is not enabled for it",
        "Enable the region for account {account} (AWS Account Management > Regions, from the "
        "account or the organization's management account) or subscribe the account to the "
        "service the job uses, then run the job again. A backup plan should select no "
        "resource in a region its account has not opted in to.",
        True,
        "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html",
    ),
    Entry(  # a restore's metadata: RDS's own faults, passed on by AWS Backup's restore job
        Category.RESTORE_SETTINGS,
        (
            r"\bdb ?(instance|cluster) ?already ?exists",
            r"(instance|cluster) ?already ?exists ?fault",
            r"db ?subnet ?group\b.{0,80}?\b(does not exist|not ?found)",
            r"db ?subnet ?group has not been specified",
        ),
        "The restore's settings name a database that exists already, or a subnet group that "
        "does not",
        "In account {account}, region {region}: give the restore a new identifier (the restore "
        "metadata's DBInstanceIdentifier or DBClusterIdentifier), or delete the database that "
        "has it; and name a DB subnet group that exists there (DBSubnetGroupName), or create one "
        "(RDS console > Subnet groups). Then start the restore again.",
        True,
        f"{GUIDE}/restoring-rds.html",
    ),
)


LAST: tuple[Entry, ...] = (
    Entry(
        Category.RESOURCE_DELETED,
        (
            # (?=\b[...]) lets the search skip every position that cannot start a noun below
            r"(?=\b[rvistfdcb])(?:resource|volume|instance|snapshot|table|file ?system|"
            r"db instance|db cluster|cluster|bucket|recovery point|database)\b.{0,160}?\b(?:no "
            r"longer exists|does not exist|doesn't exist|not found|was deleted|has been deleted|"
            r"cannot be found|could not be found|is deleted)",
            r"resource ?not ?found",
            r"\.not ?found\b",
            r"(?:db ?(?:instance|cluster|snapshot|cluster ?snapshot)|table|file ?system)not ?found",
            r"no ?such ?bucket",
            r"(deleted|removed) before the (backup|copy|job)",
            # the Jobs dashboard's own patterns for this family
            r"virtual machine is not found",
            r"\bdoes not exist\b",
            r"could not find resource",
            r"cannot find recovery point",
            r"no longer available",
        ),
        "The resource, snapshot, table or recovery point no longer exists",
        "{resource} (or the recovery point the job read) was deleted before or while the job "
        "ran: nothing is left to back up or copy. If it was meant, remove it from the backup "
        "plan's selection (account {account}); if not, restore it from its last recovery point.",
        False,
        f"{GUIDE}/troubleshooting.html",
    ),
)
