"""Ingest one queued message: normalize, check the sender, record once or quarantine it, then
let the copy chain act on the recorded event."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backup_relay.collect.normalize import normalize, parse_json
from backup_relay.collect.ports import (
    EventRecorder,
    IngestOutcome,
    IngestResult,
    IngestTelemetry,
    Quarantine,
    QuarantinedMessage,
)
from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.errors import InvalidJobEvent

if TYPE_CHECKING:
    from backup_relay.copy_chain.triggers import ChainTriggers

#: AWS Backup's job events are about 2 KB. A larger body is quarantined unread, and only its
#: first 64 KiB are kept: a recorded event and its original then fit in a ledger item (400 KB).
MAX_BODY_BYTES = 64 * 1024


def ingest_message(
    body: str,
    message_id: str,
    *,
    policy: AccountPolicy,
    record: EventRecorder,
    quarantine: Quarantine,
    now: Clock = utc_now,
) -> IngestResult:
    """Bad input is quarantined and reported as handled; only infrastructure errors propagate
    (so SQS retries them and, after maxReceiveCount, moves them to the DLQ)."""
    try:
        payload = _parse(body)
        event = normalize(payload)
        policy.check(event)
    except InvalidJobEvent as invalid:
        kept = _head(body, MAX_BODY_BYTES)
        message = QuarantinedMessage(message_id, kept, invalid.code, invalid.message, now())
        quarantine(message)
        return IngestResult(IngestOutcome.QUARANTINED, quarantined=message)
    is_new = record(event, original_event(payload))
    return IngestResult(IngestOutcome.RECORDED if is_new else IngestOutcome.DUPLICATE, event=event)


@dataclass
class Ingest:
    """One message in: recorded (or a duplicate) and acted on, or quarantined."""

    policy: AccountPolicy
    record: EventRecorder
    quarantine: Quarantine
    chain: ChainTriggers
    alerts: Callable[[IngestResult], None]  # alerts/on_ingest.py
    telemetry: IngestTelemetry

    def __call__(self, body: str, message_id: str) -> IngestResult:
        result = ingest_message(
            body, message_id, policy=self.policy, record=self.record, quarantine=self.quarantine
        )
        # every delivery may act: the chain's actions are idempotent, and a first delivery may
        # have died between recording the event and acting on it
        try:
            actions = self.chain.on_event(result.event) if result.event is not None else []
        except InvalidJobEvent as refused:  # AWS does not confirm what the event claims
            message = QuarantinedMessage(message_id, body, refused.code, refused.message, utc_now())
            self.quarantine(message)
            result = IngestResult(
                IngestOutcome.QUARANTINED, event=result.event, quarantined=message
            )
            actions = []
        self.alerts(result)
        self.telemetry.event_ingested(result, actions)
        return result


def original_event(payload: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The raw AWS event: the payload itself, or the copy an envelope keeps."""
    if "envelope" not in payload:
        return payload
    original = payload.get("original")
    return original if isinstance(original, Mapping) else None


def check_size(size: int, *, at_least: bool = False) -> None:
    """Refuse a body of `size` bytes (`at_least`: of more, when only its head was read) as
    ingest quarantines it: `too_large` over MAX_BODY_BYTES. `backup-relay normalize` asks too."""
    if size > MAX_BODY_BYTES:
        more = "more than " if at_least else ""
        raise InvalidJobEvent(
            "too_large",
            f"message body is {more}{size} bytes; a job event is at most {MAX_BODY_BYTES}",
        )


def _parse(body: str) -> Mapping[str, Any]:
    check_size(len(body.encode("utf-8", "surrogatepass")))
    payload = parse_json(body)
    if not isinstance(payload, Mapping):
        raise InvalidJobEvent("not_an_object", "message body is not a JSON object")
    return payload


def _head(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` of UTF-8, never inside a character."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")
