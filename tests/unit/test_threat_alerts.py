"""A malware scan that finds threats in a recovery point raises one alert naming the recovery
point and the copies the chains made from it (issue #25 item 6) — on in-memory ports."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from backup_relay.alerts.message import render
from backup_relay.collect.normalize import normalize
from backup_relay.collect.ports import IngestOutcome, IngestResult
from backup_relay.domain.alert import AlertKind
from backup_relay.domain.chain import HopRecord, LedgerState
from backup_relay.domain.failures import Severity
from backup_relay.domain.jobs import JobEvent, JobState
from tests.support.events import documented
from tests.support.world import CENTRAL, DR_REGION, HOME, LANDED_RP, World, copy_event

DR_COPY = f"arn:aws:backup:{DR_REGION}:{CENTRAL}:recovery-point:dr-copy-1"


def _scan(name: str = "scan_job_completed.json", **changes: object) -> JobEvent:
    """AWS's documented scan event, scanning the recovery point the chain starts from."""
    event = normalize(documented(name))
    return event.model_copy(update={"source_recovery_point_arn": LANDED_RP, **changes})


def _chained(world: World) -> str:
    """A chain that started from LANDED_RP and whose hop landed DR_COPY."""
    world.triggers().on_event(world.land(copy_event()))
    [chain_id] = world.ledger.chains_of(LANDED_RP)
    world.ledger.hops[chain_id, 0] = HopRecord(
        chain_id,
        0,
        "copy-job-dr",
        HOME,
        world.now,
        source_account=CENTRAL,
        destination_region=DR_REGION,
        state=LedgerState.COMPLETED,
        source_recovery_point_arn=LANDED_RP,
        destination_recovery_point_arn=DR_COPY,
    )
    return chain_id


def test_a_scan_that_found_threats_alerts_once_naming_the_point_and_its_copies() -> None:
    # GIVEN a recovery point the chain copied to the DR region
    world = World()
    _chained(world)
    alerts = world.ingest_alerts()
    # WHEN AWS's scan event says THREATS_FOUND in it, delivered twice, then scanned again
    scan = _scan()
    for event in (scan, scan, _scan(job_id="rescan", time=scan.time + timedelta(days=1))):
        alerts(IngestResult(IngestOutcome.RECORDED, event=event))
    # THEN every raise is the same alert: one id for the recovery point (the alert ledger
    # publishes an id once)
    raised = world.alerts.raised
    assert {alert.alert_id for alert in raised} == {f"threats:{LANDED_RP}"}
    alert = raised[0]
    assert (alert.kind, alert.severity) == (AlertKind.THREATS_FOUND, Severity.ERROR)
    # AND it names the recovery point scanned and the copy the chain made of it
    assert alert.recovery_point_arn == LANDED_RP
    assert alert.copies == (DR_COPY,)
    assert alert.diagnosis.category == "threats_found"
    assert alert.diagnosis.docs.endswith("/aws-backup/latest/devguide/malware-protection.html")
    # AND people read both in the message
    text = render(alert).by_protocol["email"]
    assert f"Scanned   {LANDED_RP}" in text
    assert f"Copy      {DR_COPY}" in text


def test_a_threat_in_a_point_no_chain_copied_says_so() -> None:
    world = World()
    world.ingest_alerts()(IngestResult(IngestOutcome.RECORDED, event=_scan()))
    [alert] = world.alerts.raised
    assert alert.copies == ()
    assert "no chain copied it" in (alert.diagnosis.message or "")


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("scan_job_completed_with_issues.json", None),  # NO_THREATS_FOUND
        ("scan_job_failed.json", None),
        ("scan_job_canceled.json", None),
        ("scan_job_running.json", None),
        ("recovery_point_index_failed.json", None),
        ("scan_job_completed.json", JobState.COMPLETED),  # but the result is clean
    ],
)
def test_a_clean_failed_or_unfinished_scan_and_an_index_raise_nothing(
    name: str, state: JobState | None
) -> None:
    # GIVEN a scan that found nothing, did not finish, or an index event
    event = normalize(documented(name))
    if state is not None:
        event = event.model_copy(update={"scan_result": "NO_THREATS_FOUND"})
    world = World()
    _chained(world)
    # WHEN ingest raises its alerts THEN there is none (a scan or index moves no data)
    world.ingest_alerts()(IngestResult(IngestOutcome.RECORDED, event=event))
    assert world.alerts.raised == []


def test_a_hop_that_landed_no_copy_is_not_named() -> None:
    world = World()
    chain_id = _chained(world)
    hop = world.ledger.hops[chain_id, 0]
    world.ledger.hops[chain_id, 0] = replace(
        hop, state=LedgerState.FAILED, destination_recovery_point_arn=None
    )
    world.ingest_alerts()(IngestResult(IngestOutcome.RECORDED, event=_scan()))
    assert world.alerts.raised[0].copies == ()
