"""The functions' metrics: the dimensions they carry (observability.py), read from the EMF lines
Powertools prints, in a fresh interpreter started with the environment a Lambda function gets
(the module reads it once, on import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from backup_relay.observability import NAMESPACE, SERVICE, STACK_NAME_VARIABLE

# Two invocations of one handler in one process (one execution environment), each publishing a
# metric; Powertools' log_metrics flushes the metrics, and their dimensions, after each.
TWO_INVOCATIONS = """
from types import SimpleNamespace
from backup_relay.observability import Telemetry, observed

@observed
def handler(event, context):
    Telemetry().alert_delivered(event, "PUBLISHED", None)

context = SimpleNamespace(
    function_name="f", memory_limit_in_mb=128, aws_request_id="r",
    invoked_function_arn="arn:aws:lambda:us-east-1:111122223333:function:f",
)
handler("alert-1", context)
handler("alert-2", context)
"""


def _published(stack: str | None, script: str = TWO_INVOCATIONS) -> list[dict[str, Any]]:
    """The EMF documents two invocations print, with STACK_NAME set to `stack` (or unset)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {STACK_NAME_VARIABLE, "POWERTOOLS_DEV", "POWERTOOLS_METRICS_DISABLED"}
    }
    environment["POWERTOOLS_TRACE_DISABLED"] = "true"  # no X-Ray daemon here
    if stack is not None:
        environment[STACK_NAME_VARIABLE] = stack
    printed = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    documents = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" in document]


def _dimensions(document: dict[str, Any]) -> list[dict[str, str]]:
    [metrics] = document["_aws"]["CloudWatchMetrics"]
    assert metrics["Namespace"] == NAMESPACE
    return [{name: document[name] for name in names} for names in metrics["Dimensions"]]


def test_a_metric_carries_its_stack_in_every_invocation() -> None:
    # GIVEN a function of the stack backup-relay-dev (STACK_NAME, from template.yaml's Globals)
    # WHEN it publishes a metric in each of two invocations
    published = _published("backup-relay-dev")
    # THEN each carries the service and the stack, and only them (the flush after the first
    # invocation clears the dimensions but sets the defaults again)
    assert [d["AlertsPublished"] for d in published] == [[1.0], [1.0]]
    for document in published:
        assert _dimensions(document) == [{"service": SERVICE, "stack": "backup-relay-dev"}]


def test_without_a_stack_a_metric_carries_only_its_service() -> None:
    # GIVEN no STACK_NAME (a test, the CLI: nothing ships these metrics to CloudWatch)
    # WHEN a metric is published
    published = _published(None)
    # THEN it carries the service alone: no empty or made-up stack
    assert len(published) == 2
    for document in published:
        assert _dimensions(document) == [{"service": SERVICE}]


UNKNOWN_FAILURE = TWO_INVOCATIONS.replace(
    'Telemetry().alert_delivered(event, "PUBLISHED", None)',
    'Telemetry().unknown_failure("InvalidParameters", "RDS")',
)


def test_unknown_failures_are_counted_in_all_and_by_awss_category_and_resource_type() -> None:
    # GIVEN the alerts function of stack backup-relay-dev publishing an unknown failure's alert
    published = _published("backup-relay-dev", UNKNOWN_FAILURE)
    # THEN UnknownFailures is published with the stack's dimensions (the dashboard's), and once
    # more with AWS's category and the resource type
    dimensions = [_dimensions(document) for document in published if "UnknownFailures" in document]
    stack = {"service": SERVICE, "stack": "backup-relay-dev"}
    by = stack | {"AwsCategory": "InvalidParameters", "ResourceType": "RDS"}
    assert dimensions.count([stack]) == 2
    assert dimensions.count([by]) == 2


# One invocation of an observed handler; prints whether the X-Ray SDK was loaded, and whether
# the handler ran inside a subsegment of Powertools' tracer (its name: "## handler").
ONE_TRACED_INVOCATION = """
import sys
from types import SimpleNamespace
from backup_relay.observability import observed

seen = []

@observed
def handler(event, context):
    if "aws_xray_sdk.core" in sys.modules:
        from aws_xray_sdk.core import xray_recorder
        seen.append(xray_recorder.current_subsegment().name)
    return "done"

context = SimpleNamespace(
    function_name="f", memory_limit_in_mb=128, aws_request_id="r",
    invoked_function_arn="arn:aws:lambda:us-east-1:111122223333:function:f",
)
print(handler({}, context), "aws_xray_sdk.core" in sys.modules, seen)
"""


def _invoked(**environment: str) -> str:
    """What ONE_TRACED_INVOCATION prints, in Lambda (LAMBDA_TASK_ROOT, an active trace)."""
    variables = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("POWERTOOLS_TRACE", "AWS_SAM", "AWS_XRAY"))
    }
    variables |= {
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;"
        "Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",  # UDP, to nothing on this machine
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    completed = subprocess.run(
        [sys.executable, "-c", ONE_TRACED_INVOCATION],
        env=variables | environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return completed.stdout.strip().splitlines()[-1]


def test_a_function_that_traces_runs_its_handler_in_the_tracers_subsegment() -> None:
    # GIVEN a function in Lambda with active tracing (the template's Tracing: Active)
    # WHEN it is invoked
    printed = _invoked()
    # THEN the handler ran inside Powertools' "## handler" subsegment
    assert printed == "done True ['## handler']"


def test_a_function_that_does_not_trace_never_loads_the_xray_sdk() -> None:
    # GIVEN a function in Lambda whose tracing is off (POWERTOOLS_TRACE_DISABLED)
    # WHEN it is invoked
    printed = _invoked(POWERTOOLS_TRACE_DISABLED="true")
    # THEN the handler ran, and the X-Ray SDK was never imported
    assert printed == "done False []"
