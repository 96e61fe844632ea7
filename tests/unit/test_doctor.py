"""The doctor's rules over facts: pure, one finding per problem, in the catalogue's categories."""

from __future__ import annotations

import json

import pytest

from backup_relay.doctor.central import CENTRAL_RULES
from backup_relay.doctor.facts import (
    BusRuleFacts,
    CentralFacts,
    MemberFacts,
    MemberResource,
    OptionGroupFacts,
    OrganizationFacts,
    PlanCopy,
    RecoveryPointKey,
    StackFacts,
    VaultFacts,
)
from backup_relay.doctor.member_vaults import MEMBER_VAULT_RULES
from backup_relay.doctor.members import (
    MEMBER_RULES,
    dr_region_has_the_option_groups,
    member_keys_usable,
)
from backup_relay.doctor.policy import allows_copy_into
from backup_relay.doctor.preflight import PREFLIGHT_RULES
from backup_relay.doctor.report import (
    Check,
    DoctorReport,
    Finding,
)
from backup_relay.doctor.resources import RESOURCE_RULES
from backup_relay.doctor.roles import ROLE_RULES
from backup_relay.doctor.rules import ALL_RULES, categories_of
from backup_relay.domain.catalogue import CATEGORIES
from backup_relay.domain.categories import NOT_CHECKABLE, SETUP_CATEGORIES

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
    return [finding.category for rule in CENTRAL_RULES for finding in rule(facts)]


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
    assert allows_copy_into(json.dumps({"Statement": [full]}), ORG) is allowed


@pytest.mark.parametrize("policy", [None, "", "not json", json.dumps({"Statement": "x"})])
def test_a_missing_or_unreadable_policy_lets_no_one_in(policy: str | None) -> None:
    assert allows_copy_into(policy, ORG) is False


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
        (  # use without the grant statement AWS's cross-account key policy adds: not shared
            {"Principal": {"AWS": ["arn:aws:iam::123456789012:role/x"]}, "Action": ["kms:Decrypt"]},
            False,
            ["kms_key_not_shared"],
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
    findings = list(member_keys_usable(_member(policy, managed), _facts()))
    assert [f.category for f in findings] == found  # one per key, not per recovery point


def test_every_checkable_catalogue_category_has_a_doctor_rule() -> None:
    # GIVEN the categories the rules can report (the preflight's too), and those no
    # prerequisite check can see
    added = {*RESOURCE_RULES, *ROLE_RULES, *MEMBER_VAULT_RULES}
    assert set(PREFLIGHT_RULES) | added <= set(ALL_RULES.values())
    covered = {category for rule in ALL_RULES.values() for category in categories_of(rule)}
    # THEN every catalogue category is one or the other, never both
    assert set(CATEGORIES) <= covered | set(NOT_CHECKABLE)
    assert not covered & set(NOT_CHECKABLE)
    assert set(NOT_CHECKABLE) <= set(CATEGORIES)
    # AND the doctor's own categories are exactly those no catalogue entry has
    assert covered - set(CATEGORIES) == set(SETUP_CATEGORIES)


def _member_facts(**changes: object) -> MemberFacts:
    fields: dict[str, object] = {
        "account": "222222222222",
        "region": "us-west-2",
        "recovery_points": [],
        "resources": [],
        "plan_copies": [
            PlanCopy(
                plan="p",
                rule="r",
                destination_vault_arn="arn:aws:backup:us-west-2:123456789012:backup-vault:central",
            )
        ],
        "forwarding_rules": [
            BusRuleFacts(name="ForwardRule", enabled=True, sources=["aws.backup"], targets=["b"])
        ],
    }
    return MemberFacts.model_validate(fields | changes)


def _member_findings(member: MemberFacts, central: CentralFacts | None = None) -> list[str]:
    facts = central or _facts()
    return [finding.category for rule in MEMBER_RULES for finding in rule(member, facts)]


def test_a_correct_member_has_no_finding() -> None:
    assert _member_findings(_member_facts()) == []


def _database(tags: dict[str, str], **changes: object) -> MemberResource:
    return MemberResource.model_validate(
        {"arn": "arn:aws:rds:us-west-2:222222222222:cluster:c", "resource_type": "Aurora"}
        | {"tags": tags}
        | changes
    )


@pytest.mark.parametrize(
    ("changes", "found"),
    [
        ({"plan_copies": []}, ["member_plan"]),
        ({"plan_copies": None}, []),  # not read: nothing said
        (
            {
                "plan_copies": [
                    PlanCopy(
                        plan="p",
                        rule="r",
                        destination_vault_arn="arn:aws:backup:us-east-1:123456789012:"
                        "backup-vault:central",  # another region's central vault
                    )
                ]
            },
            ["member_plan"],
        ),
        ({"forwarding_rules": []}, ["forwarding"]),
        (
            {
                "forwarding_rules": [
                    BusRuleFacts(name="f", enabled=False, sources=["aws.backup"], targets=["b"])
                ]
            },
            ["forwarding"],
        ),
        (
            {
                "forwarding_rules": [
                    BusRuleFacts(
                        name="f",
                        enabled=True,
                        sources=["aws.backup"],
                        targets=["b"],
                        missing_roles=["arn:aws:iam::222222222222:role/gone"],
                    )
                ]
            },
            ["forwarding"],
        ),
        (
            {
                "forwarding_rules": [
                    BusRuleFacts(
                        name="f",
                        enabled=True,
                        sources=["aws.backup"],
                        targets=["b"],
                        dead_letter_queues=["arn:aws:sqs:us-west-2:222222222222:dlq"],
                        dead_letters=3,
                    )
                ]
            },
            ["forward_dead_letters"],
        ),
        ({"resources": [_database({})]}, ["tagging"]),
        ({"resources": [_database({"backup": "custom"})]}, ["tagging"]),
        ({"resources": [_database({"backup": "disabled"})]}, []),
        ({"resources": [_database({}), _database({"Backup": "enabled"})]}, ["tagging"]),
        (
            {"resources": [_database({"backup": "enabled"}, multi_az_cluster=True)]},
            ["unsupported_copy_route"],
        ),
        (
            {"dynamodb_tables": 2, "dynamodb_advanced_features": False},
            ["dynamodb_advanced_features"],
        ),
        ({"dynamodb_tables": 2, "dynamodb_advanced_features": None}, []),
        ({"dynamodb_tables": 0, "dynamodb_advanced_features": False}, []),
    ],
)
def test_each_member_problem_gives_its_finding(
    changes: dict[str, object], found: list[str]
) -> None:
    assert _member_findings(_member_facts(**changes)) == found


def test_a_member_outside_the_organization_is_found() -> None:
    central = _facts(organization=OrganizationFacts(accounts=["123456789012"]))
    assert _member_findings(_member_facts(), central) == ["not_same_organization"]


@pytest.mark.parametrize(
    ("dr_groups", "found"),
    [
        ([], ["option_group_missing"]),
        (
            [OptionGroupFacts(name="g", engine="oracle-ee", major_version="19", options=["APEX"])],
            [],
        ),
        (  # the options, but for another major version
            [OptionGroupFacts(name="g", engine="oracle-ee", major_version="21", options=["APEX"])],
            ["option_group_missing"],
        ),
        (None, []),  # not read
    ],
)
def test_the_dr_region_needs_the_option_groups_of_selected_rds_instances(
    dr_groups: list[OptionGroupFacts] | None, found: list[str]
) -> None:
    group = OptionGroupFacts(name="o", engine="oracle-ee", major_version="19", options=["APEX"])
    resource = MemberResource(
        arn="arn:aws:rds:us-west-2:222222222222:db:billing",
        resource_type="RDS",
        tags={"backup": "enabled"},
        option_group=group,
    )
    central = _facts(dr_region="us-east-1", dr_option_groups=dr_groups)
    members = [_member_facts(resources=[resource]), _member_facts(resources=[resource])]
    findings = list(dr_region_has_the_option_groups(central, members))
    assert [f.category for f in findings] == found  # one per option group, not per database


def _locked(role: str, low: int | None, high: int | None) -> VaultFacts:
    vault = _facts().vaults[0]
    return vault.model_copy(
        update={"role": role, "lock_min_retention_days": low, "lock_max_retention_days": high}
    )


@pytest.mark.parametrize(
    ("vault", "intermediate", "dr", "found"),
    [
        (_locked("central", 7, None), 3, 0, ["vault_lock_retention"]),
        (_locked("central", 1, None), 3, 0, []),
        (_locked("central", 7, None), 0, 0, []),  # the chain leaves central copies alone
        (_locked("DR", None, 365), 0, 0, ["vault_lock_retention"]),  # kept forever
        (_locked("DR", None, 365), 0, 400, ["vault_lock_retention"]),
        (_locked("DR", 30, 365), 0, 90, []),
    ],
)
def test_vault_locks_must_allow_the_retention_the_chain_gives(
    vault: VaultFacts, intermediate: int, dr: int, found: list[str]
) -> None:
    facts = _facts(vaults=[vault], intermediate_retention_days=intermediate, dr_retention_days=dr)
    assert _findings(facts) == found


def _stack(**changes: object) -> StackFacts:
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
            }
        ]
    }
    rule = BusRuleFacts(name="Collect", enabled=True, sources=["aws.backup"], targets=["q"])
    fields: dict[str, object] = {
        "bus_name": "backup-relay",
        "bus_exists": True,
        "bus_policy": json.dumps(policy),
        "ingest_queue_arn": "q",
        "rules": [rule],
    }
    return StackFacts.model_validate(fields | changes)


@pytest.mark.parametrize(
    ("changes", "found"),
    [
        ({}, []),
        ({"bus_policy": None}, ["bus_policy"]),
        (
            {
                "bus_policy": json.dumps(
                    {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "events:*"}]}
                )
            },
            ["bus_policy"],  # open to every AWS account
        ),
        ({"rules": []}, ["event_rules"]),
        (
            {
                "rules": [
                    BusRuleFacts(name="C", enabled=False, sources=["aws.backup"], targets=["q"])
                ]
            },
            ["event_rules", "event_rules"],  # this rule is disabled; and none is enabled
        ),
        ({"bus_exists": False}, ["event_rules"]),
    ],
)
def test_the_stacks_bus_takes_the_organizations_events(
    changes: dict[str, object], found: list[str]
) -> None:
    assert _findings(_facts(stack=_stack(**changes))) == found


@pytest.mark.parametrize(
    ("organization", "found"),
    [
        (OrganizationFacts(), []),  # nothing readable: nothing said (the report says skipped)
        (OrganizationFacts(organization_id=ORG, backup_trusted_access=True), []),
        (OrganizationFacts(organization_id="o-elsewhere01"), ["not_same_organization"]),
        (OrganizationFacts(backup_trusted_access=False), ["organization_setup"]),
        (OrganizationFacts(backup_policies_enabled=False), ["organization_setup"]),
        (
            OrganizationFacts(management_account="999999999999", delegated_administrators=[]),
            ["organization_setup"],
        ),
        (
            OrganizationFacts(
                management_account="999999999999", delegated_administrators=["123456789012"]
            ),
            [],
        ),
    ],
)
def test_the_organization_is_the_stacks_and_set_up_for_backup(
    organization: OrganizationFacts, found: list[str]
) -> None:
    assert _findings(_facts(organization=organization)) == found


def test_a_report_groups_by_account_and_region_failures_first() -> None:
    # GIVEN checks in three places, a warning in one and a failure in another
    report = DoctorReport(
        checked=[
            Check(account="1", region="-", what="a"),
            Check(account="2", region="r", what="b"),
            Check(account="3", region="r", what="c"),
        ]
    )

    def finding(account: str, severity: str) -> Finding:
        return Finding.model_validate(
            {"severity": severity, "category": "tagging", "account": account, "region": "r"}
            | {"resource": "res", "problem": "p", "fix": "f"}
        )

    report.add([finding("2", "warning"), finding("3", "error")])
    # THEN the failing group comes first, then the warning, then what passed
    assert [key for key, _, _ in report.groups()] == [("3", "r"), ("2", "r"), ("1", "-")]
    assert report.failed
    assert report.summary == {"tagging": 2}


def test_merging_reports_counts_shared_checks_once() -> None:
    one = DoctorReport(checked=[Check(account="1", region="-", what="organization")])
    two = DoctorReport(checked=[Check(account="1", region="-", what="organization")])
    one.merge(two)
    assert len(one.checked) == 1
