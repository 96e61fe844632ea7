"""Every request the simulator serves, held to botocore's model of AWS Backup before it is served.

botocore checks some of this on the client (required members, types, minimums) but not enums,
patterns or maximums, and requests reach the simulator from other clients too (Step Functions
`aws-sdk:backup:*` tasks, raw HTTP, a client built with `parameter_validation=False`). So the
moto plugin parses each request with the operation's input shape (the rest-json protocol: URI,
query string, headers, JSON body) and walks it here, once, generically: required members, types,
enums, string patterns, lengths and numeric ranges, in structures, lists and maps.

How AWS refuses: AWS Backup answers a value it refuses with its modelled
InvalidParameterValueException ("Indicates that something is wrong with a parameter's value. For
example, the value is out of range.", HTTP 400), for example "Backup vault name Random Backups is
not valid (Service: AWSBackup; Status Code: 400; Error Code: InvalidParameterValueException ...)"
(https://github.com/aws/aws-cdk/issues/8685), and a missing required member with its modelled
MissingParameterValueException (HTTP 400). That AWS answers enum, length and range violations the
same way, and the messages below (but the vault name's), are INFERRED. An operation whose model
lists neither gets the common ValidationError ("The input fails to satisfy the constraints
specified by an AWS service", HTTP 400, https://docs.aws.amazon.com/aws-backup/latest/devguide/CommonErrors.html).
The request is checked before moto's own IAM authorization (off unless a test turns it on): that
AWS validates before it authorizes is INFERRED.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape

from backup_relay_sandbox.backup_sim.errors import BackupApiError

INVALID = "InvalidParameterValueException"
MISSING = "MissingParameterValueException"
#: Common Errors' code, for an operation whose model lists neither of the two above.
COMMON = "ValidationError"
#: AWS's text for a vault name outside the model's pattern (aws-cdk#8685, above).
VAULT_NAME_INVALID = "Backup vault name {value} is not valid"
#: Vaults AWS creates itself have names outside the pattern ("aws/efs/automatic-backup-vault",
#: https://github.com/hashicorp/terraform-provider-aws/issues/17835); that AWS accepts them in
#: every operation is INFERRED.
AWS_VAULT_PREFIX = "aws/"


@cache
def _backup_model() -> ServiceModel:
    """botocore's backup model, loaded once (a new session per operation parsed it again)."""
    return botocore.session.get_session().get_service_model("backup")


@cache
def operation_model(name: str) -> OperationModel:
    """The operation `name` ("ListCopyJobs") of botocore's backup model."""
    return _backup_model().operation_model(name)


def member(operation: str, name: str) -> Shape:
    """The shape of member `name` of `operation`'s input."""
    shape = operation_model(operation).input_shape
    assert shape is not None, operation
    return shape.members[name]


def check(operation: str, params: Mapping[str, Any]) -> BackupApiError | None:
    """The error AWS answers a request of `operation` with these (parsed) members, or None."""
    model = operation_model(operation)
    if model.input_shape is None:
        return None
    problem = _structure(model.input_shape, params, "")
    if problem is None:
        return None
    kind, message = problem
    return BackupApiError(_code(model, kind), message)


def parse_error(operation: str, detail: str) -> BackupApiError:
    """A request whose members cannot be read as their types (a number that is not one, a
    malformed date): INFERRED, the same error as a value out of range."""
    model = operation_model(operation)
    return BackupApiError(_code(model, INVALID), f"Invalid request: {detail}")  # INFERRED


def _code(model: OperationModel, kind: str) -> str:
    modelled = {shape.name for shape in model.error_shapes}
    for code in (kind, INVALID):
        if code in modelled:
            return code
    return COMMON


Problem = tuple[str, str]  # (the error's kind, its message)


def _structure(shape: StructureShape, value: Any, path: str) -> Problem | None:
    if not isinstance(value, Mapping):
        return _invalid(path, value, "must be an object")
    for name in shape.required_members:
        if value.get(name) is None:
            return MISSING, f"{_at(path, name)} is required."  # INFERRED
    for name, member in shape.members.items():
        if value.get(name) is not None:
            problem = _value(member, value[name], _at(path, name))
            if problem is not None:
                return problem
    return None


def _value(shape: Shape, value: Any, path: str) -> Problem | None:
    check = _CHECKS.get(shape.type_name)
    return check(shape, value, path) if check else None


def _nested(shape: Shape, value: Any, path: str) -> Problem | None:
    if not isinstance(shape, StructureShape) or shape.is_document_type:
        return None
    return _structure(shape, value, path)


def _boolean(shape: Shape, value: Any, path: str) -> Problem | None:
    return None if isinstance(value, bool) else _invalid(path, value, "must be true or false")


def _timestamp(shape: Shape, value: Any, path: str) -> Problem | None:
    if isinstance(value, datetime | int | float) and not isinstance(value, bool):
        return None
    return _invalid(path, value, "must be a date")


def _list(shape: Any, value: Any, path: str) -> Problem | None:
    if not isinstance(value, list):
        return _invalid(path, value, "must be a list")
    problem = _size(shape, len(value), path, value, "items")
    for index, item in enumerate(value):
        problem = problem or _value(shape.member, item, f"{path}[{index}]")
    return problem


def _map(shape: Any, value: Any, path: str) -> Problem | None:
    if not isinstance(value, Mapping):
        return _invalid(path, value, "must be a map")
    problem = _size(shape, len(value), path, value, "entries")
    for key, item in value.items():
        problem = (
            problem
            or _value(shape.key, key, f"{path} key")
            or _value(shape.value, item, f"{path}[{key}]")
        )
    return problem


def _string(shape: Shape, value: Any, path: str) -> Problem | None:
    if not isinstance(value, str):
        return _invalid(path, value, "must be a string")
    enum: list[str] = getattr(shape, "enum", [])
    if enum and value not in enum:
        return _invalid(path, value, f"must be one of {', '.join(enum)}")
    problem = _size(shape, len(value), path, value, "characters")
    pattern = _pattern(shape.metadata.get("pattern"))
    if problem is None and pattern is not None and not pattern.fullmatch(value):
        if shape.name == "BackupVaultName":
            if value.startswith(AWS_VAULT_PREFIX):
                return None
            return INVALID, VAULT_NAME_INVALID.format(value=value)
        problem = _invalid(path, value, f"must match {pattern.pattern}")
    return problem


def _number(shape: Shape, value: Any, path: str) -> Problem | None:
    integral = shape.type_name in ("integer", "long")
    if isinstance(value, bool) or not isinstance(value, int if integral else int | float):
        return _invalid(path, value, "must be a number")
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return _invalid(path, value, f"must be between {low} and {high}")
    return None


def _size(shape: Shape, size: int, path: str, value: Any, unit: str) -> Problem | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and size < low) or (high is not None and size > high):
        bounds = f"at least {low}" if high is None else f"between {low or 0} and {high}"
        return _invalid(path, value, f"must have {bounds} {unit}")
    return None


_CHECKS: dict[str, Callable[[Shape, Any, str], Problem | None]] = {
    "structure": _nested,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _number,
    "long": _number,
    "double": _number,
    "float": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
}


@cache
def _pattern(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error:  # a Java construct Python lacks: leave the value to the operation
        return None


def _invalid(path: str, value: Any, why: str) -> Problem:
    shown = value if isinstance(value, str | int | float) else type(value).__name__
    return INVALID, f"Invalid value '{shown}' for {path}: it {why}."  # INFERRED


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
