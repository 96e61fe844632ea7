"""The failure catalogue: every documented message classifies to its category, however it is
wrapped; nothing crashes the classifier (the simulator's messages:
tests/integration/test_simulator_messages_diagnosis.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backup_relay.domain.catalogue import CATALOGUE, CATEGORIES
from backup_relay.domain.diagnosis import diagnose
from tests.support.diagnosis import assert_classified, assert_wrapping_keeps_the_category
from tests.support.events import documented
from tests.support.profiles import examples

MEMBER = "222222222222"

MISSING_ROLE = (
    "IAM Role arn:aws:iam::222222222222:role/service-role/AWSBackupDefaultServiceRole does "
    "not have sufficient permissions to execute the backup"
)

#: AWS's copy job messages as a practitioner quotes them verbatim (tecRacer, "Automating
#: Cross-Account / Cross-Region Backups with AWS Backup in AWS Organizations", 2024-04-26:
#: https://www.tecracer.com/blog/2024/04/automating-cross-account-/-cross-region-backups-with-aws-backup-in-aws-organizations.html),
#: (message, resource type, category).
TECRACER = [
    (
        "Copy job failed. Cross-account copy feature is not enabled for the current organization.",
        "RDS",
        "cross_account_disabled",
    ),
    (
        "Copy job failed because the destination Backup vault is encrypted with the default "
        "Backup service managed key. The contents of this vault cannot be copied. Only the "
        "contents of a Backup vault encrypted by an AWS KMS key may be copied.",
        "EC2",
        "default_vault_key",
    ),
    (
        "Copy job from eu-north-1 to eu-central-1 cannot be initiated for Aurora resources. "
        "Feature is not supported for provided resource type.",
        "Aurora",
        "unsupported_copy_route",
    ),
    ("Access Denied trying to call AWS Backup service.", "Aurora", "vault_access_policy"),
    (
        "The source snapshot KMS key [arn:aws:kms:eu-central-1:111111111111:key/1b2c3d4e] does "
        "not exist, is not enabled or you do not have permissions to access it.",
        "RDS",
        "kms_key_not_shared",
    ),
    # the same message wrapped over two lines, as the blog prints it
    (
        "The source snapshot KMS key [arn:aws:kms:eu-central-1:111111111111:key/1b2c3d4e] does\n"
        "not exist, is not enabled or you do not have permissions to access it.",
        "RDS",
        "kms_key_not_shared",
    ),
]

#: (message, resource type, kind, category): AWS's documented messages (aws-backup-facts.md,
#: section 5; events/), each as the public source gives it; the ones the simulator gives
#: (failures.py) are classified in tests/integration/test_simulator_messages_diagnosis.py.
DOCUMENTED = [
    (
        "api error ERROR_9601: Your account is not a member of an organization.",
        None,
        None,
        "not_same_organization",
    ),
    ("Backup job was stopped by user.", "EBS", "BACKUP", "stopped_by_user"),
    ("Access denied exception while trying to list tags", "EBS", "COPY", "iam_role_permissions"),
    (MISSING_ROLE, "RDS", "BACKUP", "iam_role_permissions"),
    ("Rate exceeded", None, "COPY", "throttled"),
    (
        "Concurrent copy job limit (100) reached for account 123456789012 in destination "
        "Region us-east-1.",
        "EBS",
        "COPY",
        "throttled",
    ),
    ("execution ABORTED: ended outside the chain's steps", "Aurora", "COPY", "stopped_by_user"),
    ("execution TIMED_OUT: ended outside the chain's steps", "Aurora", "COPY", "chain_timed_out"),
    # https://repost.aws/knowledge-center/backup-troubleshoot-cross-account-copy
    (
        "Copy job failed. Both source and destination account must be a member of the same "
        "organization",
        "RDS",
        "COPY",
        "not_same_organization",
    ),
    (
        "Copy job from us-west-2 to us-east-1 cannot be initiated for RDS resources. Feature is "
        "not supported for provided resource type.",
        "RDS",
        "COPY",
        "unsupported_copy_route",
    ),
    # https://repost.aws/knowledge-center/backup-resolve-access-denied-error
    ("Access Denied trying to call AWS Backup service", "Aurora", "COPY", "vault_access_policy"),
    # https://repost.aws/ja/knowledge-center/backup-cross-account-copy-error
    ("Given key ID is not accessible", "EBS", "COPY", "kms_key_not_shared"),
    (
        "The source snapshot KMS key does not exist, is not enabled or you do not have "
        "permissions to access it",
        "RDS",
        "COPY",
        "kms_key_not_shared",
    ),
    # https://github.com/aws-samples/aws-backup-automation/issues/2
    (
        "AMI snapshot copy failed with error: Given key ID is not accessible. You must have "
        "DescribeKey permissions on the default CMK",
        "EC2",
        "COPY",
        "aws_managed_key",
    ),
    # https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html
    (
        "The snapshot requires a target option group with the following options: APEX.",
        "RDS",
        "COPY",
        "option_group_missing",
    ),
    *[(message, resource_type, "COPY", category) for message, resource_type, category in TECRACER],
]

REQUIRED = {
    "kms_key_not_shared", "aws_managed_key", "default_vault_key", "vault_access_policy",
    "cross_account_disabled", "not_same_organization", "unsupported_copy_route",
    "option_group_missing", "iam_role_permissions", "throttled", "resource_busy",
    "backup_window_expired", "stopped_by_user", "unknown",
}  # fmt: skip


def test_the_catalogue_has_every_category_the_alerts_need() -> None:
    assert set(CATEGORIES) >= REQUIRED


@pytest.mark.parametrize(("message", "resource_type", "kind", "category"), DOCUMENTED)
def test_every_documented_message_classifies_to_its_category(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    assert_classified(message, resource_type, kind, category)


@pytest.mark.parametrize(("message", "resource_type", "kind", "category"), DOCUMENTED)
def test_wrapping_does_not_change_the_category(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    assert_wrapping_keeps_the_category(message, resource_type, kind, category)


def test_the_documented_events_status_messages_classify() -> None:
    expected = {
        "backup_job_aborted.json": "stopped_by_user",
        "backup_job_expired.json": "resource_busy",
        "backup_job_failed.json": "vault_missing",
        "copy_job_failed.json": "iam_role_permissions",
        "restore_job_failed.json": "iam_role_permissions",
    }
    for name, category in expected.items():
        detail = documented(name)["detail"]
        kind = name.split("_")[0].upper()
        got = diagnose(detail["statusMessage"], resource_type=detail.get("resourceType"), kind=kind)
        assert got.category == category, name


def test_a_missing_role_says_it_may_not_exist_yet() -> None:
    role = diagnose(MISSING_ROLE, kind="BACKUP", context={"account": MEMBER})
    assert "does not exist yet" in role.remediation


def test_a_final_state_without_a_message_is_diagnosed_by_the_state() -> None:
    assert diagnose(None, kind="BACKUP", state="EXPIRED").category == "backup_window_expired"
    assert diagnose("", kind="BACKUP", state="ABORTED").category == "stopped_by_user"
    assert diagnose(None, kind="COPY", state="PARTIAL").category == "partial"


def test_an_unknown_message_is_kept_whole() -> None:
    message = "Source AMI not found in Region"
    diagnosis = diagnose(message, kind="COPY", context={"account": MEMBER, "region": "us-west-2"})
    assert diagnosis.category == "unknown"
    assert diagnosis.message == message
    assert diagnosis.retryable is False
    assert MEMBER in diagnosis.remediation


def test_every_catalogue_entry_fills_every_placeholder_with_nothing_known() -> None:
    for entry in CATALOGUE:
        probe = entry.patterns[0] if entry.patterns else ""
        text = re.sub(r"[\\\[\](){}?*+.|^$]", " ", probe)
        diagnosis = diagnose(text, state=next(iter(entry.states), None))
        assert "{" not in diagnosis.remediation, entry.category
        assert "None" not in diagnosis.remediation, entry.category


@settings(max_examples=examples(500), deadline=None)
@given(
    message=st.one_of(st.none(), st.text(max_size=3000)),
    resource_type=st.one_of(st.none(), st.text(max_size=20)),
    kind=st.one_of(st.none(), st.sampled_from(["COPY", "BACKUP", "RESTORE", "copy"]), st.text()),
    state=st.one_of(st.none(), st.sampled_from(["FAILED", "EXPIRED", "ABORTED", "PARTIAL"])),
    context=st.dictionaries(
        st.sampled_from(["account", "region", "source_vault_arn", "destination_vault_arn"]),
        st.text(max_size=100),
    ),
)
def test_no_input_crashes_the_classifier_or_leaves_a_remediation_empty(
    message: str | None,
    resource_type: str | None,
    kind: str | None,
    state: str | None,
    context: dict[str, str],
) -> None:
    diagnosis = diagnose(
        message, resource_type=resource_type, kind=kind, state=state, context=context
    )
    assert diagnosis.category in CATEGORIES
    assert diagnosis.title.strip()
    assert diagnosis.remediation.strip()
    assert diagnosis.message == (message or "")


def test_the_docs_catalogue_lists_every_category() -> None:
    # docs/alerts.md's table is the operators' copy of CATALOGUE: it may not miss one
    docs = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text()
    section = docs.split("## Failure catalogue", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.MULTILINE))
    assert listed == set(CATEGORIES)


def test_line_breaks_and_runs_of_spaces_in_a_message_change_nothing() -> None:
    # GIVEN AWS's RDS key message as it is often quoted: wrapped over lines, indented
    one_line = TECRACER[4][0]
    wrapped = one_line.replace(" does ", " does\r\n    ").replace(" or you ", "\n\tor  you ")
    # WHEN both are diagnosed
    expected = diagnose(one_line, resource_type="RDS", kind="COPY")
    got = diagnose(wrapped, resource_type="RDS", kind="COPY")
    # THEN the wrapped one gets the same category and remediation (the key named in it), and
    # the message is kept as AWS gave it
    assert got.category == expected.category == "kms_key_not_shared"
    assert got.remediation == expected.remediation
    assert "arn:aws:kms:eu-central-1:111111111111:key/1b2c3d4e" in got.remediation
    assert got.message == wrapped
