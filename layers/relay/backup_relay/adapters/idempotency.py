"""Powertools Idempotency around an EventRecorder: one event, delivered twice, is acted on once.

The ledger's conditional write already refuses a second copy of an event; this layer also makes
concurrent deliveries wait for the first one (INPROGRESS lock), which matters for the actions that
later hang off a recorded event (starting a chain, sending an alert).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay.adapters import aws
from backup_relay.collect.ports import EventRecorder
from backup_relay.domain.jobs import JobEvent

#: EventBridge retries delivery for up to 24 hours; keep idempotency records a little longer.
EXPIRES_AFTER_SECONDS = 26 * 3600


class OncePerEvent:
    def __init__(self, record: EventRecorder, table_name: str) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="event", expires_after_seconds=EXPIRES_AFTER_SECONDS
        )
        persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=aws.dynamodb())

        @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
            data_keyword_argument="payload", persistence_store=persistence, config=self.config
        )
        def record_once(payload: dict[str, Any]) -> dict[str, Any]:
            event = JobEvent.model_validate(payload["event"])
            return {"nonce": payload["nonce"], "new": record(event, payload["original"])}

        self._record_once = record_once

    def register(self, context: LambdaContext) -> None:
        self.config.register_lambda_context(context)

    def __call__(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        """True only when this call did the recording: a replayed result carries another nonce."""
        nonce = uuid.uuid4().hex
        payload = {"event": event.model_dump(mode="json"), "original": original, "nonce": nonce}
        result = self._record_once(payload=payload)
        return bool(result["nonce"] == nonce and result["new"])
