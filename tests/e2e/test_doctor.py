"""The doctor on sandbox organizations: a correct one passes; each misconfiguration is found
with its category (the failure catalogue's, or the doctor's own) and its fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backup_relay import wiring
from backup_relay.doctor.report import DoctorReport
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    DR_REGION,
    MEMBER_ACCOUNTS,
    ORGANIZATION_ID,
    OUTSIDER_ACCOUNT,
    REGION,
    client,
)
from backup_relay_sandbox.organization import (
    BACKUP_ROLE,
    CENTRAL_VAULT,
    DATABASE_TYPES,
    DR_VAULT,
    Organization,
)

MEMBER = MEMBER_ACCOUNTS[0]


def _doctor(org: Organization, *members: str) -> DoctorReport:
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    return wiring.doctor(env, members or tuple(org.members))()


def test_a_correctly_configured_organization_has_no_finding(moto: None) -> None:
    # GIVEN the sandbox organization as the stacks create it: vaults stack, central stack,
    # member stack with its plan, databases of every chained type tagged backup=enabled
    org = Organization.build(members=[MEMBER], resource_types=DATABASE_TYPES)
    # WHEN the doctor checks it, the member too
    report = _doctor(org)
    # THEN nothing is found, nothing was skipped, and every part was checked
    assert report.findings == []
    assert report.skipped == []
    assert not report.failed
    checked = {(c.account, c.region) for c in report.checked}
    assert checked == {
        (CENTRAL_ACCOUNT, REGION),
        (CENTRAL_ACCOUNT, DR_REGION),
        (CENTRAL_ACCOUNT, "-"),
        (MEMBER, REGION),
    }
    # 7 coverage's (selections, resources, ...), 1 DynamoDB's, 1 the member's own opt-ins
    assert len(report.checked) == 24
    # AND the central account is the management account: its DynamoDB setting was read
    assert any("management account's DynamoDB" in c.what for c in report.checked)


def test_the_vaults_the_night_uses_are_the_vaults_stacks(moto: None) -> None:
    # GIVEN the sandbox organization
    Organization.build(members=[MEMBER], resource_types=())
    # THEN its central and DR vaults are on the customer managed key the vaults stack created,
    # whose policy is the template's
    for region, name in ((REGION, CENTRAL_VAULT), (DR_REGION, DR_VAULT)):
        vault = client("backup", region).describe_backup_vault(BackupVaultName=name)
        kms = client("kms", region)
        key = kms.describe_key(KeyId=vault["EncryptionKeyArn"])["KeyMetadata"]
        assert key["Description"].startswith("Encrypts the backup-relay vaults")
        policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
        assert "TheOrganizationsBackupServiceRoleCopiesWithIt" in policy


def test_each_central_misconfiguration_is_found_with_its_category_and_fix(moto: None) -> None:
    # GIVEN an organization whose DR vault is missing, whose central vault lets no one copy in,
    # with cross-account backup off and no backup role
    org = Organization.build(members=[MEMBER], resource_types=())
    backup = client("backup", REGION)
    backup.delete_backup_vault_access_policy(BackupVaultName=CENTRAL_VAULT)
    client("backup", DR_REGION).delete_backup_vault(BackupVaultName=DR_VAULT)
    org.sim.update_global_settings(CENTRAL_ACCOUNT, {"isCrossAccountBackupEnabled": "false"})
    iam, role = client("iam"), BACKUP_ROLE.rsplit("/", 1)[-1]
    for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=role)
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
    org = Organization.build(members=[MEMBER], resource_types=())
    client("backup", DR_REGION).delete_backup_vault(BackupVaultName=DR_VAULT)
    org.sim.create_vault(CENTRAL_ACCOUNT, DR_REGION, DR_VAULT)
    org.sim.allow_copy_into(CENTRAL_ACCOUNT, DR_REGION, DR_VAULT)
    # THEN the doctor says its key must be customer managed
    [finding] = _doctor(org).findings
    assert (finding.category, finding.region) == ("default_vault_key", DR_REGION)


def _dr_key_pending_deletion(org: Organization) -> None:
    vault = client("backup", DR_REGION).describe_backup_vault(BackupVaultName=DR_VAULT)
    kms = client("kms", DR_REGION)
    key = kms.describe_key(KeyId=vault["EncryptionKeyArn"])["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key)


def _dr_vault_locked_above_the_dr_retention(org: Organization) -> None:
    # DrRetentionDays is 35: a lock whose minimum is longer refuses the DR copies
    client("backup", DR_REGION).put_backup_vault_lock_configuration(
        BackupVaultName=DR_VAULT, MinRetentionDays=60
    )


def _forwarded_events_dead_lettered(org: Organization) -> None:
    # the forwarding rule gave up on an event (the central bus refused it): it waits in the
    # member's forward dead-letter queue
    queue = org.members[MEMBER].dead_letter_queue
    client("sqs", REGION, MEMBER).send_message(QueueUrl=queue.url, MessageBody="{}")


def _trusted_access_off(org: Organization) -> None:
    client("organizations").disable_aws_service_access(ServicePrincipal="backup.amazonaws.com")


def _backup_policies_off(org: Organization) -> None:
    organizations = client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    organizations.disable_policy_type(RootId=root, PolicyType="BACKUP_POLICY")


def _bus_policy_removed(org: Organization) -> None:
    client("events").remove_permission(EventBusName=org.central.bus_name, RemoveAllPermissions=True)


def _ingest_rules_disabled(org: Organization) -> None:
    events = client("events")
    for rule, bus in org.central.rules.items():
        if bus == org.central.bus_name:
            events.disable_rule(Name=org.central.stack.names[rule], EventBusName=bus)


def _member_plan_deleted(org: Organization) -> None:
    backup = client("backup", REGION, MEMBER)
    for plan in backup.list_backup_plans()["BackupPlansList"]:
        backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])


def _forwarding_disabled(org: Organization) -> None:
    member = org.members[MEMBER].stack
    client("events", REGION, MEMBER).disable_rule(Name=member.names["ForwardRule"])


def _forwarding_role_deleted(org: Organization) -> None:
    iam = client("iam", REGION, MEMBER)
    name = org.members[MEMBER].stack.values["ForwardRole"]
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    iam.delete_role(RoleName=name)


def _untagged_database(org: Organization) -> None:
    org.add_resource(MEMBER, "Aurora", "orders", tags={})


def _database_kept_by_its_team(org: Organization) -> None:
    org.add_resource(MEMBER, "Neptune", "graph", tags={"backup": "custom"})


def _multi_az_cluster_selected(org: Organization) -> None:
    client("rds", REGION, MEMBER).create_db_cluster(
        DBClusterIdentifier="payments",
        Engine="postgres",
        DBClusterInstanceClass="db.m5d.large",
        StorageType="io1",
        Iops=1000,
        AllocatedStorage=100,
        MasterUsername="relay",
        MasterUserPassword="sandbox-password-1",
        Tags=[{"Key": "backup", "Value": "enabled"}],
    )


def _dynamodb_without_advanced_features(org: Organization) -> None:
    client("dynamodb", REGION, MEMBER).create_table(
        TableName="sessions",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup", "Value": "enabled"}],  # the member's plan selects it
    )
    client("backup", REGION, MEMBER).update_region_settings(
        ResourceTypeManagementPreference={"DynamoDB": False}
    )


def _rds_options_missing_in_dr(org: Organization) -> None:
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))


@pytest.mark.parametrize(
    ("misconfigure", "category", "severity", "account", "region"),
    [
        (_dr_key_pending_deletion, "key_disabled", "error", CENTRAL_ACCOUNT, DR_REGION),
        (
            _dr_vault_locked_above_the_dr_retention,
            "vault_lock_retention",
            "error",
            CENTRAL_ACCOUNT,
            DR_REGION,
        ),
        (_trusted_access_off, "organization_setup", "warning", CENTRAL_ACCOUNT, "-"),
        (_backup_policies_off, "organization_setup", "warning", CENTRAL_ACCOUNT, "-"),
        (_bus_policy_removed, "bus_policy", "error", CENTRAL_ACCOUNT, "-"),
        (_ingest_rules_disabled, "event_rules", "error", CENTRAL_ACCOUNT, "-"),
        (_member_plan_deleted, "member_plan", "error", MEMBER, REGION),
        (_forwarding_disabled, "forwarding", "error", MEMBER, REGION),
        (_forwarding_role_deleted, "forwarding", "error", MEMBER, REGION),
        (_forwarded_events_dead_lettered, "forward_dead_letters", "error", MEMBER, REGION),
        (_untagged_database, "tagging", "warning", MEMBER, REGION),
        (_database_kept_by_its_team, "tagging", "warning", MEMBER, REGION),
        (_multi_az_cluster_selected, "unsupported_copy_route", "error", MEMBER, REGION),
        (
            _dynamodb_without_advanced_features,
            "dynamodb_advanced_features",
            "error",
            MEMBER,
            REGION,
        ),
        (_rds_options_missing_in_dr, "option_group_missing", "error", CENTRAL_ACCOUNT, DR_REGION),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else None,
)
def test_each_misconfiguration_is_one_finding_where_it_is(
    moto: None,
    *,
    misconfigure: Callable[[Organization], None],
    category: str,
    severity: str,
    account: str,
    region: str,
) -> None:
    # GIVEN a correct organization with one thing wrong
    org = Organization.build(members=[MEMBER], resource_types=())
    misconfigure(org)
    # WHEN the doctor checks it
    report = _doctor(org)
    # THEN that one thing is found (once per resource it touches), where it is, with a fix;
    # failures fail the run
    assert {(f.category, f.severity, f.account, f.region) for f in report.findings} == {
        (category, severity, account, region)
    }
    assert all(f.fix for f in report.findings)
    assert report.failed is (severity == "error")


def test_an_option_group_in_the_dr_region_clears_the_finding(moto: None) -> None:
    # GIVEN an RDS instance with options, and an option group with them in the DR region
    org = Organization.build(members=[MEMBER], resource_types=())
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
    org.sim.add_option_group(CENTRAL_ACCOUNT, DR_REGION, "APEX")
    # THEN the doctor finds nothing
    assert _doctor(org).findings == []


def test_an_account_outside_the_organization_is_found(moto: None) -> None:
    # GIVEN an account checked as a member that the organization does not hold
    org = Organization.build(members=[MEMBER], resource_types=())
    # WHEN the doctor checks it
    report = _doctor(org, OUTSIDER_ACCOUNT)
    # THEN it says so, in the category a copy from it would fail with
    assert ("not_same_organization", OUTSIDER_ACCOUNT) in {
        (f.category, f.account) for f in report.findings
    }


def test_a_member_key_the_central_account_may_not_use_is_found_before_its_copy(
    moto: None,
) -> None:
    # GIVEN a member whose Aurora cluster is on a key not shared with the central account, and
    # whose Neptune cluster is on the AWS managed aws/rds key, both backed up, not yet copied
    org = Organization.build(members=[MEMBER], resource_types=("RDS",))
    _, key = org.add_resource(MEMBER, "Aurora", "ledger", key_shared_with=())
    managed = org.sim.create_key(MEMBER, REGION, aws_managed_alias="aws/rds")
    neptune = f"arn:aws:rds:{REGION}:{MEMBER}:cluster:graph"
    org.sim.register_resource(MEMBER, REGION, "Neptune", neptune, managed)
    org.resources[(MEMBER, "Neptune")] = neptune
    for account, resource_type in list(org.resources):
        org.backup(account, resource_type)
    org.settle()
    # WHEN the doctor checks the member through its DoctorRole
    report = _doctor(org, MEMBER)
    # THEN each key is one finding, in the category the copy's alert would give
    found = {(f.category, f.resource) for f in report.findings}
    assert found == {("kms_key_not_shared", key), ("aws_managed_key", managed)}
    [not_shared] = [f for f in report.findings if f.category == "kms_key_not_shared"]
    assert f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/aws-service-role/" in not_shared.fix


def test_the_scheduled_doctor_alerts_once_per_finding(moto: None) -> None:
    # GIVEN a member (in AllowedSourceAccounts) whose Aurora is backed up on a key not shared
    org = Organization.build(members=[MEMBER], resource_types=(), AllowedSourceAccounts=MEMBER)
    org.add_resource(MEMBER, "Aurora", "ledger", key_shared_with=())
    org.backup(MEMBER, "Aurora")
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
