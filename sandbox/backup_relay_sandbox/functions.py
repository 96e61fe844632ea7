"""The template's Lambda functions in moto, run in-process when anything invokes them.

Step Functions' `lambda:invoke` tasks call moto's Lambda; with `use_docker` off moto would echo
the payload. `install()` routes every invocation of a function created here to the real handler,
with the environment the template gives it; their logs go to LOGS. (EMF metrics are printed, as
Lambda prints them; pytest captures them, the demo turns them off.)
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import traceback
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.retries import standard as standard_retries
from moto.awslambda_simple import models as lambda_models
from moto.core.exceptions import JsonRESTError

from backup_relay.observability import SERVICE
from backup_relay_sandbox import api_calls, virtual_time
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.deploy import service_role
from backup_relay_sandbox.deployment import Deployment
from backup_relay_sandbox.lambdas import FakeContext, Handler, load_handler
from backup_relay_sandbox.template import resolve

_ROUTES: dict[str, Callable[[dict[str, Any]], Any]] = {}
LOGS: list[str] = []


@dataclass
class InvocationFault:
    """The next `times` invocations whose payload has `action` fail as Lambda fails them: with a
    service error (`error`, HTTP 500, which Step Functions reports as `Lambda.<error>`), or,
    with `error=None`, as an unhandled function error named `function_error` (a timeout or a
    crash: `Lambda.Unknown` in AWS's docs; the sandbox passes the name it is given)."""

    action: str
    times: int = 1
    error: str | None = "ServiceException"
    function_error: str = "Lambda.Unknown"
    #: With `error=None`: run the handler first (its calls to AWS happen), then fail as a
    #: timeout does after the work was done (`function_error="Sandbox.Timedout"`).
    after_running: bool = False


#: Faults injected into invocations (tests append; `clear_faults()` empties).
INVOCATION_FAULTS: list[InvocationFault] = []


def clear_faults() -> None:
    INVOCATION_FAULTS.clear()


def _injected(payload: dict[str, Any]) -> InvocationFault | None:
    for fault in INVOCATION_FAULTS:
        if fault.times > 0 and payload.get("action") == fault.action:
            fault.times -= 1
            return fault
    return None


@dataclass
class Function:
    name: str
    arn: str
    handler: Handler
    logical_id: str
    variables: dict[str, str] = field(default_factory=dict)

    def __call__(self, event: dict[str, Any]) -> Any:
        try:
            with api_calls.made_by(self.logical_id):
                return self.handler(event, FakeContext(self.name))
        finally:
            _forget_unpublished_metrics()


def _forget_unpublished_metrics() -> None:
    """With POWERTOOLS_METRICS_DISABLED (the demo, the sandbox server) Powertools does not flush
    an invocation's metrics, nor clear them: they pile up across invocations in this one process
    (Lambda's are many) until a metric has 100 values, which Powertools then prints whatever the
    setting, into the demo's output. Clear them, as the flush it skipped would have (when it
    did flush, there is nothing left to clear)."""
    from backup_relay.observability import metrics

    metrics.clear_metrics()


class _LogSink(io.TextIOBase):
    """Where the functions' Powertools logger writes: LOGS, their CloudWatch Logs."""

    def write(self, text: str) -> int:
        LOGS.extend(line for line in text.splitlines() if line)
        return len(text)


def deploy_functions(stack: Deployment) -> dict[str, Function]:
    """Create each AWS::Serverless::Function in moto, named as CloudFormation names it, with its
    role (its `Role`, else the `<LogicalId>Role` SAM generates), and route its invocations
    in-process; they tell the time by AWS Backup's virtual clock (virtual_time.py). Their
    environments may name resources created after them (the state machine that invokes one):
    `set_environments` gives them once those exist."""
    install()
    virtual_time.bind(simulator())
    lambda_ = stack.client("lambda")
    created: dict[str, Function] = {}
    for logical_id in stack.of_type("AWS::Serverless::Function"):
        properties = stack.resolved(
            logical_id, only=("FunctionName", "Role", "RolePath", "Handler", "LoggingConfig")
        )
        name = stack.name_of(logical_id, properties.get("FunctionName"))
        role = properties.get("Role") or service_role(
            stack,
            stack.name_of(f"{logical_id}Role"),
            "lambda.amazonaws.com",
            path=properties.get("RolePath", "/"),
        )
        stack.values[f"{logical_id}Role.Arn"] = role
        arn = lambda_.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=properties["Handler"],
            Code={"ZipFile": _empty_zip()},
            **(
                {"LoggingConfig": properties["LoggingConfig"]}
                if "LoggingConfig" in properties
                else {}
            ),
        )["FunctionArn"]
        stack.values |= {logical_id: name, f"{logical_id}.Arn": arn}
        created[logical_id] = Function(name, arn, load_handler(logical_id), logical_id)
        _ROUTES[name] = _ROUTES[arn] = created[logical_id]
    return created


def set_environments(stack: Deployment, functions: dict[str, Function]) -> None:
    """Each function's template environment (Globals and its own), resolved."""
    for logical_id, function in functions.items():
        function.variables = function_environment(stack, logical_id)
        # One process runs every function, some in Step Functions' threads at once: each gets
        # its template environment by setting them all (no two define a variable differently).
        os.environ.update(function.variables)


def function_environment(stack: Deployment, logical_id: str) -> dict[str, str]:
    template = stack.template
    variables = {
        **template.get("Globals", {})
        .get("Function", {})
        .get("Environment", {})
        .get("Variables", {}),
        **template["Resources"][logical_id]["Properties"]
        .get("Environment", {})
        .get("Variables", {}),
    }
    return {name: str(resolve(value, stack.values)) for name, value in variables.items()}


def install() -> None:
    lambda_models.LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
    for handler in logging.getLogger(SERVICE).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(_LogSink())
    _compress_sdk_backoff()
    api_calls.install()
    # the interpreter logs an ERROR for every Choice `IsPresent: false`; that is not one
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


def _compress_sdk_backoff() -> None:
    """boto3's standard retry mode sleeps up to 20 real seconds between attempts after a
    throttle; the sandbox's AWS Backup time is virtual, so its clients retry as often, at once
    (like the state machine's Retry intervals, deploy.py). Idempotent."""
    backoff: Any = standard_retries.ExponentialBackoff
    if not getattr(backoff, "_sandbox_compressed", False):
        backoff.delay_amount = lambda self, context: 0.001
        backoff._sandbox_compressed = True


def _invoke(  # noqa: PLR0917  (moto's signature)
    self: Any,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    function = _ROUTES.get(function_name)
    if function is None:
        raise KeyError(f"sandbox: no handler for Lambda function {function_name}")
    payload = json.loads(body) if body else {}
    if (fault := _injected(payload)) is not None:
        if fault.error is not None:
            error = JsonRESTError(fault.error, f"sandbox: injected {fault.error}")
            error.code = 500
            raise error
        if fault.after_running:
            with contextlib.suppress(Exception):
                function(payload)
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {"errorType": fault.function_error, "errorMessage": "sandbox: injected failure"}
        ).encode()
    try:
        result = function(payload)
    except Exception as error:  # the Lambda runtime reports any exception as a function error
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_exception(error)[-3:],
            }
        ).encode()
    return json.dumps(result).encode()


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "")
    return buffer.getvalue()
