"""ingest_message(): the domain decision for one queued message, with in-memory adapters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from backup_relay.collect.ingest import MAX_BODY_BYTES, Ingest, ingest_message
from backup_relay.collect.normalize import normalize
from backup_relay.collect.ports import IngestOutcome
from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.jobs import JobEvent
from tests.support.events import documented
from tests.support.fakes import MemoryEventLedger
from tests.support.strategies import deep_json
from tests.support.world import CENTRAL_HOME, LANDED_RP, MEMBER, World

FAILED = documented("copy_job_failed.json")


@pytest.fixture
def ledger() -> MemoryEventLedger:
    return MemoryEventLedger()


def _ingest(
    body: str, ledger: MemoryEventLedger, policy: AccountPolicy | None = None
) -> IngestOutcome:
    return ingest_message(
        body,
        "m-1",
        policy=policy or AccountPolicy(),
        record=ledger.record,
        quarantine=ledger.quarantine,
    ).outcome


def test_new_event_is_recorded_then_its_duplicate_is_not(ledger: MemoryEventLedger) -> None:
    body = json.dumps(documented("copy_job_completed.json"))
    assert _ingest(body, ledger) is IngestOutcome.RECORDED
    assert _ingest(body, ledger) is IngestOutcome.DUPLICATE
    assert len(ledger.events) == 1


def test_the_original_kept_is_the_raw_event_even_inside_an_envelope(
    ledger: MemoryEventLedger,
) -> None:
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
        (deep_json(20_000), "too_deep"),
        ('{"detail": ' + deep_json(900) + "}", "too_deep"),
        ('{"size": ' + "9" * 5000 + "}", "not_json"),
        (json.dumps(FAILED | {"time": "0001-01-01T00:00+01:00"}), "invalid_field"),
        (json.dumps(FAILED | {"padding": "x" * 70_000}), "too_large"),
    ],
)  # fmt: skip
def test_bad_bodies_are_quarantined_with_their_reason(
    body: str, code: str, ledger: MemoryEventLedger
) -> None:
    assert _ingest(body, ledger) is IngestOutcome.QUARANTINED
    [message] = ledger.quarantined
    assert (message.message_id, message.code) == ("m-1", code)
    assert body.startswith(message.body)
    assert 0 < len(message.reason) <= 200


def test_a_body_too_large_to_record_is_quarantined_with_its_head(ledger: MemoryEventLedger) -> None:
    # GIVEN a body of a megabyte: more than a ledger item holds
    body = json.dumps(
        documented("copy_job_failed.json") | {"padding": "é" * 500_000}, ensure_ascii=False
    )
    # WHEN ingested
    assert _ingest(body, ledger) is IngestOutcome.QUARANTINED
    # THEN it is quarantined as too large, keeping its first 64 KiB
    [message] = ledger.quarantined
    assert message.code == "too_large"
    assert body.startswith(message.body)
    assert MAX_BODY_BYTES - 4 < len(message.body.encode()) <= MAX_BODY_BYTES


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
    policy: AccountPolicy, account: str, accepted: bool, ledger: MemoryEventLedger
) -> None:
    body = json.dumps(documented("copy_job_failed.json") | {"account": account})
    expected = IngestOutcome.RECORDED if accepted else IngestOutcome.QUARANTINED
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


def _use_case(ledger: MemoryEventLedger, world: World, **env: str) -> Ingest:
    return Ingest(
        policy=AccountPolicy(),
        record=ledger.record,
        quarantine=ledger.quarantine,
        chain=world.triggers(),
        alerts=world.ingest_alerts(**env),
        telemetry=world.telemetry,
    )


def _landed_copy() -> str:
    """AWS's documented Copy Job COMPLETED event, as a member's Aurora copy into the central
    vault of its region."""
    raw = documented("copy_job_completed.json")
    raw["account"] = MEMBER
    raw["detail"] |= {
        "resourceType": "Aurora",
        "destinationBackupVaultArn": CENTRAL_HOME.arn,
        "destinationRecoveryPointArn": LANDED_RP,
    }
    return json.dumps(raw)


def test_every_delivery_of_a_recorded_event_lets_the_chain_act(ledger: MemoryEventLedger) -> None:
    # GIVEN a landed copy's event, delivered twice
    world = World()
    world.land(normalize(json.loads(_landed_copy())))
    ingest = _use_case(ledger, world)
    # WHEN ingest handles both deliveries
    first, second = ingest(_landed_copy(), "m-1"), ingest(_landed_copy(), "m-2")
    # THEN the first is recorded and starts the chain; the second is a duplicate that starts none
    assert (first.outcome, second.outcome) == (IngestOutcome.RECORDED, IngestOutcome.DUPLICATE)
    [chain] = world.workflow.started
    assert chain.origin_recovery_point_arn == LANDED_RP
    assert world.telemetry.seen == [
        ("chain_started", chain.chain_id),
        ("event_ingested", (IngestOutcome.RECORDED, [f"started {chain.chain_id}"])),
        ("event_ingested", (IngestOutcome.DUPLICATE, [])),
    ]


def test_a_landed_copy_aws_does_not_confirm_is_recorded_and_quarantined(
    ledger: MemoryEventLedger,
) -> None:
    # GIVEN a landed copy's event for a recovery point the central vault does not hold
    world = World()
    # WHEN ingest handles it
    result = _use_case(ledger, world)(_landed_copy(), "m-1")
    # THEN it is recorded (it was received), counted as quarantined with the reason, and no
    # chain starts
    assert result.outcome is IngestOutcome.QUARANTINED
    assert result.quarantined is not None
    assert result.quarantined.code == "unverified_event"
    assert [m.code for m in ledger.quarantined] == ["unverified_event"]
    assert world.workflow.started == []


def test_a_quarantined_message_reaches_no_chain(ledger: MemoryEventLedger) -> None:
    world = World()
    result = _use_case(ledger, world)("{not json", "m-1")
    assert result.outcome is IngestOutcome.QUARANTINED
    assert world.workflow.started == []
    assert world.telemetry.seen == [("event_ingested", (IngestOutcome.QUARANTINED, []))]


def test_every_delivery_of_a_failed_job_raises_its_alert(ledger: MemoryEventLedger) -> None:
    # GIVEN AWS's documented Copy Job FAILED event, delivered twice
    body = json.dumps(documented("copy_job_failed.json"))
    world = World()
    ingest = _use_case(ledger, world)
    # WHEN ingest takes both deliveries
    first, second = ingest(body, "m-1"), ingest(body, "m-2")
    # THEN both raised the same alert (the alert ledger publishes it once)
    assert (first.outcome, second.outcome) == (IngestOutcome.RECORDED, IngestOutcome.DUPLICATE)
    [one, two] = world.alerts.raised
    assert one == two
    assert one.alert_id.startswith("job:COPY:")


def test_quarantines_past_the_hourly_threshold_raise_one_warning(
    ledger: MemoryEventLedger,
) -> None:
    # GIVEN a threshold of 3 quarantined messages an hour
    world = World()
    ingest = _use_case(ledger, world, QUARANTINE_ALERT_THRESHOLD="3")
    # WHEN five bad messages arrive in the same hour
    for n in range(5):
        ingest("not json", f"m-{n}")
    # THEN one warning was raised, when the third was quarantined
    [warning] = world.alerts.raised
    assert warning.alert_id.startswith("quarantine:")
    assert warning.diagnosis.category == "quarantined_events"
    assert len(ledger.quarantined) == 5
