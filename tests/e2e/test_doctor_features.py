"""The doctor's checks of the central stack's opt-in features on sandbox organizations, through
the deployed DoctorFunction's environment: with RestoreDrills, the DR region's restore testing
plan, its selections, their role and the rule forwarding the drills' events to the relay bus
(docs/drills.md); with SecurityHubFindings, Security Hub enabled in the stack's region
(docs/security-hub.md). Each passes as the stacks make it and is found when missing."""

from __future__ import annotations

from backup_relay import wiring
from backup_relay.doctor.report import DoctorReport
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.drills import RESTORES_POLICY, enable_drills
from backup_relay_sandbox.organization import Organization

MEMBER = MEMBER_ACCOUNTS[0]


def _doctor(org: Organization) -> DoctorReport:
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    return wiring.doctor(env, tuple(org.members))()


def test_restore_drills_missing_in_the_dr_region_are_found(moto: None) -> None:
    # GIVEN a central stack with RestoreDrills on, and no vaults stack with drills in the DR
    # region
    org = Organization.build(members=[MEMBER], resource_types=("Aurora",), RestoreDrills="true")
    # WHEN the doctor checks the organization
    findings = _doctor(org).findings
    # THEN the missing plan and the missing forwarding rule are found, in the DR region, with
    # the vaults stack's parameters as the fix
    assert [(f.category, f.severity, f.region) for f in findings] == [
        ("restore_drills", "warning", DR_REGION)
    ] * 2
    plan, rule = findings
    assert "backup_relay_dr_drills does not exist" in plan.problem
    assert "RestoreDrills=true" in plan.fix
    assert org.central.stack.values["EventBus.Arn"] in plan.fix
    assert "forwards the drills' restore job events" in rule.problem


def test_restore_drills_as_the_vaults_stack_makes_them_pass_and_gaps_are_found(
    moto: None,
) -> None:
    # GIVEN RestoreDrills on in the central stack and the DR region's vaults stack
    org = Organization.build(members=[MEMBER], resource_types=("Aurora",), RestoreDrills="true")
    vaults = enable_drills(org)
    # WHEN the doctor checks the organization
    report = _doctor(org)
    # THEN the drills pass, and the report says what it checked
    assert report.findings == []
    assert any(c.what.startswith("restore drills: plan") for c in report.checked)
    # AND a selection removed, the role's restore policy detached and the forwarding rule
    # disabled are each found
    plan = vaults.values["RestoreDrillPlan"]
    backup = client("backup", DR_REGION, CENTRAL_ACCOUNT)
    backup.delete_restore_testing_selection(
        RestoreTestingPlanName=plan, RestoreTestingSelectionName="aurora_drill"
    )
    client("iam", DR_REGION, CENTRAL_ACCOUNT).detach_role_policy(
        RoleName=vaults.values["RestoreDrillRole"], PolicyArn=RESTORES_POLICY
    )
    client("events", DR_REGION, CENTRAL_ACCOUNT).disable_rule(
        Name=vaults.names["RestoreDrillEventsRule"]
    )
    problems = [f.problem for f in _doctor(org).findings]
    assert len(problems) == 3
    assert "selects no Aurora" in problems[0]
    assert "does not carry AWSBackupServiceRolePolicyForRestores" in problems[1]
    assert "is disabled" in problems[2]


def test_security_hub_not_enabled_is_found_with_security_hub_findings(moto: None) -> None:
    # GIVEN a central stack with SecurityHubFindings on, in a region where Security Hub is off
    org = Organization.build(
        members=[MEMBER], resource_types=("Aurora",), SecurityHubFindings="true"
    )
    # WHEN the doctor checks the organization
    [finding] = _doctor(org).findings
    # THEN it finds Security Hub not enabled, with the command that enables it
    assert (finding.category, finding.severity, finding.region) == (
        "security_hub",
        "warning",
        REGION,
    )
    assert f"aws securityhub enable-security-hub --region {REGION}" in finding.fix
    # AND once Security Hub is enabled, nothing is found and the check is listed
    client("securityhub", REGION).enable_security_hub()
    report = _doctor(org)
    assert report.findings == []
    assert any("Security Hub enabled" in c.what for c in report.checked)


def test_nothing_of_the_features_is_checked_when_they_are_off(moto: None) -> None:
    # GIVEN a central stack with neither RestoreDrills nor SecurityHubFindings
    org = Organization.build(members=[MEMBER], resource_types=("Aurora",))
    # THEN the doctor checks neither, and finds nothing of them
    report = _doctor(org)
    assert report.findings == []
    assert not any("restore drills" in c.what or "Security Hub" in c.what for c in report.checked)
