"""The families of causes issue #24 added to the catalogue (domain/catalogue_families.py), AWS's
MessageCategory as the fallback when no pattern matches (domain/aws_categories.py), and
`explain`, which shows how a message was classified.

The phrasings below are several wordings of each cause, in the shapes AWS's services give them
(an exception name, a sentence, a wrapped API error); the documented messages with their sources
are the corpus's (tests/unit/test_message_corpus.py)."""

from __future__ import annotations

import pytest

from backup_relay.domain.aws_categories import DOCUMENTED, FALLBACKS, fallback
from backup_relay.domain.catalogue import CATALOGUE, CATEGORIES
from backup_relay.domain.catalogue_families import FIRST, LAST
from backup_relay.domain.categories import NOT_CHECKABLE, SETUP_CATEGORIES, Category
from backup_relay.domain.diagnosis import diagnose, explain
from tests.support.diagnosis import assert_wrapping_keeps_the_category

KEY = "arn:aws:kms:us-west-2:222222222222:key/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab"

#: (message, kind, state, category): several phrasings per family.
PHRASINGS = [
    # resource_deleted
    ("The volume 'vol-0abc123' does not exist.", "BACKUP", "FAILED", "resource_deleted"),
    (
        "InvalidVolume.NotFound: The volume 'vol-0abc123' does not exist.",
        "BACKUP",
        None,
        "resource_deleted",
    ),
    ("DBInstanceNotFound: DBInstance orders not found.", "BACKUP", None, "resource_deleted"),
    ("Requested resource not found: Table: orders not found", "BACKUP", None, "resource_deleted"),
    (
        "ResourceNotFoundException: the recovery point no longer exists",
        "COPY",
        None,
        "resource_deleted",
    ),
    ("The specified bucket does not exist (NoSuchBucket)", "BACKUP", None, "resource_deleted"),
    (
        "The file system fs-0abc was deleted before the backup started",
        "BACKUP",
        None,
        "resource_deleted",
    ),
    # key_disabled
    (f"{KEY} is pending deletion.", "COPY", None, "key_disabled"),
    (f"KMSInvalidStateException: {KEY} is pending deletion.", "BACKUP", None, "key_disabled"),
    (f"The KMS key {KEY} is disabled.", "COPY", None, "key_disabled"),
    ("DisabledException: the key was disabled", "RESTORE", None, "key_disabled"),
    (f"Given key ID is not accessible: {KEY} is pending deletion", "COPY", None, "key_disabled"),
    (
        f"KMS key {KEY} is not accessible because of its key state (PendingDeletion)",
        "COPY",
        None,
        "key_disabled",
    ),
    (
        "The KMS key has been deleted and the recovery point cannot be copied",
        "COPY",
        None,
        "key_disabled",
    ),
    # windows_vss
    (
        "Windows VSS Backup attempt failed because either Instance or SSM Agent has invalid state "
        "or insufficient privileges.",
        "BACKUP",
        None,
        "windows_vss",
    ),
    ("VSS errors encountered: writer timeout", "BACKUP", None, "windows_vss"),
    ("Volume Shadow Copy Service could not create the snapshot", "BACKUP", None, "windows_vss"),
    ("AwsVssComponents package is not installed on the instance", "BACKUP", None, "windows_vss"),
    # s3_prerequisite
    ("Bucket versioning is not enabled for bucket orders", "BACKUP", None, "s3_prerequisite"),
    ("Backup of an S3 bucket requires versioning to be enabled", "BACKUP", None, "s3_prerequisite"),
    (
        "Objects in the S3 Glacier Flexible Retrieval storage class were skipped",
        "BACKUP",
        "PARTIAL",
        "s3_prerequisite",
    ),
    ("Some objects are in the Deep Archive Access tier", "BACKUP", None, "s3_prerequisite"),
    # count_quota
    (
        "AMI limit exceeded: you have reached the maximum number of AMIs",
        "BACKUP",
        None,
        "count_quota",
    ),
    (
        "SnapshotQuotaExceeded: Cannot create more than 100 manual snapshots",
        "BACKUP",
        None,
        "count_quota",
    ),
    ("The maximum number of snapshots per volume has been reached", "BACKUP", None, "count_quota"),
    ("ResourceLimitExceeded: image quota exceeded", "BACKUP", None, "count_quota"),
    # tag_limit
    (
        "TagLimitExceeded: the recovery point would have more than 50 tags",
        "COPY",
        None,
        "tag_limit",
    ),
    ("Too many tags: a resource can have a maximum of 50 tags", "BACKUP", None, "tag_limit"),
    ("The number of tags exceeds the limit", "BACKUP", None, "tag_limit"),
    # not_subscribed
    ("OptInRequired: You are not subscribed to this service.", "BACKUP", None, "not_subscribed"),
    (
        "The AWS Access Key Id needs a subscription for the service",
        "BACKUP",
        None,
        "not_subscribed",
    ),
    ("The region ap-east-1 is not enabled for this account", "COPY", None, "not_subscribed"),
    ("The account is not opted in to the Region me-south-1", "COPY", None, "not_subscribed"),
    # aws_internal
    ("An internal error occurred. Please retry.", "BACKUP", None, "aws_internal"),
    (
        "InternalFailure: The request processing has failed because of an unknown error",
        "COPY",
        None,
        "aws_internal",
    ),
    (
        "ServiceUnavailableException: the service is temporarily unavailable",
        "BACKUP",
        None,
        "aws_internal",
    ),
    ("We encountered an internal error. Please try again.", "RESTORE", None, "aws_internal"),
    # vault_lock_retention
    (
        "The lifecycle of the recovery point is not compatible with the vault lock of "
        "arn:aws:backup:us-east-1:123456789012:backup-vault:central",
        "COPY",
        None,
        "vault_lock_retention",
    ),
    (
        "Retention period of 3 days is less than the minimum retention of the destination vault",
        "COPY",
        None,
        "vault_lock_retention",
    ),
    (
        "Access denied: the retention period is outside the locked vault's range",
        "COPY",
        None,
        "vault_lock_retention",
    ),
    (
        "The logically air-gapped vault requires a retention of at least 7 days",
        "COPY",
        None,
        "vault_lock_retention",
    ),
    ("MinRetentionDays of the vault is 30", "BACKUP", None, "vault_lock_retention"),
    # maintenance_window
    (
        "The backup window overlaps with the DB instance's maintenance window",
        "BACKUP",
        None,
        "maintenance_window",
    ),
    (
        "Cannot create a snapshot: the DB instance is currently in its backup window",
        "BACKUP",
        None,
        "maintenance_window",
    ),
    (
        "The job conflicts with the RDS preferred maintenance window",
        "BACKUP",
        None,
        "maintenance_window",
    ),
    # restore_settings: RDS's faults, as a restore job passes them on
    (
        "DBInstanceAlreadyExists: DB instance already exists",
        "RESTORE",
        "FAILED",
        "restore_settings",
    ),
    ("DBClusterAlreadyExistsFault: DB Cluster already exists", "RESTORE", None, "restore_settings"),
    (
        "DBSubnetGroupNotFoundFault: DB subnet group 'dr-subnets' does not exist.",
        "RESTORE",
        "FAILED",
        "restore_settings",
    ),
    # expired jobs, whatever the message
    (
        "Backup job failed because there was a running job for the same resource.",
        "BACKUP",
        "EXPIRED",
        "backup_window_expired",
    ),
    ("Access Denied", "COPY", "EXPIRED", "backup_window_expired"),
    ("copy job ended EXPIRED: waited behind a running job", "COPY", None, "backup_window_expired"),
]


@pytest.mark.parametrize(("message", "kind", "state", "category"), PHRASINGS)
def test_each_phrasing_of_a_new_family_classifies_to_it(
    message: str, kind: str, state: str | None, category: str
) -> None:
    # GIVEN one of AWS's wordings WHEN it is diagnosed THEN it is its family, with a fix and a page
    diagnosis = diagnose(message, kind=kind, state=state)
    assert diagnosis.category == category
    assert diagnosis.remediation.strip()
    assert "{" not in diagnosis.remediation
    assert diagnosis.docs.startswith("https://")


@pytest.mark.parametrize(("message", "kind", "state", "category"), PHRASINGS)
def test_a_new_familys_phrasing_keeps_its_category_when_wrapped(
    message: str, kind: str, state: str | None, category: str
) -> None:
    if state:  # the wrapping helper diagnoses without a state
        return
    assert_wrapping_keeps_the_category(message, None, kind, category)


def test_every_new_category_has_several_phrasings() -> None:
    new = {entry.category for entry in (*FIRST, *LAST)}
    tested = [category for *_, category in PHRASINGS]
    assert new == {Category(c) for c in tested}
    assert all(tested.count(c) >= 3 for c in new)


@pytest.mark.parametrize(
    ("message", "kind", "category"),
    [
        # the older, looser entries keep what is theirs
        (
            "The source snapshot KMS key [arn:aws:kms:eu-central-1:111111111111:key/1b2c] does not "
            "exist, is not enabled or you do not have permissions to access it.",
            "COPY",
            "kms_key_not_shared",
        ),
        ("Given key ID is not accessible", "COPY", "kms_key_not_shared"),
        (
            "Backup job failed because backup vault arn:aws:backup:us-east-1:123456789012:"
            "backup-vault:gone does not exist.",
            "BACKUP",
            "vault_missing",
        ),
        ("Rate exceeded", "COPY", "throttled"),
        ("LimitExceededException: too many concurrent copy jobs", "COPY", "throttled"),
        ("Backup job could not start within the backup window", "BACKUP", "backup_window_expired"),
        ("Source AMI not found in Region", "COPY", "unknown"),
        ("Access Denied trying to call AWS Backup service", "COPY", "vault_access_policy"),
    ],
)
def test_the_new_entries_take_nothing_from_the_entries_before_them(
    message: str, kind: str, category: str
) -> None:
    assert diagnose(message, kind=kind).category == category


def test_a_key_pending_deletion_is_not_a_key_not_shared_nor_an_access_denial() -> None:
    # GIVEN KMS's words for a key pending deletion, inside an access denial
    message = f"AccessDeniedException: {KEY} is pending deletion."
    # THEN the key's state is the cause
    assert diagnose(message, kind="COPY").category == "key_disabled"


def test_an_internal_error_is_not_throttling() -> None:
    message = "InternalFailure: rate of internal errors exceeded, the request was throttled"
    assert diagnose(message, kind="COPY").category == "aws_internal"


def test_key_disabled_and_vault_lock_retention_are_failures_the_doctor_still_checks() -> None:
    for category in (Category.KEY_DISABLED, Category.VAULT_LOCK_RETENTION):
        assert category in CATEGORIES
        assert category not in SETUP_CATEGORIES
        assert category not in NOT_CHECKABLE  # the doctor's rules report them
    # AND a doctor's finding of them still links the page it linked as a setup category
    pages = {e.category: e.docs for e in CATALOGUE}
    assert pages[Category.KEY_DISABLED].endswith("/kms/latest/developerguide/key-state.html")
    assert pages[Category.VAULT_LOCK_RETENTION].endswith("/devguide/vault-lock.html")


def test_the_catalogue_places_the_first_block_first_and_the_last_after_vault_missing() -> None:
    assert CATALOGUE[: len(FIRST)] == FIRST
    vault = next(i for i, e in enumerate(CATALOGUE) if e.category == "vault_missing")
    assert CATALOGUE[vault + 1 : vault + 1 + len(LAST)] == LAST


# --- AWS's MessageCategory -------------------------------------------------------------------


def test_awss_category_refines_nothing_when_a_pattern_matches() -> None:
    # GIVEN a message the catalogue knows and AWS's (coarser) category
    diagnosis = diagnose("Rate exceeded", kind="COPY", aws_category="AccessDenied")
    # THEN ours decides, and AWS's is kept
    assert diagnosis.category == "throttled"
    assert diagnosis.aws_category == "AccessDenied"


@pytest.mark.parametrize(
    ("aws_category", "kind", "category"),
    [
        ("AccessDenied", "COPY", "iam_role_permissions"),
        ("ACCESS_DENIED", "BACKUP", "iam_role_permissions"),
        ("KMSKeyNotAccessible", "COPY", "kms_key_not_shared"),
        ("FeatureNotEnabled", "COPY", "cross_account_disabled"),
        ("FeatureNotEnabled", "BACKUP", "not_subscribed"),
        ("InvalidLifecycle", "COPY", "vault_lock_retention"),
        ("ConcurrentJobLimit", "BACKUP", "resource_busy"),
        ("UnsupportedOperation", "COPY", "unsupported_copy_route"),
        ("InternalError", "BACKUP", "aws_internal"),
        ("ResourceNotFound", "BACKUP", "resource_deleted"),
    ],
)
def test_awss_category_picks_a_family_when_no_pattern_matches(
    aws_category: str, kind: str, category: str
) -> None:
    # GIVEN a message no entry knows, with AWS's category
    diagnosis = diagnose(
        "Something new went wrong (code 7731)",
        kind=kind,
        aws_category=aws_category,
        context={"account": "222222222222"},
    )
    # THEN the family it names, with a fix that says AWS classed it so
    assert diagnosis.category == category
    assert aws_category in diagnosis.remediation
    assert "{" not in diagnosis.remediation
    assert diagnosis.aws_category == aws_category


@pytest.mark.parametrize("aws_category", [None, "", "SUCCESS", "Success", "InvalidParameters"])
def test_no_family_for_no_category_success_or_one_too_vague(aws_category: str | None) -> None:
    assert fallback(aws_category, "COPY") is None
    diagnosis = diagnose("Something new went wrong", kind="COPY", aws_category=aws_category)
    assert diagnosis.category == "unknown"


def test_the_documented_values_and_every_fallback_are_named() -> None:
    assert set(DOCUMENTED) == {"AccessDenied", "SUCCESS", "InvalidParameters"}
    assert all(f.words and f.entry.remediation for f in FALLBACKS)
    assert {f.entry.category for f in FALLBACKS} <= set(CATEGORIES)


# --- explain ---------------------------------------------------------------------------------


def test_explain_shows_each_entry_tried_up_to_the_one_that_matched() -> None:
    # GIVEN a message of the vault_access_policy entry
    explanation = explain("Access Denied trying to call AWS Backup service", kind="COPY")
    # THEN the entries before it were tried and did not match; the last one tried matched
    *before, last = explanation.trials
    assert [t.index for t in explanation.trials] == list(range(len(explanation.trials)))
    assert all(t.matched is None for t in before)
    assert last.category == "vault_access_policy"
    assert last.matched == r"access denied trying to call aws backup service"
    assert explanation.fallback is None
    assert explanation.diagnosis.category == "vault_access_policy"


def test_explain_tries_every_entry_then_awss_category() -> None:
    explanation = explain("A brand new failure", kind="BACKUP", aws_category="AccessDenied")
    assert len(explanation.trials) == len(CATALOGUE)
    assert all(t.matched is None for t in explanation.trials)
    # AND an entry for other kinds says so rather than "no match"
    vault = next(t for t in explanation.trials if t.category == "vault_access_policy")
    assert vault.skipped == "only for COPY jobs"
    assert explanation.fallback == "iam_role_permissions"
    assert explanation.diagnosis.category == "iam_role_permissions"
