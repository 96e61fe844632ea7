"""Which AWS API calls each function makes in the sandbox, as IAM actions ("dynamodb:GetItem").

moto enforces no IAM, so a function whose policy lacks an action it calls would pass every test
and fail in AWS. The sandbox records, per function, every call its adapters' clients make (a
botocore `before-parameter-build` hook on the clients `backup_relay.adapters.aws` creates), so
a test can hold the template's policies to them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from backup_relay.adapters import aws

#: (function logical id, IAM action, resource or None) of every call a function made, since the
#: last `clear()`. The resource: a DynamoDB table's name, or the ARN a call names.
CALLS: set[tuple[str, str, str | None]] = set()
#: How many calls of each action each function made (for the benchmarks' figures).
COUNTS: Counter[tuple[str, str]] = Counter()
_running = threading.local()

#: The request parameter holding the ARN IAM authorizes a call on, where the policy scopes it.
ARN_PARAMETERS = {
    "backup:StartCopyJob": "RecoveryPointArn",
    "backup:UpdateRecoveryPointLifecycle": "RecoveryPointArn",
    "states:StartExecution": "stateMachineArn",
    "states:ListExecutions": "stateMachineArn",
    "states:DescribeExecution": "executionArn",
}


@contextmanager
def made_by(logical_id: str) -> Iterator[None]:
    """Calls in this block (this thread) are the function `logical_id`'s."""
    previous = getattr(_running, "function", None)
    _running.function = logical_id
    try:
        yield
    finally:
        _running.function = previous


def clear() -> None:
    CALLS.clear()
    COUNTS.clear()


def _record(model: Any, params: Any = None, **_: Any) -> None:
    function = getattr(_running, "function", None)
    if function is not None:
        action = f"{model.service_model.signing_name}:{model.name}"
        params = params if isinstance(params, dict) else {}
        resource = params.get("TableName") or params.get(ARN_PARAMETERS.get(action, ""))
        CALLS.add((function, action, resource))
        COUNTS[(function, action)] += 1


def install() -> None:
    """Idempotent: every client the product creates from now on reports its calls."""
    original: Any = aws.client
    if getattr(original, "_sandbox_records", False):
        return

    @cache
    def client(service: str, region: str | None = None) -> Any:
        made = original.__wrapped__(service, region)
        made.meta.events.register("before-parameter-build", _record)
        return made

    client._sandbox_records = True  # type: ignore[attr-defined]
    aws.client = client
    aws.reset()
