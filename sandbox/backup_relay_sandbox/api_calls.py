"""Which AWS API calls each function makes in the sandbox, as IAM actions ("dynamodb:GetItem").

moto enforces no IAM, so a function whose policy lacks an action it calls would pass every test
and fail in AWS. The sandbox records, per function, every call its adapters' clients make (a
botocore `before-parameter-build` hook on the clients `backup_relay.adapters.aws` creates), so
a test can hold the template's policies to them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from backup_relay.adapters import aws
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT as _CENTRAL_ACCOUNT

#: (function logical id, IAM action, resource or None) of every call a function made with its
#: own credentials, since the last `clear()`. The resource: a DynamoDB table's name, or the ARN
#: IAM authorizes the call on (`_authorized`).
CALLS: set[tuple[str, str, str | None]] = set()
#: How many calls of each action each function made (for the benchmarks' figures).
COUNTS: Counter[tuple[str, str]] = Counter()
#: The function whose calls these are: a context variable, so a worker thread a function runs
#: in a copy of its context (the probe's, doctor/probe.py) makes calls that are still its own.
_RUNNING: ContextVar[str | None] = ContextVar("sandbox_function", default=None)

#: (role ARN, IAM action, resource or None) of every call made with a role's assumed
#: credentials (`aws.client_as`), since the last `clear()`: IAM authorizes them on that role
#: (a member stack's DoctorRole or ReplayRole), not on the function that assumed it.
ROLE_CALLS: set[tuple[str, str, str | None]] = set()
#: The role each set of assumed credentials is (their AccessKeyId -> the role's ARN).
_ASSUMED: dict[str, str] = {}

#: The request parameter holding the ARN IAM authorizes a call on, where the policy scopes it.
ARN_PARAMETERS = {
    "backup:StartCopyJob": "RecoveryPointArn",
    "backup:StartRestoreJob": "RecoveryPointArn",
    "backup:GetRecoveryPointRestoreMetadata": "RecoveryPointArn",
    "backup:UpdateRecoveryPointLifecycle": "RecoveryPointArn",
    "states:StartExecution": "stateMachineArn",
    "states:ListExecutions": "stateMachineArn",
    "states:DescribeExecution": "executionArn",
    "sts:AssumeRole": "RoleArn",
}
#: Calls that pass a role to a service: IAM authorizes iam:PassRole on it as well.
PASSED_ROLES = {
    "backup:StartCopyJob": "IamRoleArn",
    "backup:StartBackupJob": "IamRoleArn",
    "backup:StartRestoreJob": "IamRoleArn",
}


@contextmanager
def made_by(logical_id: str) -> Iterator[None]:
    """Calls in this block (this thread, and work it runs in a copy of its context) are the
    function `logical_id`'s."""
    token = _RUNNING.set(logical_id)
    try:
        yield
    finally:
        _RUNNING.reset(token)


def clear() -> None:
    CALLS.clear()
    COUNTS.clear()
    ROLE_CALLS.clear()


#: Operations whose IAM action is not named after them. S3's ListBuckets: "you must have the
#: s3:ListAllMyBuckets permission" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html).
_ACTIONS = {"s3:ListBuckets": "s3:ListAllMyBuckets"}


def _authorized(model: Any, params: Any, account: str) -> list[tuple[str, str | None]]:
    """The IAM actions a call needs, each with the resource IAM authorizes it on (None: the
    policy need not scope it): a DynamoDB table's name, or an ARN, as IAM forms it."""
    action = f"{model.service_model.signing_name}:{model.name}"
    action = _ACTIONS.get(action, action)
    params = params if isinstance(params, dict) else {}
    resource = params.get("TableName") or params.get(ARN_PARAMETERS.get(action, ""))
    if action == "iam:GetRole" and "RoleName" in params:
        resource = role_arn(account, params["RoleName"])
    if action.startswith("sqs:") and "QueueUrl" in params:
        resource = queue_arn(params["QueueUrl"])
    needed = [(action, resource)]
    if passed := params.get(PASSED_ROLES.get(action, "")):
        needed.append(("iam:PassRole", passed))
    return needed


def role_arn(account: str, name: str) -> str:
    """The role's ARN, with its path (`role/<path><name>`), as IAM authorizes calls on it."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        return str(iam_backends[account]["aws"].get_role(name).arn)
    except NotFoundException:  # no such role: IAM authorizes the call before it finds none
        return f"arn:aws:iam::{account}:role/{name}"


def queue_arn(url: str) -> str:
    """https://sqs.<region>.amazonaws.com/<account>/<name> -> arn:aws:sqs:<region>:..."""
    host, account, name = url.split("://", 1)[-1].split("/")[:3]
    region = host.split(".")[1]
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _record(model: Any, params: Any = None, context: Any = None, **_: Any) -> None:
    if model.name == "AssumeRole" and isinstance(context, dict) and isinstance(params, dict):
        context["sandbox_role_arn"] = params.get("RoleArn")
    function = _RUNNING.get()
    if function is not None:
        for action, resource in _authorized(model, params, _CENTRAL_ACCOUNT):
            CALLS.add((function, action, resource))
        COUNTS[(function, f"{model.service_model.signing_name}:{model.name}")] += 1


def _remember_assumed(parsed: Any = None, context: Any = None, **_: Any) -> None:
    role = context.get("sandbox_role_arn") if isinstance(context, dict) else None
    credentials = parsed.get("Credentials") if isinstance(parsed, dict) else None
    if role and credentials:
        _ASSUMED[credentials["AccessKeyId"]] = role


def _recorder_as(role: str) -> Any:
    account = role.split(":")[4]

    def record(model: Any, params: Any = None, **_: Any) -> None:
        for action, resource in _authorized(model, params, account):
            ROLE_CALLS.add((role, action, resource))

    return record


def install() -> None:
    """Idempotent: every client the product creates from now on reports its calls."""
    original: Any = aws.client
    if getattr(original, "_sandbox_records", False):
        return

    original_as: Any = aws.client_as

    @cache
    def client(service: str, region: str | None = None) -> Any:
        made = original.__wrapped__(service, region)
        made.meta.events.register("before-parameter-build", _record)
        made.meta.events.register("after-call.sts.AssumeRole", _remember_assumed)
        return made

    def client_as(credentials: Any, service: str, region: str) -> Any:
        made = original_as(credentials, service, region)
        role = _ASSUMED.get(credentials["AccessKeyId"])
        if role is not None:
            made.meta.events.register("before-parameter-build", _recorder_as(role))
        return made

    client._sandbox_records = True  # type: ignore[attr-defined]
    aws.client = client
    aws.client_as = client_as
    aws.reset()
