"""ingest_message(): the domain decision for one queued message, with in-memory adapters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from backup_relay.ingest import AccountPolicy, Outcome, QuarantinedMessage, ingest_message
from backup_relay.models import JobEvent
from backup_relay.normalize import normalize
from tests.conftest import documented


class MemoryLedger:
    def __init__(self) -> None:
        self.events: dict[str, tuple[JobEvent, Mapping[str, Any] | None]] = {}
        self.quarantined: list[QuarantinedMessage] = []

    def record(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        if event.dedupe_key in self.events:
            return False
        self.events[event.dedupe_key] = (event, original)
        return True

    def quarantine(self, message: QuarantinedMessage) -> None:
        self.quarantined.append(message)


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()


def _ingest(body: str, ledger: MemoryLedger, policy: AccountPolicy | None = None) -> Outcome:
    return ingest_message(
        body,
        "m-1",
        policy=policy or AccountPolicy(),
        record=ledger.record,
        quarantine=ledger.quarantine,
    ).outcome


def test_new_event_is_recorded_then_its_duplicate_is_not(ledger: MemoryLedger) -> None:
    body = json.dumps(documented("copy_job_completed.json"))
    assert _ingest(body, ledger) is Outcome.RECORDED
    assert _ingest(body, ledger) is Outcome.DUPLICATE
    assert len(ledger.events) == 1


def test_the_original_kept_is_the_raw_event_even_inside_an_envelope(ledger: MemoryLedger) -> None:
    raw = documented("backup_job_completed.json")
    envelope = {
        "envelope": "backup-relay/1",
        "kind": "BACKUP",
        "source": "aws.backup",
        "detail_type": raw["detail-type"],
        "event_id": raw["id"],
        "account": raw["account"],
        "region": raw["region"],
        "time": raw["time"],
        "state": "COMPLETED",
        "original": raw,
    }
    _ingest(json.dumps(envelope), ledger)
    [(event, original)] = ledger.events.values()
    assert original == raw
    assert event == normalize(envelope)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "not_json"),
        ("{", "not_json"),
        ("null", "not_an_object"),
        ('"text"', "not_an_object"),
        ("{}", "not_backup_event"),
    ],
)
def test_bad_bodies_are_quarantined_with_their_reason(
    body: str, code: str, ledger: MemoryLedger
) -> None:
    assert _ingest(body, ledger) is Outcome.QUARANTINED
    [message] = ledger.quarantined
    assert (message.message_id, message.body, message.code) == ("m-1", body, code)
    assert message.reason


@pytest.mark.parametrize(
    ("policy", "account", "accepted"),
    [
        (AccountPolicy(), "444455556666", True),
        (AccountPolicy.from_list(["111122223333"]), "111122223333", True),
        (AccountPolicy.from_list(["111122223333"]), "444455556666", False),
        (
            AccountPolicy.from_list(["111122223333"], central_account="444455556666"),
            "444455556666",
            True,
        ),
        (AccountPolicy.from_list([" ", ""]), "444455556666", True),
    ],
)
def test_account_policy(
    policy: AccountPolicy, account: str, accepted: bool, ledger: MemoryLedger
) -> None:
    body = json.dumps(documented("copy_job_failed.json") | {"account": account})
    expected = Outcome.RECORDED if accepted else Outcome.QUARANTINED
    assert _ingest(body, ledger, policy) is expected


def test_infrastructure_errors_propagate_for_sqs_to_retry() -> None:
    def broken(event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        raise ConnectionError("ledger unreachable")

    with pytest.raises(ConnectionError):
        ingest_message(
            json.dumps(documented("copy_job_completed.json")),
            "m-1",
            policy=AccountPolicy(),
            record=broken,
            quarantine=lambda message: None,
        )
