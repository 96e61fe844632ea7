"""Restore drills (issue #26 item 2): what a validation concludes, what the ledger keeps of a
proven restore, when a drill alerts (once), and when a resource has gone too long without a
proven restore — pure, on in-memory ports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from backup_relay.alerts.build import for_job
from backup_relay.alerts.drills import for_unproven_restore
from backup_relay.collect.normalize import normalize
from backup_relay.coverage.resources import Coverage
from backup_relay.domain.alert import AlertKind
from backup_relay.domain.drills import (
    Database,
    ProvenRestore,
    ValidationStatus,
    judge,
    unproven_since,
)
from backup_relay.domain.jobs import JobEvent, JobState
from backup_relay.domain.routes import RoutePolicy
from backup_relay.domain.security_findings import Product
from backup_relay.drills.unproven import unproven_alerts
from backup_relay.drills.validate import ValidateDrill
from backup_relay.security_findings.publish import PublishFindings
from backup_relay.security_findings.sources import DrillFindings
from backup_relay_cli.render import render_coverage
from tests.support.events import documented
from tests.support.fakes import (
    FakeDatabases,
    MemoryAlerts,
    MemoryProvenRestores,
    MemoryReplayLedger,
    MemorySecurityHub,
    MemoryValidations,
)
from tests.support.world import World

PLAN = "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:drills-abc123"
POINT = "arn:aws:rds:us-east-1:111122223333:snapshot:awsbackup:copyjob-1"
CREATED = "arn:aws:rds:us-east-1:111122223333:db:awsbackup-restore-test-1"
NOW = datetime(2026, 5, 1, 6, tzinfo=UTC)


def _drill(name: str = "restore_job_completed.json", **changes: object) -> JobEvent:
    """AWS's documented restore event, as a restore testing plan's drill of POINT."""
    event = normalize(documented(name))
    update = {"restore_testing_plan_arn": PLAN, "source_recovery_point_arn": POINT, **changes}
    if event.state is JobState.COMPLETED:
        update["created_resource_arn"] = CREATED
    return event.model_copy(update=update)


def _validate(
    restored: Database | None, source: Database | None
) -> tuple[ValidateDrill, MemoryValidations, MemoryProvenRestores, MemoryAlerts]:
    databases = FakeDatabases()
    if restored is not None:
        databases.databases[CREATED] = restored
    if source is not None:
        databases.snapshots[POINT] = source
    results, proven, alerts = MemoryValidations(), MemoryProvenRestores(), MemoryAlerts()
    return ValidateDrill(databases, results, proven, alerts), results, proven, alerts


def test_an_available_database_of_the_sources_engine_and_version_is_proven() -> None:
    # GIVEN a drill that restored an available postgres 16.3 from a postgres 16.3 snapshot
    validate, results, proven, alerts = _validate(
        Database(CREATED, "postgres", "16.3"), Database(POINT, "postgres", "16.3")
    )

    # WHEN its COMPLETED event is validated, twice (a redelivery)
    event = _drill()
    validate(event)
    verdict = validate(event)

    # THEN AWS Backup is told SUCCESSFUL, the ledger keeps the proof, and nothing alerts
    assert verdict is not None
    assert verdict.status is ValidationStatus.SUCCESSFUL
    assert [v.status for v in results.reported[str(event.job_id)]] == ["SUCCESSFUL"] * 2
    kept = proven.kept[str(event.resource_arn)]
    assert (kept.recovery_point_arn, kept.restore_testing_plan_arn) == (POINT, PLAN)
    assert kept.proven_at == event.time
    assert alerts.raised == []


def test_a_wrong_engine_version_fails_the_drill_and_alerts_once() -> None:
    # GIVEN a drill whose restored database runs another engine version than its snapshot
    validate, results, proven, alerts = _validate(
        Database(CREATED, "postgres", "15.2"), Database(POINT, "postgres", "16.3")
    )

    # WHEN it is validated, and the event is delivered again
    event = _drill()
    validate(event)
    validate(event)

    # THEN AWS Backup is told FAILED with why, nothing is proven, one alert id is raised
    (verdict, _) = results.reported[str(event.job_id)]
    assert verdict.status is ValidationStatus.FAILED
    assert "16.3" in verdict.message
    assert proven.kept == {}
    assert set(alerts.ids()) == {f"drill:{event.job_id}"}
    assert alerts.raised[0].kind is AlertKind.DRILL_FAILED


def test_a_drill_whose_restore_failed_alerts_once_with_its_message() -> None:
    # GIVEN a drill's restore job that FAILED
    validate, results, _, alerts = _validate(None, None)
    event = _drill("restore_job_failed.json")

    # WHEN its event is handled (validation), and ingest sees it too (for_job)
    validate(event)
    routes = RoutePolicy("111122223333", "central", frozenset({"RDS"}))

    # THEN the drill's alert carries AWS's status message, nothing is validated, and ingest
    # leaves the alert to the drill
    (alert,) = alerts.raised
    assert alert.alert_id == f"drill:{event.job_id}"
    assert alert.kind is AlertKind.DRILL_FAILED
    assert event.status_message
    assert event.status_message in alert.diagnosis.message
    assert results.reported == {}
    assert for_job(event, routes) is None


def test_a_restore_no_plan_started_is_not_a_drill() -> None:
    validate, results, _, alerts = _validate(None, None)
    assert validate(_drill(restore_testing_plan_arn=None)) is None
    assert (results.reported, alerts.raised) == ({}, [])


def test_judge_names_what_the_restored_database_lacks() -> None:
    source = Database(POINT, "aurora-postgresql", "15.4")
    creating = Database(CREATED, "aurora-postgresql", "15.4", status="creating")
    other = Database(CREATED, "aurora-mysql", "15.4")
    assert judge(None, None, source).message == "the restore job names no created resource"
    assert judge(CREATED, None, source).message == f"{CREATED} not found"
    assert "creating" in judge(CREATED, creating, source).message
    assert "engine aurora-mysql" in judge(CREATED, other, source).message
    assert "not readable" in judge(CREATED, Database(CREATED, "x", "1"), None).message


def test_unproven_counts_from_the_last_proof_else_the_first_backup() -> None:
    first_backup = NOW - timedelta(days=20)
    proof = ProvenRestore(
        resource_arn="arn:aws:rds:us-west-2:444455556666:db:orders",
        resource_type="RDS",
        proven_at=NOW - timedelta(days=3),
        recovery_point_arn=POINT,
        restore_testing_plan_arn=PLAN,
        restore_job_id="R1",
    )
    assert unproven_since(None, first_backup, NOW, 7) == first_backup
    assert unproven_since(proof, first_backup, NOW, 7) is None
    assert unproven_since(proof, first_backup, NOW, 2) == proof.proven_at
    assert unproven_since(None, first_backup, NOW, 0) is None  # off


def test_an_unproven_alert_is_once_per_gap() -> None:
    since = NOW - timedelta(days=9)
    args = ("arn:aws:rds:us-west-2:444455556666:db:orders", "RDS", "444455556666", "us-west-2")
    first = for_unproven_restore(*args, since, False, 7, NOW)
    later = for_unproven_restore(*args, since, False, 7, NOW + timedelta(days=1))
    assert first.alert_id == later.alert_id
    assert first.kind is AlertKind.RESTORE_UNPROVEN


def test_coverage_shows_the_last_proven_restore_and_reconcile_warns_past_the_limit() -> None:
    # GIVEN orders (Aurora) first backed up 10 days ago and proven 9 days ago; billing never
    orders = "arn:aws:rds:us-west-2:444455556666:cluster:orders"
    billing = "arn:aws:rds:us-west-2:444455556666:cluster:billing"
    jobs = MemoryReplayLedger()
    for arn in (orders, billing):
        jobs.add(_backup(arn, NOW - timedelta(days=10)))
    proven = MemoryProvenRestores()
    proven.record(
        ProvenRestore(
            resource_arn=orders,
            resource_type="Aurora",
            proven_at=NOW - timedelta(days=9),
            recovery_point_arn=POINT,
            restore_testing_plan_arn=PLAN,
            restore_job_id="R1",
        )
    )
    coverage = Coverage(
        jobs=jobs,
        dr_vault_arn="arn:aws:backup:us-east-1:111122223333:backup-vault:dr",
        chained_types=frozenset({"Aurora"}),
        now=lambda: NOW,
        proven=proven,
    )

    # WHEN coverage is asked, printed, and reconcile's drills check runs (7 days)
    report = coverage(timedelta(hours=26))
    printed = render_coverage(report)
    alerts = unproven_alerts(report, 7, NOW)

    # THEN coverage names orders' proof and billing's lack of one, in a column and in JSON
    by_arn = {r.resource_arn: r.last_proven_restore for r in report.resources}
    assert by_arn[billing] is None
    assert by_arn[orders] is not None
    assert by_arn[orders].restore_testing_plan_arn == PLAN
    assert "last proven restore" in printed.splitlines()[0]
    assert "never" in printed
    dumped = json.dumps(report.model_dump(mode="json"))  # as `coverage --json` prints it
    assert '"last_proven_restore":{' in dumped.replace(" ", "")
    # AND both are past 7 days without a proof: one warning each
    assert sorted(a.resource_arn or "" for a in alerts) == [billing, orders]
    assert unproven_alerts(report, 0, NOW) == []  # off


def _backup(arn: str, at: datetime) -> JobEvent:
    event = normalize(documented("backup_job_completed.json"))
    return event.model_copy(
        update={"resource_arn": arn, "resource_type": "Aurora", "time": at, "job_id": arn}
    )


def test_reconcile_warns_once_per_unproven_gap_even_with_the_stale_check_off() -> None:
    # GIVEN an Aurora cluster first backed up 10 days ago, never proven; the stale check off
    world = World()
    jobs = MemoryReplayLedger()
    resource = "arn:aws:rds:us-west-2:444455556666:cluster:orders"
    jobs.add(_backup(resource, world.now - timedelta(days=10)))
    coverage = Coverage(
        jobs=jobs,
        dr_vault_arn="arn:aws:backup:us-east-1:111122223333:backup-vault:dr",
        chained_types=frozenset({"Aurora"}),
        now=world.clock,
        proven=MemoryProvenRestores(),
    )
    env = {"COVERAGE_MAX_AGE_HOURS": "0", "MAX_DAYS_WITHOUT_PROVEN_RESTORE": "7"}

    # WHEN reconcile runs twice
    world.reconcile(coverage, **env)()
    world.reconcile(coverage, **env)()

    # THEN one RESTORE_UNPROVEN warning id, and no stale one
    kinds = {(a.kind, a.alert_id) for a in world.alerts.raised}
    assert {kind for kind, _ in kinds} == {AlertKind.RESTORE_UNPROVEN}
    assert len(kinds) == 1


def test_a_failed_drill_is_a_security_hub_finding_until_the_resources_next_drill_passes() -> None:
    # GIVEN drills validated with SecurityHubFindings on (its publisher, on an in-memory hub)
    hub = MemorySecurityHub()
    product = Product(account="111122223333", region="us-east-1", scope="relay")
    publish = PublishFindings(hub=hub, product=product)
    databases = FakeDatabases(snapshots={POINT: Database(POINT, "postgres", "16.3")})
    alerts = MemoryAlerts()
    validate = ValidateDrill(
        databases, MemoryValidations(), MemoryProvenRestores(), alerts, DrillFindings(publish)
    )

    # WHEN a drill restores the wrong engine version
    databases.databases[CREATED] = Database(CREATED, "postgres", "15.2")
    failed = _drill()
    validate(failed)

    # THEN besides its alert, one finding names the resource, with the alert's fix
    [finding] = [f for f in hub.findings.values() if f.active]
    assert failed.resource_arn
    assert failed.resource_arn in str(finding.resources)
    assert "16.3" in finding.description
    assert alerts.raised[0].diagnosis.remediation in str(finding.remediation)

    # WHEN the resource's next drill restores what its snapshot held
    databases.databases[CREATED] = Database(CREATED, "postgres", "16.3")
    validate(_drill(job_id="drill-2"))

    # THEN its finding is resolved
    assert not [f for f in hub.findings.values() if f.active]
