"""What the doctor reads for the member plan's retention and DynamoDB's advanced features, through
real boto3 clients (moto and the simulator), and the member template's two retentions."""

from __future__ import annotations

from backup_relay.adapters import aws
from backup_relay.adapters.prerequisites.central import dynamodb_advanced_features
from backup_relay.adapters.prerequisites.member import _plan_copies
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION, client
from backup_relay_sandbox.deployment import Deployment
from backup_relay_sandbox.template import MEMBER_TEMPLATE, load_template

CENTRAL_VAULT = f"arn:aws:backup:{REGION}:{CENTRAL_ACCOUNT}:backup-vault:central"


def test_a_plans_copy_lifecycle_is_read_for_the_vault_lock_check(moto: None) -> None:
    # GIVEN a plan keeping its recovery points 7 days and its central copies 35, and a plan
    # whose copies have no lifecycle (kept until deleted)
    aws.reset()
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName="local")
    for name, copy_lifecycle in (("kept", {"DeleteAfterDays": 35}), ("forever", None)):
        action = {"DestinationBackupVaultArn": CENTRAL_VAULT}
        backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": name,
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "local",
                        "Lifecycle": {"DeleteAfterDays": 7},
                        "CopyActions": [
                            action | ({"Lifecycle": copy_lifecycle} if copy_lifecycle else {})
                        ],
                    }
                ],
            }
        )
    # WHEN the doctor reads the plans' copies
    copies = {copy.plan: copy for copy in _plan_copies(aws.backup(REGION))}
    # THEN each copy action's DeleteAfterDays (0: none), and none is a backup policy's
    assert {name: c.delete_after_days for name, c in copies.items()} == {"kept": 35, "forever": 0}
    assert not any(c.from_backup_policy for c in copies.values())


def test_the_management_accounts_dynamodb_setting_is_read_by_region(moto: None) -> None:
    # GIVEN advanced features for DynamoDB turned on in the account's region
    aws.reset()
    simulator()  # AWS Backup's calls moto lacks
    client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    # WHEN the doctor reads it (as the management account)
    # THEN it is known for that region
    assert dynamodb_advanced_features([REGION]) == {REGION: True}


def test_the_member_plan_keeps_local_and_central_copies_apart() -> None:
    # GIVEN the member template with CreateBackupPlan and its defaults
    stack = Deployment.of(
        "backup-relay-member",
        load_template(MEMBER_TEMPLATE),
        account="222222222222",
        region="eu-west-1",
        parameters={"CentralAccountId": CENTRAL_ACCOUNT, "CreateBackupPlan": "true"},
    )
    stack.values |= {"MemberVault": "backup-relay-member"}
    [rule] = stack.resolved("MemberBackupPlan")["BackupPlan"]["BackupPlanRule"]
    # THEN the local recovery points are short-lived, the central copies kept longer
    assert int(rule["Lifecycle"]["DeleteAfterDays"]) == 7
    assert int(rule["CopyActions"][0]["Lifecycle"]["DeleteAfterDays"]) == 35
    # AND each has its own parameter
    shorter = Deployment.of(
        "backup-relay-member",
        load_template(MEMBER_TEMPLATE),
        account="222222222222",
        region="eu-west-1",
        parameters={
            "CentralAccountId": CENTRAL_ACCOUNT,
            "CreateBackupPlan": "true",
            "LocalRetentionDays": "1",
            "CentralRetentionDays": "90",
        },
    )
    shorter.values |= {"MemberVault": "backup-relay-member"}
    [rule] = shorter.resolved("MemberBackupPlan")["BackupPlan"]["BackupPlanRule"]
    assert int(rule["Lifecycle"]["DeleteAfterDays"]) == 1
    assert int(rule["CopyActions"][0]["Lifecycle"]["DeleteAfterDays"]) == 90
