"""Every category a failure, warning or finding carries: one name each, in one registry.

Three families share one namespace, so an alert, a doctor finding and a replay agree on a
category's name:
- failures: what a job's status message from AWS says; the catalogue (`catalogue.py`) maps
  messages to them, with each one's remediation;
- warnings: what the relay itself raises when no AWS job failed (WARNINGS, below);
- setup: prerequisites only the doctor sees, since no job fails with a message of its own when
  they are missing (SETUP_CATEGORIES, below).
A test holds every category to exactly one family.
"""

from __future__ import annotations

from enum import StrEnum

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/userguide"


class Category(StrEnum):
    # failures (catalogue.py)
    STOPPED_BY_USER = "stopped_by_user"
    CHAIN_TIMED_OUT = "chain_timed_out"
    NOT_SAME_ORGANIZATION = "not_same_organization"
    CROSS_ACCOUNT_DISABLED = "cross_account_disabled"
    UNSUPPORTED_COPY_ROUTE = "unsupported_copy_route"
    OPTION_GROUP_MISSING = "option_group_missing"
    DEFAULT_VAULT_KEY = "default_vault_key"
    AWS_MANAGED_KEY = "aws_managed_key"
    KMS_KEY_NOT_SHARED = "kms_key_not_shared"
    VAULT_ACCESS_POLICY = "vault_access_policy"
    IAM_ROLE_PERMISSIONS = "iam_role_permissions"
    THROTTLED = "throttled"
    RESOURCE_BUSY = "resource_busy"
    BACKUP_WINDOW_EXPIRED = "backup_window_expired"
    VAULT_MISSING = "vault_missing"
    PARTIAL = "partial"
    # failures of the families catalogue_families.py adds (issue #24)
    RESOURCE_DELETED = "resource_deleted"
    KEY_DISABLED = "key_disabled"
    WINDOWS_VSS = "windows_vss"
    S3_PREREQUISITE = "s3_prerequisite"
    COUNT_QUOTA = "count_quota"
    TAG_LIMIT = "tag_limit"
    NOT_SUBSCRIBED = "not_subscribed"
    AWS_INTERNAL = "aws_internal"
    VAULT_LOCK_RETENTION = "vault_lock_retention"
    MAINTENANCE_WINDOW = "maintenance_window"
    RESTORE_SETTINGS = "restore_settings"
    UNKNOWN = "unknown"
    # warnings (WARNINGS)
    HOP_PAST_SLA = "hop_past_sla"
    CHAIN_RECOVERED = "chain_recovered"
    DR_COPY_STALE = "dr_copy_stale"
    QUARANTINED_EVENTS = "quarantined_events"
    THREATS_FOUND = "threats_found"
    DRILL_FAILED = "drill_failed"  # restore drills (drills/)
    RESTORE_UNPROVEN = "restore_unproven"
    # setup (SETUP_CATEGORIES)
    ORGANIZATION_SETUP = "organization_setup"
    BUS_POLICY = "bus_policy"
    EVENT_RULES = "event_rules"
    MEMBER_PLAN = "member_plan"
    FORWARDING = "forwarding"
    FORWARD_DEAD_LETTERS = "forward_dead_letters"
    TAGGING = "tagging"
    DYNAMODB_ADVANCED_FEATURES = "dynamodb_advanced_features"
    LAMBDA_CONCURRENCY = "lambda_concurrency"
    STACK_PARAMETERS = "stack_parameters"
    PHYSICAL_NAMES = "physical_names"
    RESOURCE_PREREQUISITE = "resource_prerequisite"
    RESTORE_DRILLS = "restore_drills"  # RestoreDrills: the DR region's plan, role, rule
    SECURITY_HUB = "security_hub"  # SecurityHubFindings: Security Hub enabled


#: What a warning means and what to do, by its category.
WARNINGS: dict[Category, tuple[str, str, str]] = {
    Category.HOP_PAST_SLA: (
        "A copy hop has run longer than its SLA",
        "AWS Backup gives copies no SLA and queues copies of one resource behind each other: "
        "check the copy job in the console (CREATED means queued; RUNNING with little "
        "progress means a large copy) and whether the DR region's snapshot-copy limits are "
        "reached (docs/copy-chain.md, 'Concurrency across stacks'). Raise HopSlaHours if "
        "such copies are normal.",
        f"{_GUIDE}/recov-point-create-a-copy.html",
    ),
    Category.CHAIN_RECOVERED: (
        "Reconcile had to start or resume a chain that its events did not",
        "Nothing to fix for this chain: reconcile did what the lost or late event would have. "
        "If this happens often, check that the member stack forwards events (its forward "
        "rule and dead-letter queue) and that the relay bus accepts the account "
        "(AllowedSourceAccounts).",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html",
    ),
    Category.DR_COPY_STALE: (
        "A chained resource has no recent copy in one of its destinations (the DR vault, or "
        "one of AdditionalDestinations)",
        "`backup-relay coverage` says which destination and why. Look at its chains "
        "(`backup-relay status --recovery-point ...`) and its member's copy jobs: a failed "
        "copy or chain raised its own alert (fix it, then `backup-relay replay`); no copy at "
        "all usually means the member's backup plan has no copy rule to the central vault, or "
        "its backups stopped. Raise CoverageMaxAgeHours if the plan runs less often than daily.",
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html",
    ),
    Category.QUARANTINED_EVENTS: (
        "Many events were quarantined in one hour",
        "Read the quarantined messages in the ledger (pk QUARANTINE#<date>, their reason_code "
        "and reason; docs/operations.md): 'account_not_allowed' means AllowedSourceAccounts "
        "lacks an account, 'unverified_event' means events AWS Backup did not make, others mean "
        "a sender that is not the member stack's forward rule.",
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html",
    ),
    Category.THREATS_FOUND: (
        "A malware scan found threats in a recovery point",
        "Do not restore the recovery point, nor the copies the alert names, until the scan's "
        "findings are read (GuardDuty's Malware Protection for Backup finding, when GuardDuty is "
        "on; else the scan job in AWS Backup's console). Restore from an earlier recovery point "
        "a scan found clean, and keep the infected ones for the investigation.",
        f"{_GUIDE}/malware-protection.html",
    ),
    Category.DRILL_FAILED: (
        "A restore drill of a DR copy failed",
        "Read the restore job's status message or the validation's (the alert's message): a "
        "restore that failed usually needs a RestoreMetadataOverrides value the selection lacks "
        "(a subnet group, a security group, in the DR region); a validation that failed names "
        "what the restored database lacked. Fix it, then let the next scheduled drill prove it.",
        f"{_GUIDE}/restore-testing.html",
    ),
    Category.RESTORE_UNPROVEN: (
        "A chained resource has gone too long without a proven restore",
        "Check that the restore testing plan selects its type (RestoreDrills on in the vaults "
        "stack of the DR region) and that its DR copies restore (a drill failure raised its own "
        "alert); raise MaxDaysWithoutProvenRestore if drills run less often.",
        f"{_GUIDE}/restore-testing.html",
    ),
}


#: Doctor-only categories: (title, AWS's page on it).
SETUP_CATEGORIES: dict[Category, tuple[str, str]] = {
    Category.ORGANIZATION_SETUP: (
        "AWS Organizations is not set up for AWS Backup",
        f"{_GUIDE}/manage-cross-account.html",
    ),
    Category.BUS_POLICY: (
        "The central event bus does not accept the organization's events, or accepts anyone's",
        f"{_EVENTS}/eb-event-bus-perms.html",
    ),
    Category.EVENT_RULES: (
        "No enabled rule brings AWS Backup's events to the ingest queue",
        f"{_EVENTS}/eb-rules.html",
    ),
    Category.MEMBER_PLAN: (
        "No backup plan of the member copies into the central vault",
        f"{_GUIDE}/create-cross-account-backup.html",
    ),
    Category.FORWARDING: (
        "The member account does not forward AWS Backup's events to the central bus",
        f"{_EVENTS}/eb-cross-account.html",
    ),
    Category.FORWARD_DEAD_LETTERS: (
        "Events of the member account did not reach the central bus: they wait in its forward "
        "dead-letter queue",
        f"{_EVENTS}/eb-rule-dlq.html",
    ),
    Category.TAGGING: (
        "Databases outside the tagging convention have no copy outside their account",
        f"{_GUIDE}/assigning-resources.html",
    ),
    Category.DYNAMODB_ADVANCED_FEATURES: (
        "DynamoDB tables cannot be copied across accounts without advanced backup features",
        f"{_GUIDE}/advanced-ddb-backup.html",
    ),
    Category.RESOURCE_PREREQUISITE: (
        "A resource a backup plan selects lacks what AWS Backup needs to back it up or copy it",
        f"{_GUIDE}/working-with-supported-services.html",
    ),
    Category.RESTORE_DRILLS: (
        "The DR region's restore drills are not set up as RestoreDrills needs",
        f"{_GUIDE}/restore-testing.html",
    ),
    Category.SECURITY_HUB: (
        "Security Hub is not enabled where SecurityHubFindings publishes",
        "https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_EnableSecurityHub.html",
    ),
    # the preflight's (doctor --preflight): what `sam deploy` of the central stack needs
    Category.LAMBDA_CONCURRENCY: (
        "The account's Lambda concurrency cannot spare what the stack reserves",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
    ),
    Category.STACK_PARAMETERS: (
        "A parameter the deploy would pass is missing, unknown or out of range",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html",
    ),
    Category.PHYSICAL_NAMES: (
        "The stack's name, or a name it gives a resource, breaks AWS's rules for that name",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html",
    ),
}


#: Catalogue categories with no prerequisite a check could see beforehand, and why.
NOT_CHECKABLE: dict[Category, str] = {
    Category.STOPPED_BY_USER: "someone stopped the job or execution",
    Category.CHAIN_TIMED_OUT: "a copy outlasted the chain's wait: its duration is AWS's",
    Category.THROTTLED: "a rate of calls at the time of the copy",
    Category.RESOURCE_BUSY: "another job held the resource at the time",
    Category.BACKUP_WINDOW_EXPIRED: "the job did not start within its window that night",
    Category.PARTIAL: "some items of the resource could not be copied that time",
    Category.UNKNOWN: "a message the catalogue does not know",
    # the families of issue #24 (catalogue_families.py)
    Category.RESOURCE_DELETED: "the resource was deleted before or while the job ran",
    Category.WINDOWS_VSS: "VSS runs inside the instance's Windows at the time of the backup",
    Category.S3_PREREQUISITE: "objects in archive tiers are per object; a bucket without "
    "versioning is the doctor's resource_prerequisite finding",
    Category.COUNT_QUOTA: "counts of images and snapshots at the time of the job",
    Category.TAG_LIMIT: "the tags the resource and the plan give the recovery point at the time",
    Category.NOT_SUBSCRIBED: "no check reads the account's service subscriptions or opted-in "
    "regions yet",
    Category.AWS_INTERNAL: "an error on AWS's side at the time",
    Category.MAINTENANCE_WINDOW: "the database's windows at the time of the job",
    Category.RESTORE_SETTINGS: "the restore's metadata and the target account's databases at "
    "the time of the restore",
}
