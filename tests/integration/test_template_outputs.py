"""The central stack's outputs give an operator what the docs' commands need: a dead-letter
queue's redrive (`aws sqs start-message-move-task`) takes queue ARNs, not URLs."""

from __future__ import annotations

import re
from typing import Any

from samtranslator.yaml_helper import yaml_parse

from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, REPO_ROOT, resolve

#: each dead-letter queue's redrive: (source output, destination output)
REDRIVES = {
    "DeadLetterQueue": ("DeadLetterQueueArn", "IngestQueueArn"),
    "AlertsDeadLetterQueue": ("AlertsDeadLetterQueueArn", "AlertsQueueArn"),
}


def _template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(CENTRAL_TEMPLATE.read_text())
    return parsed


def test_every_dead_letter_queue_and_its_source_queue_are_output_by_arn() -> None:
    # GIVEN the template's queues with a redrive policy (each names its dead-letter queue)
    template = _template()
    queues = {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue"
    }
    redriven = {
        name: queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for name, queue in queues.items()
        if "RedrivePolicy" in queue["Properties"]
    }
    assert sorted(redriven.values()) == sorted(REDRIVES)
    outputs = template["Outputs"]
    for source_queue, dead_letter_queue in redriven.items():
        # WHEN an operator looks for the redrive's two ARNs THEN the stack outputs both
        source_output, destination_output = REDRIVES[dead_letter_queue]
        assert outputs[source_output]["Value"] == {"Fn::GetAtt": [dead_letter_queue, "Arn"]}
        assert outputs[destination_output]["Value"] == {"Fn::GetAtt": [source_queue, "Arn"]}


def test_the_sandbox_stack_resolves_the_redrive_outputs_to_its_queues(
    central: CentralStack,
) -> None:
    # GIVEN the sandbox's central stack (`sandbox up` registers its outputs as resolved here)
    outputs = _template()["Outputs"]
    # WHEN the redrive outputs are resolved THEN they are the ARNs of the queues it created
    resolved = {
        name: resolve(outputs[name]["Value"], central.stack.values)
        for pair in REDRIVES.values()
        for name in pair
    }
    assert resolved == {
        "DeadLetterQueueArn": central.dead_letter_queue.arn,
        "IngestQueueArn": central.ingest_queue.arn,
        "AlertsDeadLetterQueueArn": central.alerts_dead_letter_queue.arn,
        "AlertsQueueArn": central.alerts_queue.arn,
    }


def test_the_docs_redrive_commands_name_the_outputs() -> None:
    # GIVEN the README and operations guide's redrive commands
    for doc in ("README.md", "docs/operations.md"):
        text = (REPO_ROOT / doc).read_text()
        commands = re.findall(r"aws sqs start-message-move-task[^\n]*", text)
        # THEN each takes its ARNs from the stack's outputs, which exist
        assert commands, doc
        for command in commands:
            named = set(re.findall(r"\b(\w+Arn)\b", command))
            assert named, command
            assert named <= set(_template()["Outputs"]), command
