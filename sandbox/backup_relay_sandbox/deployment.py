"""One stack as the sandbox deploys it: its resolved values, and the names AWS gives what the
template leaves unnamed (`generated_name`)."""

from __future__ import annotations

import hashlib
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backup_relay.doctor.names import NAME_LIMITS
from backup_relay_sandbox.cloud import client
from backup_relay_sandbox.template import (
    CONDITION,
    evaluate_conditions,
    parameter_defaults,
    resolve,
    resources_of_type,
)

#: SAM's types, by the type each becomes (their names are that type's).
_TRANSFORMED = {
    "AWS::Serverless::Function": "AWS::Lambda::Function",
    "AWS::Serverless::StateMachine": "AWS::StepFunctions::StateMachine",
}


def name_limit(type_name: str) -> int:
    """How long a name CloudFormation may generate for a resource of the type: the type's own
    limit (AWS's, with its page, in backup_relay.doctor.names)."""
    return NAME_LIMITS[_TRANSFORMED.get(type_name, type_name)][1]


#: The room CloudFormation keeps for the random suffix, and the suffix itself: 13 uppercase
#: letters and digits; Lambda functions now get 12 of mixed case (INFERRED, docs/testing.md).
_SUFFIX_ROOM = 13
_SUFFIXES = {
    "AWS::Lambda::Function": (12, string.ascii_letters + string.digits),
    "AWS::Serverless::Function": (12, string.ascii_letters + string.digits),
}
_SUFFIX = (13, string.ascii_uppercase + string.digits)


def generated_name(
    stack_name: str, logical_id: str, limit: int, *, seed: str = "", type_name: str = ""
) -> str:
    """The physical name CloudFormation gives a resource the template leaves unnamed:
    `<stack name>-<logical id>-<random suffix>`, within the type's length limit `limit`.

    AWS documents the shape (the "Name type" page, aws-properties-name.html: "CloudFormation
    generates a unique physical ID to name a resource", e.g. stack123123123123-s3bucket-...),
    not the truncation. INFERRED from names AWS generated (docs/testing.md): 13 characters are
    kept for the suffix; when stack name and logical id do not fit in the rest, the logical id
    keeps at least half of it and the stack name takes what is left. The suffix is derived from
    `seed`, the stack name and the logical id, so a run is reproducible."""
    length, alphabet = _SUFFIXES.get(type_name, _SUFFIX)
    digest = int.from_bytes(hashlib.sha256(f"{seed}|{stack_name}|{logical_id}".encode()).digest())
    suffix = ""
    for _ in range(length):
        digest, index = divmod(digest, len(alphabet))
        suffix += alphabet[index]
    room = limit - _SUFFIX_ROOM - 2
    if len(stack_name) + len(logical_id) > room:
        logical_id = logical_id[: max(room - len(stack_name), room // 2)]
        stack_name = stack_name[: room - len(logical_id)]
    return f"{stack_name}-{logical_id}-{suffix}"


@dataclass(frozen=True)
class Queue:
    url: str
    arn: str


@dataclass
class Deployment:
    """The resolved names and ARNs of one stack, by logical id ("Name", "Name.Arn", ...)."""

    name: str
    account: str
    region: str
    template: Mapping[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    #: The physical name of each resource created (logical id -> name), as AWS named it.
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        name: str,
        template: Mapping[str, Any],
        *,
        account: str,
        region: str,
        parameters: Mapping[str, str],
    ) -> Deployment:
        values: dict[str, Any] = {
            **parameter_defaults(template),
            **parameters,
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::StackName": name,
            # unique to this stack: a new instance of a StackSet in an account gets a new one
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{name}/"
            + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{region}/{name}")),
        }
        evaluate_conditions(template, values)
        return cls(name, account, region, template, values)

    def client(self, service: str) -> Any:
        return client(service, self.region, self.account)

    def name_of(self, logical_id: str, given: str | None = None) -> str:
        """`given` (the template's name property, resolved), else the name CloudFormation
        generates for this stack's resource (`generated_name`)."""
        if given:
            self.names[logical_id] = given
            return given
        resource = self.template["Resources"].get(logical_id, {})
        type_name = resource.get("Type", "AWS::IAM::Role")  # the sandbox's own: SAM's roles
        name = generated_name(
            self.name,
            logical_id,
            name_limit(type_name),
            seed=f"{self.account}:{self.region}",
            type_name=type_name,
        )
        self.names[logical_id] = name
        return name

    def resolved(self, logical_id: str, *, only: tuple[str, ...] = ()) -> dict[str, Any]:
        """The resource's properties resolved (`only` those, when given)."""
        properties = self.template["Resources"][logical_id].get("Properties", {})
        if only:
            properties = {key: properties[key] for key in only if key in properties}
        resolved: dict[str, Any] = resolve(properties, self.values)
        return resolved

    def of_type(self, type_name: str) -> list[str]:
        """The resources of that type the stack creates (their Condition, if any, holds)."""
        return [
            logical_id
            for logical_id, resource in resources_of_type(self.template, type_name).items()
            if "Condition" not in resource or self.values[CONDITION.format(resource["Condition"])]
        ]
