"""The AWS clients: one cached client per (service, region), created on first use, never at import
time (botocore costs a cold start about 200 ms; a handler loads it when it first needs AWS).

Every client comes from one botocore session: a session reads botocore's endpoint rules and each
service's model the first time a client needs them, and a session per client read them again
(the doctor, which builds about ten clients, spent more time there than in its calls). Clients
are botocore's own, as boto3's are (boto3 adds resources, which the library does not use, and
costs the import of s3transfer)."""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_backup import BackupClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

#: A botocore session is not safe to create clients from in two threads at once (the sandbox runs
#: executions' steps in threads of one process).
_CREATING = threading.Lock()


@cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def client(service: str, region: str | None = None) -> Any:
    with _CREATING:
        return _session().create_client(service, region_name=region, config=_config())


def _config() -> Any:
    from botocore.config import Config

    # "standard" retry mode backs off on throttling (ThrottlingException, LimitExceeded...)
    return Config(retries={"mode": "standard", "max_attempts": 5})


def client_as(credentials: Any, service: str, region: str) -> Any:
    """A client with assumed-role `credentials` (STS's Credentials), not cached."""
    with _CREATING:
        return _session().create_client(
            service,
            region_name=region,
            config=_config(),
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )


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
    """Forget cached clients and their session (a new moto mock, another fake account or
    region)."""
    client.cache_clear()
    _session.cache_clear()
