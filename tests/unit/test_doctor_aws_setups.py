"""The doctor's rules against AWS's documented setups: each rule accepts the setup AWS's (or
practitioners') example gives, and refuses the one that fails.

Sources:
- [vault-policy] https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html
  and https://repost.aws/knowledge-center/backup-resolve-access-denied-error: the destination
  vault allows backup:CopyIntoBackupVault to "arn:aws:iam::SourceAccountID:root", or to "*"
  under aws:PrincipalOrgID.
- [cross-account] https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html:
  a source key is shared with the destination account: the key's use ("Allow use of the key":
  kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*, kms:DescribeKey) and the grant
  statement ("Allow attachment of persistent resources": kms:CreateGrant, kms:ListGrants,
  kms:RevokeGrant under "kms:GrantIsForAWSResource": "true").
- [features] https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html:
  DynamoDB without advanced features copies neither across regions nor across accounts; RDS
  Multi-AZ DB clusters cannot be copied, Multi-AZ DB instances can.
- [vault-lock] https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html: a copy
  job whose retention is outside the lock's minimum and maximum fails.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backup_relay.doctor.central import CENTRAL_RULES
from backup_relay.doctor.checkup import Doctor
from backup_relay.doctor.facts import (
    CentralFacts,
    MemberFacts,
    MemberResource,
    OrganizationFacts,
    PlanCopy,
    RecoveryPointKey,
    VaultFacts,
)
from backup_relay.doctor.members import MEMBER_RULES, member_keys_usable

ORG = "o-a1b2c3d4e5"
CENTRAL = "123456789012"
MEMBERS = ["222222222222", "333333333333"]
MEMBER = MEMBERS[0]
REGION = "us-west-2"
CENTRAL_VAULT = f"arn:aws:backup:{REGION}:{CENTRAL}:backup-vault:central"
KEY = f"arn:aws:kms:{REGION}:{CENTRAL}:key/k"
KEY_USE = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]
GRANTS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]


def _root(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def _service_role(account: str) -> str:
    return (
        f"arn:aws:iam::{account}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    )


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _admin(account: str) -> dict[str, Any]:
    """The default key policy's first statement: the account administers the key (IAM decides)."""
    return {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": _root(account)},
        "Action": "kms:*",
        "Resource": "*",
    }


def _key_use(principals: list[str]) -> dict[str, Any]:
    return {
        "Sid": "Allow use of the key",
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": KEY_USE,
        "Resource": "*",
    }


def _grants(principals: list[str]) -> dict[str, Any]:
    return {
        "Sid": "Allow attachment of persistent resources",
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": GRANTS,
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }


def _copy_into(principal: object, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    return statement | ({"Condition": condition} if condition else {})


ORGANIZATION_COPIES_IN = _policy(
    _copy_into("*", {"StringEquals": {"aws:PrincipalOrgID": ORG}})  # [vault-policy]
)


def _central(
    access_policy: str = ORGANIZATION_COPIES_IN,
    key_policy: str | None = None,
    *,
    source_accounts: list[str] | None = None,
    accounts: list[str] | None = None,
    **vault: object,
) -> CentralFacts:
    return CentralFacts(
        account=CENTRAL,
        organization_id=ORG,
        vaults=[
            VaultFacts.model_validate(
                {
                    "role": "central",
                    "arn": CENTRAL_VAULT,
                    "account": CENTRAL,
                    "region": REGION,
                    "exists": True,
                    "key_arn": KEY,
                    "key_policy": key_policy,
                    "access_policy": access_policy,
                }
                | vault
            )
        ],
        cross_account_backup=True,
        backup_role_arn=f"arn:aws:iam::{CENTRAL}:role/BackupRole",
        backup_role_exists=True,
        backup_role_trusts_backup=True,
        source_accounts=source_accounts or [],
        organization=OrganizationFacts(accounts=accounts),
    )


def _central_findings(facts: CentralFacts) -> list[tuple[str, str]]:
    return [(f.category, f.problem) for rule in CENTRAL_RULES for f in rule(facts)]


# --- 1. the destination vault's access policy -------------------------------------------------


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": [_root(account) for account in MEMBERS]},  # [vault-policy]'s example, per account
        {"AWS": MEMBERS},  # account ids: the same principals
        {"AWS": [f"arn:aws:iam::{account}:role/backup-relay/BackupRole" for account in MEMBERS]},
    ],
)
def test_a_vault_policy_naming_each_source_account_lets_them_copy_in(principal: object) -> None:
    # GIVEN the relay serves two accounts (AllowedSourceAccounts), and the central vault's access
    # policy names each, as AWS's least-privilege example does, with no organization condition
    facts = _central(_policy(_copy_into(principal)), source_accounts=MEMBERS)
    # WHEN the doctor checks the central account
    # THEN nothing is found
    assert _central_findings(facts) == []


def test_a_vault_policy_naming_some_accounts_misses_the_others_it_serves() -> None:
    # GIVEN the organization's accounts are known (AllowedSourceAccounts empty) and the vault
    # policy names only the first member
    facts = _central(_policy(_copy_into({"AWS": _root(MEMBERS[0])})), accounts=[CENTRAL, *MEMBERS])
    # WHEN the doctor checks it
    [(category, problem)] = _central_findings(facts)
    # THEN the other member is named, as the one whose copies are refused
    assert category == "vault_access_policy"
    assert MEMBERS[1] in problem
    assert MEMBERS[0] not in problem


def test_an_account_naming_policy_is_taken_when_the_served_accounts_are_unknown() -> None:
    # GIVEN the central account may not list the organization's accounts, and
    # AllowedSourceAccounts is empty: the doctor cannot tell who must be named (INFERRED)
    facts = _central(_policy(_copy_into({"AWS": _root(MEMBERS[0])})))
    # THEN an access policy naming an account is not reported
    assert _central_findings(facts) == []


@pytest.mark.parametrize(
    "policy",
    [
        _policy(),  # nothing allowed
        _policy(_copy_into("*", {"StringEquals": {"aws:PrincipalOrgID": "o-other"}})),
        _policy(_copy_into({"AWS": [_root(m) for m in MEMBERS]}) | {"Effect": "Deny"}),
    ],
)
def test_a_vault_policy_that_lets_no_served_account_in_is_refused(policy: str) -> None:
    facts = _central(policy, source_accounts=MEMBERS)
    assert [c for c, _ in _central_findings(facts)] == ["vault_access_policy"]


# --- 2 and 4. the central vault's key (bring-back) ---------------------------------------------


def test_a_vault_key_naming_each_members_service_role_is_shared() -> None:
    # GIVEN the central vault's key names each member's AWSServiceRoleForBackup, for the key's
    # use and the grant statement ([cross-account], with the destination's service role)
    roles = [_service_role(account) for account in MEMBERS]
    key_policy = _policy(_admin(CENTRAL), _key_use(roles), _grants(roles))
    # WHEN the doctor checks the central account serving those members
    facts = _central(key_policy=key_policy, source_accounts=MEMBERS)
    # THEN no false warning
    assert _central_findings(facts) == []


def test_the_organization_form_of_the_vault_key_is_shared() -> None:
    # GIVEN vaults/template.yaml's statements: "*" under the organization and the service role
    condition = {
        "StringEquals": {"aws:PrincipalOrgID": ORG},
        "ArnLike": {"aws:PrincipalArn": _service_role("*")},
    }
    use = _key_use(["*"]) | {"Principal": {"AWS": "*"}, "Condition": condition}
    grants = _grants(["*"]) | {
        "Principal": {"AWS": "*"},
        "Condition": condition | {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    assert _central_findings(_central(key_policy=_policy(_admin(CENTRAL), use, grants))) == []


@pytest.mark.parametrize(
    ("key_policy", "named"),
    [
        # the key's use without the grant statement
        (_policy(_admin(CENTRAL), _key_use([_service_role(m) for m in MEMBERS])), MEMBERS),
        # the second member's role left out
        (
            _policy(
                _admin(CENTRAL),
                _key_use([_service_role(MEMBERS[0])]),
                _grants([_service_role(MEMBERS[0])]),
            ),
            MEMBERS[1:],
        ),
    ],
)
def test_a_vault_key_missing_a_members_grant_is_a_warning_naming_it(
    key_policy: str, named: list[str]
) -> None:
    facts = _central(key_policy=key_policy, source_accounts=MEMBERS)
    [finding] = [f for rule in CENTRAL_RULES for f in rule(facts)]
    assert (finding.category, finding.severity) == ("kms_key_not_shared", "warning")
    assert all(account in finding.problem for account in named)
    assert "kms:CreateGrant" in finding.fix


# --- 4. a member's source key -----------------------------------------------------------------


def _member(key_policy: str, **changes: object) -> MemberFacts:
    point = RecoveryPointKey(
        arn=f"arn:aws:rds:{REGION}:{MEMBER}:cluster-snapshot:awsbackup:job-1",
        resource_type="Aurora",
        key_arn=f"arn:aws:kms:{REGION}:{MEMBER}:key/k",
        key_aws_managed=False,
        key_policy=key_policy,
    )
    fields: dict[str, object] = {
        "account": MEMBER,
        "region": REGION,
        "recovery_points": [point],
        "plan_copies": [PlanCopy(plan="p", rule="r", destination_vault_arn=CENTRAL_VAULT)],
    }
    return MemberFacts.model_validate(fields | changes)


def _member_findings(member: MemberFacts, central: CentralFacts | None = None) -> list[str]:
    facts = central or _central()
    return [f.category for rule in MEMBER_RULES for f in rule(member, facts)]


def test_a_source_key_shared_as_aws_documents_it_gives_no_finding() -> None:
    # GIVEN [cross-account]'s key policy: the member administers its key, the central account
    # may use it and create grants for AWS resources
    key = _policy(_admin(MEMBER), _key_use([_root(CENTRAL)]), _grants([_root(CENTRAL)]))
    assert _member_findings(_member(key)) == []


def test_a_source_key_without_the_grant_statement_is_not_shared() -> None:
    # GIVEN the key's use is shared with the central account but not the grant statement
    key = _policy(_admin(MEMBER), _key_use([_root(CENTRAL)]))
    # THEN the copy into the central vault is predicted to fail
    findings = list(member_keys_usable(_member(key), _central()))
    assert [f.category for f in findings] == ["kms_key_not_shared"]
    assert "kms:CreateGrant" in findings[0].problem


def test_a_source_key_its_own_account_may_not_use_is_found() -> None:
    # GIVEN a key shared with the central account, but naming no principal of its own account
    # (no "Enable IAM User Permissions" statement, no backup role): the member's backup role,
    # which runs the copy, cannot use it
    key = _policy(_key_use([_root(CENTRAL)]), _grants([_root(CENTRAL)]))
    member = _member(key)
    # THEN one finding, on the member's key, about its own account
    [finding] = [f for rule in MEMBER_RULES for f in rule(member, _central())]
    assert (finding.category, finding.account) == ("kms_key_not_shared", MEMBER)
    assert f"account {MEMBER}" in finding.problem
    # AND naming the member's backup role instead of its root is enough
    role = f"arn:aws:iam::{MEMBER}:role/backup-relay/BackupRole"
    named = _policy(_key_use([_root(CENTRAL), role]), _grants([_root(CENTRAL)]))
    assert _member_findings(_member(named)) == []


# --- 3. DynamoDB advanced features --------------------------------------------------------------


SHARED_KEY = _policy(_admin(MEMBER), _key_use([_root(CENTRAL)]), _grants([_root(CENTRAL)]))


def _dynamodb_member(copy: PlanCopy, member_setting: bool | None) -> MemberFacts:
    return _member(
        SHARED_KEY,
        plan_copies=[copy],
        dynamodb_tables=3,
        dynamodb_advanced_features=member_setting,
    )


def _with_management_setting(setting: dict[str, bool] | None) -> CentralFacts:
    facts = _central()
    facts.organization = OrganizationFacts(
        management_account="999999999999",
        backup_policies_enabled=True,
        management_dynamodb_advanced_features=setting,
    )
    return facts


POLICY_COPY = PlanCopy(
    plan="orgs-daily", rule="r", destination_vault_arn=CENTRAL_VAULT, from_backup_policy=True
)


def test_under_backup_policies_the_management_accounts_setting_decides() -> None:
    # GIVEN a member whose own setting is off, backed up by a plan its backup policy made, and
    # the management account's setting on
    member = _dynamodb_member(POLICY_COPY, member_setting=False)
    # THEN nothing is found
    assert _member_findings(member, _with_management_setting({REGION: True})) == []
    # AND with the management account's setting off, the finding is the management account's
    central = _with_management_setting({REGION: False})
    [finding] = [f for rule in MEMBER_RULES for f in rule(member, central)]
    assert finding.category == "dynamodb_advanced_features"
    assert "999999999999" in finding.fix


def test_the_management_accounts_setting_unreadable_is_said_not_checked() -> None:
    # GIVEN the central account is not the management account: the setting cannot be read
    member = _dynamodb_member(POLICY_COPY, member_setting=False)
    central = _with_management_setting(None)
    # THEN no finding is guessed
    assert _member_findings(member, central) == []

    # AND the checkup lists it as not checked, with what it needs
    class Central:
        account = CENTRAL

        def central(self) -> CentralFacts:
            return central

    report = Doctor(Central())()
    assert any("backup:DescribeRegionSettings" in skipped for skipped in report.skipped)


def test_a_cross_region_copy_in_one_account_needs_advanced_features() -> None:
    # GIVEN a member's own plan copying to a vault of its own account in another region, and
    # advanced features off ([features]: no cross-Region copy without them)
    copy = PlanCopy(
        plan="own",
        rule="r",
        destination_vault_arn=f"arn:aws:backup:us-east-1:{MEMBER}:backup-vault:dr",
    )
    member = _dynamodb_member(copy, member_setting=False)
    # THEN it is found, as a copy across regions
    findings = [f for rule in MEMBER_RULES for f in rule(member, _central())]
    dynamodb = [f for f in findings if f.category == "dynamodb_advanced_features"]
    assert len(dynamodb) == 1
    assert "across regions" in dynamodb[0].problem
    # AND a copy in the same region and account is none of its business
    same = copy.model_copy(
        update={"destination_vault_arn": f"arn:aws:backup:{REGION}:{MEMBER}:backup-vault:x"}
    )
    assert "dynamodb_advanced_features" not in _member_findings(
        _dynamodb_member(same, member_setting=False)
    )


# --- 5. the Multi-AZ cluster fix agrees with the tagging convention -----------------------------


def test_the_multi_az_cluster_fix_is_one_the_tagging_rule_accepts() -> None:
    # GIVEN an RDS Multi-AZ DB cluster tagged backup=enabled
    arn = f"arn:aws:rds:{REGION}:{MEMBER}:cluster:orders"
    cluster = MemberResource(
        arn=arn, resource_type="RDS", tags={"backup": "enabled"}, multi_az_cluster=True
    )
    member = _member(SHARED_KEY, resources=[cluster])
    [finding] = [f for rule in MEMBER_RULES for f in rule(member, _central())]
    # THEN its fix does not say backup=custom, which the tagging convention discourages
    assert finding.category == "unsupported_copy_route"
    assert "backup=custom" not in finding.fix
    assert "backup=disabled" in finding.fix
    # WHEN the team follows it
    fixed = cluster.model_copy(update={"tags": {"backup": "disabled"}})
    # THEN no rule finds anything more (the tagging rule included)
    assert _member_findings(_member(SHARED_KEY, resources=[fixed])) == []


# --- 6. the central copies' retention against the central vault's lock ------------------------


@pytest.mark.parametrize(
    ("days", "found"),
    [
        (35, []),  # the member stack's CentralRetentionDays default, within 7..365
        (7, []),
        (3, ["vault_lock_retention"]),  # shorter than the lock's minimum
        (400, ["vault_lock_retention"]),  # longer than its maximum
        (0, ["vault_lock_retention"]),  # no expiry: longer than any maximum
        (None, []),  # not read
    ],
)
def test_central_copies_are_kept_within_the_central_vaults_lock(
    days: int | None, found: list[str]
) -> None:
    # GIVEN a central vault locked to 7..365 days, and a member plan copying into it
    central = _central(lock_min_retention_days=7, lock_max_retention_days=365)
    copy = PlanCopy(plan="p", rule="r", destination_vault_arn=CENTRAL_VAULT, delete_after_days=days)
    member = _member(SHARED_KEY, plan_copies=[copy])
    # WHEN the doctor checks the member
    # THEN the copy's retention is within the lock, or found
    assert _member_findings(member, central) == found
