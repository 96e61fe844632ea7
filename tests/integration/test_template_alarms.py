"""The alarms template.yaml declares: generated from its own functions, queues and state machine,
each notifying the Alerts topic."""

from __future__ import annotations

from typing import Any

from backup_relay_sandbox.template import CENTRAL_TEMPLATE, MEMBER_TEMPLATE, load_template
from scripts.generate_template_alarms import main as generate_alarms

TEMPLATE = load_template(CENTRAL_TEMPLATE)


def _of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == type_name}


def test_the_alarms_are_what_the_generator_writes() -> None:
    assert generate_alarms(["--check"]) == 0


def test_every_function_queue_and_execution_failure_has_an_alarm_to_the_alerts_topic() -> None:
    # GIVEN the template's alarms
    alarms = _of_type(TEMPLATE, "AWS::CloudWatch::Alarm")
    watched = {
        (a["Properties"]["MetricName"], str(a["Properties"]["Dimensions"][0]["Value"]))
        for a in alarms.values()
    }
    # THEN each function's errors and throttles, each dead-letter queue's depth, the state
    # machine's failed and timed-out executions and hops past SLA are watched
    for function in _of_type(TEMPLATE, "AWS::Serverless::Function"):
        assert ("Errors", str({"Ref": function})) in watched
        assert ("Throttles", str({"Ref": function})) in watched
    for queue in ("DeadLetterQueue", "AlertsDeadLetterQueue"):
        depth = str({"Fn::GetAtt": [queue, "QueueName"]})
        assert ("ApproximateNumberOfMessagesVisible", depth) in watched
    machine = str({"Ref": "CopyChainStateMachine"})
    assert {("ExecutionsFailed", machine), ("ExecutionsTimedOut", machine)} <= watched
    assert ("HopsPastSla", "backup-relay") in watched
    # AND every one notifies the Alerts topic
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlertsTopic"}] for a in alarms.values())


def test_the_member_stacks_dead_letter_alarm_notifies_the_central_topic() -> None:
    member = load_template(MEMBER_TEMPLATE)
    [alarm] = _of_type(member, "AWS::CloudWatch::Alarm").values()
    [action] = alarm["Properties"]["AlarmActions"]
    assert "${CentralAccountId}:${CentralAlertsTopicName}" in action["Fn::Sub"]
    assert alarm["Condition"] == "NotifiesCentralAlerts"


def test_the_topic_is_encrypted_and_takes_only_the_organizations_alarms() -> None:
    topic = TEMPLATE["Resources"]["AlertsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlertsKey"}
    statements = TEMPLATE["Resources"]["AlertsTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    [alarms] = [
        s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert alarms["Condition"] == {"StringEquals": {"aws:SourceOrgID": {"Ref": "OrganizationId"}}}
    dashboard = TEMPLATE["Resources"]["Dashboard"]["Properties"]
    assert dashboard["DashboardName"] == {"Ref": "AWS::StackName"}
