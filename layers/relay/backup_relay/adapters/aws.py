"""One cached boto3 client per (service, region): created on first use, never at import time."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# "standard" retry mode backs off on throttling (ThrottlingException and LimitExceededException).
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def client(service: str, region: str | None = None) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=_CONFIG)  # type: ignore[call-overload]


def dynamodb(region: str | None = None) -> DynamoDBClient:
    return client("dynamodb", region)  # type: ignore[no-any-return]


def reset() -> None:
    """Forget cached clients (tests switch fake accounts and regions)."""
    client.cache_clear()
