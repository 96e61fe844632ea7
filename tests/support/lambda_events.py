"""Lambda invocations and what they leave in the sandbox's ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import client

Invoke = Callable[[dict[str, Any]], Any]


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


def ledger_items(central: CentralStack) -> list[dict[str, Any]]:
    dynamodb = client("dynamodb")
    items = dynamodb.scan(TableName=central.tables["LedgerTable"])["Items"]
    return [{key: next(iter(value.values())) for key, value in item.items()} for item in items]
