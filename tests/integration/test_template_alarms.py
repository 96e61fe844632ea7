"""The alarms template.yaml declares: generated from its own functions, queues and state machine,
each notifying the Alerts topic; they and the dashboard name the custom metrics as the functions
publish them (observability.py)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from backup_relay import observability
from backup_relay.observability import NAMESPACE, STACK_NAME_VARIABLE, metric_dimensions
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, MEMBER_TEMPLATE, load_template
from scripts.generate_template_alarms import NOT_ALARMED
from scripts.generate_template_alarms import main as generate_alarms

TEMPLATE = load_template(CENTRAL_TEMPLATE)
ASL = json.loads(
    (Path(__file__).resolve().parents[2] / "statemachines" / "copy_chain.asl.json").read_text()
)
#: The stack's name as the dashboard's Fn::Sub writes it (an alarm: {"Ref": "AWS::StackName"}).
STACK = "${AWS::StackName}"


def _of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == type_name}


def _sub(value: Any) -> Any:
    """A dimension value as Fn::Sub writes it: {"Ref": "X"} is ${X}."""
    return f"${{{value['Ref']}}}" if isinstance(value, dict) and "Ref" in value else value


def _alarmed_custom_metrics() -> list[tuple[str, str, dict[str, Any]]]:
    """(alarm, metric, dimensions) of each alarm on namespace BackupRelay."""
    return [
        (
            alarm_id,
            alarm["Properties"]["MetricName"],
            {d["Name"]: _sub(d["Value"]) for d in alarm["Properties"]["Dimensions"]},
        )
        for alarm_id, alarm in _of_type(TEMPLATE, "AWS::CloudWatch::Alarm").items()
        if alarm["Properties"]["Namespace"] == NAMESPACE
    ]


def _charted_custom_metrics() -> list[tuple[str, str, dict[str, Any]]]:
    """(widget, metric, dimensions) of each dashboard metric on namespace BackupRelay, with the
    body's shorthand expanded: "." is the previous row's item in that place, "..." the previous
    row's items up to those that follow it (CloudWatch's dashboard body structure)."""
    body = json.loads(TEMPLATE["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    charted = []
    for widget in body["widgets"]:
        previous: list[str] = []
        for row in widget["properties"].get("metrics", []):
            items = [item for item in row if not isinstance(item, dict)]  # not its options
            if items[:1] == ["..."]:
                items = previous[: len(previous) - len(items) + 1] + items[1:]
            items = [previous[i] if item == "." else item for i, item in enumerate(items)]
            previous = items
            namespace, metric, *pairs = items
            if namespace == NAMESPACE:
                dimensions = dict(zip(pairs[::2], pairs[1::2], strict=True))
                charted.append((widget["properties"]["title"], metric, dimensions))
    return charted


def _published_metric_names() -> set[str]:
    """Every string observability.py writes: its metric names among them."""
    tree = ast.parse(Path(observability.__file__).read_text())
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_the_alarms_are_what_the_generator_writes() -> None:
    assert generate_alarms(["--check"]) == 0


def test_every_function_queue_and_execution_failure_has_an_alarm_to_the_alerts_topic() -> None:
    # GIVEN the template's alarms
    alarms = _of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"]["MetricName"], str(a["Properties"]["Dimensions"][0]["Value"]))
        for a in alarms.values()
    }
    # THEN each function's errors and throttles (but those the generator leaves out, with why),
    # each dead-letter queue's depth, the state machine's failed and timed-out executions and
    # hops past SLA are watched
    for function in _of_type(TEMPLATE, "AWS::Serverless::Function"):
        for metric in ("Errors", "Throttles"):
            if (function, metric) not in NOT_ALARMED:
                assert (metric, str({"Ref": function})) in watched
    for queue in ("DeadLetterQueue", "AlertsDeadLetterQueue"):
        depth = str({"Fn::GetAtt": [queue, "QueueName"]})
        assert ("ApproximateNumberOfMessagesVisible", depth) in watched
    machine = str({"Ref": "CopyChainStateMachine"})
    assert {("ExecutionsFailed", machine), ("ExecutionsTimedOut", machine)} <= watched
    assert "HopsPastSla" in {metric for metric, _ in watched}
    # AND every one notifies the Alerts topic
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlertsTopic"}] for a in alarms.values())


def test_the_member_stack_raises_no_alarm_on_the_central_topic() -> None:
    # AWS documents alarm notifications to a topic of the alarm's own account (aws:SourceArn /
    # aws:SourceAccount), not another account's: the forward dead-letter queue is read by the
    # doctor through the member's DoctorRole instead (its ForwardingDeadLetters grant)
    member = load_template(MEMBER_TEMPLATE)
    assert _of_type(member, "AWS::CloudWatch::Alarm") == {}
    doctor = member["Resources"]["DoctorRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    [read] = [s for s in doctor["Statement"] if s["Sid"] == "ForwardingDeadLetters"]
    assert (read["Action"], read["Resource"]) == (
        ["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
        {"Fn::GetAtt": ["ForwardDeadLetterQueue", "Arn"]},
    )


def test_the_topic_is_encrypted_and_takes_only_this_accounts_alarms() -> None:
    topic = TEMPLATE["Resources"]["AlertsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlertsKey"}
    statements = TEMPLATE["Resources"]["AlertsTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    [alarms] = [
        s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_the_dashboard_is_named_after_the_stack_and_its_region() -> None:
    # (dashboards are global to an account, and one stack name is deployed in several regions:
    # README; a stack name has at most 128 characters, so the name keeps within PutDashboard's
    # 255 characters of A-Z a-z 0-9 - _)
    dashboard = TEMPLATE["Resources"]["Dashboard"]["Properties"]
    assert dashboard["DashboardName"] == {"Fn::Sub": "${AWS::StackName}-${AWS::Region}"}


def test_every_function_publishes_its_stacks_name() -> None:
    # GIVEN the template's functions THEN each is given its stack's name, as observability.py
    # reads it, and none names another
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables[STACK_NAME_VARIABLE] == {"Ref": "AWS::StackName"}
    for function in _of_type(TEMPLATE, "AWS::Serverless::Function").values():
        own = function["Properties"].get("Environment", {}).get("Variables", {})
        assert STACK_NAME_VARIABLE not in own


def test_alarms_and_charts_name_the_dimensions_the_functions_publish() -> None:
    # GIVEN the dimensions a function of the stack publishes its metrics with (CloudWatch tells
    # metrics apart by their exact set of dimensions: an alarm or chart naming fewer sees nothing)
    published = metric_dimensions(STACK)
    assert set(published) == {"service", "stack"}
    # WHEN the alarms and the dashboard name a custom metric
    named = _alarmed_custom_metrics() + _charted_custom_metrics()
    # THEN each is one the functions publish, with exactly those dimensions
    assert {"HopsPastSlaAlarm", "Job events", "Copy chains", "Alerts", "Reconcile"} <= {
        where for where, _, _ in named
    }
    for where, metric, dimensions in named:
        assert metric in _published_metric_names(), where
        assert dimensions == published, (where, metric)


def test_the_chain_steps_throttles_page_no_one() -> None:
    # GIVEN the chain's steps function, capped by its reserved concurrency on purpose
    function = TEMPLATE["Resources"]["ChainStepsFunction"]["Properties"]
    assert "ReservedConcurrentExecutions" in function
    # AND each step invoking it retries its throttles
    steps = [s for s in ASL["States"].values() if "${ChainStepsFunctionArn}" in json.dumps(s)]
    assert steps
    for step in steps:
        retried = {error for retrier in step["Retry"] for error in retrier["ErrorEquals"]}
        assert "Lambda.TooManyRequestsException" in retried
    # THEN its throttles raise no alarm, its errors do (and every left-out alarm says why, of a
    # function the template has)
    alarms = _of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
    assert "ChainStepsFunctionThrottlesAlarm" not in alarms
    assert "ChainStepsFunctionErrorsAlarm" in alarms
    functions = _of_type(TEMPLATE, "AWS::Serverless::Function")
    assert all(f in functions and why for (f, _), why in NOT_ALARMED.items())


def _emitted_metrics() -> set[str]:
    """The metric names observability.py publishes: the names it passes to _count and _seconds,
    and the names in the tables it picks one from (a Dict of string constants)."""
    tree = ast.parse(Path(observability.__file__).read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"_count", "_seconds"}:
            first = node.args[0]
            if isinstance(first, ast.Constant):
                names.add(first.value)
        elif (
            isinstance(node, ast.Dict)
            and node.values
            and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values)
        ):
            names.update(v.value for v in node.values if isinstance(v, ast.Constant))
    return names


def test_every_emitted_metric_is_documented_and_charted_or_alarmed() -> None:
    # GIVEN every metric the functions publish
    emitted = _emitted_metrics()
    assert {"EventsRecorded", "ChainsEndedOutsideTheirSteps", "AlertsDeadLettered"} <= emitted
    # WHEN the operations page's metrics table, the dashboard and the alarms are read
    page = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    table = page.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    documented = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    seen = {metric for _, metric, _ in _alarmed_custom_metrics() + _charted_custom_metrics()}
    # THEN the table documents exactly those, and each is charted or alarmed
    assert documented == emitted
    assert emitted <= seen, emitted - seen
