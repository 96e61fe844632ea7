"""One cached boto3 client per (service, region): created on first use, never at import time
(boto3 and botocore cost a cold start about 200 ms; a handler loads them when it first needs
AWS)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_backup import BackupClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient


@cache
def client(service: str, region: str | None = None) -> Any:
    import boto3

    return boto3.session.Session().client(service, region_name=region, config=_config())  # type: ignore[call-overload]


def _config() -> Any:
    from botocore.config import Config

    # "standard" retry mode backs off on throttling (ThrottlingException, LimitExceeded...)
    return Config(retries={"mode": "standard", "max_attempts": 5})


def client_as(credentials: Any, service: str, region: str) -> Any:
    """A client with assumed-role `credentials` (STS's Credentials), not cached."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return session.client(service, region_name=region, config=_config())  # type: ignore[call-overload]


def dynamodb() -> DynamoDBClient:
    return client("dynamodb")  # type: ignore[no-any-return]


def backup(region: str | None = None) -> BackupClient:
    return client("backup", region)  # type: ignore[no-any-return]


def stepfunctions() -> SFNClient:
    return client("stepfunctions")  # type: ignore[no-any-return]


def sqs() -> SQSClient:
    return client("sqs")  # type: ignore[no-any-return]


def sns() -> SNSClient:
    return client("sns")  # type: ignore[no-any-return]


def cloudformation(region: str | None = None) -> CloudFormationClient:
    return client("cloudformation", region)  # type: ignore[no-any-return]


def reset() -> None:
    """Forget cached clients (a new moto mock, another fake account or region)."""
    client.cache_clear()
