"""Alerts: what each failure raises, how it reads for each subscriber, and that it is published
once however often it is raised — on in-memory ports."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backup_relay.alerts.build import for_job
from backup_relay.alerts.message import MAX_SUBJECT, SCHEMA, render
from backup_relay.alerts.publish import AlertInFlight, DeliverAlert, PublishAlert, Published
from backup_relay.domain.alert import Alert, AlertKind
from backup_relay.domain.errors import Throttled
from backup_relay.domain.failures import Severity
from backup_relay.domain.jobs import JobState
from backup_relay.settings import ChainStepsSettings
from tests.support.fakes import MemoryAlerts, MemoryDeadLetters, RecordingTelemetry
from tests.support.world import CENTRAL_HOME, MEMBER, copy_event, settings

ROUTES = settings(ChainStepsSettings).routes
DENIED = "Access Denied trying to call AWS Backup service"


def _failed_copy(**changes: object) -> Alert:
    event = copy_event(state=JobState.FAILED, status_message=DENIED, **changes)
    alert = for_job(event, ROUTES)
    assert alert is not None
    return alert


# ---- what raises an alert -------------------------------------------------------------------


@pytest.mark.parametrize("state", ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"])
def test_a_job_that_ends_in_failure_raises_one_error_alert(state: str) -> None:
    # GIVEN a member's copy job that ended in a failure state
    event = copy_event(state=JobState(state), status_message=DENIED)
    # WHEN its alert is built THEN it names the job, the state, and the diagnosis
    alert = for_job(event, ROUTES)
    assert alert is not None
    assert (alert.alert_id, alert.severity, alert.kind) == (
        f"job:COPY:copy-1:{state}",
        Severity.ERROR,
        AlertKind.COPY,
    )
    assert alert.headline == f"copy job {state}"
    assert alert.diagnosis.remediation


@pytest.mark.parametrize("state", ["CREATED", "RUNNING", "COMPLETED"])
def test_a_job_that_did_not_fail_raises_nothing(state: str) -> None:
    assert for_job(copy_event(state=JobState(state)), ROUTES) is None


def test_a_chains_own_copy_job_is_left_to_the_chains_alert() -> None:
    # GIVEN a copy job out of a central vault (a chain's hop, in the central account)
    event = copy_event(
        state=JobState.FAILED,
        status_message=DENIED,
        account=CENTRAL_HOME.account,
        source_vault_arn=CENTRAL_HOME.arn,
    )
    # THEN it raises no job alert: the chain's alert names it, with its hop
    assert for_job(event, ROUTES) is None


# ---- how it reads ---------------------------------------------------------------------------


def test_the_message_says_what_failed_why_and_how_to_fix_it_for_each_subscriber() -> None:
    # GIVEN a member's Aurora copy refused by the destination vault's access policy
    alert = _failed_copy()
    # WHEN it is rendered
    message = render(alert)
    # THEN the subject says what, which resource, account and region, within SNS's limits
    assert len(message.subject) <= MAX_SUBJECT
    assert message.subject.isascii()
    assert "copy job FAILED" in message.subject
    assert "Aurora orders" in message.subject
    assert MEMBER in message.subject
    # AND people read the diagnosis, the fix, the replay command and the console link
    email = message.by_protocol["email"]
    assert alert.diagnosis.title in email
    assert alert.diagnosis.remediation in " ".join(email.split())  # wrapped for reading
    assert "backup-relay replay --job-id copy-1" in email
    assert "console.aws.amazon.com/backup/home?region=us-west-2#/jobs/copy/details/copy-1" in email
    # AND machines get the versioned document, chat the custom-notification format
    document = json.loads(message.by_protocol["sqs"])
    assert document["schema"] == SCHEMA
    assert document["diagnosis"]["category"] == alert.diagnosis.category
    assert json.loads(message.by_protocol["lambda"]) == document
    chat = json.loads(message.by_protocol["https"])
    assert (chat["version"], chat["source"]) == ("1.0", "custom")
    assert alert.diagnosis.remediation in chat["content"]["nextSteps"]
    # AND subscribers can filter on its attributes
    assert message.attributes == {
        "severity": "error",
        "kind": "COPY",
        "account": MEMBER,
        "region": "us-west-2",
        "resource_type": "Aurora",
        "category": alert.diagnosis.category,
    }


def test_a_long_subject_is_cut_to_snss_limit() -> None:
    alert = _failed_copy(resource_arn="arn:aws:rds:us-west-2:222222222222:cluster:" + "x" * 200)
    subject = render(alert).subject
    assert len(subject) == MAX_SUBJECT
    assert subject.endswith("...")


# ---- published once -------------------------------------------------------------------------


def _publisher(alerts: MemoryAlerts) -> PublishAlert:
    return PublishAlert(ledger=alerts, publisher=alerts)


def test_an_alert_raised_three_times_is_published_once() -> None:
    alerts, alert = MemoryAlerts(), _failed_copy()
    publish = _publisher(alerts)
    outcomes = [publish(alert) for _ in range(3)]
    assert outcomes == [Published.PUBLISHED, Published.ALREADY_SENT, Published.ALREADY_SENT]
    assert [m.alert_id for m in alerts.published] == [alert.alert_id]


def test_a_publish_that_fails_is_retried_and_still_sends_one_message() -> None:
    # GIVEN SNS that fails the first publish
    alerts, alert = MemoryAlerts(failures=["SNS unavailable"]), _failed_copy()
    publish = _publisher(alerts)
    # WHEN the alert is delivered, fails, and is delivered again
    with pytest.raises(Throttled):
        publish(alert)
    assert publish(alert) is Published.PUBLISHED
    # THEN exactly one message went out
    assert len(alerts.published) == 1


def test_an_alert_another_attempt_is_publishing_is_tried_again_later() -> None:
    alerts, alert = MemoryAlerts(), _failed_copy()
    alerts.states[alert.alert_id] = "PUBLISHING"
    with pytest.raises(AlertInFlight):
        _publisher(alerts)(alert)
    assert alerts.published == []


def test_an_alert_that_cannot_be_published_ends_in_the_dead_letter_queue_with_its_reason() -> None:
    # GIVEN SNS that refuses every attempt, and three attempts allowed
    alerts = MemoryAlerts(failures=["KMS key disabled"] * 3)
    dead, telemetry = MemoryDeadLetters(), RecordingTelemetry()
    deliver = DeliverAlert(_publisher(alerts), dead, attempts=3, telemetry=telemetry)
    body = _failed_copy().model_dump_json()
    # WHEN it is delivered three times
    for attempt in (1, 2):
        with pytest.raises(Throttled):
            deliver(body, attempt)
    outcome = deliver(body, 3)
    # THEN the last attempt dead-letters it, with why
    assert outcome is Published.DEAD_LETTERED
    [(kept, reason)] = dead.dead
    assert kept == body
    assert reason.startswith("not published after 3 attempts: ")
    assert "KMS key disabled" in reason


def test_a_message_that_is_not_an_alert_is_dead_lettered_at_once() -> None:
    dead = MemoryDeadLetters()
    deliver = DeliverAlert(_publisher(MemoryAlerts()), dead, 5, RecordingTelemetry())
    assert deliver('{"not": "an alert"}', 1) is Published.DEAD_LETTERED
    assert dead.dead[0][1].startswith("not an alert")


def test_warnings_are_alerts_too() -> None:
    from backup_relay.alerts.build import for_quarantine, for_recovered_chain

    alert = for_recovered_chain("chain-1", None, copy_event().time + timedelta(hours=1))
    assert (alert.severity, alert.kind) == (Severity.WARNING, AlertKind.CHAIN_RECOVERED)
    assert "backup-relay status --chain chain-1" in render(alert).by_protocol["email"]
    quarantine = for_quarantine("2026-11-22T03", 10, "123456789012", "us-west-2", alert.occurred_at)
    assert quarantine.alert_id == "quarantine:2026-11-22T03"
    assert render(quarantine).attributes["category"] == "quarantined_events"
