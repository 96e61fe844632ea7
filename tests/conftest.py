"""Shared fixtures. Fake credentials are set before anything creates a boto3 client."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backup_relay_sandbox.cloud import use_fake_credentials

use_fake_credentials()

from moto import mock_aws  # noqa: E402

from backup_relay import runtime  # noqa: E402
from backup_relay.adapters import aws  # noqa: E402
from backup_relay_sandbox.central import CentralStack, deploy_central  # noqa: E402
from backup_relay_sandbox.cloud import SANDBOX_MOTO_CONFIG, client, reset_clients  # noqa: E402

EVENTS_DIR = Path(__file__).resolve().parents[1] / "events"
JOB_EVENT_FILES = sorted(
    p.name
    for p in EVENTS_DIR.glob("*_job_*.json")
    if p.name.split("_")[0] in {"backup", "copy", "restore"}
)
OTHER_EVENT_FILES = sorted(
    p.name for p in EVENTS_DIR.glob("*.json") if p.name not in JOB_EVENT_FILES
)


def documented(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text())
    return event


@pytest.fixture
def moto() -> Iterator[None]:
    saved = dict(os.environ)  # deployed functions set their environment (sandbox/functions.py)
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        reset_clients()
        aws.reset()
        runtime.ingest_runtime.cache_clear()
        runtime.chain_steps.cache_clear()
        yield
    reset_clients()
    aws.reset()
    runtime.ingest_runtime.cache_clear()
    runtime.chain_steps.cache_clear()
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def central(moto: None) -> CentralStack:
    return deploy_central()


Invoke = Callable[[dict[str, Any]], Any]


@pytest.fixture
def invoke_ingest(central: CentralStack) -> Invoke:
    """The real ingest handler, with the environment the template gives it."""
    return central.ingest


def ledger_items(central: CentralStack) -> list[dict[str, Any]]:
    dynamodb = client("dynamodb")
    items = dynamodb.scan(TableName=central.tables["LedgerTable"])["Items"]
    return [{key: next(iter(value.values())) for key, value in item.items()} for item in items]


def sqs_event(
    *bodies: str, queue_arn: str = "arn:aws:sqs:us-west-2:123456789012:q"
) -> dict[str, Any]:
    """An SQS batch as Lambda delivers it; message ids m0, m1, ..."""
    return {
        "Records": [
            {
                "messageId": f"m{index}",
                "receiptHandle": f"r{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-west-2",
            }
            for index, body in enumerate(bodies)
        ]
    }
