"""doctor --preflight: the rules over what `sam deploy` of the central stack needs, the table of
the names it creates, and how samconfig.toml becomes the plan. Pure and fast."""

from __future__ import annotations

from pathlib import Path

import pytest
from samtranslator.yaml_helper import yaml_parse

from backup_relay.doctor.facts import (
    CentralFacts,
    LambdaConcurrency,
    OrganizationFacts,
    PreflightFacts,
    StackPlan,
)
from backup_relay.doctor.names import FUNCTIONS, NAMES, physical_names, stack_name_problem
from backup_relay.doctor.preflight import (
    Preflight,
    PreflightReport,
    backup_role_named_or_created,
    concurrency_leaves_100_unreserved,
    names_fit,
    organization_readable,
    parameters_complete,
)
from backup_relay.doctor.report import Finding
from backup_relay.template_parameters import DEFAULTS
from backup_relay_cli import samconfig

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
ORG = "o-a1b2c3d4e5"


def _plan(stack: str = "backup-relay", region: str = "us-west-2", **parameters: str) -> StackPlan:
    config = samconfig.DeployConfig(overrides={"OrganizationId": ORG, **parameters})
    return samconfig.plan(config, stack_name=stack, region=region, overrides={})


def _facts(
    plan: StackPlan | None = None,
    *,
    limit: int = 1000,
    unreserved: int = 1000,
    stack_reserves: int = 0,
    **central: object,
) -> PreflightFacts:
    fields: dict[str, object] = {
        "account": ACCOUNT,
        "organization_id": ORG,
        "vaults": [],
        "cross_account_backup": True,
        "backup_role_arn": f"arn:aws:iam::{ACCOUNT}:role/service-role/BackupRole",
        "backup_role_exists": True,
        "backup_role_trusts_backup": True,
        "organization": OrganizationFacts(
            organization_id=ORG, management_account=ACCOUNT, backup_trusted_access=True
        ),
    }
    return PreflightFacts(
        plan=plan or _plan(),
        central=CentralFacts.model_validate(fields | central),
        lambda_concurrency=LambdaConcurrency(
            limit=limit, unreserved=unreserved, stack_reserves=stack_reserves
        ),
    )


# ---- Lambda concurrency -------------------------------------------------------------------------


def test_a_reservation_leaving_fewer_than_100_unreserved_fails_with_the_numbers_and_fixes() -> None:
    # GIVEN a new account's quota of 10 and a stack that reserves 20 for the chain's steps
    facts = _facts(_plan(ChainStepsReservedConcurrency="20"), limit=10, unreserved=10)
    # WHEN the concurrency rule checks it
    [finding] = concurrency_leaves_100_unreserved(facts)
    # THEN it fails, with the quota, the numbers, and both fixes
    assert (finding.severity, finding.category) == ("error", "lambda_concurrency")
    assert "quota in us-west-2 is 10" in finding.problem
    assert "reserves 20" in finding.problem
    assert "leave -10" in finding.problem
    assert "ChainStepsReservedConcurrency=0" in finding.fix
    assert "Service Quotas" in finding.fix
    assert finding.docs == (
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html"
    )


@pytest.mark.parametrize(
    ("reservation", "unreserved", "stack_reserves", "fails"),
    [
        ("0", 10, 0, False),  # no reservation: any quota will do
        ("20", 1000, 0, False),
        ("20", 119, 0, True),  # 99 left
        ("20", 120, 0, False),  # exactly 100 left
        ("20", 100, 20, False),  # an update: the stack's own 20 come back first
        ("500", 1000, 0, False),
        ("950", 1000, 0, True),
    ],
)
def test_the_reservation_is_read_from_the_parameters_never_assumed(
    reservation: str, unreserved: int, stack_reserves: int, *, fails: bool
) -> None:
    # GIVEN the stack's ChainStepsReservedConcurrency and the account's unreserved concurrency
    plan = _plan(ChainStepsReservedConcurrency=reservation)
    facts = _facts(plan, unreserved=unreserved, stack_reserves=stack_reserves)
    # THEN it fails only when fewer than 100 would stay unreserved
    assert bool(list(concurrency_leaves_100_unreserved(facts))) is fails


def test_the_templates_default_reservation_is_the_one_checked() -> None:
    # GIVEN no ChainStepsReservedConcurrency in samconfig: the template's default applies
    plan = _plan()
    # THEN the plan carries the generated default (whatever the template says today)
    assert (
        plan.parameters["ChainStepsReservedConcurrency"]
        == DEFAULTS["ChainStepsReservedConcurrency"]
    )


def test_a_reservation_that_is_not_a_number_is_a_parameter_finding() -> None:
    facts = _facts(_plan(ChainStepsReservedConcurrency="lots"))
    assert [f.category for f in concurrency_leaves_100_unreserved(facts)] == ["stack_parameters"]


# ---- the backup role ----------------------------------------------------------------------------


def test_an_empty_backup_role_name_passes_the_stack_creates_it() -> None:
    # GIVEN BackupRoleName empty, and no role (the account never used the console)
    facts = _facts(_plan(BackupRoleName=""), backup_role_exists=False)
    # THEN nothing is found
    assert list(backup_role_named_or_created(facts)) == []


def test_a_named_backup_role_that_does_not_exist_fails_and_says_where_it_comes_from() -> None:
    # GIVEN BackupRoleName naming a role the account does not have
    plan = _plan(BackupRoleName="service-role/AWSBackupDefaultServiceRole")
    facts = _facts(plan, backup_role_exists=False, backup_role_trusts_backup=False)
    # WHEN the rule checks it
    [finding] = backup_role_named_or_created(facts)
    # THEN it fails in the catalogue's category, saying who creates the default role
    assert (finding.severity, finding.category) == ("error", "iam_role_permissions")
    assert "does not exist" in finding.problem
    assert "used the AWS Backup console" in finding.fix
    assert "BackupRoleName empty" in finding.fix


# ---- the organization ---------------------------------------------------------------------------


def test_what_this_account_may_not_read_is_a_warning_not_a_failure() -> None:
    # GIVEN an account that is neither the management account nor a delegated administrator
    facts = _facts(cross_account_backup=None, organization=OrganizationFacts())
    # WHEN the rule checks it
    findings = list(organization_readable(facts))
    # THEN both unreadable settings are warnings that say so
    assert {(f.severity, f.category) for f in findings} == {
        ("warning", "cross_account_disabled"),
        ("warning", "organization_setup"),
    }
    assert all("cannot tell from this account" in f.problem for f in findings)


def test_the_preflight_reuses_the_doctors_organization_rules() -> None:
    # GIVEN cross-account backup off, trusted access off, and an OrganizationId placeholder
    facts = _facts(
        _plan(OrganizationId="o-exampleorgid"),
        cross_account_backup=False,
        organization_id="o-exampleorgid",
        organization=OrganizationFacts(
            organization_id=ORG, management_account=ACCOUNT, backup_trusted_access=False
        ),
    )
    # WHEN the preflight runs
    report = Preflight(_Facts(facts))(facts.plan)
    # THEN the doctor's central rules report them, each with its AWS page
    assert {(f.category, f.severity) for f in report.findings} == {
        ("cross_account_disabled", "error"),
        ("not_same_organization", "error"),
        ("organization_setup", "warning"),
    }
    assert all(f.docs and f.docs.startswith("https://") for f in report.findings)


# ---- parameters and names -----------------------------------------------------------------------


def test_a_missing_required_parameter_and_an_unknown_one_are_found() -> None:
    # GIVEN overrides without OrganizationId and with a misspelt parameter
    config = samconfig.DeployConfig(overrides={"DrRegon": "us-east-1"}, source="samconfig [x]")
    plan = samconfig.plan(config, stack_name="backup-relay", region="us-west-2", overrides={})
    # THEN each is a failure naming it
    found = {(f.category, f.resource) for f in parameters_complete(_facts(plan))}
    assert found == {("stack_parameters", "OrganizationId"), ("stack_parameters", "DrRegon")}


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("backup-relay", True),
        ("b" * 128, True),
        ("b" * 129, False),
        ("1relay", False),
        ("backup_relay", False),
        ("-relay", False),
    ],
)
def test_the_stack_name_follows_cloudformations_rule(name: str, *, valid: bool) -> None:
    assert (stack_name_problem(name) is None) is valid


def test_each_physical_name_is_listed_with_its_length_limit_and_aws_page() -> None:
    # GIVEN the default plan in us-west-2
    names = {n.what: n for n in physical_names(_plan())}
    # THEN every entry of the table is built, fits, and cites AWS's page
    assert len(names) == len(NAMES)
    assert names["relay event bus"].name == "backup-relay"
    assert names["dashboard (global: one per region)"].name == "backup-relay-us-west-2"
    assert names["member stacks' replay role"].name == "backup-relay-replay-us-west-2"
    longest = max(len(f) for f in FUNCTIONS)
    assert (
        names["function log groups (the longest)"].length
        == len("/aws/lambda/backup-relay/") + longest
    )
    assert all(n.fits and n.docs.startswith("https://docs.aws.amazon.com/") for n in names.values())


def test_a_long_member_role_name_is_reported_with_its_length_and_limit() -> None:
    # GIVEN a MemberReplayRoleName that fits IAM's 64 alone, but not with "-<region>"
    plan = _plan(MemberReplayRoleName="r" * 55)
    # WHEN the names rule checks it
    [finding] = names_fit(_facts(plan))
    # THEN it fails, naming the role, its length and IAM's limit
    assert (finding.severity, finding.category) == ("error", "physical_names")
    assert finding.resource == "r" * 55 + "-us-west-2"
    assert "has 65 characters; AWS allows 64" in finding.problem
    assert finding.docs == "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html"


def test_an_event_bus_name_with_characters_aws_refuses_is_reported() -> None:
    [finding] = names_fit(_facts(_plan(EventBusName="relay bus")))
    assert "characters AWS does not allow" in finding.problem


def test_the_names_table_knows_every_function_of_the_template() -> None:
    # GIVEN template.yaml's functions (their logical ids name their log groups)
    template = yaml_parse((ROOT / "template.yaml").read_text())
    functions = {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    # THEN the table builds the log group of each of them
    assert set(FUNCTIONS) == functions


# ---- the use case -------------------------------------------------------------------------------


class _Facts:
    def __init__(self, facts: PreflightFacts) -> None:
        self.facts = facts

    def preflight(self, plan: StackPlan) -> PreflightFacts:
        return self.facts.model_copy(update={"plan": plan})


def test_a_sound_plan_passes_and_reports_what_it_checked() -> None:
    # GIVEN an account with room for the reservation, a named role, and the organization set up
    facts = _facts(_plan(BackupRoleName="service-role/BackupRole"))
    # WHEN the preflight runs
    report = Preflight(_Facts(facts))(facts.plan)
    # THEN nothing is found; the names and the checks are in the report
    assert isinstance(report, PreflightReport)
    assert (report.findings, report.failed) == ([], False)
    assert len(report.names) == len(NAMES)
    checked = [c.what for c in report.checked]
    assert any(c.startswith("Lambda concurrency: quota 1000") for c in checked)
    assert any(c.startswith("backup role arn:aws:iam::") for c in checked)


def test_without_a_backup_role_name_the_report_says_the_stack_creates_it() -> None:
    facts = _facts(_plan(BackupRoleName=""), backup_role_exists=False)
    report = Preflight(_Facts(facts))(facts.plan)
    assert report.findings == []
    assert "backup role: the stack creates it (BackupRoleName is empty)" in [
        c.what for c in report.checked
    ]


def test_every_finding_of_the_preflight_carries_its_fix_and_an_aws_page() -> None:
    # GIVEN everything wrong at once
    plan = _plan("1-bad", ChainStepsReservedConcurrency="50", MemberDoctorRoleName="d" * 60)
    facts = _facts(plan, unreserved=120, backup_role_exists=False, cross_account_backup=None)
    # WHEN the preflight runs
    report = Preflight(_Facts(facts))(plan)
    # THEN it fails, and each finding has a fix and AWS's page
    assert report.failed
    assert all(isinstance(f, Finding) and f.fix and f.docs for f in report.findings)
    assert report.findings[0].category == "physical_names"


# ---- samconfig.toml -----------------------------------------------------------------------------

SAMCONFIG = """
version = 0.1
[prod.global.parameters]
stack_name = "relay-prod"
[prod.deploy.parameters]
region = "eu-west-1"
parameter_overrides = [
    "OrganizationId=o-a1b2c3d4e5",
    "AllowedSourceAccounts=\\"\\"",
    'DrRegion="us-east-1"',
]
[dev.deploy.parameters]
stack_name = "relay-dev"
parameter_overrides = "OrganizationId=o-a1b2c3d4e5 LogLevel='DEBUG'"
"""


def test_samconfig_gives_the_stack_region_and_overrides_of_an_environment(tmp_path: Path) -> None:
    # GIVEN a samconfig.toml with a [prod] environment
    path = tmp_path / "samconfig.toml"
    path.write_text(SAMCONFIG)
    # WHEN its prod environment is read
    config = samconfig.read(path, "prod")
    # THEN the stack name (global), region (deploy) and unquoted overrides are its
    assert (config.stack_name, config.region, config.source) == (
        "relay-prod",
        "eu-west-1",
        "samconfig.toml [prod]",
    )
    assert config.overrides == {
        "OrganizationId": "o-a1b2c3d4e5",
        "AllowedSourceAccounts": "",
        "DrRegion": "us-east-1",
    }
    # AND an environment's overrides may be one string
    assert samconfig.read(path, "dev").overrides == {
        "OrganizationId": "o-a1b2c3d4e5",
        "LogLevel": "DEBUG",
    }


def test_flags_override_samconfig_and_the_template_fills_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "samconfig.toml"
    path.write_text(SAMCONFIG)
    config = samconfig.read(path, "prod")
    # WHEN --stack is given, and --parameter-overrides replaces samconfig's list
    plan = samconfig.plan(
        config, stack_name="other", region="us-west-2", overrides={"OrganizationId": ORG}
    )
    # THEN the flags win, and the template's defaults fill what neither sets
    assert (plan.stack_name, plan.region, plan.source) == ("other", "us-west-2",
                                                            "--parameter-overrides")  # fmt: skip
    assert "DrRegion" not in plan.parameters or plan.parameters["DrRegion"] == DEFAULTS["DrRegion"]
    assert plan.missing == []


def test_an_unknown_environment_is_bad_usage_naming_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "samconfig.toml"
    path.write_text(SAMCONFIG)
    with pytest.raises(samconfig.ConfigError, match=r"no \[staging\].*prod, dev"):
        samconfig.read(path, "staging")


def test_the_repositorys_samconfig_reads() -> None:
    # GIVEN the repository's samconfig.toml (whatever its environments say today)
    config = samconfig.read(ROOT / "samconfig.toml", "prod")
    # THEN it names a stack and a region, and every override is a template parameter
    assert config.stack_name
    assert config.region
    assert set(config.overrides) <= set(DEFAULTS)
