"""A deployed central stack, read from CloudFormation (for the operator's CLI)."""

from __future__ import annotations

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors
from backup_relay.domain.errors import SettingsError
from backup_relay.domain.stack import DeployedStack


def operator_session(region: str | None) -> str:
    """The region the operator's AWS configuration gives (or `region`); SettingsError naming
    what is missing, and how to give it, when there is no region or no credentials. (botocore's
    session, not boto3's: importing boto3 cost every command about half a second more.)"""
    import os

    import botocore.session
    from botocore.exceptions import ProfileNotFound

    region = region or os.environ.get("AWS_REGION")  # Lambda's name for it; boto3 reads the other
    session = botocore.session.get_session()
    try:
        region = region or session.get_config_variable("region")
        credentials = session.get_credentials()
    except ProfileNotFound as missing:
        profile = missing.kwargs["profile"]
        message = f"{missing}: fix AWS_PROFILE, or aws configure --profile {profile}"
        raise SettingsError(message) from None
    if not region:
        raise SettingsError(
            "no AWS region: pass --region, or set AWS_DEFAULT_REGION (or a region in ~/.aws/config)"
        )
    if credentials is None:
        raise SettingsError(
            "no AWS credentials: set AWS_PROFILE (aws configure / aws sso login), or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    # every client the command makes afterwards works in the stack's region
    os.environ["AWS_DEFAULT_REGION"] = region
    return str(region)


def describe_stack(name: str, region: str | None = None) -> DeployedStack:
    region = operator_session(region)
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
