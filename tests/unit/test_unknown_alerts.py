"""`unknown` is still useful (issue #24 item 6): a failure no catalogue entry matched carries AWS's
message and MessageCategory, the job's console link, AWS's troubleshooting page for its resource
type and the command that shows its history; a metric counts such failures by AWS's category and
resource type. AWS's MessageCategory travels from DescribeCopyJob's answer (or an event that
carries one) to the alert."""

from __future__ import annotations

import json

from backup_relay.alerts.build import for_job
from backup_relay.alerts.message import render
from backup_relay.alerts.publish import DeliverAlert, PublishAlert, Published
from backup_relay.domain.alert import Alert
from backup_relay.domain.copy_jobs import CopyJobReport, outcome_of
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay.domain.resource_types import REGISTRY
from backup_relay.domain.troubleshooting import (
    BY_RESOURCE_TYPE,
    FAILED_BACKUP,
    FAILED_COPY,
    troubleshooting_page,
)
from backup_relay.settings import ChainStepsSettings
from tests.support.fakes import MemoryAlerts, MemoryDeadLetters, RecordingTelemetry
from tests.support.world import copy_event, settings

ROUTES = settings(ChainStepsSettings).routes
NEW = "The frobnicator declined the snapshot (code 7731)"  # a wording no entry knows
RDS_DB = "arn:aws:rds:us-west-2:222222222222:db:orders"


def _backup_alert(message: str, category: str | None) -> Alert:
    event = copy_event(
        kind=JobKind.BACKUP,
        job_id="backup-1",
        state=JobState.FAILED,
        status_message=message,
        resource_type="RDS",
        resource_arn=RDS_DB,
        source_vault_arn=None,
        message_category=category,
    )
    alert = for_job(event, ROUTES)
    assert alert is not None
    return alert


def test_an_unknown_failures_alert_says_where_to_look_next() -> None:
    # GIVEN an RDS backup that failed with a wording no entry knows, and no AWS category
    alert = _backup_alert(NEW, None)
    assert alert.diagnosis.category == "unknown"
    # WHEN it is rendered
    message = render(alert)
    text = message.by_protocol["email"]
    # THEN it keeps AWS's words, links the job, names AWS's page on RDS backups and the history
    assert f"AWS said  {NEW}" in text
    assert "#/jobs/backup/details/backup-1" in text
    assert f"Guide     {BY_RESOURCE_TYPE['RDS']}" in text
    assert f"History   backup-relay status --resource {RDS_DB} --since 7d" in text
    document = json.loads(message.by_protocol["sqs"])
    assert document["guide"] == BY_RESOURCE_TYPE["RDS"]
    assert document["history"].startswith("backup-relay status --resource")
    chat = json.loads(message.by_protocol["https"])
    assert any(
        step.startswith("History: backup-relay status") for step in chat["content"]["nextSteps"]
    )


def test_awss_category_is_on_the_alert_and_picks_the_family() -> None:
    # GIVEN the same failure with AWS's category AccessDenied (an event that carries one)
    alert = _backup_alert(NEW, "AccessDenied")
    # THEN the alert keeps AWS's category and the diagnosis is the access family, not unknown
    assert alert.message_category == "AccessDenied"
    assert alert.diagnosis.aws_category == "AccessDenied"
    assert alert.diagnosis.category == "iam_role_permissions"
    assert not alert.diagnosis.catalogued
    text = render(alert).by_protocol["email"]
    assert "AWS class AccessDenied" in text
    assert "Guide" in text  # still no entry matched: where to look next


def test_a_catalogued_failure_needs_no_guide() -> None:
    alert = _backup_alert("Rate exceeded", "AccessDenied")
    assert alert.diagnosis.catalogued
    document = json.loads(render(alert).by_protocol["sqs"])
    assert "guide" not in document
    assert "history" not in document


def test_unknown_failures_are_counted_by_awss_category_and_resource_type_once() -> None:
    # GIVEN an unknown failure's alert delivered twice (a repeated queue message) and a known one
    telemetry = RecordingTelemetry()
    alerts = MemoryAlerts()
    deliver = DeliverAlert(PublishAlert(ledger=alerts, publisher=alerts), MemoryDeadLetters(), 3,
                           telemetry)  # fmt: skip
    unknown = _backup_alert(NEW, "InvalidParameters").model_dump_json()
    assert deliver(unknown, 1) is Published.PUBLISHED
    assert deliver(unknown, 1) is Published.ALREADY_SENT
    deliver(_backup_alert("Rate exceeded", None).model_dump_json(), 1)
    # THEN one count, with AWS's category and the resource type
    counted = [args for name, args in telemetry.seen if name == "unknown_failure"]
    assert counted == [("InvalidParameters", "RDS")]


def test_troubleshooting_pages_are_for_types_of_the_registry() -> None:
    assert set(BY_RESOURCE_TYPE) <= set(REGISTRY.names())
    assert all(
        page.startswith("https://docs.aws.amazon.com/") for page in BY_RESOURCE_TYPE.values()
    )
    assert troubleshooting_page("RDS", "COPY") == FAILED_COPY
    assert troubleshooting_page("EBS", "BACKUP") == FAILED_BACKUP
    assert troubleshooting_page(None, None) == FAILED_BACKUP


def test_a_copy_jobs_message_category_travels_from_its_report_to_its_outcome() -> None:
    # GIVEN DescribeCopyJob's answer for a failed copy, with AWS's category
    report = CopyJobReport(
        copy_job_id="c-1",
        state=JobState.FAILED,
        status_message=NEW,
        message_category="AccessDenied",
    )
    # THEN the hop's outcome keeps it
    outcome = outcome_of(report)
    assert outcome is not None
    assert outcome.message_category == "AccessDenied"
    # AND an event's category reaches the report as well
    event = copy_event(state=JobState.FAILED, status_message=NEW, message_category="Quota")
    from_event = CopyJobReport.of_event(event)
    assert from_event is not None
    assert from_event.message_category == "Quota"
