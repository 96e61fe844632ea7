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


def _published(stack: str | None) -> list[dict[str, Any]]:
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
        [sys.executable, "-c", TWO_INVOCATIONS],
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
