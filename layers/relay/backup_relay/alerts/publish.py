"""Publish an alert once: claim it in the ledger, publish, record it sent.

A repeated delivery finds it SENT and publishes nothing. A publish that fails releases the claim
and raises, so the queue delivers the alert again; after the last attempt the caller dead-letters
it with the reason (`AlertsFunction`). Two deliveries at once: the second finds the claim HELD and
is retried later, by when the first has sent it or given it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from backup_relay.alerts.message import render
from backup_relay.alerts.ports import (
    AlertClaim,
    AlertLedger,
    AlertPublisher,
    AlertTelemetry,
    DeadLetters,
)
from backup_relay.domain.alert import Alert
from backup_relay.domain.errors import AwsError, Throttled
from backup_relay.domain.proof import ProbeSubject, Proof


class Published(StrEnum):
    PUBLISHED = "PUBLISHED"
    ALREADY_SENT = "ALREADY_SENT"
    DEAD_LETTERED = "DEAD_LETTERED"


class AlertInFlight(Throttled):
    """Another attempt holds the alert's claim: try again later."""

    def __init__(self, alert_id: str) -> None:
        super().__init__("AlertInFlight", f"alert {alert_id} is being published by another attempt")


@dataclass
class PublishAlert:
    ledger: AlertLedger
    publisher: AlertPublisher
    #: the doctor's probe of the alert's cause (doctor/probe.py), bounded by its time budget;
    #: run once the alert is claimed, so a repeated delivery runs none
    probe: Callable[[ProbeSubject], Proof] | None = None

    def __call__(self, alert: Alert, *, last_attempt: bool = False) -> Published:
        claim = self.ledger.claim(alert)
        if claim is AlertClaim.SENT:
            return Published.ALREADY_SENT
        if claim is AlertClaim.HELD:
            raise AlertInFlight(alert.alert_id)
        if self.probe is not None and alert.proof is not None and alert.proof.verdict is None:
            alert = alert.model_copy(update={"proof": self.probe(alert.proof.subject)})
        try:
            message_id = self.publisher.publish(render(alert))
        except AwsError as error:
            self.ledger.failed(alert.alert_id, str(error), final=last_attempt)
            raise
        self.ledger.sent(alert.alert_id, message_id)
        return Published.PUBLISHED


@dataclass
class DeliverAlert:
    """One queued alert, on its `attempt`-th delivery: published, or after the last attempt (or
    at once, if it is not an alert) sent to the dead-letter queue with the reason."""

    publish: PublishAlert
    dead_letters: DeadLetters
    attempts: int
    telemetry: AlertTelemetry

    def __call__(self, body: str, attempt: int) -> Published:
        try:
            alert = Alert.model_validate_json(body)
        except ValidationError as error:
            return self._dead_letter("-", body, f"not an alert: {error.error_count()} errors")
        last = attempt >= self.attempts
        try:
            outcome = self.publish(alert, last_attempt=last)
        except AwsError as error:
            if not last:
                raise
            reason = f"not published after {attempt} attempts: {error}"
            return self._dead_letter(alert.alert_id, body, reason)
        self.telemetry.alert_delivered(alert.alert_id, outcome, None)
        if outcome is Published.PUBLISHED and not alert.diagnosis.catalogued:
            aws_category = alert.message_category or alert.diagnosis.aws_category
            self.telemetry.unknown_failure(aws_category, alert.resource_type)
        return outcome

    def _dead_letter(self, alert_id: str, body: str, reason: str) -> Published:
        self.dead_letters.send(body, reason)
        self.telemetry.alert_delivered(alert_id, Published.DEAD_LETTERED, reason)
        return Published.DEAD_LETTERED
