"""The AWS clients: one cached client per (service, region), created on first use, never at import
time (botocore costs a cold start about 200 ms; a handler loads it when it first needs AWS).

Every client comes from one botocore session: a session reads botocore's endpoint rules and each
service's model the first time a client needs them, and a session per client read them again
(the doctor, which builds about ten clients, spent more time there than in its calls). Clients
are botocore's own, as boto3's are (boto3 adds resources, which the library does not use, and
costs the import of s3transfer).

Two things the operator's CLI needs from the endpoint it talks to:
- a loopback endpoint (AWS_ENDPOINT_URL on 127.0.0.1 or localhost: the sandbox) that refuses
  connections is not there, and will not be in a few seconds: one attempt and a 1 s connect
  timeout, not the standard retries' 15-30 s of backoff (errors.py says "run `backup-relay
  sandbox up`"). Any other endpoint (AWS) keeps the retries.
- its time: `endpoint_now` is the time of the `Date` header of the last response, moved on by
  the local clock since (the sandbox stamps its virtual time there; AWS its own). A local clock
  within a few seconds of it is taken as right (the header has one-second resolution).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backup_relay.domain import clock

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


#: How far the local clock may be from the endpoint's before "now" follows the endpoint's.
CLOCK_TOLERANCE = timedelta(seconds=5)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: (the endpoint's time minus the local clock) when they differ by more than the tolerance
_offset: list[timedelta] = [timedelta(0)]


@cache
def _session() -> Any:
    import botocore.session

    session = botocore.session.get_session()
    session.register("after-call", _note_date)
    return session


def _note_date(http_response: Any = None, **_: Any) -> None:
    """Each response's `Date` header: the endpoint's time."""
    header = getattr(http_response, "headers", {}).get("Date") if http_response else None
    if not header:
        return
    try:
        then = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return
    offset = then - datetime.fromtimestamp(time.time(), UTC)
    _offset[0] = offset if abs(offset) > CLOCK_TOLERANCE else timedelta(0)


def endpoint_now() -> datetime:
    """Now, by the clock of the AWS endpoint the process talks to (a Clock, domain/clock.py)."""
    return clock.utc_now() + _offset[0]


def loopback_endpoint() -> str | None:
    """AWS_ENDPOINT_URL when it names this machine (a sandbox), else None."""
    url = os.environ.get("AWS_ENDPOINT_URL", "")
    return url if urlsplit(url).hostname in LOOPBACK_HOSTS else None


@cache
def client(service: str, region: str | None = None) -> Any:
    with _CREATING:
        return _session().create_client(service, region_name=region, config=_config())


def _config() -> Any:
    from botocore.config import Config

    if loopback_endpoint():  # the sandbox answers at once, or is not running
        return Config(connect_timeout=1, retries={"mode": "standard", "total_max_attempts": 1})
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
    _offset[0] = timedelta(0)
