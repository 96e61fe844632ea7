"""Every failure message the AWS Backup simulator gives (failures.py, each as AWS documents it)
classifies to its category, however it is wrapped, and fills in the values it carries (AWS's
other documented messages: tests/unit/test_diagnosis.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backup_relay.domain.diagnosis import diagnose
from backup_relay_sandbox.backup_sim import endings, errors, failures, limits, requests, restores
from tests.support.diagnosis import assert_classified, assert_wrapping_keeps_the_category

CENTRAL, MEMBER = "123456789012", "222222222222"
KEY = f"arn:aws:kms:us-west-2:{MEMBER}:key/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab"
CENTRAL_VAULT = f"arn:aws:backup:us-west-2:{CENTRAL}:backup-vault:central"

#: (message, resource type, kind, category)
SIMULATOR = [
    (failures.NOT_SAME_ORGANIZATION, "Aurora", "COPY", "not_same_organization"),
    ("Access denied: " + failures.NOT_SAME_ORGANIZATION, "RDS", "COPY", "not_same_organization"),
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
        failures.DEFAULT_VAULT_KEY,
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
]


@pytest.mark.parametrize(("message", "resource_type", "kind", "category"), SIMULATOR)
def test_every_simulator_message_classifies_to_its_category(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    assert_classified(message, resource_type, kind, category)


@pytest.mark.parametrize(("message", "resource_type", "kind", "category"), SIMULATOR)
def test_wrapping_does_not_change_the_category(
    message: str, resource_type: str | None, kind: str | None, category: str
) -> None:
    assert_wrapping_keeps_the_category(message, resource_type, kind, category)


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
    disabled = diagnose(failures.CROSS_ACCOUNT_DISABLED, kind="COPY")
    assert "MANAGEMENT account" in disabled.remediation


def _texts(module: object) -> dict[str, str]:
    """The module's message constants: upper-case names, text with a space in it."""
    return {
        name: value
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and " " in value
    }


def test_every_simulated_failure_text_is_listed_with_its_source_or_inferred() -> None:
    # GIVEN docs/simulator.md's table of failure texts, placeholders folded to {}
    doc = Path(__file__).parents[2] / "docs" / "simulator.md"
    section = doc.read_text().split("## Failure texts", 1)[1].split("\n## ", 1)[0]
    rows = [re.sub(r"\{[^}]*\}", "{}", row) for row in section.splitlines() if row.startswith("|")]
    modules = (failures, endings, errors, requests, limits, restores)
    texts = {f"{m.__name__}.{name}": text for m in modules for name, text in _texts(m).items()}
    assert len(texts) >= 25
    for name, text in texts.items():
        # WHEN the text is looked up
        listed = [row for row in rows if re.sub(r"\{[^}]*\}", "{}", text) in row]
        # THEN it is listed, with a public source or marked INFERRED
        assert listed, f"{name} is not in docs/simulator.md's Failure texts"
        assert "INFERRED" in listed[0] or "[" in listed[0].rsplit("|", 2)[-2], name
