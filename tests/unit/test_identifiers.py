"""Account ids, regions and ARNs: one check of each, as AWS writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from backup_relay.domain import identifiers
from backup_relay.domain.identifiers import InvalidIdentifier


@pytest.mark.parametrize("text", ["123456789012", "000000000000"])
def test_an_account_id_is_twelve_digits(text: str) -> None:
    assert identifiers.account_id(text) == text


@pytest.mark.parametrize("text", ["abc", "2", "12345678901", "1234567890123", "12345678901a", ""])
def test_anything_else_is_not_an_account_id(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="give a 12-digit account id"):
        identifiers.account_id(text)


@pytest.mark.parametrize(
    "text", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-7"]
)
def test_regions_as_aws_lists_them(text: str) -> None:
    assert identifiers.region(text) == text


@pytest.mark.parametrize("text", ["mars-1", "US-EAST-1", "us-east", "useast1", "us-east-1a", ""])
def test_anything_else_is_not_a_region(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a region: give a region code"):
        identifiers.region(text)


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:job-1",
        "arn:aws:backup:eu-west-1:123456789012:recovery-point:0b8b3ab2-4f9a",
        "arn:aws:ec2:us-west-2::snapshot/snap-0123456789abcdef0",
        "arn:aws-us-gov:ec2:us-gov-west-1::image/ami-0123456789abcdef0",
    ],
)
def test_recovery_point_arns_of_every_form_are_read(text: str) -> None:
    assert str(identifiers.recovery_point_arn(text)) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("snap-1", "is not an ARN"),
        ("arn:aws:rds:us-east-1:123456789012", "is not an ARN"),
        ("arn:aws:rds:mars-1:123456789012:snapshot:x", "'mars-1' is not a region"),
        ("arn:aws:rds:us-east-1:abc:snapshot:x", "'abc' is not an account id"),
        ("arn:aws:rds:us-east-1::snapshot:x", "no account id"),
        ("arn:azure:rds:us-east-1:123456789012:snapshot:x", "partition 'azure'"),
        ("arn:aws:sqs:us-east-1:123456789012:queue", "is not a recovery point ARN"),
    ],
)
def test_a_recovery_point_arn_that_is_not_one_says_why(text: str, why: str) -> None:
    with pytest.raises(InvalidIdentifier, match=why):
        identifiers.recovery_point_arn(text)


def test_the_templates_patterns_are_these() -> None:
    # GIVEN the template's parameters that name a region or a vault
    template = (Path(__file__).resolve().parents[2] / "template.yaml").read_text()
    # THEN CloudFormation checks them with the same patterns as the CLI (one rule, two readers)
    assert f'AllowedPattern: "^({identifiers.REGION.pattern})?$"' in template
    assert f'AllowedPattern: "^{identifiers.VAULT_NAME.pattern}$"' in template


@pytest.mark.parametrize("text", ["a", "my vault", "x" * 51, "vault/1"])
def test_a_vault_name_is_createbackupvaults(text: str) -> None:
    assert identifiers.vault_name("backup-relay_dr") == "backup-relay_dr"
    with pytest.raises(InvalidIdentifier, match="is not a backup vault name"):
        identifiers.vault_name(text)


def test_a_resource_arn_may_have_neither_region_nor_account() -> None:
    read = identifiers.arn("arn:aws:s3:::bucket", regional=False, owned=False)
    assert (read.service, read.region, read.account, read.resource) == ("s3", "", "", "bucket")


def test_a_chain_id_is_what_chains_are_named() -> None:
    from backup_relay.domain.chain import CHAIN_ID, chain_id_for

    assert CHAIN_ID.fullmatch(chain_id_for("arn:aws:rds:...:x", "arn:aws:backup:...:dr"))


def test_a_lag_vaults_recovery_point_is_read_whichever_types_are_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a registry of cluster types only (no type whose own form is AWS Backup's)
    from backup_relay.domain import resource_types

    clusters = resource_types.Registry(
        tuple(t for t in resource_types.REGISTRY if t.name in {"Aurora", "Neptune"})
    )
    monkeypatch.setattr(resource_types, "REGISTRY", clusters)
    # WHEN an Aurora copy in a logically air-gapped vault is named by its ARN (AWS Backup's form)
    text = "arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B"
    # THEN it is a recovery point ARN (status --recovery-point, bring-back take it)
    assert str(identifiers.recovery_point_arn(text)) == text
    # AND the IAM patterns that start copies of them hold it
    patterns = clusters.recovery_point_patterns("aws", "123456789012")
    assert "arn:aws:backup:*:123456789012:recovery-point:*" in patterns
