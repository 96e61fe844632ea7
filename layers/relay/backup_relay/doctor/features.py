"""Rules over the central stack's opt-in features: the DR region's restore drills
(RestoreDrills, docs/drills.md) and Security Hub (SecurityHubFindings, docs/security-hub.md).
A broken one leaves copies as they are and breaks the feature: warnings."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backup_relay.doctor.facts import CentralFacts, DrillFacts
from backup_relay.doctor.report import DoctorReport, Finding
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

#: The AWS managed policy AWS Backup's restores need: "AWSBackupServiceRolePolicyForRestores"
#: (https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html); a restore
#: testing selection's IamRoleArn is "the IAM role that AWS Backup uses to create the target
#: resource" (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingSelectionForCreate.html).
RESTORES_POLICY = "AWSBackupServiceRolePolicyForRestores"
#: The types a drill can restore and validate (the vaults stack's selections).
DRILLED_TYPES = ("RDS", "Aurora", "DocumentDB", "Neptune")


def _deploy_vaults_stack(drills: DrillFacts) -> str:
    return (
        f"deploy vaults/template.yaml in {drills.region} (the DR region) with RestoreDrills=true "
        f"and RelayBusArn={drills.bus_arn}, or set the central stack's RestoreDrills=false"
    )


@rule(Category.RESTORE_DRILLS)
def restore_drills_ready(facts: CentralFacts) -> Iterable[Finding]:
    """The plan exists, selects each chained type, restores with a role that may restore, and
    the drills' restore job events reach the relay bus (DrillsFunction validates them)."""
    drills = facts.drills
    if drills is None:
        return

    def warn(resource: str, problem: str, fix: str) -> Finding:
        return Finding(
            severity=Severity.WARNING,
            category=Category.RESTORE_DRILLS,
            account=facts.account,
            region=drills.region,
            resource=resource,
            problem=problem,
            fix=fix,
        )

    if not drills.plan_exists:
        yield warn(
            f"restore testing plan {drills.plan_name}",
            f"RestoreDrills is on, but the restore testing plan {drills.plan_name} does not "
            f"exist in {drills.region}: no drill restores the DR copies, and no restore is "
            "ever proven",
            _deploy_vaults_stack(drills),
        )
    else:
        wanted = [t for t in DRILLED_TYPES if t in drills.chained_types]
        if missing := [t for t in wanted if t not in drills.selected_types]:
            yield warn(
                f"restore testing plan {drills.plan_name}",
                f"the restore testing plan selects no {', '.join(missing)}: their DR copies "
                "are never drilled",
                f"{_deploy_vaults_stack(drills)} (it creates one selection per type), or aws "
                f"backup create-restore-testing-selection --restore-testing-plan-name "
                f"{drills.plan_name} --region {drills.region} for each",
            )
        for role in drills.roles:
            if not role.exists or not role.trusts_backup:
                how = "does not exist" if not role.exists else "does not trust backup.amazonaws.com"
                yield warn(
                    role.arn,
                    f"the role the drills restore with {how}: every drill fails",
                    f"{_deploy_vaults_stack(drills)} (its RestoreDrillRole), or point the "
                    "selections' IamRoleArn at a role trusting backup.amazonaws.com with "
                    f"{RESTORES_POLICY}",
                )
            elif role.policies is not None and RESTORES_POLICY not in role.policies:
                yield warn(
                    role.arn,
                    f"the role the drills restore with does not carry {RESTORES_POLICY}: its "
                    "drills fail unless its own policies grant what that policy does",
                    f"aws iam attach-role-policy --role-name {role.arn.rsplit('/', 1)[-1]} "
                    f"--policy-arn arn:aws:iam::aws:policy/service-role/{RESTORES_POLICY}",
                )
    yield from _drills_forwarded(drills, warn)


def _drills_forwarded(
    drills: DrillFacts, warn: Callable[[str, str, str], Finding]
) -> Iterable[Finding]:
    to_bus = [r for r in drills.rules if drills.bus_arn in r.targets]
    if any(r.enabled for r in to_bus):
        return
    for disabled in to_bus:
        yield warn(
            disabled.name,
            f"rule {disabled.name} (the drills' restore job events, to the relay bus) is "
            "disabled: DrillsFunction never validates a drill",
            f"aws events enable-rule --name {disabled.name} --region {drills.region}",
        )
    if not to_bus:
        yield warn(
            drills.bus_arn,
            f"no rule in {drills.region} forwards the drills' restore job events to the relay "
            "bus: DrillsFunction never validates a drill, and no restore is proven",
            _deploy_vaults_stack(drills) + " (its RestoreDrillEventsRule)",
        )


@rule(Category.SECURITY_HUB)
def security_hub_enabled(facts: CentralFacts) -> Iterable[Finding]:
    """DescribeHub refuses with InvalidAccessException when "Security Hub is not enabled for
    the account, or the account does not have permission to perform this action"
    (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html)."""
    hub = facts.security_hub
    if hub is None or hub.enabled is not False:
        return
    yield Finding(
        severity=Severity.WARNING,
        category=Category.SECURITY_HUB,
        account=facts.account,
        region=hub.region,
        resource=f"Security Hub in {hub.region}",
        problem="SecurityHubFindings is on, but Security Hub is not enabled in this account and "
        "region (DescribeHub answered InvalidAccessException, as it does to an account that may "
        "not call it): Security Hub refuses the doctor's and reconcile's findings",
        fix=f"aws securityhub enable-security-hub --region {hub.region} (in account "
        f"{facts.account}), or set the central stack's SecurityHubFindings=false; if it is "
        "enabled, allow securityhub:DescribeHub",
    )


def features_checked(facts: CentralFacts, report: DoctorReport) -> None:
    """What the report says was checked of the features (or could not be read)."""
    if (drills := facts.drills) is not None:
        report.check(
            facts.account,
            drills.region,
            f"restore drills: plan {drills.plan_name}, its selections and role, the rule "
            "forwarding their events",
        )
    if (hub := facts.security_hub) is not None and hub.enabled is not None:
        report.check(facts.account, hub.region, "Security Hub enabled (SecurityHubFindings)")
    elif hub is not None:
        report.skipped.append(
            f"Security Hub in {hub.region}: DescribeHub was denied (securityhub:DescribeHub)"
        )


#: The central account's feature rules, in the order their findings are listed.
FEATURE_RULES = (restore_drills_ready, security_hub_enabled)
