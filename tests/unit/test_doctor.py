"""The doctor's rules over facts: pure, one finding per problem, in the catalogue's categories."""

from __future__ import annotations

import json

import pytest

from backup_relay.diagnosis import CATEGORIES
from backup_relay.doctor import (
    RULES,
    CentralFacts,
    MemberFacts,
    RecoveryPointKey,
    VaultFacts,
    _allows_copy_into,
    member_keys_usable,
)

ORG = "o-a1b2c3d4e5"


def _facts(**changes: object) -> CentralFacts:
    vault = VaultFacts(
        role="central",
        arn="arn:aws:backup:us-west-2:123456789012:backup-vault:central",
        account="123456789012",
        region="us-west-2",
        exists=True,
        key_arn="arn:aws:kms:us-west-2:123456789012:key/k",
        access_policy=json.dumps(
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "backup:CopyIntoBackupVault",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
                    }
                ]
            }
        ),
    )
    fields: dict[str, object] = {
        "account": "123456789012",
        "organization_id": ORG,
        "vaults": [vault],
        "cross_account_backup": True,
        "backup_role_arn": "arn:aws:iam::123456789012:role/service-role/BackupRole",
        "backup_role_exists": True,
        "backup_role_trusts_backup": True,
    }
    return CentralFacts.model_validate(fields | changes)


def _findings(facts: CentralFacts) -> list[str]:
    return [finding.category for rule in RULES for finding in rule(facts)]


def test_a_correct_account_has_no_finding() -> None:
    assert _findings(_facts()) == []


@pytest.mark.parametrize(
    ("changes", "category"),
    [
        ({"cross_account_backup": False}, "cross_account_disabled"),
        ({"backup_role_trusts_backup": False}, "iam_role_permissions"),
        ({"backup_role_exists": False, "backup_role_trusts_backup": False}, "iam_role_permissions"),
    ],
)
def test_each_problem_gives_one_finding_in_a_catalogue_category(
    changes: dict[str, object], category: str
) -> None:
    assert _findings(_facts(**changes)) == [category]
    assert category in CATEGORIES


def test_cross_account_backup_that_cannot_be_read_is_not_a_failure() -> None:
    assert _findings(_facts(cross_account_backup=None)) == []


@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        ({"Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}}}, True),
        ({"Principal": {"AWS": "*"}}, True),  # everyone, so the organization too
        (
            {"Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-other"}}},
            False,
        ),
        ({"Principal": {"AWS": "arn:aws:iam::222222222222:root"}}, False),  # one account only
        ({"Principal": "*", "Effect": "Deny"}, False),
        ({"Principal": "*", "Action": "backup:DescribeBackupVault"}, False),
    ],
)
def test_what_counts_as_letting_the_organization_copy_in(
    statement: dict[str, object], allowed: bool
) -> None:
    full = {"Effect": "Allow", "Action": "backup:CopyIntoBackupVault", "Resource": "*"} | statement
    assert _allows_copy_into(json.dumps({"Statement": [full]}), ORG) is allowed


@pytest.mark.parametrize("policy", [None, "", "not json", json.dumps({"Statement": "x"})])
def test_a_missing_or_unreadable_policy_lets_no_one_in(policy: str | None) -> None:
    assert _allows_copy_into(policy, ORG) is False


def _member(policy: dict[str, object], managed: bool = False) -> MemberFacts:
    point = RecoveryPointKey(
        arn="arn:aws:rds:us-west-2:222222222222:cluster-snapshot:awsbackup:job-1",
        resource_type="Aurora",
        key_arn="arn:aws:kms:us-west-2:222222222222:key/k",
        key_aws_managed=managed,
        key_policy=json.dumps({"Statement": [{"Effect": "Allow", "Resource": "*"} | policy]}),
    )
    return MemberFacts(account="222222222222", region="us-west-2", recovery_points=[point, point])


@pytest.mark.parametrize(
    ("policy", "managed", "found"),
    [
        ({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*"}, False, []),
        (
            {"Principal": {"AWS": ["arn:aws:iam::123456789012:role/x"]}, "Action": ["kms:Decrypt"]},
            False,
            [],
        ),
        (
            {"Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*"},
            False,
            ["kms_key_not_shared"],
        ),
        ({"Principal": {"AWS": "*"}, "Action": "kms:DescribeKey"}, False, ["kms_key_not_shared"]),
        ({"Principal": {"AWS": "*"}, "Action": "kms:*"}, True, ["aws_managed_key"]),
    ],
)
def test_a_member_key_is_one_finding_when_the_central_account_may_not_use_it(
    policy: dict[str, object], managed: bool, found: list[str]
) -> None:
    findings = list(member_keys_usable(_member(policy, managed), "123456789012"))
    assert [f.category for f in findings] == found  # one per key, not per recovery point
