"""Read the real SAM templates and resolve the few intrinsics the sandbox needs."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parents[2]
CENTRAL_TEMPLATE = REPO_ROOT / "template.yaml"
MEMBER_TEMPLATE = REPO_ROOT / "member" / "template.yaml"
VAULTS_TEMPLATE = REPO_ROOT / "vaults" / "template.yaml"

_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


@cache
def load_template(path: Path = CENTRAL_TEMPLATE) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(path.read_text())
    return parsed


def resources_of_type(template: Mapping[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == type_name
    }


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: str(spec["Default"])
        for name, spec in template.get("Parameters", {}).items()
        if "Default" in spec
    }


#: What `!Ref AWS::NoValue` resolves to: the list item or property holding it is left out.
NO_VALUE = object()
#: `values` key of a condition's truth ("Condition:<name>"), set by `evaluate_conditions`.
CONDITION = "Condition:{}"


def evaluate_conditions(template: Mapping[str, Any], values: dict[str, Any]) -> None:
    """Each of the template's Conditions, as true or false, into `values`."""
    for name, expression in template.get("Conditions", {}).items():
        values[CONDITION.format(name)] = _truth(expression, values)


def _truth(node: Any, values: Mapping[str, Any]) -> bool:
    ((function, arguments),) = node.items()
    if function == "Fn::Equals":
        left, right = (resolve(argument, values) for argument in arguments)
        return str(left) == str(right)
    if function == "Fn::Not":
        return not _truth(arguments[0], values)
    if function == "Fn::And":
        return all(_truth(argument, values) for argument in arguments)
    if function == "Fn::Or":
        return any(_truth(argument, values) for argument in arguments)
    if function == "Condition":
        return bool(values[CONDITION.format(arguments)])
    raise ValueError(f"sandbox: condition function {function} is not supported")


def resolve(node: Any, values: Mapping[str, Any]) -> Any:
    """Resolve Ref, Fn::GetAtt, Fn::Sub and Fn::If from `values` ("Name" or "Name.Attr" keys;
    conditions as `evaluate_conditions` put them)."""
    if isinstance(node, list):
        return [item for item in (resolve(item, values) for item in node) if item is not NO_VALUE]
    if not isinstance(node, Mapping):
        return node
    if len(node) == 1:
        [(function, argument)] = node.items()
        if function in _INTRINSICS:
            return _INTRINSICS[function](argument, values)
    resolved = {key: resolve(value, values) for key, value in node.items()}
    return {key: value for key, value in resolved.items() if value is not NO_VALUE}


def _ref(name: Any, values: Mapping[str, Any]) -> Any:
    return NO_VALUE if name == "AWS::NoValue" else values[name]


def _if(argument: Any, values: Mapping[str, Any]) -> Any:
    condition, when_true, when_false = argument
    return resolve(when_true if values[CONDITION.format(condition)] else when_false, values)


def _get_att(target: Any, values: Mapping[str, Any]) -> Any:
    return values[target if isinstance(target, str) else ".".join(target)]


def _sub(text: Any, values: Mapping[str, Any]) -> Any:
    if not isinstance(text, str):
        return {"Fn::Sub": resolve(text, values)}
    return _SUB_VARIABLE.sub(lambda match: str(values[match.group(1)]), text)


def _join(argument: Any, values: Mapping[str, Any]) -> Any:
    delimiter, items = argument
    items = resolve(items, values)
    if isinstance(items, str):  # a CommaDelimitedList parameter, as the sandbox holds it
        items = items.split(",") if items else []
    return str(delimiter).join(str(item) for item in items)


def _split(argument: Any, values: Mapping[str, Any]) -> Any:
    delimiter, source = argument
    return str(resolve(source, values)).split(str(delimiter))


def _select(argument: Any, values: Mapping[str, Any]) -> Any:
    index, items = argument
    return resolve(items, values)[int(resolve(index, values))]


_INTRINSICS = {
    "Ref": _ref,
    "Fn::If": _if,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Split": _split,
    "Fn::Select": _select,
}


class _NoManagedPolicyNames:
    """The templates name managed policies by ARN only: the translator needs no IAM lookup."""

    def load(self) -> dict[str, str]:
        return {}


def transformed(path: Path = CENTRAL_TEMPLATE, region: str = "us-east-1") -> dict[str, Any]:
    """The CloudFormation template `sam deploy` hands CloudFormation: the SAM transform applied
    offline to the template as `sam package` leaves it (code and definitions in S3)."""
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(load_template(path))
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://sam-artifacts/{properties[key].strip('/')}"
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region  # the translator's pseudo parameters need one
    try:
        result: dict[str, Any] = transform(template, {}, _NoManagedPolicyNames())
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
    return result
