"""What ingest needs from the outside world, and the values it hands over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from backup_relay.domain.jobs import JobEvent


class IngestOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class QuarantinedMessage:
    message_id: str
    body: str
    code: str
    reason: str
    received_at: datetime


@dataclass(frozen=True)
class IngestResult:
    outcome: IngestOutcome
    event: JobEvent | None = None
    quarantined: QuarantinedMessage | None = None


class EventRecorder(Protocol):
    def __call__(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        """Store the event; True if it was new, False if it was already recorded."""
        ...


class Quarantine(Protocol):
    def __call__(self, message: QuarantinedMessage) -> None: ...


class IngestTelemetry(Protocol):
    def event_ingested(self, result: IngestResult, actions: list[str]) -> None: ...
