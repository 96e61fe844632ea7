"""Small, documented corrections where moto's EventBridge differs from AWS (see docs/testing.md).

Each patch is idempotent and only makes moto behave as AWS documents; none changes what our code
under test sees beyond that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.events import models as events_models

_applied: set[str] = set()


def apply() -> None:
    if "iso-event-times" not in _applied:
        _keep_iso_event_times()
        _applied.add("iso-event-times")


def _keep_iso_event_times() -> None:
    """AWS events carry `time` as ISO 8601. moto stores it as epoch seconds and, when it delivers
    to SQS, converts a top-level `time` with float(), which fails on an ISO string. Events emitted
    in AWS's shape keep ISO times; this hands moto the epoch it expects for that conversion, which
    turns it back into the same second-precision ISO string."""
    deliver = events_models.Rule._send_to_sqs_queue

    def send_to_sqs_queue(
        self: Any, resource_id: str, event: dict[str, Any], group_id: str | None = None
    ) -> None:
        time = event.get("time")
        if isinstance(time, str):
            event = {**event, "time": datetime.fromisoformat(time).timestamp()}
        deliver(self, resource_id, event, group_id)

    events_models.Rule._send_to_sqs_queue = send_to_sqs_queue  # type: ignore[method-assign]
