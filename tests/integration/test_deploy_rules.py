"""AWS's deploy-time rules, held over the three templates and samconfig.toml.

moto checks none of these: CloudFormation's capabilities and name limits, names global to an
account, IAM's rules for principals, Lambda's unreserved concurrency, what can invoke a function
before its log group exists. Each rule is written over every resource of a kind (the central
template as CloudFormation receives it, after the SAM transform), and cites AWS's page, so a new
resource is checked without a new test. IAM actions, resource ARN formats and condition keys are
held to AWS's Service Authorization Reference by tests/integration/test_iam_reference.py.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import botocore
import pytest

from backup_relay.doctor.facts import StackPlan
from backup_relay.doctor.names import NAME_LIMITS
from backup_relay.doctor.names import physical_names as preflight_names
from backup_relay.domain.resource_types import REGISTRY
from backup_relay_sandbox.template import (
    CENTRAL_TEMPLATE,
    MEMBER_TEMPLATE,
    NO_VALUE,
    REPO_ROOT,
    VAULTS_TEMPLATE,
    evaluate_conditions,
    load_template,
    resolve,
    transformed,
)

CENTRAL_ACCOUNT = "111122223333"
MEMBER_ACCOUNT = "444455556666"
#: The parameters without a default, as an operator sets them.
REQUIRED_PARAMETERS = {"CentralAccountId": CENTRAL_ACCOUNT, "OrganizationId": "o-a1b2c3d4e5"}


@cache
def templates() -> dict[str, dict[str, Any]]:
    """Each template as CloudFormation receives it (the central one after the SAM transform)."""
    return {
        "template.yaml": transformed(CENTRAL_TEMPLATE),
        "member/template.yaml": load_template(MEMBER_TEMPLATE),
        "vaults/template.yaml": load_template(VAULTS_TEMPLATE),
    }


#: The account each template is deployed in (the member stack's is a member's).
ACCOUNTS = {
    "template.yaml": CENTRAL_ACCOUNT,
    "member/template.yaml": MEMBER_ACCOUNT,
    "vaults/template.yaml": CENTRAL_ACCOUNT,
}


@cache
def longest_region() -> str:
    """The longest region code of every partition botocore knows (us-isof-south-1 today)."""
    endpoints = Path(botocore.__file__).parent / "data" / "endpoints.json"
    partitions = json.loads(endpoints.read_text())["partitions"]
    return max((r for p in partitions for r in p["regions"]), key=len)


#: CloudFormation's stack name: "[a-zA-Z][-a-zA-Z0-9]*", at most 128 characters
#: (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html).
LONGEST_STACK_NAME = "s" * 128

#: Names unique to an account in every region: a stack deployed once per region must put the
#: region in them. IAM is global (https://docs.aws.amazon.com/IAM/latest/UserGuide/
#: reference_identifiers.html#identifiers-arns: IAM ARNs have no region); a dashboard's ARN has
#: none either (arn:aws:cloudwatch::<account>:dashboard/<name>, Service Authorization Reference).
ACCOUNT_GLOBAL_NAMES = {"AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::CloudWatch::Dashboard"}


class _Values(dict[str, Any]):
    """A deployment's values: parameters, pseudo parameters; anything a resource names resolves
    to a token of its own, unique to the stack (CloudFormation generates it)."""

    def __missing__(self, key: str) -> str:
        return f"<{self['AWS::StackName']}:{key}>"


def deployed(
    name: str,
    stack: str = "backup-relay",
    region: str = "us-east-1",
    parameters: Mapping[str, str] | None = None,
) -> _Values:
    template = templates()[name]
    values = _Values(
        {
            key: str(spec["Default"])
            for key, spec in template.get("Parameters", {}).items()
            if "Default" in spec
        }
    )
    values.update(
        {k: v for k, v in REQUIRED_PARAMETERS.items() if k in template.get("Parameters", {})}
    )
    values.update(parameters or {})
    values.update(
        {
            "AWS::AccountId": ACCOUNTS[name],
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNTS[name]}:stack/{stack}/0",
        }
    )
    evaluate_conditions(template, values)
    return values


def _created(template: Mapping[str, Any], values: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for logical_id, resource in template["Resources"].items():
        condition = resource.get("Condition")
        if condition is None or values[f"Condition:{condition}"]:
            yield logical_id, resource


def physical_names(name: str, values: _Values) -> dict[tuple[str, str], str]:
    """(type, logical id) -> the name the template gives the resource (none: CloudFormation
    generates one, unique and within the limit)."""
    names: dict[tuple[str, str], str] = {}
    for logical_id, resource in _created(templates()[name], values):
        if resource["Type"] not in NAME_LIMITS:
            continue
        key = NAME_LIMITS[resource["Type"]][0]
        value = resource.get("Properties", {}).get(key)
        if value is not None and (resolved := resolve(value, values)) is not NO_VALUE:
            names[(resource["Type"], logical_id)] = str(resolved)
    return names


def _longest_parameters(template: Mapping[str, Any]) -> dict[str, str]:
    """For every String parameter, the longest value its AllowedPattern (or MaxLength) admits."""
    longest: dict[str, str] = {}
    for key, spec in template.get("Parameters", {}).items():
        if spec.get("Type") != "String":
            continue
        if "AllowedValues" in spec:
            longest[key] = max((str(v) for v in spec["AllowedValues"]), key=len)
            continue
        bound = spec.get("MaxLength")
        quantifiers = re.findall(r"\{\d+,(\d+)\}", spec.get("AllowedPattern", ""))
        if bound is None and len(quantifiers) == 1 and "," not in spec.get("Default", ","):
            bound = int(quantifiers[0])
        if bound is not None:
            longest[key] = "x" * int(bound)
    return longest


# ---- CloudFormation capabilities ----------------------------------------------------------------

NAMED_IAM = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


def _named_iam(name: str) -> list[str]:
    return [
        logical_id
        for logical_id, resource in templates()[name]["Resources"].items()
        if NAMED_IAM.get(resource["Type"]) in resource.get("Properties", {})
    ]


def test_named_iam_resources_are_deployed_with_capability_named_iam() -> None:
    # AWS: "If you have IAM resources with custom names, you must specify CAPABILITY_NAMED_IAM"
    # (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html)
    # GIVEN the central stack's IAM resources and every samconfig.toml environment
    samconfig = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())
    central = templates()["template.yaml"]
    has_iam = any(r["Type"].startswith("AWS::IAM::") for r in central["Resources"].values())
    needed = "CAPABILITY_NAMED_IAM" if _named_iam("template.yaml") else "CAPABILITY_IAM"
    # THEN each environment acknowledges what the template holds
    assert has_iam
    for environment, sections in samconfig.items():
        if environment == "version":
            continue
        capabilities = sections["deploy"]["parameters"]["capabilities"].split()
        assert needed in capabilities or "CAPABILITY_NAMED_IAM" in capabilities, (
            environment,
            _named_iam("template.yaml"),
        )
    # AND the member stack's create-stack-set commands (README, the template's header) do too
    if _named_iam("member/template.yaml"):
        for text in ((REPO_ROOT / "README.md").read_text(), MEMBER_TEMPLATE.read_text()):
            commands = re.findall(r"create-stack-set.*?(?:\n\s*\n|```)", text, flags=re.DOTALL)
            assert commands
            assert all("CAPABILITY_NAMED_IAM" in command for command in commands)


# ---- physical names -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["template.yaml", "member/template.yaml", "vaults/template.yaml"])
def test_names_global_to_an_account_carry_the_region(name: str) -> None:
    # GIVEN the same stack deployed in two regions of one account (the README's deploy)
    east = physical_names(name, deployed(name, region="us-east-1"))
    west = physical_names(name, deployed(name, region="eu-west-1"))
    # THEN no name that is global to the account is the same in both
    collisions = {
        key: east[key]
        for key in east
        if key[0] in ACCOUNT_GLOBAL_NAMES and east[key] == west.get(key)
    }
    assert collisions == {}


def test_two_stacks_side_by_side_in_one_region_share_no_name() -> None:
    # GIVEN [dev] and [prod] of samconfig.toml in one account and region
    prod = physical_names("template.yaml", deployed("template.yaml", stack="backup-relay"))
    dev = physical_names("template.yaml", deployed("template.yaml", stack="backup-relay-dev"))
    # THEN every name the template gives is its stack's own (none left for SAM to invent from a
    # logical id: SAM names a ScheduleV2 schedule and a layer after their logical ids)
    shared = {key: prod[key] for key in prod if dev.get(key) == prod[key]}
    assert shared == {}


@pytest.mark.parametrize("name", ["template.yaml", "member/template.yaml", "vaults/template.yaml"])
def test_every_name_fits_its_limit_for_the_longest_stack_name_region_and_parameters(
    name: str,
) -> None:
    # GIVEN the longest stack name CloudFormation allows, the longest region there is, and the
    # longest value each parameter admits (a StackSet instance's stack name is longer still
    # than its set's)
    values = deployed(
        name,
        stack=LONGEST_STACK_NAME,
        region=longest_region(),
        parameters=_longest_parameters(templates()[name]),
    )
    # THEN every name the template gives fits AWS's limit for its kind
    too_long = {
        f"{logical_id} ({NAME_LIMITS[kind][0]}, {len(value)} > {NAME_LIMITS[kind][1]}: "
        f"{NAME_LIMITS[kind][2]})": value
        for (kind, logical_id), value in physical_names(name, values).items()
        if len(value) > NAME_LIMITS[kind][1]
    }
    assert too_long == {}


# ---- Lambda -------------------------------------------------------------------------------------

#: "Lambda requires at least 100 unreserved concurrent executions per account"
#: (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
UNRESERVED_MINIMUM = 100
#: New accounts may get a concurrency quota far below the default 1,000 (public reports of 10;
#: AWS: "new accounts might have reduced concurrency", https://docs.aws.amazon.com/lambda/latest/
#: dg/gettingstarted-limits.html). INFERRED: the smallest is 10.
SMALLEST_CONCURRENCY_QUOTA = 10


def test_the_default_stack_reserves_no_concurrency_an_account_may_not_have() -> None:
    # GIVEN the central stack with its defaults
    values = deployed("template.yaml")
    reserved = sum(
        int(resolve(r["Properties"]["ReservedConcurrentExecutions"], values))
        for _, r in _created(templates()["template.yaml"], values)
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"].get("ReservedConcurrentExecutions") is not None
        and resolve(r["Properties"]["ReservedConcurrentExecutions"], values) is not NO_VALUE
    )
    # THEN it deploys in an account with the smallest quota: Lambda refuses a reservation that
    # leaves fewer than 100 unreserved executions
    assert reserved == 0 or reserved + UNRESERVED_MINIMUM <= SMALLEST_CONCURRENCY_QUOTA


def _references(node: Any) -> set[str]:
    """The logical ids (and pseudo parameters) a template fragment refers to."""
    if isinstance(node, list):
        return set().union(*(_references(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found: set[str] = set()
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            found.add(value)
        elif key == "Fn::GetAtt":
            target = value[0] if isinstance(value, list) else str(value).split(".")[0]
            found.add(target)
        elif key == "Fn::Sub":
            text = value if isinstance(value, str) else value[0]
            found |= {v.split(".")[0] for v in re.findall(r"\$\{([^}!]+)\}", text)}
            if not isinstance(value, str):
                found |= _references(value[1])
        else:
            found |= _references(value)
    return found


def _dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each resource's resources, transitively: what CloudFormation creates before it."""
    resources = template["Resources"]
    direct = {
        logical_id: {
            r
            for r in _references(resource.get("Properties", {}))
            | set(
                [resource["DependsOn"]]
                if isinstance(resource.get("DependsOn"), str)
                else resource.get("DependsOn", [])
            )
            if r in resources
        }
        for logical_id, resource in resources.items()
    }
    closed: dict[str, set[str]] = {}

    def close(logical_id: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if logical_id not in closed:
            found = set(direct[logical_id])
            for dependency in direct[logical_id] - seen:
                found |= close(dependency, seen | {logical_id})
            closed[logical_id] = found
        return closed[logical_id]

    return {logical_id: close(logical_id) for logical_id in resources}


#: Resources through which something invokes a function.
INVOKERS = {
    "AWS::Lambda::EventSourceMapping",
    "AWS::Scheduler::Schedule",
    "AWS::Events::Rule",
    "AWS::Lambda::Permission",
    "AWS::StepFunctions::StateMachine",
    "AWS::SNS::Subscription",
}


def test_nothing_can_invoke_a_function_before_its_log_group_exists() -> None:
    # Lambda creates a missing log group itself on the first invocation (without retention), and
    # the stack's AWS::Logs::LogGroup of that name then fails: "already exists". A rate schedule
    # without a start date runs at once (https://docs.aws.amazon.com/scheduler/latest/UserGuide/
    # schedule-types.html); a queue's mapping polls at once.
    # GIVEN the central stack as CloudFormation receives it
    template = templates()["template.yaml"]
    resources = template["Resources"]
    depends = _dependencies(template)
    groups = {
        logical_id: r["Properties"]["LogGroupName"]
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    early: dict[str, list[str]] = {}
    for function, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        # WHEN its log group is found: LoggingConfig's, or the one Lambda's default name gives
        logging = resource["Properties"].get("LoggingConfig", {}).get("LogGroup")
        [group] = [
            g
            for g, name in groups.items()
            if logging == {"Ref": g} or name == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
        ] or [None]
        assert group is not None, f"{function} has no log group of the stack's"
        invokers = [
            logical_id
            for logical_id, r in resources.items()
            if r["Type"] in INVOKERS and function in _references(r.get("Properties", {}))
        ]
        # THEN everything that can invoke it is created after the log group
        if late := [i for i in invokers if group not in depends[i]]:
            early[function] = late
    assert early == {}


# ---- IAM ----------------------------------------------------------------------------------------


def _policy_documents(resource: Mapping[str, Any]) -> Iterator[Any]:
    properties = resource.get("Properties", {})
    for key in ("AssumeRolePolicyDocument", "KeyPolicy", "AccessPolicy", "PolicyDocument"):
        if key in properties:
            yield properties[key]
    if resource["Type"] == "AWS::Events::EventBusPolicy":
        yield {"Statement": [properties["Statement"]]}
    for policy in properties.get("Policies", []):
        if isinstance(policy, dict) and "PolicyDocument" in policy:
            yield policy["PolicyDocument"]


def _statements(document: Any) -> Iterator[dict[str, Any]]:
    """Every statement, both branches of an Fn::If."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict) and "Fn::If" in statement:
            yield from (s for s in statement["Fn::If"][1:] if isinstance(s, dict) and "Effect" in s)
        elif isinstance(statement, dict):
            yield statement


def _every_statement() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(template, logical id, statement) of every policy of every template."""
    for name, template in templates().items():
        for logical_id, resource in template["Resources"].items():
            for document in _policy_documents(resource):
                for statement in _statements(document):
                    yield name, logical_id, statement


def _branches(node: Any) -> Iterator[Any]:
    """Every value an expression may take: each branch of an Fn::If, each item of a list."""
    if isinstance(node, dict) and "Fn::If" in node:
        for branch in node["Fn::If"][1:]:
            yield from _branches(branch)
    elif isinstance(node, list):
        for item in node:
            yield from _branches(item)
    else:
        yield node


ACCOUNT_PRINCIPAL = re.compile(r"^(arn:aws:iam::\d{12}:root|\d{12}|\*)$")


def test_every_aws_principal_exists_when_the_policy_is_saved_and_survives_a_recreation() -> None:
    # IAM: a policy naming a role that does not exist fails ("Invalid principal in policy"), and
    # a role ARN in a trust policy "transforms to the role unique principal ID when you save the
    # policy": re-created, the role is no longer trusted
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    # #principal-roles). Name roles of other stacks and accounts by condition (aws:PrincipalArn).
    # GIVEN every policy of every template, each Fn::If branch
    wrong = []
    values = {name: deployed(name) for name in templates()}
    for name, logical_id, statement in _every_statement():
        parameters = templates()[name].get("Parameters", {})
        principal = statement.get("Principal", {})
        aws = principal if principal == "*" else principal.get("AWS", [])
        for value in _branches(aws):
            # THEN each AWS principal is an account, "*" (under a condition), or a role this
            # template creates
            if isinstance(value, dict) and "Fn::GetAtt" in value:
                continue
            ref = value.get("Ref") if isinstance(value, dict) else None
            if ref in parameters and parameters[ref]["Type"] == "CommaDelimitedList":
                wrong.append((name, logical_id, f"principals from {ref}"))
                continue
            text = str(resolve(value, values[name]))
            if not ACCOUNT_PRINCIPAL.match(text):
                wrong.append((name, logical_id, text))
            elif text == "*" and not statement.get("Condition"):
                wrong.append((name, logical_id, "* without a condition"))
    assert wrong == []


def _allows(statement: Mapping[str, Any], action: str) -> bool:
    actions = statement.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    return statement.get("Effect") == "Allow" and any(fnmatchcase(action, a) for a in actions)


def _granted_resources(name: str, statement: Mapping[str, Any]) -> list[str]:
    values = deployed(name)
    resources = statement.get("Resource", [])
    return [
        str(r) for r in resolve(resources if isinstance(resources, list) else [resources], values)
    ]


def test_every_role_that_starts_copies_may_copy_every_kind_of_recovery_point() -> None:
    # StartCopyJob is authorized on the source recovery point, in the ARN form AWS Backup gives
    # it (https://docs.aws.amazon.com/aws-backup/latest/devguide/access-control.html, "AWS Backup
    # resource ARNs"); a replay or a chain copies whatever type failed or landed
    starting = [
        (name, logical_id, statement)
        for name, logical_id, statement in _every_statement()
        if _allows(statement, "backup:StartCopyJob")
    ]
    # GIVEN the chain's and the member replay role's grants
    assert {logical_id for _, logical_id, _ in starting} >= {"ChainStepsFunctionRole", "ReplayRole"}
    missing = {}
    for name, logical_id, statement in starting:
        patterns = _granted_resources(name, statement)
        # WHEN a recovery point of each ARN form, in the role's own account, is copied
        points = [
            form.arn("eu-west-1", ACCOUNTS[name], uuid="0f1e", hex17="0" * 17)
            for form in REGISTRY.recovery_point_arns()
        ]
        # THEN the role may start it
        if uncovered := [p for p in points if not any(fnmatchcase(p, g) for g in patterns)]:
            missing[logical_id] = uncovered
    assert missing == {}


def test_a_member_replay_may_pass_the_role_the_failed_copy_ran_with() -> None:
    # replay copies again as the failed job's own role (its IamRoleArn), which an organization's
    # backup policy names: not only AWSBackupDefaultServiceRole
    [statement] = [
        s
        for s in _statements(
            templates()["member/template.yaml"]["Resources"]["ReplayRole"]["Properties"][
                "Policies"
            ][0]["PolicyDocument"]
        )
        if _allows(s, "iam:PassRole")
    ]
    patterns = _granted_resources("member/template.yaml", statement)
    for role in ("service-role/AWSBackupDefaultServiceRole", "OrgBackupRole", "backup-relay/x"):
        assert any(fnmatchcase(f"arn:aws:iam::{MEMBER_ACCOUNT}:role/{role}", p) for p in patterns)
    assert statement["Condition"] == {
        "StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}
    }


def test_alarms_reach_the_alerts_topic_under_the_keys_cloudwatch_sends() -> None:
    # CloudWatch alarm notifications are admitted by aws:SourceArn / aws:SourceAccount
    # (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger;
    # https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html); AWS documents no
    # aws:SourceOrgID for them, and a key they do not send admits nothing
    granting = [
        (name, logical_id, statement)
        for name, logical_id, statement in _every_statement()
        if "cloudwatch.amazonaws.com" in str(statement.get("Principal", ""))
    ]
    assert {logical_id for _, logical_id, _ in granting} == {"AlertsKey", "AlertsTopicPolicy"}
    for _, _, statement in granting:
        keys = {key for test in statement["Condition"].values() for key in test}
        assert keys
        assert keys <= {"aws:SourceAccount", "aws:SourceArn"}


def test_only_the_organizations_backup_roles_copy_into_the_vaults() -> None:
    # GIVEN the vault access policies of the vaults stack, which admit "*" of the organization
    vaults = templates()["vaults/template.yaml"]["Resources"]
    policies = [
        r["Properties"]["AccessPolicy"]
        for r in vaults.values()
        if "AccessPolicy" in r.get("Properties", {})
    ]
    assert policies
    for statement in (s for p in policies for s in _statements(p)):
        # THEN no statement lets any principal of the organization in: only its backup roles
        assert statement["Principal"] == {"AWS": "*"}
        assert "aws:PrincipalOrgID" in statement["Condition"]["StringEquals"]
        assert "aws:PrincipalArn" in statement["Condition"]["ArnLike"]
        # AND nothing but CopyIntoBackupVault: AWS rejects cross-account access to a vault for
        # any other action (https://docs.aws.amazon.com/aws-backup/latest/devguide/
        # create-a-vault-access-policy.html)
        assert statement["Action"] == "backup:CopyIntoBackupVault"
    # AND an empty list admits no one (never "arn:*:iam::*:role/*")
    values = deployed("vaults/template.yaml", parameters={"CopyRoleNames": ""})
    [first, *_] = [s for p in policies for s in _statements(p)]
    assert resolve(first["Condition"]["ArnLike"]["aws:PrincipalArn"], values) == [
        "arn:*:iam::*:role/"
    ]


# ---- what a stack leaves behind -----------------------------------------------------------------

#: Kinds whose contents outlive the stack: a ledger of what happened, recovery points and the
#: keys that decrypt them.
HOLDS_DATA = {
    "AWS::DynamoDB::Table",
    "AWS::KMS::Key",
    "AWS::Backup::BackupVault",
    "AWS::Backup::LogicallyAirGappedBackupVault",
}


@pytest.mark.parametrize("name", ["template.yaml", "member/template.yaml", "vaults/template.yaml"])
def test_only_what_holds_data_is_retained_and_a_failed_first_deploy_leaves_the_rest(
    name: str,
) -> None:
    # CloudFormation's DeletionPolicy: Retain keeps a resource even when the stack's creation
    # fails and rolls back; RetainExceptOnCreate keeps it only once the stack was created
    # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html)
    resources = templates()[name]["Resources"]
    retained = {
        logical_id: r["Type"]
        for logical_id, r in resources.items()
        if r.get("DeletionPolicy") == "Retain"
    }
    assert {k: t for k, t in retained.items() if t not in HOLDS_DATA} == {}
    queues = [r for r in resources.values() if r["Type"] == "AWS::SQS::Queue"]
    assert all(q.get("DeletionPolicy") in (None, "RetainExceptOnCreate") for q in queues)


def test_dr_copies_get_a_retention_of_their_own_by_default() -> None:
    # A vault has no default retention: a copy without a lifecycle keeps its source's, counted
    # from the source backup's creation date, and would expire with the member's copy
    # (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartCopyJob.html: Lifecycle)
    parameter = templates()["template.yaml"]["Parameters"]["DrRetentionDays"]
    assert int(parameter["Default"]) > 0


def test_the_preflights_table_of_names_is_the_names_the_templates_give() -> None:
    # GIVEN a deploy the preflight checks (doctor/names.py builds its names), and the central and
    # member templates deployed with the same stack name, region and parameters
    central = deployed("template.yaml", stack="backup-relay-dev", region="eu-west-1")
    parameters = {k: str(central[k]) for k in templates()["template.yaml"]["Parameters"]}
    plan = StackPlan(stack_name="backup-relay-dev", region="eu-west-1", parameters=parameters)
    member = deployed(
        "member/template.yaml",
        region="eu-west-1",
        parameters={
            "ReplayRoleName": parameters["MemberReplayRoleName"],
            "DoctorRoleName": parameters["MemberDoctorRoleName"],
        },
    )
    given = {
        value: kind
        for (kind, _), value in {
            **physical_names("template.yaml", central),
            **physical_names("member/template.yaml", member),
        }.items()
    }
    # WHEN the preflight builds its names
    built = preflight_names(plan)
    # THEN each is a name a template gives, held to the limit of its kind
    assert built
    for name in built:
        assert name.name in given, name.what
        assert name.limit == NAME_LIMITS[given[name.name]][1], name.what


def test_a_stackset_instance_retains_nothing_its_successor_would_collide_with() -> None:
    # GIVEN the member stack (a service-managed StackSet: an account that leaves its OU loses the
    # instance, one that re-joins gets a new one, named StackSet-<set>-<new uuid>) with defaults
    template = templates()["member/template.yaml"]
    plan = {"CreateBackupPlan": "true"}
    first = deployed(
        "member/template.yaml", stack="StackSet-backup-relay-member-1a2b", parameters=plan
    )
    second = deployed(
        "member/template.yaml", stack="StackSet-backup-relay-member-3c4d", parameters=plan
    )
    first["AWS::StackId"] = first["AWS::StackId"].replace("/0", "/0d3b6a3e-1c2f-4b8a-9b4e")
    second["AWS::StackId"] = second["AWS::StackId"].replace("/0", "/7f00aa11-1c2f-4b8a-9b4e")
    # THEN what the first retains (DeletionPolicy Retain) is not named as the second names it:
    # CloudFormation would fail the new instance on AlreadyExists
    retained = {
        lid for lid, r in template["Resources"].items() if r.get("DeletionPolicy") == "Retain"
    }
    before = {
        k: v for k, v in physical_names("member/template.yaml", first).items() if k[1] in retained
    }
    after = physical_names("member/template.yaml", second)
    assert before
    assert {k: v for k, v in before.items() if after.get(k) == v} == {}


def test_the_role_the_chains_copies_run_as_exists_once_the_stack_does() -> None:
    # AWSBackupDefaultServiceRole exists only in accounts where someone used the AWS Backup
    # console (AWS Backup developer guide, "Default service role for AWS Backup"); StartCopyJob
    # and CreateBackupSelection refuse a role that does not exist
    central = templates()["template.yaml"]
    values = deployed("template.yaml")
    # GIVEN the central stack with its defaults
    [role_arn] = {
        str(resolve(r["Properties"]["Environment"]["Variables"]["BACKUP_ROLE_ARN"], values))
        for _, r in _created(central, values)
        if "BACKUP_ROLE_ARN" in r.get("Properties", {}).get("Environment", {}).get("Variables", {})
    }
    # THEN the copies run as a role the stack creates, trusting AWS Backup
    assert role_arn == values["BackupRole.Arn"]
    role = central["Resources"]["BackupRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "backup.amazonaws.com"
    }
