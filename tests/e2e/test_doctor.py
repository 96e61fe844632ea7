"""The doctor on sandbox organizations: a correct one passes; each misconfiguration is found
with its category (the failure catalogue's) and its fix."""

from __future__ import annotations

from backup_relay import wiring
from backup_relay.doctor import DoctorReport
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    DR_REGION,
    MEMBER_ACCOUNTS,
    ORGANIZATION_ID,
    REGION,
    client,
)
from backup_relay_sandbox.organization import BACKUP_ROLE, CENTRAL_VAULT, DR_VAULT, Organization


def _doctor(org: Organization) -> DoctorReport:
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    return wiring.doctor(env)()


def test_a_correctly_configured_organization_has_no_finding(moto: None) -> None:
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=())
    report = _doctor(org)
    assert report.findings == []
    assert len(report.checked) == 4  # two vaults, cross-account backup, the backup role


def test_each_misconfiguration_is_found_with_its_category_and_fix(moto: None) -> None:
    # GIVEN an organization whose DR vault is missing, whose central vault lets no one copy in,
    # with cross-account backup off and no backup role
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=())
    backup = client("backup", REGION)
    backup.delete_backup_vault_access_policy(BackupVaultName=CENTRAL_VAULT)
    client("backup", DR_REGION).delete_backup_vault(BackupVaultName=DR_VAULT)
    org.sim.update_global_settings(CENTRAL_ACCOUNT, {"isCrossAccountBackupEnabled": "false"})
    client("iam").delete_role(RoleName=BACKUP_ROLE.rsplit("/", 1)[-1])
    # WHEN the doctor runs
    report = _doctor(org)
    # THEN it fails, with one finding per problem, each in the catalogue's words
    assert report.failed
    assert sorted(f.category for f in report.findings) == [
        "cross_account_disabled",
        "iam_role_permissions",
        "vault_access_policy",
        "vault_missing",
    ]
    [policy] = [f for f in report.findings if f.category == "vault_access_policy"]
    assert ORGANIZATION_ID in policy.fix
    assert "backup:CopyIntoBackupVault" in policy.fix


def test_a_vault_on_the_aws_managed_key_is_found(moto: None) -> None:
    # GIVEN a DR vault created without a key of its own (AWS Backup then uses aws/backup)
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=())
    client("backup", DR_REGION).delete_backup_vault(BackupVaultName=DR_VAULT)
    org.sim.create_vault(CENTRAL_ACCOUNT, DR_REGION, DR_VAULT)
    org.sim.allow_copy_into(CENTRAL_ACCOUNT, DR_REGION, DR_VAULT)
    # THEN the doctor says its key must be customer managed
    [finding] = _doctor(org).findings
    assert (finding.category, finding.region) == ("default_vault_key", DR_REGION)


def test_a_member_key_the_central_account_may_not_use_is_found_before_its_copy(
    moto: None,
) -> None:
    # GIVEN a member whose Aurora cluster is on a key not shared with the central account, and
    # whose Neptune cluster is on the AWS managed aws/rds key, both backed up, not yet copied
    member = MEMBER_ACCOUNTS[0]
    org = Organization.build(members=[member], resource_types=("RDS",))
    _, key = org.add_resource(member, "Aurora", "ledger", key_shared_with=())
    managed = org.sim.create_key(member, REGION, aws_managed_alias="aws/rds")
    neptune = f"arn:aws:rds:{REGION}:{member}:cluster:graph"
    org.sim.register_resource(member, REGION, "Neptune", neptune, managed)
    org.resources[(member, "Neptune")] = neptune
    for account, resource_type in list(org.resources):
        org.backup(account, resource_type)
    org.settle()
    # WHEN the doctor checks the member through its DoctorRole
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    report = wiring.doctor(env, (member,))()
    # THEN each key is one finding, in the category the copy's alert would give
    found = {(f.category, f.resource) for f in report.findings}
    assert found == {("kms_key_not_shared", key), ("aws_managed_key", managed)}
    [not_shared] = [f for f in report.findings if f.category == "kms_key_not_shared"]
    assert f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/aws-service-role/" in not_shared.fix


def test_the_scheduled_doctor_alerts_once_per_finding(moto: None) -> None:
    # GIVEN a member (in AllowedSourceAccounts) whose Aurora is backed up on a key not shared
    member = MEMBER_ACCOUNTS[0]
    org = Organization.build(members=[member], resource_types=(), AllowedSourceAccounts=member)
    org.add_resource(member, "Aurora", "ledger", key_shared_with=())
    org.backup(member, "Aurora")
    org.settle()
    # WHEN the scheduled DoctorFunction runs twice
    for _ in range(2):
        report = org.central.functions["DoctorFunction"]({})
        org.deliver()
    # THEN the finding raised one alert, however many runs saw it
    assert [f["category"] for f in report["findings"]] == ["kms_key_not_shared"]
    alerts = org.alerts()
    assert [(a["attributes"]["kind"], a["attributes"]["category"]) for a in alerts] == [
        ("PREREQUISITE", "kms_key_not_shared")
    ]
