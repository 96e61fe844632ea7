"""A deployed central stack, read from CloudFormation (for the operator's CLI)."""

from __future__ import annotations

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors
from backup_relay.ports import DeployedStack


def describe_stack(name: str, region: str | None = None) -> DeployedStack:
    cloudformation = aws.cloudformation(region)
    with domain_errors():
        [stack] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    arn = stack["StackId"].split(":")
    return DeployedStack(
        name=name,
        partition=arn[1],
        account=arn[4],
        region=arn[3],
        parameters={
            p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
        },
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
    )
