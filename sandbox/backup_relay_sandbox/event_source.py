"""The SQS -> Lambda event source mapping, emulated: batches, partial batch failures, redrive.

moto can run event source mappings itself, but only for functions created from a zip through
its Lambda backend; this keeps the sandbox's handler calls in-process and deterministic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from backup_relay_sandbox.central import Queue


class LambdaCrash(Exception):
    """The function's process died mid-invocation (out of memory, killed): no response; the
    mapping returns the whole batch to the queue, even the records it had handled."""


@dataclass
class DrainReport:
    invocations: int = 0
    delivered: int = 0
    failed: int = 0
    results: list[Any] = field(default_factory=list)


def drain(
    sqs: Any,
    queue: Queue,
    invoke: Callable[[dict[str, Any]], Any],
    *,
    region: str,
    batch_size: int = 10,
    max_rounds: int = 50,
) -> DrainReport:
    """Feed the queue to `invoke` until it is empty. Failed records are made visible again at
    once, as if their visibility timeout had passed; SQS's redrive policy moves them to the DLQ
    after maxReceiveCount receives."""
    report = DrainReport()
    for _ in range(max_rounds):
        messages = sqs.receive_message(
            QueueUrl=queue.url,
            MaxNumberOfMessages=batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        try:
            response = invoke({"Records": [_record(m, queue, region) for m in messages]})
        except (BatchProcessingError, LambdaCrash):  # every record failed (Powertools fails
            response = {  # the invocation) or it crashed: the mapping returns the whole batch
                "batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]
            }
        report.invocations += 1
        report.results.append(response)
        failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] in failed:
                report.failed += 1
                sqs.change_message_visibility(
                    QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                report.delivered += 1
                sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
    return report


def _record(message: dict[str, Any], queue: Queue, region: str) -> dict[str, Any]:
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.arn,
        "awsRegion": region,
    }
