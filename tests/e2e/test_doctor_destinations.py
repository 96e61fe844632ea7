"""The doctor's checks for issue #25's routes on sandbox organizations, through the deployed
DoctorFunction's environment: a LAG destination of AdditionalDestinations and its AWS RAM
share, and with OnDemandBackupsToDr each member's ReplayRole trust, passing as the stacks make
them and found when broken."""

from __future__ import annotations

import json

from backup_relay import wiring
from backup_relay.doctor.report import DoctorReport
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.organization import Organization

MEMBER = MEMBER_ACCOUNTS[0]
LAG = "backup-relay-lag"


def _doctor(org: Organization) -> DoctorReport:
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    return wiring.doctor(env, tuple(org.members))()


def test_a_lag_destination_and_its_ram_share_are_checked(moto: None) -> None:
    # GIVEN a central stack whose AdditionalDestinations names a LAG vault in its region, the
    # vault created with the stack's range (LagMinRetentionDays 7, LagMaxRetentionDays 36500)
    org = Organization.build(
        members=[MEMBER], resource_types=("Aurora",), AdditionalDestinations=f"lag:home:{LAG}"
    )
    arn = client("backup").create_logically_air_gapped_backup_vault(
        BackupVaultName=LAG, MinRetentionDays=7, MaxRetentionDays=36500
    )["BackupVaultArn"]
    # WHEN the doctor checks the organization
    report = _doctor(org)
    # THEN the destination passes, and the report says members cannot restore from it
    assert report.findings == []
    [checked] = [c.what for c in report.checked if LAG in c.what]
    assert checked.startswith(f"destination lag:{REGION}:{LAG}: exists, type")
    assert "shared through AWS RAM with no one" in checked
    # AND once it is shared through AWS RAM with the member, RAM's organization sharing being
    # off is warned about (the member must accept an invitation), then nothing once it is on
    ram = client("ram")
    ram.create_resource_share(name=f"{LAG}-restore", resourceArns=[arn], principals=[MEMBER])
    [finding] = _doctor(org).findings
    assert (finding.category, finding.severity) == ("organization_setup", "warning")
    assert "enable-sharing-with-aws-organization" in finding.fix
    ram.enable_sharing_with_aws_organization()
    assert _doctor(org).findings == []


def test_a_missing_lag_destination_is_found(moto: None) -> None:
    # GIVEN AdditionalDestinations naming a LAG vault nobody created
    org = Organization.build(
        members=[MEMBER], resource_types=("Aurora",), AdditionalDestinations=f"lag:home:{LAG}"
    )
    # THEN the doctor finds it missing, with the vaults stack's fix
    [finding] = _doctor(org).findings
    assert finding.category == "vault_missing"
    assert f"LagVaultName={LAG}" in finding.fix


def test_the_member_replay_role_trust_is_checked_with_on_demand_backups(moto: None) -> None:
    # GIVEN OnDemandBackupsToDr on, and the member stack's ReplayRole as it creates it
    org = Organization.build(
        members=[MEMBER], resource_types=("Aurora",), OnDemandBackupsToDr="true"
    )
    # WHEN the doctor checks the organization
    report = _doctor(org)
    # THEN the member's ReplayRole trust was checked, and passes
    assert report.findings == []
    assert any("ReplayRole's trust" in c.what for c in report.checked)
    # AND a trust narrowed to another central stack is found, with the fix
    role = next(
        r["RoleName"]
        for r in client("iam", REGION, MEMBER).list_roles()["Roles"]
        if r["RoleName"].endswith(f"-{REGION}") and "replay" in r["RoleName"]
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CENTRAL_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {
                "aws:PrincipalArn": f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup-relay/other/*"
            }},
        }],
    }  # fmt: skip
    client("iam", REGION, MEMBER).update_assume_role_policy(
        RoleName=role, PolicyDocument=json.dumps(trust)
    )
    [finding] = _doctor(org).findings
    assert (finding.category, finding.account) == ("iam_role_permissions", MEMBER)
    assert "does not trust the central stack's functions" in finding.problem
