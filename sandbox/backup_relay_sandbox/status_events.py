"""Step Functions "Execution Status Change" events, as EventBridge would hand them to the rule of
ChainEndedFunction: moto's Step Functions emits none, so the sandbox makes them for executions
that ended, matches them against the rule's real pattern (template.yaml), and invokes the
function once per execution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from moto.events.models import EventPattern

from backup_relay_sandbox.cloud import client
from backup_relay_sandbox.functions import Function
from backup_relay_sandbox.template import resolve


def rule_pattern(stack_template: Mapping[str, Any], values: Mapping[str, Any]) -> EventPattern:
    [event] = stack_template["Resources"]["ChainEndedFunction"]["Properties"]["Events"].values()
    return EventPattern.load(json.dumps(resolve(event["Properties"]["Pattern"], values)))


def status_change(execution: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """The event Step Functions sends (its documented shape, the fields the handler reads)."""
    return {
        "version": "0",
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "account": account,
        "region": region,
        "resources": [execution["executionArn"]],
        "detail": {
            "executionArn": execution["executionArn"],
            "stateMachineArn": execution["stateMachineArn"],
            "name": execution["name"],
            "status": execution["status"],
        },
    }


def announce_ended(
    state_machine_arn: str,
    pattern: EventPattern,
    handler: Function,
    announced: set[str],
    *,
    account: str,
    region: str,
) -> int:
    """Hand each newly ended execution's event to `handler` if the rule matches it."""
    handed = 0
    answer = client("stepfunctions").list_executions(stateMachineArn=state_machine_arn)
    for execution in answer["executions"]:
        if execution["status"] == "RUNNING" or execution["executionArn"] in announced:
            continue
        announced.add(execution["executionArn"])
        event = status_change(execution, account, region)
        if pattern.matches_event(event):  # type: ignore[arg-type]
            handler(event)
            handed += 1
    return handed
