"""SQS batch of AWS Backup job events -> normalized, recorded once; bad ones quarantined."""

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay.observability import logger, metrics, tracer
from backup_relay.runtime import ingest_runtime

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    return ingest_runtime().handle(record.body, record.message_id).outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    ingest_runtime().register(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
