"""Which resources a backup plan's selections back up, as AWS Backup decides it: by ARN (the
`Resources` patterns, narrowed by `Conditions`), or by tags (`ListOfTags`), less `NotResources`;
and, for a selection by tags only, only the types the account has opted in to in that Region.

AWS's pages:
- [opt-in] UpdateRegionSettings, ResourceTypeOptInPreference: "If resource assignments are only
  based on tags, then service opt-in settings are applied. If a resource type is explicitly
  assigned to a backup plan, such as Amazon S3, Amazon EC2, or Amazon RDS, it will be included
  in the backup even if the opt-in is not enabled for that particular service. If both a
  resource type and tags are specified in a resource assignment, the resource type specified in
  the backup plan takes priority over the tag condition. Service opt-in settings are
  disregarded in this situation."
  https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html
- [assigning] https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
INFERRED: a `Resources` entry of "*" alone assigns no resource type (the selection is by its
tags or conditions only, so opt-ins apply); any other ARN pattern assigns its type explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from backup_relay_sandbox.backup_sim.model import Resource

_TAG = "aws:ResourceTag/"


def backed_up(
    selections: Iterable[Mapping[str, Any]],
    resources: Sequence[Resource],
    opted_in: Mapping[str, bool],
) -> list[str]:
    """The ARNs of `resources` that one of the plan's `selections` backs up."""
    return sorted(
        resource.arn
        for resource in resources
        if any(_backs_up(selection, resource, opted_in) for selection in selections)
    )


def _backs_up(
    selection: Mapping[str, Any], resource: Resource, opted_in: Mapping[str, bool]
) -> bool:
    if any(fnmatchcase(resource.arn, p) for p in selection.get("NotResources") or []):
        return False
    patterns = list(selection.get("Resources") or [])
    explicit = [p for p in patterns if p != "*"]
    if any(fnmatchcase(resource.arn, p) for p in explicit):
        return _conditions_hold(selection, resource)  # [opt-in]: the type takes priority
    every_type = "*" in patterns and _conditions_hold(selection, resource)
    if not (every_type or _tagged(selection, resource)):
        return False
    return opted_in.get(resource.resource_type, False)  # [opt-in]: no type assigned


def _tagged(selection: Mapping[str, Any], resource: Resource) -> bool:
    return any(
        tag.get("ConditionType") == "STRINGEQUALS"
        and resource.tags.get(tag.get("ConditionKey", "")) == tag.get("ConditionValue")
        for tag in selection.get("ListOfTags") or []
    )


def _conditions_hold(selection: Mapping[str, Any], resource: Resource) -> bool:
    conditions = selection.get("Conditions") or {}
    return all(
        _holds(kind, resource.tags.get(str(c["ConditionKey"]).removeprefix(_TAG)), c)
        for kind, entries in conditions.items()
        for c in entries or []
    )


def _holds(kind: str, actual: str | None, condition: Mapping[str, Any]) -> bool:
    value = str(condition.get("ConditionValue", ""))
    matched = {
        "StringEquals": actual == value,
        "StringNotEquals": actual != value,
        "StringLike": actual is not None and fnmatchcase(actual, value),
        "StringNotLike": actual is None or not fnmatchcase(actual, value),
    }
    return matched.get(kind, False)
