"""The doctor's rules over who decides and who may act for the organization: each member's own
resource-type opt-ins, the Organizations delegation policy a delegated administrator of AWS
Backup needs for backup policies, and the central account's backup role the chain's copies run
as. Pure; each from AWS's documented setup it must accept and one it must refuse."""

from __future__ import annotations

import json

import pytest

from backup_relay.doctor.delegation import (
    BACKUP_POLICY_ACTIONS,
    delegated_administrators_may_manage_backup_policies,
)
from backup_relay.doctor.facts import CentralFacts, MemberFacts, OrganizationFacts
from backup_relay.doctor.organization_coverage import (
    management_opts_in_the_selected_types,
    member_opt_ins_checked,
    member_opts_in_its_selected_types,
    organization_checked,
)
from backup_relay.doctor.resource_facts import MemberCoverage, SelectedResource, Selection
from backup_relay.doctor.roles import CENTRAL_ROLE_RULES
from backup_relay.domain.failures import Severity
from tests.support.delegation import ORG, aws_example_delegation

MEMBER = "222222222222"
CENTRAL = "123456789012"
REGION = "us-west-2"
ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"
ENABLED = {"backup": "enabled"}


def _central(**changes: object) -> CentralFacts:
    fields: dict[str, object] = {
        "account": CENTRAL,
        "organization_id": "o-a1b2c3d4e5",
        "vaults": [],
        "cross_account_backup": True,
        "backup_role_arn": f"arn:aws:iam::{CENTRAL}:role/backup-relay/BackupRole",
        "backup_role_exists": True,
        "backup_role_trusts_backup": True,
        "organization": OrganizationFacts(management_account=CENTRAL),
    }
    return CentralFacts.model_validate(fields | changes)


def _selection(**changes: object) -> Selection:
    fields: dict[str, object] = {
        "plan": "backup-relay-us-west-2",
        "name": "tagged-backup-enabled",
        "role_arn": ROLE,
        "tags": [("backup", "enabled")],
    }
    return Selection.model_validate(fields | changes)


def _member(
    opt_in: dict[str, bool] | None, *selections: Selection, buckets: int = 2
) -> MemberFacts:
    resources = [
        SelectedResource(arn=f"arn:aws:s3:::orders-{n}", resource_type="S3", tags=ENABLED)
        for n in range(buckets)
    ] + [
        SelectedResource(
            arn=f"arn:aws:ec2:{REGION}:{MEMBER}:volume/vol-0123456789abcdef0",
            resource_type="EBS",
            tags=ENABLED,
        )
    ]
    return MemberFacts(
        account=MEMBER,
        region=REGION,
        recovery_points=[],
        resource_type_opt_in=opt_in,
        coverage=MemberCoverage(selections=list(selections) or [_selection()], resources=resources),
    )


# ---- a member's own opt-ins ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opt_in", "selection", "found"),
    [
        # every type opted in (as a new account is for most types): nothing
        ({"S3": True, "EBS": True}, {}, []),
        # AWS: "If resource assignments are only based on tags, then service opt-in settings
        # are applied" (API_UpdateRegionSettings): one finding for S3, both buckets in it
        ({"S3": False, "EBS": True}, {}, [("S3", 2)]),
        ({"S3": False, "EBS": True}, {"tags": [], "resources": ["*"]}, [("S3", 2)]),
        # "If a resource type is explicitly assigned ... it will be included in the backup even
        # if the opt-in is not enabled": nothing
        ({"S3": False}, {"tags": [], "resources": ["arn:aws:s3:::*"]}, []),
        # a plan a backup policy made is the management account's to decide, not the member's
        ({"S3": False}, {"from_backup_policy": True}, []),
    ],
)
def test_a_members_own_opt_ins_decide_for_its_own_plans_selections_by_tags(
    opt_in: dict[str, bool], selection: dict[str, object], found: list[tuple[str, int]]
) -> None:
    # GIVEN a member with two buckets and a volume tagged backup=enabled, its own settings and
    # one selection of its plans
    member = _member(opt_in, _selection(**selection))
    # WHEN the rule reads them
    findings = list(member_opts_in_its_selected_types(member, _central()))
    # THEN one finding per type not opted in, where it is, listing its resources, with the fix
    assert [(f.resource.split(" of ")[1].split()[0], len(f.resources)) for f in findings] == found
    for finding in findings:
        assert (finding.account, finding.region) == (MEMBER, REGION)
        assert finding.category == "resource_prerequisite"
        assert finding.severity is Severity.ERROR
        assert "--resource-type-opt-in-preference S3=true" in finding.fix
        assert f"--region {REGION}" in finding.fix


@pytest.mark.parametrize(
    ("member_opt_in", "management_opt_in", "policy_plan", "found"),
    [
        # AWS's page: the member's own ("local-level") plans "follow the opt-in settings in the
        # member account, without reference to the Organizations management account's": the
        # member opted in, the management account not: nothing
        ({"S3": True}, {"S3": False}, False, []),
        # ... and the member not, the management account opted in: the member's own finding
        ({"S3": False}, {"S3": True}, False, [(MEMBER, 2)]),
        # a plan a backup policy made: the management account's settings "override the opt-in
        # settings in that member account, but only for that backup plan"
        ({"S3": False}, {"S3": True}, True, []),
        ({"S3": True}, {"S3": False}, True, [(CENTRAL, 2)]),
    ],
)
def test_each_plan_answers_to_the_opt_ins_of_the_account_aws_says_decides_for_it(
    member_opt_in: dict[str, bool],
    management_opt_in: dict[str, bool],
    policy_plan: bool,
    found: list[tuple[str, int]],
) -> None:
    # GIVEN a member's two buckets tagged backup=enabled, one plan selecting them by tags (the
    # member's own, or one a backup policy made), and both accounts' S3 opt-ins, the doctor
    # running as the management account with backup policies on
    member = _member(member_opt_in, _selection(from_backup_policy=policy_plan))
    central = _central(
        resource_type_opt_in=management_opt_in,
        organization=OrganizationFacts(management_account=CENTRAL, backup_policies_enabled=True),
    )
    # WHEN both opt-in rules read them
    findings = [
        *member_opts_in_its_selected_types(member, central),
        *management_opts_in_the_selected_types(central, [member]),
    ]
    # THEN the one account whose setting AWS applies to that plan is the one found, once
    assert [(f.account, len(f.resources)) for f in findings] == found


def test_a_member_whose_opt_ins_cannot_be_read_is_said_not_checked() -> None:
    # GIVEN a member whose DoctorRole may not call DescribeRegionSettings
    member = _member(None)
    # WHEN the doctor checks it
    findings = list(member_opts_in_its_selected_types(member, _central()))
    checked, skipped = member_opt_ins_checked(member)
    # THEN no guess: nothing found, and the report names what it could not check and the
    # permission that can
    assert findings == []
    assert checked == []
    [line] = skipped
    assert MEMBER in line
    assert "backup:DescribeRegionSettings" in line
    assert member_opt_ins_checked(_member({})) == (["the account's own resource-type opt-ins"], [])


# ---- the Organizations delegation policy --------------------------------------------------------

READS = ("organizations:DescribePolicy", "organizations:ListPolicies")


def _view_only(admin: str) -> dict[str, object]:
    """AWS's example "View organization, OUs, accounts, and policies": no policy action."""
    example = aws_example_delegation(admin, CENTRAL)
    statements: list[object] = example["Statement"]  # type: ignore[assignment]
    return example | {"Statement": statements[:2]}


def _for_tag_policies(admin: str) -> dict[str, object]:
    """AWS's example, delegated for another policy type: not for backup policies."""
    text = json.dumps(aws_example_delegation(admin, CENTRAL))
    return json.loads(
        text.replace("BACKUP_POLICY", "TAG_POLICY").replace("backup_policy", "tag_policy")
    )


def _delegating(policy: dict[str, object] | None, *, read: bool = True) -> CentralFacts:
    return _central(
        organization=OrganizationFacts(
            organization_id=ORG,
            management_account=CENTRAL,
            delegated_administrators=[MEMBER],
            backup_policies_enabled=True,
            delegation_policy=None if policy is None else json.dumps(policy),
            delegation_policy_read=read,
        )
    )


@pytest.mark.parametrize(
    ("policy", "missing"),
    [
        # AWS's documented example: accepted
        (aws_example_delegation(MEMBER, CENTRAL), []),
        # the example for another account: this administrator is not allowed anything
        (aws_example_delegation("444444444444", CENTRAL), list(BACKUP_POLICY_ACTIONS)),
        # the read-only example: no create, update, delete, attach, detach
        (_view_only(MEMBER), [a for a in BACKUP_POLICY_ACTIONS if a not in READS]),
        # delegated for tag policies, not backup policies
        (_for_tag_policies(MEMBER), list(BACKUP_POLICY_ACTIONS)),
    ],
)
def test_the_delegation_policy_allows_each_delegated_administrator_the_backup_policy_actions(
    policy: dict[str, object], missing: list[str]
) -> None:
    # GIVEN the management account's delegation policy and a member that is AWS Backup's
    # delegated administrator
    central = _delegating(policy)
    # WHEN the rule reads it
    findings = list(delegated_administrators_may_manage_backup_policies(central))
    # THEN AWS's example passes; a policy that lacks the backup-policy actions is one warning
    # in the management account, naming what is missing and the fix
    if not missing:
        assert findings == []
        return
    [finding] = findings
    assert (finding.account, finding.region) == (CENTRAL, "-")
    assert (finding.category, finding.severity) == ("organization_setup", Severity.WARNING)
    assert MEMBER in finding.resource
    assert all(action in finding.problem for action in missing)
    assert "put-resource-policy" in finding.fix
    assert f"arn:aws:iam::{MEMBER}:root" in finding.fix


def test_no_delegation_policy_at_all_is_found() -> None:
    [finding] = delegated_administrators_may_manage_backup_policies(_delegating(None))
    assert "no delegation policy" in finding.problem


def test_a_delegation_policy_that_cannot_be_read_is_said_not_checked() -> None:
    # GIVEN a central account that may not call DescribeResourcePolicy (neither the management
    # account nor a delegated administrator)
    central = _delegating(None, read=False)
    central.account = "555555555555"
    # THEN no finding, and the report says what it could not check, naming the permission
    assert list(delegated_administrators_may_manage_backup_policies(central)) == []
    _, skipped = organization_checked(central)
    assert any("organizations:DescribeResourcePolicy" in s and MEMBER in s for s in skipped)
    # AND once read, it is listed as checked
    checked, skipped = organization_checked(_delegating(aws_example_delegation(MEMBER, CENTRAL)))
    assert any("delegation policy" in c for c in checked)
    assert not any("delegation policy" in s for s in skipped)


# ---- the central account's backup role ----------------------------------------------------------

#: What the AWS Backup console's default role carries (AWSBackupDefaultServiceRole); the
#: template's BackupRole: tests/integration/test_central_backup_role.py
CONSOLE_ROLE = ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"]


@pytest.mark.parametrize(
    ("policies", "others", "found"),
    [
        (CONSOLE_ROLE, 0, []),
        # without the managed policy whose statements copy snapshots: every hop fails
        (["AWSBackupServiceRolePolicyForRestores"], 0, [Severity.ERROR]),
        # ... unless its own policies grant the same: warned about, not failed
        (["AWSBackupServiceRolePolicyForRestores"], 1, [Severity.WARNING]),
        # not readable: no guess
        (None, 0, []),
    ],
)
def test_the_central_backup_role_carries_what_copies_need(
    policies: list[str] | None, others: int, found: list[Severity]
) -> None:
    # GIVEN the central role the chain passes to StartCopyJob, with these policies
    central = _central(backup_role_policies=policies, backup_role_other_policies=others)
    # WHEN the central role rules read it
    findings = [f for rule in CENTRAL_ROLE_RULES for f in rule(central)]
    # THEN a role without AWSBackupServiceRolePolicyForBackup is one finding, in the central
    # account, with the fix
    assert [f.severity for f in findings] == found
    for finding in findings:
        assert (finding.account, finding.region) == (CENTRAL, "-")
        assert finding.category == "iam_role_permissions"
        assert finding.resource == central.backup_role_arn
        assert "attach-role-policy --role-name BackupRole" in finding.fix
        assert "service-role/AWSBackupServiceRolePolicyForBackup" in finding.fix


def test_a_missing_or_untrusting_central_role_is_one_finding_not_two() -> None:
    # GIVEN a role that does not exist, or does not trust AWS Backup (backup_role_ready's)
    for broken in ({"backup_role_exists": False}, {"backup_role_trusts_backup": False}):
        central = _central(backup_role_policies=[], **broken)
        # THEN this rule adds nothing to that finding
        assert [f for rule in CENTRAL_ROLE_RULES for f in rule(central)] == []
