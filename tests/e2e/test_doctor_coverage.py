"""The doctor sees every type a member's plans select, and the roles AWS Backup works as: each
misconfiguration the sandbox can be seeded with is found once, where it is, with its fix; an
organization whose resources of every type are set up as AWS's guides show passes."""

from __future__ import annotations

import json

import pytest

from backup_relay import wiring
from backup_relay.doctor.report import DoctorReport
from backup_relay_sandbox import api_calls
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.organization import ORGANIZATION_ID, Organization
from backup_relay_sandbox.seeds import SEEDS, add_every_read_type, bucket
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template
from tests.e2e.test_function_permissions import (
    _allows,
    _role_allows,
    _role_statements,
    _statements,
)
from tests.support.delegation import aws_example_delegation

MEMBER = MEMBER_ACCOUNTS[0]


def _doctor(org: Organization) -> DoctorReport:
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    return wiring.doctor(env, tuple(org.members))()


def test_resources_of_every_read_type_set_up_as_aws_shows_pass(moto: None) -> None:
    # GIVEN the sandbox organization, and in its member a versioned bucket, an EBS volume, an EC2
    # instance, an EFS and a persistent FSx for Lustre file system on a customer managed key
    # shared with the central account, a DynamoDB table with advanced features on, a cached
    # volume gateway's volume, all tagged backup=enabled, and a Redshift cluster tagged
    # backup=disabled
    org = Organization.build(members=[MEMBER], resource_types=())
    resources = add_every_read_type(org, MEMBER)
    # WHEN the doctor checks it
    api_calls.clear()
    report = _doctor(org)
    # THEN nothing is found or skipped, and the member's resources, selections and roles were read
    assert report.findings == []
    assert report.skipped == []
    checked = {c.what for c in report.checked if c.account == MEMBER}
    assert {"backup plans' selections", "AWSServiceRoleForBackup"} <= checked
    assert any(what.startswith("resources of S3, EBS, EC2, EFS") for what in checked)
    assert len(resources) == 8
    # AND every read it made as the member's DoctorRole is in that role's policy in
    # member/template.yaml (moto enforces no IAM)
    stack = org.members[MEMBER].stack
    doctor_role = stack.values["DoctorRole.Arn"]
    statements = _role_statements(stack.template["Resources"]["DoctorRole"], stack.values)
    made = {(action, arn) for role, action, arn in api_calls.ROLE_CALLS if role == doctor_role}
    assert {
        "s3:GetBucketVersioning",
        "ec2:DescribeVolumes",
        "fsx:DescribeFileSystems",
        "storagegateway:ListVolumes",
        "iam:ListAttachedRolePolicies",
    } <= {action for action, _ in made}
    assert not [
        (action, arn)
        for action, arn in made
        if not any(_role_allows(s, action, arn) for s in statements)
    ]


def test_a_delegated_administrator_allowed_as_aws_shows_passes(moto: None) -> None:
    # GIVEN the sandbox organization whose member is AWS Backup's delegated administrator,
    # allowed by AWS's example delegation policy for backup policies
    org = Organization.build(members=[MEMBER], resource_types=())
    organizations = client("organizations", REGION, CENTRAL_ACCOUNT)
    organizations.register_delegated_administrator(
        AccountId=MEMBER, ServicePrincipal="backup.amazonaws.com"
    )
    policy = aws_example_delegation(MEMBER, CENTRAL_ACCOUNT, ORGANIZATION_ID)
    organizations.put_resource_policy(Content=json.dumps(policy))
    # WHEN the scheduled doctor checks it
    api_calls.clear()
    org.central.functions["DoctorFunction"]({})
    report = _doctor(org)
    # THEN nothing is found or skipped, and the delegation policy was checked
    assert report.findings == []
    assert report.skipped == []
    assert any("delegation policy" in c.what for c in report.checked)
    # AND the DoctorFunction's policy in template.yaml allows the read it made
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    statements = _statements(template["DoctorFunction"], template)
    made = {(a, r) for f, a, r in api_calls.CALLS if f == "DoctorFunction"}
    assert ("organizations:DescribeResourcePolicy", None) in made
    assert not [(a, r) for a, r in made if not any(_allows(s, a, r, org) for s in statements)]


def test_a_members_own_plan_answers_to_the_members_opt_ins_only(moto: None) -> None:
    # GIVEN the sandbox organization whose management account (the central one) has opted out
    # of S3, and a versioned bucket of the member, tagged backup=enabled, that the member's OWN
    # plan (the member stack's) selects by tags; the member has opted in
    org = Organization.build(members=[MEMBER], resource_types=())
    org.sim.settings.opt_in(CENTRAL_ACCOUNT, REGION, {"S3": False})
    bucket(MEMBER, f"orders-{MEMBER}", versioned=True)
    # WHEN the doctor checks it, as the management account
    report = _doctor(org)
    # THEN nothing is found: AWS applies the member's own opt-ins to its own plans, "without
    # reference to the Organizations management account's" (manage-cross-account.html); the
    # management account's opt-ins were read all the same
    assert report.findings == []
    assert any("management account's resource-type opt-ins" in c.what for c in report.checked)


def test_a_backup_policys_plan_answers_to_the_management_accounts_opt_ins(moto: None) -> None:
    # GIVEN the seed: the management account opted out of S3, and a plan a backup policy made
    # in the member selecting its bucket by tags
    org = Organization.build(
        members=[MEMBER], resource_types=(), seeds=["management_opted_out_of_s3"]
    )
    # WHEN the doctor checks it
    [finding] = _doctor(org).findings
    # THEN the one finding is the management account's, naming the bucket the policy's plan
    # leaves out, with AWS's page that says whose settings decide
    assert finding.resources == [f"arn:aws:s3:::orders-{MEMBER}"]
    assert "backup-policy plans" in finding.problem
    assert finding.docs.endswith("manage-cross-account.html")


@pytest.mark.parametrize(
    ("seed", "category", "severity", "resources"),
    [
        ("buckets_without_versioning", "resource_prerequisite", "error", 3),
        ("backup_role_without_s3_policy", "iam_role_permissions", "error", 0),
        ("volume_on_aws_managed_key", "aws_managed_key", "error", 1),
        ("unencrypted_volume", "resource_prerequisite", "warning", 1),
        ("file_system_key_not_usable", "resource_prerequisite", "error", 1),
        ("table_key_not_usable", "resource_prerequisite", "error", 1),
        ("redshift_copied_across_accounts", "unsupported_copy_route", "error", 1),
        ("untagged_resources", "tagging", "warning", 2),
        ("no_service_linked_role", "iam_role_permissions", "warning", 0),
        ("backup_role_missing", "iam_role_permissions", "error", 0),
        ("backup_role_not_trusting_backup", "iam_role_permissions", "error", 0),
        ("backup_role_without_backup_policy", "iam_role_permissions", "error", 0),
        ("member_vault_without_bring_back_policy", "vault_access_policy", "warning", 0),
        ("member_vault_on_default_key", "default_vault_key", "warning", 0),
        ("management_opted_out_of_s3", "resource_prerequisite", "error", 1),
        ("member_opted_out_of_s3", "resource_prerequisite", "error", 1),
        ("no_central_service_linked_role", "iam_role_permissions", "warning", 0),
        ("central_backup_role_without_backup_policy", "iam_role_permissions", "error", 0),
        (
            "management_delegation_policy_without_backup_policies",
            "organization_setup",
            "warning",
            0,
        ),
        # the instance, and its volume on aws/ebs (tagged as the instance is)
        ("instance_with_a_volume_on_aws_managed_key", "aws_managed_key", "error", 2),
        ("fsx_on_aws_managed_key", "aws_managed_key", "error", 1),
        ("fsx_key_not_usable", "resource_prerequisite", "error", 1),
        ("fsx_scratch_file_system", "resource_prerequisite", "error", 1),
        ("file_gateway_selected", "resource_prerequisite", "error", 1),
    ],
)
def test_each_seeded_misconfiguration_is_one_finding_where_it_is(
    moto: None, *, seed: str, category: str, severity: str, resources: int
) -> None:
    # GIVEN a correct organization seeded with one misconfiguration of its member
    org = Organization.build(members=[MEMBER], resource_types=(), seeds=[seed])
    # WHEN the doctor checks it
    report = _doctor(org)
    # THEN it is one finding (however many resources it touches), where it is (the member and
    # region; the management account's setting in that account), with its fix; failures fail
    # the run
    [finding] = report.findings
    assert (finding.category, finding.severity) == (category, severity)
    central = seed.startswith(("management", "no_central", "central"))
    where = (CENTRAL_ACCOUNT, "-") if central else (MEMBER, REGION)
    assert (finding.account, finding.region) == where
    assert finding.fix
    assert len(finding.resources) == resources
    assert report.failed is (severity == "error")


def test_every_seed_has_a_test() -> None:
    # GIVEN the seeds the sandbox offers THEN each is one case above
    cases = test_each_seeded_misconfiguration_is_one_finding_where_it_is.pytestmark  # type: ignore[attr-defined]
    seeds = {case[0] for mark in cases if mark.name == "parametrize" for case in mark.args[1]}
    assert seeds == set(SEEDS)
