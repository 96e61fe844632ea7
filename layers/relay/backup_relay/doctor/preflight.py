"""`doctor --preflight`: what `sam deploy` of the central stack needs, checked before it runs.

Rules over PreflightFacts (the plan: stack name, region, parameters; and what read-only calls
found in the account), and the use case that gathers them. The doctor's central rules are
reused where they check the same thing (the backup role, cross-account backup, the
organization); what the preflight adds is here: the Lambda concurrency the stack reserves, the
parameters, and the names the stack would give its resources (names.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import Field

from backup_relay.doctor.central import (
    backup_role_ready,
    central_account_in_the_organization,
    cross_account_backup_on,
    organization_ready_for_backup,
)
from backup_relay.doctor.facts import PreflightFacts, StackPlan
from backup_relay.doctor.features import features_checked, security_hub_enabled
from backup_relay.doctor.names import (
    STACK_NAME_DOCS,
    PhysicalName,
    physical_names,
    stack_name_problem,
)
from backup_relay.doctor.ports import PreflightPrerequisites
from backup_relay.doctor.report import DoctorReport, Finding, docs_for
from backup_relay.doctor.rules import rule
from backup_relay.domain.catalogue import CATALOGUE
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

#: Lambda keeps this many executions unreserved for functions without a reservation.
UNRESERVED_MINIMUM = 100
RESERVATION = "ChainStepsReservedConcurrency"
_CONCURRENCY_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"
_QUOTAS_DOCS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
_TRUSTED_ACCESS_DOCS = (
    "https://docs.aws.amazon.com/organizations/latest/APIReference/"
    "API_ListAWSServiceAccessForOrganization.html"
)
_GLOBAL_SETTINGS_DOCS = (
    "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeGlobalSettings.html"
)


def _finding(
    facts: PreflightFacts,
    category: Category,
    resource: str,
    problem: str,
    fix: str,
    *,
    docs: str | None = None,
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(
        severity=severity,
        category=category,
        account=facts.central.account,
        region=facts.plan.region,
        resource=resource,
        problem=problem,
        fix=fix,
        docs=docs,
    )


def _set_it(plan: StackPlan, assignment: str) -> str:
    where = plan.source if plan.source != "template defaults" else "samconfig.toml"
    return f"set {assignment} in the parameter_overrides of {where}"


@rule(Category.LAMBDA_CONCURRENCY)
def concurrency_leaves_100_unreserved(facts: PreflightFacts) -> Iterable[Finding]:
    """Lambda refuses a reservation that leaves fewer than 100 executions unreserved: the
    deploy would fail at ChainStepsFunction and roll back."""
    plan, limits = facts.plan, facts.lambda_concurrency
    raw = plan.parameters.get(RESERVATION, "0")
    if not raw.isdigit():
        yield _finding(
            facts,
            Category.STACK_PARAMETERS,
            RESERVATION,
            f"{RESERVATION}={raw!r} is not a whole number: CloudFormation refuses it",
            _set_it(plan, f"{RESERVATION}=0") + " (or a number of executions)",
        )
        return
    reserves = int(raw)
    if reserves == 0 or limits is None:
        return
    available = limits.unreserved + limits.stack_reserves  # an update gives back its own
    left = available - reserves
    if left >= UNRESERVED_MINIMUM:
        return
    most = available - UNRESERVED_MINIMUM
    smaller = f", or at most {RESERVATION}={most}" if most > 0 else ""
    yield _finding(
        facts,
        Category.LAMBDA_CONCURRENCY,
        f"Lambda concurrency of account {facts.central.account} in {plan.region}",
        f"the account's Lambda concurrency quota in {plan.region} is {limits.limit} "
        f"({available} unreserved); the stack reserves {reserves} for ChainStepsFunction "
        f"({RESERVATION}), which would leave {left}, and Lambda keeps at least "
        f"{UNRESERVED_MINIMUM} unreserved: the deploy fails at ChainStepsFunction",
        _set_it(plan, f"{RESERVATION}=0") + f" (the chain's steps then share the account's "
        f"unreserved concurrency){smaller}; or ask for a higher quota: Service Quotas > AWS "
        "Lambda > Concurrent executions (new accounts start low; AWS raises it with use): "
        f"{_QUOTAS_DOCS}",
        docs=_CONCURRENCY_DOCS,
    )


@rule(Category.IAM_ROLE_PERMISSIONS)
def backup_role_named_or_created(facts: PreflightFacts) -> Iterable[Finding]:
    """An empty BackupRoleName: the stack creates its own backup role. A name: the doctor's
    rule (it exists and trusts backup.amazonaws.com)."""
    if not facts.plan.parameters.get("BackupRoleName"):
        return
    yield from backup_role_ready(facts.central)


@rule(Category.CROSS_ACCOUNT_DISABLED, Category.ORGANIZATION_SETUP)
def organization_readable(facts: PreflightFacts) -> Iterable[Finding]:
    """What this account may not read is a warning: the deploy succeeds, the copies may not."""
    central = facts.central
    unread = "cannot tell from this account"
    if central.cross_account_backup is None:
        yield _finding(
            facts,
            Category.CROSS_ACCOUNT_DISABLED,
            "AWS Backup global settings",
            f"whether cross-account backup is on: {unread} (DescribeGlobalSettings was refused)",
            "run the preflight in the organization's management account, or check there: aws "
            "backup describe-global-settings (isCrossAccountBackupEnabled must be true)",
            docs=_GLOBAL_SETTINGS_DOCS,
            severity=Severity.WARNING,
        )
    if central.organization.backup_trusted_access is None:
        yield _finding(
            facts,
            Category.ORGANIZATION_SETUP,
            "trusted access for backup.amazonaws.com",
            f"whether AWS Backup has trusted access in AWS Organizations: {unread} (only the "
            "management account or a delegated administrator may list it)",
            "in the management account: aws organizations "
            "list-aws-service-access-for-organization (backup.amazonaws.com must be listed)",
            docs=_TRUSTED_ACCESS_DOCS,
            severity=Severity.WARNING,
        )


@rule(Category.STACK_PARAMETERS)
def parameters_complete(facts: PreflightFacts) -> Iterable[Finding]:
    plan = facts.plan
    for name in plan.missing:
        yield _finding(
            facts,
            Category.STACK_PARAMETERS,
            name,
            f"parameter {name} has no default and no value: CloudFormation refuses the stack",
            _set_it(plan, f"{name}=..."),
        )
    for name in plan.unknown:
        yield _finding(
            facts,
            Category.STACK_PARAMETERS,
            name,
            f"parameter {name} is not one of template.yaml's: CloudFormation refuses the stack",
            f"remove {name} from the parameter_overrides of {plan.source} (or fix its spelling)",
        )


@rule(Category.PHYSICAL_NAMES)
def names_fit(facts: PreflightFacts) -> Iterable[Finding]:
    plan = facts.plan
    problem = stack_name_problem(plan.stack_name)
    if problem is not None:
        yield _finding(
            facts,
            Category.PHYSICAL_NAMES,
            f"stack {plan.stack_name}",
            f"CloudFormation refuses the stack name {plan.stack_name!r}: {problem}",
            "choose another stack_name in samconfig.toml (or --stack-name)",
            docs=STACK_NAME_DOCS,
        )
    for name in physical_names(plan):
        if name.fits:
            continue
        why = (
            f"has {name.length} characters; AWS allows {name.limit}"
            if name.valid_characters
            else "has characters AWS does not allow in it"
        )
        yield _finding(
            facts,
            Category.PHYSICAL_NAMES,
            name.name,
            f"the {name.what} ({name.expression}) would be {name.name!r}, which {why}: "
            "creating it fails",
            "shorten the stack name or the parameter the name is built from",
            docs=name.docs,
        )


#: The preflight's rules over its facts, in the order their findings are listed.
PREFLIGHT_RULES = (
    parameters_complete,
    names_fit,
    concurrency_leaves_100_unreserved,
    backup_role_named_or_created,
    organization_readable,
)
#: The doctor's central rules the preflight reuses, over the account's facts.
REUSED_CENTRAL_RULES = (
    cross_account_backup_on,
    central_account_in_the_organization,
    organization_ready_for_backup,
    security_hub_enabled,  # SecurityHubFindings=true: Security Hub enabled in the region
)


class PreflightReport(DoctorReport):
    stack_name: str
    region: str
    source: str  # where the parameters came from
    names: list[PhysicalName] = Field(default_factory=list)


def docs_of(finding: Finding) -> str | None:
    """The finding's AWS page: its own, or its category's."""
    catalogued = next((e.docs for e in CATALOGUE if e.category == finding.category), None)
    return finding.docs or catalogued or docs_for(finding.category)


@dataclass
class Preflight:
    prerequisites: PreflightPrerequisites

    def __call__(self, plan: StackPlan) -> PreflightReport:
        facts = self.prerequisites.preflight(plan)
        report = PreflightReport(
            stack_name=plan.stack_name,
            region=plan.region,
            source=plan.source,
            names=physical_names(plan),
        )
        found = [f for each in PREFLIGHT_RULES for f in each(facts)]
        found += [f for each in REUSED_CENTRAL_RULES for f in each(facts.central)]
        report.add(f.model_copy(update={"docs": docs_of(f)}) for f in found)
        self._checked(facts, report)
        return report

    @staticmethod
    def _checked(facts: PreflightFacts, report: PreflightReport) -> None:
        plan, central = facts.plan, facts.central
        account, region = central.account, plan.region
        report.check(account, region, f"parameters ({plan.source})")
        report.check(account, region, f"stack name and {len(report.names)} physical names")
        limits = facts.lambda_concurrency
        if limits is None:
            report.skipped.append(
                f"Lambda concurrency in {region}: lambda:GetAccountSettings was refused"
            )
        else:
            report.check(
                account,
                region,
                f"Lambda concurrency: quota {limits.limit}, {limits.unreserved} unreserved, "
                f"{RESERVATION}={plan.parameters.get(RESERVATION, '0')}",
            )
        role = plan.parameters.get("BackupRoleName")
        report.check(
            account, "-", f"backup role {central.backup_role_arn}" if role else
            "backup role: the stack creates it (BackupRoleName is empty)",
        )  # fmt: skip
        org = central.organization
        for what, value in (
            ("cross-account backup", central.cross_account_backup),
            ("AWS Backup trusted access", org.backup_trusted_access),
            ("organization membership", org.organization_id),
        ):
            if value is not None:
                report.check(account, "-", what)
        if org.organization_id is None:
            report.skipped.append(
                f"organization membership: account {account} could not read its organization"
            )
        features_checked(central, report)
