"""The failure catalogue: every documented message and every message the simulator gives
classifies to its category, however it is wrapped; nothing crashes the classifier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backup_relay.domain.catalogue import CATALOGUE, CATEGORIES
from backup_relay.domain.diagnosis import diagnose
from backup_relay_sandbox.backup_sim import failures
from tests.support.events import documented
from tests.support.profiles import examples

CENTRAL, MEMBER = "123456789012", "222222222222"
KEY = f"arn:aws:kms:us-west-2:{MEMBER}:key/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab"
CENTRAL_VAULT = f"arn:aws:backup:us-west-2:{CENTRAL}:backup-vault:central"

#: (message, resource type, kind, category): AWS's documented messages (aws-backup-facts.md,
#: section 5; events/) and the simulator's (failures.py), each as the public source gives it.
DOCUMENTED = [
    (failures.NOT_SAME_ORGANIZATION, "Aurora", "COPY", "not_same_organization"),
    ("Access denied: " + failures.NOT_SAME_ORGANIZATION, "RDS", "COPY", "not_same_organization"),
    (
        "api error ERROR_9601: Your account is not a member of an organization.",
        None,
        None,
        "not_same_organization",
    ),
    (
        failures.SINGLE_ACTION_UNSUPPORTED.format(
            source_region="us-west-2", destination_region="us-east-1", resource_type="RDS"
        ),
        "RDS",
        "COPY",
        "unsupported_copy_route",
    ),
    (failures.MULTI_AZ_CLUSTER, "RDS", "COPY", "unsupported_copy_route"),
    (failures.VAULT_ACCESS_DENIED, "Aurora", "COPY", "vault_access_policy"),
    (failures.RDS_KEY_NOT_ACCESSIBLE, "Aurora", "COPY", "kms_key_not_shared"),
    (failures.RDS_AWS_MANAGED_KEY.format(key_arn=KEY), "Aurora", "COPY", "kms_key_not_shared"),
    (failures.EC2_KEY_NOT_ACCESSIBLE, "EBS", "COPY", "kms_key_not_shared"),
    (failures.AMI_DEFAULT_KEY, "EC2", "COPY", "aws_managed_key"),
    (
        failures.OPTION_GROUP_MISSING.format(options="APEX, OEM"),
        "RDS",
        "COPY",
        "option_group_missing",
    ),
    (failures.CROSS_ACCOUNT_DISABLED, "Neptune", "COPY", "cross_account_disabled"),
    (
        failures.DEFAULT_VAULT_KEY.format(resource_type="DocumentDB"),
        "DocumentDB",
        "COPY",
        "default_vault_key",
    ),
    (
        failures.DESTINATION_VAULT_MISSING.format(vault_arn=CENTRAL_VAULT),
        "RDS",
        "COPY",
        "vault_missing",
    ),
    (
        failures.BACKUP_VAULT_MISSING.format(vault_arn=CENTRAL_VAULT),
        "EBS",
        "BACKUP",
        "vault_missing",
    ),
    (failures.BACKUP_EXPIRED, "EBS", "BACKUP", "resource_busy"),
    ("Backup job was stopped by user.", "EBS", "BACKUP", "stopped_by_user"),
    ("Access denied exception while trying to list tags", "EBS", "COPY", "iam_role_permissions"),
    (
        "IAM Role arn:aws:iam::222222222222:role/service-role/AWSBackupDefaultServiceRole does "
        "not have sufficient permissions to execute the backup",
        "RDS",
        "BACKUP",
        "iam_role_permissions",
    ),
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
    diagnosis = diagnose(message, resource_type=resource_type, kind=kind)
    assert diagnosis.category == category
    assert diagnosis.remediation
    assert diagnosis.docs.startswith("https://")
    assert diagnosis.message == message


@pytest.mark.parametrize(("message", "resource_type", "kind", "category"), DOCUMENTED)
def test_wrapping_does_not_change_the_category(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    # AWS's events quote some messages (\"...\"), callers prefix others
    for wrapped in (
        f'"{message}"',
        f'\\"{message}\\"',
        f"Access denied: {message}",
        f"  {message}  ",
    ):
        assert diagnose(wrapped, resource_type=resource_type, kind=kind).category == category


def test_other_arns_accounts_and_regions_change_nothing_but_the_filled_values() -> None:
    # GIVEN the RDS key message and the single-action refusal with other ARNs and regions
    other_key = "arn:aws:kms:eu-central-1:999988887777:key/0000"
    refused = failures.SINGLE_ACTION_UNSUPPORTED.format(
        source_region="ap-southeast-2", destination_region="eu-west-1", resource_type="Aurora"
    )
    # THEN they classify the same, with the values they carry
    key = diagnose(failures.RDS_AWS_MANAGED_KEY.format(key_arn=other_key), resource_type="RDS")
    route = diagnose(refused, resource_type="Aurora", kind="COPY")
    assert key.category == "kms_key_not_shared"
    assert other_key in key.remediation
    assert route.category == "unsupported_copy_route"
    assert "from ap-southeast-2 to eu-west-1" in route.remediation


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


def test_a_kms_remediation_names_the_key_policy_and_the_destination_service_role() -> None:
    # GIVEN a member's Aurora copy into the central vault, refused for its key
    diagnosis = diagnose(
        failures.RDS_KEY_NOT_ACCESSIBLE,
        resource_type="Aurora",
        kind="COPY",
        context={
            "account": MEMBER,
            "source_vault_arn": f"arn:aws:backup:us-west-2:{MEMBER}:backup-vault:member",
            "destination_vault_arn": CENTRAL_VAULT,
        },
    )
    # THEN the fix names the principal to add, in the destination account, and the actions
    role = (
        f"arn:aws:iam::{CENTRAL}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    )
    assert role in diagnosis.remediation
    assert f"in account {MEMBER}" in diagnosis.remediation
    assert "kms:GrantIsForAWSResource" in diagnosis.remediation
    assert "Given key ID is not accessible" in diagnosis.remediation  # the same statement


def test_misleading_messages_say_what_they_usually_mean() -> None:
    vault = diagnose(failures.VAULT_ACCESS_DENIED, kind="COPY", context={
        "destination_vault_arn": CENTRAL_VAULT, "source_vault_arn":
        f"arn:aws:backup:us-west-2:{MEMBER}:backup-vault:member"})  # fmt: skip
    assert "not IAM" in vault.remediation
    assert "backup:CopyIntoBackupVault" in vault.remediation
    assert CENTRAL_VAULT in vault.remediation
    role = diagnose(DOCUMENTED[18][0], kind="BACKUP", context={"account": MEMBER})
    assert "does not exist yet" in role.remediation
    disabled = diagnose(failures.CROSS_ACCOUNT_DISABLED, kind="COPY")
    assert "MANAGEMENT account" in disabled.remediation


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
