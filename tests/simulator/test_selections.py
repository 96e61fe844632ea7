"""Backup selections are kept per plan: each plan lists its own, and GetBackupSelection returns
one by its plan and selection ids, as the doctor reads them (the role, what is selected). What
a plan backs up follows AWS's opt-in rule, with each account's own opt-ins in each Region."""

from __future__ import annotations

import pytest

from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.cloud import DR_REGION, REGION, client
from tests.support.simulator import CENTRAL, MEMBER, Api

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"
ENABLED = {"backup": "enabled"}
TAGGED = {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "enabled"}
CONDITION = {"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "enabled"}


def _plan(backup: object, name: str) -> str:
    rule = {"RuleName": "daily", "TargetBackupVaultName": "Default"}
    plan = {"BackupPlanName": name, "Rules": [rule]}
    return str(backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"])  # type: ignore[attr-defined]


def test_each_plan_lists_and_returns_its_own_selections(sim: Simulator) -> None:
    # GIVEN two plans, each with a selection of its own
    backup = client("backup", REGION, MEMBER)
    by_tag = {
        "SelectionName": "tagged",
        "IamRoleArn": ROLE,
        "ListOfTags": [
            {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "enabled"}
        ],
    }
    by_arn = {"SelectionName": "buckets", "IamRoleArn": ROLE, "Resources": ["arn:aws:s3:::*"]}
    plans = {}
    for name, selection in (("tags", by_tag), ("arns", by_arn)):
        plan_id = _plan(backup, name)
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)
        plans[plan_id] = selection
    # WHEN each plan's selections are listed and read
    for plan_id, selection in plans.items():
        [listed] = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
        read = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=listed["SelectionId"])
        # THEN each is its plan's own, with what it selects and its role
        assert listed["SelectionName"] == selection["SelectionName"]
        assert read["BackupPlanId"] == plan_id
        assert read["BackupSelection"]["IamRoleArn"] == ROLE
        assert read["BackupSelection"].get("Resources") == selection.get("Resources")


def test_a_members_opt_ins_are_its_own_in_each_region(api: Api) -> None:
    # GIVEN a member that opts out of S3 in its home Region
    api(MEMBER).update_region_settings(ResourceTypeOptInPreference={"S3": False})
    # WHEN each account reads its settings
    own = api(MEMBER).describe_region_settings()["ResourceTypeOptInPreference"]
    central = api(CENTRAL).describe_region_settings()["ResourceTypeOptInPreference"]
    elsewhere = client("backup", DR_REGION, MEMBER).describe_region_settings()
    # THEN only the member's, in that Region, changed: the settings are per account and Region
    assert own["S3"] is False
    assert own["EBS"] is True
    assert central["S3"] is True
    assert elsewhere["ResourceTypeOptInPreference"]["S3"] is True


@pytest.mark.parametrize(
    ("selection", "backed_up"),
    [
        # AWS: "If resource assignments are only based on tags, then service opt-in settings
        # are applied" (API_UpdateRegionSettings): the bucket is left out, the volume is not
        ({"ListOfTags": [TAGGED]}, ["volume"]),
        ({"Resources": ["*"], "Conditions": {"StringEquals": [CONDITION]}}, ["volume"]),
        # "If a resource type is explicitly assigned ... it will be included in the backup even
        # if the opt-in is not enabled"; with tags as well, "the resource type ... takes
        # priority over the tag condition"
        ({"Resources": ["arn:aws:s3:::*"]}, ["bucket"]),
        (
            {"Resources": ["arn:aws:s3:::*"], "Conditions": {"StringEquals": [CONDITION]}},
            ["bucket"],
        ),
    ],
)
def test_a_selection_by_tags_leaves_out_the_types_the_account_has_not_opted_in_to(
    sim: Simulator, api: Api, selection: dict[str, object], backed_up: list[str]
) -> None:
    # GIVEN a member opted out of S3, with a bucket and a volume tagged backup=enabled, and an
    # opted-in account elsewhere (the central one) that must not decide for it
    api(MEMBER).update_region_settings(ResourceTypeOptInPreference={"S3": False})
    arns = {
        "bucket": "arn:aws:s3:::orders",
        "volume": f"arn:aws:ec2:{REGION}:{MEMBER}:volume/vol-0123456789abcdef0",
    }
    for resource_type, arn in (("S3", arns["bucket"]), ("EBS", arns["volume"])):
        sim.register_resource(MEMBER, REGION, resource_type, arn, None, tags=ENABLED)
    backup = client("backup", REGION, MEMBER)
    plan_id = _plan(backup, "plan")
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, **selection},
    )
    # WHEN the simulator resolves what the plan backs up
    found = sim.plan_resources(MEMBER, REGION, plan_id)
    # THEN the member's own opt-in decides, as AWS documents
    assert found == sorted(arns[name] for name in backed_up)


POLICY_PLAN = {
    "BackupPlanName": "org-daily",
    "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "Default"}],
}


def test_a_plan_a_backup_policy_made_is_listed_and_read_by_its_whole_id(sim: Simulator) -> None:
    # GIVEN a member with its own plan and one a backup policy made, selecting by tags
    backup = client("backup", REGION, MEMBER)
    own = _plan(backup, "own")
    selection = {"SelectionName": "tagged", "IamRoleArn": ROLE, "ListOfTags": [TAGGED]}
    made = sim.create_policy_plan(MEMBER, REGION, POLICY_PLAN, [selection])
    # WHEN the member lists and reads its plans, as the doctor does
    listed = {p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]}
    plan = backup.get_backup_plan(BackupPlanId=made)
    [entry] = backup.list_backup_selections(BackupPlanId=made)["BackupSelectionsList"]
    read = backup.get_backup_selection(BackupPlanId=made, SelectionId=entry["SelectionId"])
    # THEN the policy's plan has the id form of AWS's sample ("orgs/<uuid>"), and its plan and
    # selection are read by that whole id, the member's own plan as before
    assert made.startswith("orgs/")
    assert listed == {own, made}
    assert plan["BackupPlanArn"] == f"arn:aws:backup:{REGION}:{MEMBER}:backup-plan:{made}"
    assert plan["BackupPlan"]["BackupPlanName"] == "org-daily"
    assert (entry["BackupPlanId"], read["BackupPlanId"]) == (made, made)
    assert read["BackupSelection"]["ListOfTags"] == [TAGGED]
    assert backup.get_backup_plan(BackupPlanId=own)["BackupPlan"]["BackupPlanName"] == "own"


@pytest.mark.parametrize(
    ("opted_out", "own_backs_up", "policy_backs_up"),
    [
        # AWS (manage-cross-account.html): a backup policy's plan follows the management
        # account's opt-ins, "but only for that backup plan"; the member's own plans follow its
        # own "without reference to" the management account's
        (CENTRAL, True, False),
        (MEMBER, False, True),
    ],
)
def test_a_backup_policys_plan_follows_the_management_accounts_opt_ins(
    sim: Simulator, api: Api, opted_out: str, own_backs_up: bool, policy_backs_up: bool
) -> None:
    # GIVEN one account of the two (the management account, the member) opted out of S3, and a
    # member's bucket tagged backup=enabled that its own plan and a policy's plan select by tags
    api(opted_out).update_region_settings(ResourceTypeOptInPreference={"S3": False})
    bucket = "arn:aws:s3:::orders"
    sim.register_resource(MEMBER, REGION, "S3", bucket, None, tags=ENABLED)
    selection = {"SelectionName": "tagged", "IamRoleArn": ROLE, "ListOfTags": [TAGGED]}
    backup = client("backup", REGION, MEMBER)
    own = _plan(backup, "own")
    backup.create_backup_selection(BackupPlanId=own, BackupSelection=selection)
    made = sim.create_policy_plan(MEMBER, REGION, POLICY_PLAN, [selection])
    # WHEN the simulator resolves what each plan backs up
    # THEN each plan answers to the account AWS says decides for it
    assert (sim.plan_resources(MEMBER, REGION, own) == [bucket]) is own_backs_up
    assert (sim.plan_resources(MEMBER, REGION, made) == [bucket]) is policy_backs_up
    assert sim.settings.management_account == CENTRAL
