"""The real ingest handler on moto DynamoDB: record once, quarantine with reasons, drop nothing."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay.adapters.event_ledger import DynamoEventLedger
from backup_relay.collect.normalize import normalize_json
from backup_relay_sandbox.central import CentralStack, deploy_central
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, client
from tests.support.events import documented
from tests.support.lambda_events import Invoke, ledger_items, sqs_event
from tests.support.strategies import deep_json


def _events(central: CentralStack) -> list[dict[str, Any]]:
    return [item for item in ledger_items(central) if item["sk"].startswith("EVENT#")]


def _job_state(central: CentralStack, job_key: str) -> str:
    [item] = [i for i in ledger_items(central) if (i["pk"], i["sk"]) == (job_key, "STATE")]
    return str(item["state"])


def _quarantined(central: CentralStack) -> dict[str, str]:
    """message id -> reason code"""
    return {
        item["message_id"]: item["reason_code"]
        for item in ledger_items(central)
        if item["pk"].startswith("QUARANTINE#")
    }


def test_a_job_event_is_recorded_normalized_with_its_original(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN a copy job FAILED event in the queue
    raw = documented("copy_job_failed.json")
    # WHEN ingest processes it
    response = invoke_ingest(sqs_event(json.dumps(raw)))
    # THEN the batch succeeds and the ledger holds the normalized event and the original
    assert response == {"batchItemFailures": []}
    [item] = _events(central)
    assert item["pk"] == "JOB#COPY#47C8EF56-74D8-059D-1301-C5BE1D5C926E"
    assert item["state"] == "FAILED"
    assert (
        json.loads(item["event"])["status_message"]
        == "Access denied exception while trying to list tags"
    )
    assert json.loads(item["original"]) == raw


def test_a_late_running_event_does_not_move_the_job_back(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN a copy job's COMPLETED event, and its RUNNING event delivered after it
    completed = documented("copy_job_completed.json")
    running = documented("copy_job_running.json")
    running["detail"]["copyJobId"] = completed["detail"]["copyJobId"]
    job_key = f"JOB#COPY#{completed['detail']['copyJobId']}"
    # WHEN ingest processes COMPLETED, then RUNNING, then COMPLETED again
    for raw in (completed, running, completed):
        assert invoke_ingest(sqs_event(json.dumps(raw))) == {"batchItemFailures": []}
    # THEN both events are recorded once each, and the job stays COMPLETED
    assert sorted(item["state"] for item in _events(central)) == ["COMPLETED", "RUNNING"]
    assert _job_state(central, job_key) == "COMPLETED"


def test_duplicate_delivery_records_one_ledger_entry(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN the same event delivered twice in one batch and once more in a later batch
    body = json.dumps(documented("copy_job_completed.json"))
    # WHEN ingest processes every delivery
    first = invoke_ingest(sqs_event(body, body))
    second = invoke_ingest(sqs_event(body))
    # THEN all deliveries succeed and the ledger holds a single entry
    assert first == second == {"batchItemFailures": []}
    assert len(_events(central)) == 1


def test_duplicates_are_caught_by_the_ledger_even_after_idempotency_records_expire(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    body = json.dumps(documented("backup_job_completed.json"))
    invoke_ingest(sqs_event(body))
    dynamodb = client("dynamodb")
    table = central.tables["IdempotencyTable"]
    for item in dynamodb.scan(TableName=table)["Items"]:
        dynamodb.delete_item(TableName=table, Key={"id": item["id"]})
    invoke_ingest(sqs_event(body))
    assert len(_events(central)) == 1


def test_bad_messages_are_quarantined_with_reasons_while_good_neighbours_are_recorded(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN a batch mixing good events with every kind of bad input
    good_backup = json.dumps(documented("backup_job_completed.json"))
    good_restore = json.dumps(documented("restore_job_failed.json"))
    no_detail = {k: v for k, v in documented("copy_job_running.json").items() if k != "detail"}
    bad_scan = documented("scan_job_completed.json")
    bad_scan["detail"]["scanResult"] = {"scanResultStatus": ["THREATS_FOUND"]}
    batch = sqs_event(
        good_backup,
        "{not json",
        json.dumps(no_detail),
        json.dumps(documented("backup_vault_created.json")),
        json.dumps(documented("copy_job_running.json") | {"source": "aws.ec2"}),
        json.dumps(["an", "array"]),
        good_restore,
        json.dumps(bad_scan),
        json.dumps(documented("scan_job_completed.json")),
    )
    # WHEN ingest processes the batch
    response = invoke_ingest(batch)
    # THEN no record fails (bad input is not worth retrying), good events are recorded
    assert response == {"batchItemFailures": []}
    assert sorted(item["kind"] for item in _events(central)) == ["BACKUP", "RESTORE", "SCAN"]
    # AND every bad message is kept with its reason (a malformed scan too: issue #25)
    assert _quarantined(central) == {
        "m1": "not_json",
        "m2": "missing_detail",
        "m3": "unsupported_detail_type",
        "m4": "not_backup_event",
        "m5": "not_an_object",
        "m7": "invalid_field",
    }


def test_accounts_outside_the_allow_list_are_quarantined(moto: None) -> None:
    # GIVEN a central stack deployed with an allow-list holding one member account
    central = deploy_central(allowed_source_accounts="1112233445566,222222222222")
    allowed = documented("copy_job_completed.json")
    stranger = documented("copy_job_running.json") | {"account": "999999999999"}
    own = documented("copy_job_failed.json") | {"account": CENTRAL_ACCOUNT}
    # WHEN events from that account, a stranger and the central account itself arrive
    central.ingest(sqs_event(json.dumps(allowed), json.dumps(stranger), json.dumps(own)))
    # THEN the stranger's event is quarantined; the others are recorded
    assert _quarantined(central) == {"m1": "account_not_allowed"}
    assert sorted(item["account"] for item in _events(central)) == [
        "1112233445566",
        CENTRAL_ACCOUNT,
    ]


def test_an_infrastructure_error_fails_only_its_record(
    central: CentralStack, invoke_ingest: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a ledger that is throttled while writing one particular event
    real_put = DynamoEventLedger.put

    def throttled(self: DynamoEventLedger, item: Any, *, once: bool = False) -> bool:
        if item["pk"].startswith("JOB#RESTORE#"):
            raise ClientError(
                {
                    "Error": {
                        "Code": "ProvisionedThroughputExceededException",
                        "Message": "slow down",
                    }
                },
                "PutItem",
            )
        return real_put(self, item, once=once)

    monkeypatch.setattr(DynamoEventLedger, "put", throttled)
    batch = sqs_event(
        json.dumps(documented("backup_job_completed.json")),
        json.dumps(documented("restore_job_completed.json")),
        json.dumps(documented("copy_job_completed.json")),
    )
    # WHEN ingest processes the batch
    response = invoke_ingest(batch)
    # THEN only that record is reported failed, to be retried by SQS; its neighbours are recorded
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert sorted(item["kind"] for item in _events(central)) == ["BACKUP", "COPY"]
    # AND once the ledger recovers, the retry records it (the failure left no idempotency lock)
    monkeypatch.setattr(DynamoEventLedger, "put", real_put)
    retry = invoke_ingest(sqs_event(json.dumps(documented("restore_job_completed.json"))))
    assert retry == {"batchItemFailures": []}
    assert sorted(item["kind"] for item in _events(central)) == ["BACKUP", "COPY", "RESTORE"]


def _copy_completed(**detail: Any) -> dict[str, Any]:
    event = documented("copy_job_completed.json")
    event["detail"] |= detail
    return event


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (json.dumps(_copy_completed() | {"time": "0001-01-01T00:00:00+01:00"}), "invalid_field"),
        (json.dumps(_copy_completed() | {"time": "9999-12-31T23:59:59-01:00"}), "invalid_field"),
        (json.dumps(_copy_completed(backupSizeInBytes="9" * 5000)), "invalid_field"),
        ('{"size": ' + "9" * 5000 + "}", "not_json"),
        (deep_json(20_000), "too_deep"),
        ('{"source": "aws.backup", "detail": ' + deep_json(900) + "}", "too_deep"),
        (json.dumps(_copy_completed(copyJobId="j" * 3000)), "invalid_field"),
        (json.dumps(_copy_completed() | {"id": "e" * 1500}), "invalid_field"),
        (json.dumps(_copy_completed() | {"account": "1" * 3000}), "invalid_field"),
        (json.dumps(_copy_completed(copyJobId="job-\ud800")), "invalid_field"),
        (json.dumps(_copy_completed(resourceArn="a" * 300_000)), "too_large"),
        (json.dumps(_copy_completed(statusMessage="é" * 120_000), ensure_ascii=False), "too_large"),
        (json.dumps(_copy_completed())[:300], "not_json"),
    ],
)  # fmt: skip
def test_a_hostile_message_is_quarantined_and_its_neighbours_are_recorded(
    bad: str, code: str, central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN a message a fuzz found escaping the library's error, between two good events
    batch = sqs_event(
        json.dumps(documented("backup_job_completed.json")),
        bad,
        json.dumps(documented("restore_job_failed.json")),
    )
    # WHEN the real handler processes the batch
    response = invoke_ingest(batch)
    # THEN no record fails: the bad message is quarantined with its reason, a short one
    assert response == {"batchItemFailures": []}
    assert _quarantined(central) == {"m1": code}
    [reason] = [i["reason"] for i in ledger_items(central) if i["pk"].startswith("QUARANTINE#")]
    assert len(reason) <= 200
    # AND its neighbours are recorded as if it were not there
    assert sorted(item["kind"] for item in _events(central)) == ["BACKUP", "RESTORE"]


def _unique(event: dict[str, Any], n: str) -> dict[str, Any]:
    """The event as a distinct job (so each good body leaves a record of its own)."""
    event = copy.deepcopy(event)
    event["id"] = f"fuzz-event-{n}"
    for key in ("backupJobId", "copyJobId", "restoreJobId"):
        if key in event["detail"]:
            event["detail"][key] = f"fuzz-job-{n}"
    return event


def test_the_handler_survives_random_batches(central: CentralStack, invoke_ingest: Invoke) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.support.profiles import examples
    from tests.support.strategies import hostile_bodies, json_values

    good = st.sampled_from(["copy_job_completed.json", "restore_job_failed.json"]).map(documented)
    bodies = st.lists(
        st.tuples(st.just(True), good)
        | st.tuples(st.just(False), st.text(max_size=40) | json_values.map(json.dumps))
        | st.tuples(st.just(False), hostile_bodies),
        min_size=1,
        max_size=10,
    )
    batches = itertools.count()

    @settings(
        max_examples=examples(15),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(bodies)
    def check(batch: list[tuple[bool, Any]]) -> None:
        # GIVEN a batch mixing distinct good events with anything at all (hostile bodies too)
        n = next(batches)
        good_ids = [f"fuzz-job-{n}-{i}" for i, (is_good, _) in enumerate(batch) if is_good]
        bodies = [
            json.dumps(_unique(body, f"{n}-{i}")) if is_good else body
            for i, (is_good, body) in enumerate(batch)
        ]
        event = sqs_event(*bodies)
        for record in event["Records"]:  # message ids unique across examples
            record["messageId"] = f"b{n}-{record['messageId']}"
        # WHEN the real handler processes it
        response = invoke_ingest(event)
        # THEN no record fails the batch...
        assert response == {"batchItemFailures": []}
        # ...every good event is recorded, whatever its neighbours...
        recorded = {item["pk"].rsplit("#", 1)[-1] for item in _events(central)}
        assert set(good_ids) <= recorded
        # ...and every other message is recorded or quarantined, none lost
        quarantined = set(_quarantined(central))
        for i, (is_good, _) in enumerate(batch):
            if not is_good and f"b{n}-m{i}" not in quarantined:
                normalize_json(bodies[i])  # only a usable job event is not quarantined

    check()
