"""The doctor's rules over every type a member's plans select, and over the roles AWS Backup works
as: pure, one finding per cause per member (listing its resources), each from AWS's documented
setup it must accept and the one it must refuse."""

from __future__ import annotations

import json

import pytest

from backup_relay.doctor.checkup import Doctor
from backup_relay.doctor.facts import CentralFacts, MemberFacts, OrganizationFacts
from backup_relay.doctor.member_vaults import MEMBER_VAULT_RULES
from backup_relay.doctor.organization_coverage import (
    management_opts_in_the_selected_types,
    organization_checked,
)
from backup_relay.doctor.resource_facts import (
    MemberCoverage,
    MemberVaultFacts,
    RoleFacts,
    SelectedResource,
    Selection,
)
from backup_relay.doctor.resources import RESOURCE_RULES, coverage_checked, selects
from backup_relay.doctor.roles import CENTRAL_ROLE_RULES, ROLE_RULES
from backup_relay.domain.failures import Severity

MEMBER = "222222222222"
CENTRAL = "123456789012"
REGION = "us-west-2"
ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"
ENABLED = {"backup": "enabled"}
#: AWS's default key policy: the account's root may use the key, IAM decides who in it may.
ROOT_KEY_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{MEMBER}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    }
)
ADMIN_ONLY_KEY_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{MEMBER}:role/KeyAdministrator"},
                "Action": ["kms:Create*", "kms:Describe*", "kms:Put*"],
                "Resource": "*",
            }
        ]
    }
)


def _central() -> CentralFacts:
    return CentralFacts(
        account=CENTRAL,
        organization_id="o-a1b2c3d4e5",
        vaults=[],
        cross_account_backup=True,
        backup_role_arn=f"arn:aws:iam::{CENTRAL}:role/r",
        backup_role_exists=True,
        backup_role_trusts_backup=True,
    )


def _tagged_selection(**changes: object) -> Selection:
    fields: dict[str, object] = {
        "plan": "backup-relay-us-west-2",
        "name": "tagged-backup-enabled",
        "role_arn": ROLE,
        "tags": [("backup", "enabled")],
        "copies_to_accounts": [CENTRAL],
    }
    return Selection.model_validate(fields | changes)


def _role(**changes: object) -> RoleFacts:
    fields: dict[str, object] = {
        "arn": ROLE,
        "exists": True,
        "trusts_backup": True,
        "managed_policies": [
            "AWSBackupServiceRolePolicyForBackup",
            "AWSBackupServiceRolePolicyForRestores",
            "AWSBackupServiceRolePolicyForS3Backup",
            "AWSBackupServiceRolePolicyForS3Restore",
        ],
    }
    return RoleFacts.model_validate(fields | changes)


def _member(
    *resources: SelectedResource,
    selections: list[Selection] | None = None,
    roles: list[RoleFacts] | None = None,
    service_linked_role: bool = True,
) -> MemberFacts:
    return MemberFacts(
        account=MEMBER,
        region=REGION,
        recovery_points=[],
        coverage=MemberCoverage(
            selections=[_tagged_selection()] if selections is None else selections,
            resources=list(resources),
            service_linked_role=service_linked_role,
            roles=[_role()] if roles is None else roles,
        ),
    )


def _bucket(
    name: str, versioning: str = "Enabled", tags: dict[str, str] = ENABLED
) -> SelectedResource:
    return SelectedResource(
        arn=f"arn:aws:s3:::{name}", resource_type="S3", tags=tags, versioning=versioning
    )


def _volume(n: int, **changes: object) -> SelectedResource:
    fields: dict[str, object] = {
        "arn": f"arn:aws:ec2:{REGION}:{MEMBER}:volume/vol-{n:017x}",
        "resource_type": "EBS",
        "tags": ENABLED,
        "key_arn": f"arn:aws:kms:{REGION}:{MEMBER}:key/k",
        "key_policy": ROOT_KEY_POLICY,
    }
    return SelectedResource.model_validate(fields | changes)


def _findings(member: MemberFacts) -> list[tuple[str, Severity, int]]:
    central = _central()
    return [
        (f.category, f.severity, len(f.resources))
        for rule in (*RESOURCE_RULES, *ROLE_RULES)
        for f in rule(member, central)
    ]


def test_a_member_set_up_as_aws_shows_has_no_finding() -> None:
    # GIVEN a versioned bucket, a volume on a customer managed key whose policy lets the account
    # (IAM) use it, an EFS file system and a DynamoDB table on such a key, a Redshift cluster
    # its team keeps (backup=disabled), and a backup role with AWS's managed policies
    efs = SelectedResource(
        arn=f"arn:aws:elasticfilesystem:{REGION}:{MEMBER}:file-system/fs-1",
        resource_type="EFS",
        tags=ENABLED,
        key_arn="k",
        key_policy=ROOT_KEY_POLICY,
    )
    redshift = SelectedResource(
        arn=f"arn:aws:redshift:{REGION}:{MEMBER}:cluster:dw",
        resource_type="Redshift",
        tags={"backup": "disabled"},
    )
    member = _member(_bucket("orders"), _volume(1), efs, redshift)
    # THEN nothing is found
    assert _findings(member) == []


def test_500_buckets_without_versioning_are_one_finding_listing_them() -> None:
    # GIVEN 500 selected buckets without S3 Versioning (never enabled, or suspended)
    buckets = [_bucket(f"b{n}", versioning="" if n % 2 else "Suspended") for n in range(500)]
    # WHEN the rules run
    [finding] = [f for rule in RESOURCE_RULES for f in rule(_member(*buckets), _central())]
    # THEN one finding names the cause (not a count: its alert keeps its id) and holds them all
    assert finding.category == "resource_prerequisite"
    assert finding.severity is Severity.ERROR
    assert len(finding.resources) == 500
    assert finding.problem.startswith("500 S3 bucket(s)")
    assert "and 495 more" in finding.problem
    assert "500" not in finding.resource
    assert finding.docs is not None
    assert finding.docs.endswith("/s3-backups.html")


def test_a_bucket_no_plan_selects_needs_no_versioning() -> None:
    # GIVEN an unversioned bucket tagged backup=disabled
    member = _member(_bucket("logs", versioning="", tags={"backup": "disabled"}))
    # THEN no finding
    assert _findings(member) == []


@pytest.mark.parametrize(
    ("volume", "copies_to", "found"),
    [
        # AWS's documented setup: a customer managed key: copied across accounts
        ({}, [CENTRAL], []),
        # aws/ebs: AWS managed keys cannot be shared, the copy to the central account fails
        (
            {"key_aws_managed": True, "key_policy": None},
            [CENTRAL],
            [("aws_managed_key", "error", 1)],
        ),
        # the same key in a plan that copies nowhere else: nothing to fail
        ({"key_aws_managed": True, "key_policy": None}, [], []),
        # unencrypted: its copies in the central vault are unencrypted as well
        (
            {"encrypted": False, "key_arn": None},
            [CENTRAL],
            [("resource_prerequisite", "warning", 1)],
        ),
    ],
)
def test_ebs_volumes_copied_across_accounts(
    volume: dict[str, object], copies_to: list[str], found: list[tuple[str, str, int]]
) -> None:
    member = _member(
        _volume(1, **volume), selections=[_tagged_selection(copies_to_accounts=copies_to)]
    )
    assert _findings(member) == found


def test_an_instance_with_one_volume_on_aws_ebs_among_customer_managed_ones_is_found() -> None:
    # GIVEN an instance the plan selects (and copies to the central account) whose root volume
    # is on a customer managed key and whose data volume is on aws/ebs, the volumes themselves
    # not selected (the team tags instances)
    root = _volume(1, tags={"backup": "disabled"})
    data = _volume(2, tags={"backup": "disabled"}, key_aws_managed=True, key_policy=None)
    server = SelectedResource(
        arn=f"arn:aws:ec2:{REGION}:{MEMBER}:instance/i-0123456789abcdef0",
        resource_type="EC2",
        tags=ENABLED,
        attached=[root.arn, data.arn],
    )
    # WHEN the rules run
    findings = [f for rule in RESOURCE_RULES for f in rule(_member(root, data, server), _central())]
    # THEN one finding lists the instance, and names its volume on the AWS managed key (AWS:
    # cross-account copy with AWS managed keys is not supported), not the other
    [finding] = findings
    assert (finding.category, finding.resources) == ("aws_managed_key", [server.arn])
    assert "i-0123456789abcdef0: vol-00000000000000002" in finding.problem
    assert "vol-00000000000000001" not in finding.problem
    assert finding.docs is not None
    assert finding.docs.endswith("/encryption.html")


def test_an_instance_whose_volumes_are_all_on_shared_keys_passes() -> None:
    root, data = _volume(1), _volume(2)
    server = SelectedResource(
        arn=f"arn:aws:ec2:{REGION}:{MEMBER}:instance/i-0123456789abcdef0",
        resource_type="EC2",
        tags=ENABLED,
        attached=[root.arn, data.arn],
    )
    assert _findings(_member(root, data, server)) == []


@pytest.mark.parametrize(
    ("policy", "found"),
    [
        (ROOT_KEY_POLICY, []),
        (ADMIN_ONLY_KEY_POLICY, [("resource_prerequisite", "error", 2)]),
    ],
)
def test_efs_and_dynamodb_keys_must_let_the_account_in(
    policy: str, found: list[tuple[str, str, int]]
) -> None:
    # GIVEN an EFS file system and a DynamoDB table on one customer managed key
    resources = [
        SelectedResource(
            arn=f"arn:aws:{service}:{REGION}:{MEMBER}:{name}",
            resource_type=resource_type,
            tags=ENABLED,
            key_arn="k",
            key_policy=policy,
        )
        for service, name, resource_type in (
            ("elasticfilesystem", "file-system/fs-1", "EFS"),
            ("dynamodb", "table/t", "DynamoDB"),
        )
    ]
    # THEN a key that lets no principal of the account decrypt is one finding for both
    assert _findings(_member(*resources)) == found


def test_redshift_selected_by_a_plan_copying_across_accounts_fails_every_night() -> None:
    redshift = SelectedResource(
        arn=f"arn:aws:redshift:{REGION}:{MEMBER}:cluster:dw", resource_type="Redshift", tags=ENABLED
    )
    assert _findings(_member(redshift)) == [("unsupported_copy_route", "error", 1)]


def test_every_read_type_follows_the_tagging_convention() -> None:
    # GIVEN an untagged bucket and volume, and a volume its team keeps
    member = _member(
        _bucket("a", tags={}), _volume(1, tags={}), _volume(2, tags={"backup": "custom"})
    )
    # THEN one warning per gap, naming the resources
    assert _findings(member) == [("tagging", "warning", 2), ("tagging", "warning", 1)]


@pytest.mark.parametrize(
    ("selection", "resource", "held"),
    [
        ({"tags": [("backup", "enabled")]}, {"tags": ENABLED}, True),
        ({"tags": [("backup", "enabled")]}, {"tags": {}}, False),
        # AWS's example of every bucket, by ARN pattern
        ({"tags": [], "resources": ["arn:aws:s3:::*"]}, {}, True),
        ({"tags": [], "resources": ["*"], "not_resources": ["arn:aws:s3:::a*"]}, {}, False),
        # Resources narrowed by a condition on a tag
        (
            {"tags": [], "resources": ["*"], "conditions": [("StringEquals", "team", "data")]},
            {"tags": {"team": "data"}},
            True,
        ),
        (
            {"tags": [], "resources": ["*"], "conditions": [("StringEquals", "team", "data")]},
            {"tags": {"team": "web"}},
            False,
        ),
    ],
)
def test_what_a_selection_holds(
    selection: dict[str, object], resource: dict[str, object], held: bool
) -> None:
    bucket = SelectedResource.model_validate(
        {"arn": "arn:aws:s3:::abc", "resource_type": "S3"} | resource
    )
    assert selects(_tagged_selection(**selection), bucket) is held


@pytest.mark.parametrize(
    ("role", "resources", "found"),
    [
        (
            {"exists": False, "trusts_backup": False, "managed_policies": []},
            [],
            [("iam_role_permissions", "error", 0)],
        ),
        ({"trusts_backup": False}, [], [("iam_role_permissions", "error", 0)]),
        # the console's AWSBackupDefaultServiceRole: no S3 policies, fine until a bucket is selected
        ({"managed_policies": ["AWSBackupServiceRolePolicyForBackup"]}, [], []),
        (
            {"managed_policies": ["AWSBackupServiceRolePolicyForBackup"]},
            ["bucket"],
            [("iam_role_permissions", "error", 0)],
        ),
        # policies of its own may grant the same: a warning, not a failure
        (
            {"managed_policies": ["AWSBackupServiceRolePolicyForBackup"], "other_policies": 1},
            ["bucket"],
            [("iam_role_permissions", "warning", 0)],
        ),
        ({"managed_policies": []}, [], [("iam_role_permissions", "error", 0)]),
    ],
)
def test_the_backup_role_of_each_selection(
    role: dict[str, object], resources: list[str], found: list[tuple[str, str, int]]
) -> None:
    buckets = [_bucket(name) for name in resources]
    assert _findings(_member(*buckets, roles=[_role(**role)])) == found


def test_a_member_without_aws_service_role_for_backup_is_warned() -> None:
    assert _findings(_member(service_linked_role=False)) == [("iam_role_permissions", "warning", 0)]


def test_parts_the_doctor_role_may_not_read_are_skipped_not_guessed() -> None:
    # GIVEN a member whose DoctorRole (an older member stack) could read none of it
    member = MemberFacts(account=MEMBER, region=REGION, recovery_points=[])
    # THEN no rule finds anything, and the report says what was not read, and how to read it
    assert _findings(member) == []
    checked, skipped = coverage_checked(member)
    assert checked == []
    assert len(skipped) == 5
    assert all("update the member stack" in s for s in skipped)


def test_the_report_says_which_types_are_read_and_which_are_not() -> None:
    checked, _ = coverage_checked(_member())
    [resources] = [c for c in checked if c.startswith("resources of")]
    assert "FSx" in resources.split("(")[0]
    assert "Storage Gateway" in resources.split("(")[0]
    assert "not read" in resources
    assert "VMware" in resources.split("(")[1]


class _Central:
    account = CENTRAL

    def central(self) -> CentralFacts:
        return _central()


class _Members:
    def __init__(self, member: MemberFacts) -> None:
        self._member = member

    def member(self, account: str, region: str) -> MemberFacts:
        return self._member


def test_the_checkup_runs_the_coverage_rules_on_each_member() -> None:
    # GIVEN a member with unversioned buckets and no AWSServiceRoleForBackup
    member = _member(
        _bucket("a", versioning=""), _bucket("b", versioning=""), service_linked_role=False
    )
    # WHEN the doctor's checkup runs
    report = Doctor(_Central(), _Members(member), (MEMBER,), (REGION,))()
    # THEN both causes are found in the member, and what was read is listed as checked
    found = {(f.category, f.account, len(f.resources)) for f in report.findings}
    assert {("resource_prerequisite", MEMBER, 2), ("iam_role_permissions", MEMBER, 0)} <= found
    assert "AWSServiceRoleForBackup" in {c.what for c in report.checked}


#: The member stack's vault policy: AWS's cross-account example, naming the central account.
BRING_BACK_POLICY = json.dumps(
    {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{CENTRAL}:root"},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            }
        ]
    }
)


@pytest.mark.parametrize(
    ("vault", "found"),
    [
        ({"access_policy": BRING_BACK_POLICY}, []),
        ({"access_policy": None}, [("vault_access_policy", "warning", 0)]),
        (
            {"access_policy": BRING_BACK_POLICY, "key_aws_managed": True},
            [("default_vault_key", "warning", 0)],
        ),
    ],
)
def test_member_vaults_take_bring_back_copies(
    vault: dict[str, object], found: list[tuple[str, str, int]]
) -> None:
    member = _member()
    member.coverage.vaults = [
        MemberVaultFacts.model_validate(
            {"arn": f"arn:aws:backup:{REGION}:{MEMBER}:backup-vault:member-vault"} | vault
        )
    ]
    findings = [
        (f.category, f.severity, len(f.resources))
        for rule in MEMBER_VAULT_RULES
        for f in rule(member, _central())
    ]
    assert findings == found


def _management(opt_in: dict[str, bool] | None, management: str = CENTRAL) -> CentralFacts:
    central = _central()
    central.organization = OrganizationFacts(
        management_account=management, backup_policies_enabled=True
    )
    central.resource_type_opt_in = opt_in
    return central


POLICY = {"from_backup_policy": True}


@pytest.mark.parametrize(
    ("opt_in", "selection", "found"),
    [
        ({"S3": True}, POLICY, []),
        # a backup policy's plan: the management account's opt-ins decide (manage-cross-account),
        # and a selection by tags leaves out the types not opted in
        ({"S3": False}, POLICY, [("resource_prerequisite", "error", 1)]),
        # AWS: a type assigned explicitly (by ARN) is backed up even if not opted in
        ({"S3": False}, POLICY | {"tags": [], "resources": ["arn:aws:s3:::*"]}, []),
        # the member's own plan: "without reference to the Organizations management account's
        # opt-in settings" (manage-cross-account): nothing for the management account
        ({"S3": False}, {}, []),
    ],
)
def test_the_management_accounts_opt_ins_decide_for_the_backup_policies_plans_only(
    opt_in: dict[str, bool], selection: dict[str, object], found: list[tuple[str, str, int]]
) -> None:
    # GIVEN the management account's opt-ins and a member's bucket one plan selects
    member = _member(_bucket("orders"), selections=[_tagged_selection(**selection)])
    # WHEN the management account's rule reads them
    findings = management_opts_in_the_selected_types(_management(opt_in), [member])
    # THEN only a backup policy's plan selecting by tags is held to them
    assert [(f.category, f.severity, len(f.resources)) for f in findings] == found


def test_opt_ins_another_account_cannot_read_are_said_not_checked() -> None:
    # GIVEN a central account that is a delegated administrator, not the management account
    central = _management({"S3": False}, management="999999999999")
    central.organization.delegated_administrators = [CENTRAL]
    # THEN no finding from its own opt-ins, and the report names what it could not check and
    # the permission that can
    member = _member(_bucket("orders"))
    assert list(management_opts_in_the_selected_types(central, [member])) == []
    checked, skipped = organization_checked(central)
    assert checked == []
    assert "backup:DescribeRegionSettings" in skipped[0]
    assert "organizations:DescribeResourcePolicy" in skipped[1]


@pytest.mark.parametrize(("exists", "found"), [(True, []), (None, []), (False, ["warning"])])
def test_the_central_accounts_service_linked_role(exists: bool | None, found: list[str]) -> None:
    central = _central()
    central.service_linked_role = exists
    findings = [f for rule in CENTRAL_ROLE_RULES for f in rule(central)]
    assert [f.severity for f in findings] == found
    assert all((f.account, f.region) == (CENTRAL, "-") for f in findings)
