"""Write template.yaml's alarms section: every function's errors and throttles (but those in
NOT_ALARMED), every dead-letter queue's depth, the copy chain's failed and timed-out executions,
hops past SLA (on the dimensions the functions publish: observability.metric_dimensions).

Each alarm notifies the Alerts topic. The functions and queues come from the template itself, so
a function added to it gets its alarms with `make generate` (and a test fails until it does).

    python -m scripts.generate_template_alarms          # rewrite the section
    python -m scripts.generate_template_alarms --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from samtranslator.yaml_helper import yaml_parse

from backup_relay.observability import NAMESPACE, metric_dimensions
from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
BEGIN = "  # BEGIN GENERATED alarms by scripts/generate_template_alarms.py: do not edit\n"
END = "  # END GENERATED alarms\n"

ALARM = """\
  {logical_id}:
    Type: AWS::CloudWatch::Alarm
{condition}    Properties:
      AlarmDescription: "{description}"
      Namespace: {namespace}
      MetricName: {metric}
      Dimensions:
{dimensions}
      Statistic: {statistic}
      Period: 300
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref AlertsTopic]

"""
DIMENSION = """\
        - Name: {name}
          Value: {value}"""

#: The stack's name as the template writes it (what Globals gives the functions as STACK_NAME).
STACK_NAME = "!Ref AWS::StackName"
#: Each function's alarms: its AWS/Lambda metric and what it means.
FUNCTION_ALARMS = {"Errors": "failed", "Throttles": "was throttled"}
#: A function's alarm left out (function, metric), and why: the design expects what it sees.
NOT_ALARMED = {
    ("ChainStepsFunction", "Throttles"): "capped on purpose; the state machine retries throttles",
}


def _dimensions(dimensions: dict[str, str]) -> str:
    return "\n".join(DIMENSION.format(name=n, value=v) for n, v in dimensions.items())


def _condition(resource: dict[str, object]) -> str:
    """An alarm of a conditional resource exists when the resource does (its Condition)."""
    return f"    Condition: {resource['Condition']}\n" if "Condition" in resource else ""


def _of_type(resources: dict[str, dict[str, object]], type_name: str) -> list[str]:
    return [lid for lid, resource in resources.items() if resource["Type"] == type_name]


def render(template_text: str) -> str:
    """From the template without its generated alarms (what they watch is declared by hand)."""
    by_hand = with_section(template_text, "") if BEGIN in template_text else template_text
    resources = yaml_parse(by_hand)["Resources"]
    alarms = []
    for function in _of_type(resources, "AWS::Serverless::Function"):
        for metric, what in FUNCTION_ALARMS.items():
            if (function, metric) in NOT_ALARMED:
                continue
            alarms.append(
                ALARM.format(
                    logical_id=f"{function}{metric}Alarm",
                    description=f"{function} {what} in the last 5 minutes: its logs say why",
                    namespace="AWS/Lambda",
                    metric=metric,
                    dimensions=_dimensions({"FunctionName": f"!Ref {function}"}),
                    statistic="Sum",
                    condition=_condition(resources[function]),
                )
            )
    for queue in _of_type(resources, "AWS::SQS::Queue"):
        if queue.endswith("DeadLetterQueue"):
            alarms.append(
                ALARM.format(
                    logical_id=f"{queue}DepthAlarm",
                    description=f"{queue} holds messages: docs/operations.md says how to read "
                    "and redrive them",
                    namespace="AWS/SQS",
                    metric="ApproximateNumberOfMessagesVisible",
                    dimensions=_dimensions({"QueueName": f"!GetAtt {queue}.QueueName"}),
                    statistic="Maximum",
                    condition="",
                )
            )
    for machine in _of_type(resources, "AWS::Serverless::StateMachine"):
        for metric, what in (("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed out")):
            alarms.append(
                ALARM.format(
                    logical_id=f"{machine}{metric}Alarm",
                    description=f"Copy chains {what}: each failed chain also raises its own alert",
                    namespace="AWS/States",
                    metric=metric,
                    dimensions=_dimensions({"StateMachineArn": f"!Ref {machine}"}),
                    statistic="Sum",
                    condition="",
                )
            )
    alarms.append(
        ALARM.format(
            logical_id="HopsPastSlaAlarm",
            description="Copy hops ran past HopSlaHours (reconcile's HopsPastSla metric)",
            namespace=NAMESPACE,
            metric="HopsPastSla",
            dimensions=_dimensions(metric_dimensions(STACK_NAME)),
            statistic="Sum",
            condition="",
        )
    )
    return BEGIN + "".join(alarms).rstrip("\n") + "\n" + END


def with_section(template: str, section: str) -> str:
    if BEGIN not in template:  # first run: before the outputs
        return template.replace("\nOutputs:", "\n" + section + "\nOutputs:", 1)
    return generated_section.between(template, BEGIN, END, section)


def main(argv: list[str] | None = None) -> int:
    return generated_section.main(
        argv,
        description=__doc__.splitlines()[0],
        template=TEMPLATE,
        wanted=lambda current: with_section(current, render(current)),
        what="alarms",
    )


if __name__ == "__main__":
    sys.exit(main())
