"""Backup selections are kept per plan: each plan lists its own, and GetBackupSelection returns
one by its plan and selection ids, as the doctor reads them (the role, what is selected)."""

from __future__ import annotations

from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.cloud import REGION, client
from tests.support.simulator import MEMBER

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


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
