"""Read the real SAM templates and resolve the few intrinsics the sandbox needs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

REPO_ROOT = Path(__file__).resolve().parents[2]
CENTRAL_TEMPLATE = REPO_ROOT / "template.yaml"
MEMBER_TEMPLATE = REPO_ROOT / "member" / "template.yaml"

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


def resolve(node: Any, values: Mapping[str, Any]) -> Any:
    """Resolve Ref, Fn::GetAtt and Fn::Sub from `values` ("Name" or "Name.Attr" keys)."""
    if isinstance(node, list):
        return [resolve(item, values) for item in node]
    if not isinstance(node, Mapping):
        return node
    if set(node) == {"Ref"}:
        return values[node["Ref"]]
    if set(node) == {"Fn::GetAtt"}:
        target = node["Fn::GetAtt"]
        return values[target if isinstance(target, str) else ".".join(target)]
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
        return _SUB_VARIABLE.sub(lambda match: str(values[match.group(1)]), node["Fn::Sub"])
    return {key: resolve(value, values) for key, value in node.items()}
