"""Where alerts go: the outbox use cases raise them into, and what publishes each once."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from backup_relay.alerts.message import AlertMessage
from backup_relay.domain.alert import Alert


class AlertOutbox(Protocol):
    """Where the use cases raise alerts; the alerts function publishes each one once."""

    def send(self, alert: Alert) -> None: ...


class AlertClaim(StrEnum):
    MINE = "MINE"  # publish it: new, or an earlier attempt failed and its lease ran out
    SENT = "SENT"  # already published: a repeated delivery
    HELD = "HELD"  # another attempt is publishing it now


class AlertLedger(Protocol):
    """Which alerts were published: a conditional write before publishing makes it once."""

    def claim(self, alert: Alert) -> AlertClaim: ...

    def sent(self, alert_id: str, message_id: str) -> None: ...

    def failed(self, alert_id: str, reason: str, *, final: bool) -> None:
        """An attempt failed (its lease is released); `final`: no attempt will follow."""
        ...


class AlertPublisher(Protocol):
    def publish(self, message: AlertMessage) -> str:
        """The message id."""
        ...


class DeadLetters(Protocol):
    def send(self, body: str, reason: str) -> None: ...


class QuarantineCounter(Protocol):
    def count(self, hour: str) -> int:
        """One more quarantined message in `hour` (YYYY-MM-DDTHH); the count so far."""
        ...


class AlertTelemetry(Protocol):
    def alert_delivered(self, alert_id: str, outcome: str, reason: str | None) -> None: ...

    def unknown_failure(self, aws_category: str | None, resource_type: str | None) -> None:
        """A published alert whose failure no catalogue entry matched."""
        ...
