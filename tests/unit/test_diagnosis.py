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
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))
    assert listed == set(CATEGORIES)
