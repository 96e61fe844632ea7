"""Coverage per resource AND per destination (issue #25 item 5): the DR vault and a logically
air-gapped (LAG) vault each answer on their own ("current in the DR region, stale in the LAG
vault"); a type AWS cannot copy into a LAG vault (an RDS DB instance) is "no route" there, with
AWS's reason and page, never stale; the stale-copy warning is raised once per (resource,
destination). In-memory ports (tests/support/fakes.py), the use case's clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from backup_relay.coverage.resources import Coverage
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.errors import NotFound
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.domain.routes import Vault
from backup_relay.settings import ReconcileSettings
from backup_relay.status.chains import StaleResource, Status
from backup_relay_cli.main import main
from backup_relay_cli.render import render_coverage, render_status
from tests.support.fakes import FakeRecoveryPoints, MemoryReplayLedger
from tests.support.world import (
    CENTRAL,
    DR,
    DR_REGION,
    HOME,
    MEMBER,
    NOW,
    World,
    copy_event,
    settings,
)

pytestmark = pytest.mark.unit

LAG = Vault(account=CENTRAL, region=DR_REGION, name="lag")
TWO = {"ADDITIONAL_DESTINATIONS": "lag:us-east-1:lag"}
ROUTES = settings(ReconcileSettings, **TWO).routes
DR_LABEL, LAG_LABEL = "standard:us-east-1:dr", "lag:us-east-1:lag"
ORDERS = copy_event().resource_arn or ""  # a member's Aurora cluster
BILLING = f"arn:aws:rds:{HOME}:{MEMBER}:db:billing"  # a member's RDS DB instance
LAG_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"


@pytest.fixture
def world() -> World:
    return World()


def backup(resource: str, at: datetime, resource_type: str = "Aurora") -> JobEvent:
    return copy_event(kind=JobKind.BACKUP, job_id=f"backup-{resource}-{at.isoformat()}", time=at,
                      resource_arn=resource, resource_type=resource_type)  # fmt: skip


def landed(resource: str, vault: Vault, at: datetime, resource_type: str = "Aurora") -> JobEvent:
    """A chain's COMPLETED copy of `resource` into `vault` (a LAG vault's recovery point takes
    AWS's `recovery-point:` ARN form)."""
    return copy_event(
        job_id=f"copy-{vault.name}-{resource}-{at.isoformat()}", account=CENTRAL, time=at,
        resource_arn=resource, resource_type=resource_type, destination_vault_arn=vault.arn,
        destination_recovery_point_arn=f"arn:aws:backup:{vault.region}:{CENTRAL}:"
        f"recovery-point:{vault.name}-{at.hour}",
    )  # fmt: skip


def coverage_of(jobs: MemoryReplayLedger, world: World, **more: object) -> Coverage:
    coverage = Coverage(
        jobs=jobs,
        dr_vault_arn=DR.arn,
        chained_types=frozenset({"Aurora", "RDS"}),
        destinations=ROUTES.destinations(HOME),
        routes=ROUTES,
        **more,  # type: ignore[arg-type]
    )
    coverage.now = world.clock
    return coverage


def test_current_in_the_dr_region_stale_in_the_lag_vault(world: World) -> None:
    # GIVEN orders (Aurora) whose DR copy landed 2 h ago, and its LAG copy 30 h ago (limit 26 h)
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=31)))
    jobs.add(landed(ORDERS, DR, NOW - timedelta(hours=2)))
    jobs.add(landed(ORDERS, LAG, NOW - timedelta(hours=30)))
    # WHEN coverage is asked
    report = coverage_of(jobs, world)(timedelta(hours=26))
    # THEN it answers per destination, the DR vault first: current there, stale in the LAG vault
    assert report.destinations == [DR_LABEL, LAG_LABEL]
    [found] = report.resources
    states = {d.destination: (d.state, d.age_hours) for d in found.destinations}
    assert states == {DR_LABEL: ("current", 2.0), LAG_LABEL: ("STALE", 30.0)}
    # AND the resource is stale, saying where; its DR copy's fields stay the DR vault's
    assert (found.current, found.reason, found.age_hours) == (False, "copy too old", 2.0)
    assert found.why == f"{LAG_LABEL}: copy too old"
    lag = found.destinations[1]
    assert lag.recovery_point_arn == f"arn:aws:backup:{DR_REGION}:{CENTRAL}:recovery-point:lag-6"
    # AND the table has a column per destination
    printed = render_coverage(report)
    header, row = printed.splitlines()[:2]
    assert header.split() == ["state", "account", "type", "resource", DR_LABEL, LAG_LABEL, "why"]
    assert row.split()[:6] == ["STALE", MEMBER, "Aurora", ORDERS, "2.0h", "STALE"]
    assert "0 current, 1 stale" in printed


def test_an_rds_instance_has_no_route_into_the_lag_vault_and_is_not_stale_there(
    world: World,
) -> None:
    # GIVEN billing (an RDS DB instance) whose DR copy landed 2 h ago, never copied to LAG
    jobs = MemoryReplayLedger()
    jobs.add(backup(BILLING, NOW - timedelta(hours=40), "RDS"))
    jobs.add(landed(BILLING, DR, NOW - timedelta(hours=2), "RDS"))
    # WHEN coverage is asked
    report = coverage_of(jobs, world)(timedelta(hours=26))
    # THEN the LAG vault answers "no route", with the route table's reason and AWS's page
    [found] = report.resources
    lag = found.destinations[1]
    assert (lag.state, lag.stale, lag.route_page) == ("no route", False, LAG_PAGE)
    assert "does not take RDS recovery points" in (lag.route_reason or "")
    # AND the resource is current: no route is not stale
    assert (found.current, found.why) == (True, "")
    printed = render_coverage(report)
    assert "NO ROUTE (AWS cannot copy these; not stale):" in printed
    assert f"RDS into {LAG_LABEL}: a logically air-gapped vault does not take RDS" in printed
    assert LAG_PAGE in printed
    # AND --json carries the destinations of each resource, with their state
    [dumped] = report.model_dump()["resources"]
    assert [(d["destination"], d["state"]) for d in dumped["destinations"]] == [
        (DR_LABEL, "current"),
        (LAG_LABEL, "no route"),
    ]


def test_a_hop_that_failed_into_the_lag_vault_fails_only_that_destination(world: World) -> None:
    # GIVEN orders backed up 3 h ago, its DR copy landed, its copy into the LAG vault FAILED
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    jobs.add(landed(ORDERS, DR, NOW - timedelta(hours=1)))
    refused = "Insufficient privileges to perform this action."
    jobs.add(copy_event(job_id="lag-failed", account=CENTRAL, state=JobState.FAILED,
                        time=NOW - timedelta(hours=1), destination_vault_arn=LAG.arn,
                        destination_recovery_point_arn=None, status_message=refused))  # fmt: skip
    # WHEN coverage is asked
    [found] = coverage_of(jobs, world)(timedelta(hours=26)).resources
    # THEN the DR vault is current; the LAG vault is stale at once, with the replay command
    dr, lag = found.destinations
    assert (dr.state, lag.state, lag.reason) == ("current", "STALE", "copy failed")
    assert lag.replay_command == "backup-relay replay --job-id lag-failed"
    assert found.why.startswith(f"{LAG_LABEL}: copy failed (")


def test_a_members_failed_copy_fails_every_destination(world: World) -> None:
    # GIVEN orders backed up 3 h ago whose member copy into the central vault FAILED
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    jobs.add(copy_event(job_id="member-failed", state=JobState.FAILED,
                        time=NOW - timedelta(hours=2),
                        destination_recovery_point_arn=None))  # fmt: skip
    # WHEN coverage is asked THEN both destinations are stale, for that copy
    [found] = coverage_of(jobs, world)(timedelta(hours=26)).resources
    assert [(d.state, d.failed_copy_job_id) for d in found.destinations] == [
        ("STALE", "member-failed"),
        ("STALE", "member-failed"),
    ]


def test_a_lag_copy_whose_event_was_lost_is_found_in_the_lag_vault(world: World) -> None:
    # GIVEN orders whose LAG copy's COMPLETED event AWS never delivered; the vault holds it
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=40)))
    jobs.add(landed(ORDERS, DR, NOW - timedelta(hours=2)))
    points = FakeRecoveryPoints()
    arn = f"arn:aws:backup:{DR_REGION}:{CENTRAL}:recovery-point:lost-1"
    points.add(LAG, RecoveryPoint(arn=arn, resource_type="Aurora", status="COMPLETED",
                                  created_at=NOW - timedelta(hours=3), source_vault_arn="central",
                                  resource_arn=ORDERS))  # fmt: skip
    # WHEN coverage is asked THEN the LAG vault's copy makes it current there
    [found] = coverage_of(jobs, world, dr_points=points)(timedelta(hours=26)).resources
    lag = found.destinations[1]
    assert (lag.current, lag.verified_in_vault, lag.recovery_point_arn) == (True, True, arn)
    assert found.current
    assert f"event lost; found in {LAG_LABEL}" in render_coverage(
        coverage_of(jobs, world, dr_points=points)(timedelta(hours=26))
    )


def test_the_stale_warning_is_raised_once_per_resource_and_destination(world: World) -> None:
    # GIVEN orders current in the DR vault and stale in the LAG vault, and billing (RDS) with
    # no DR copy for 40 h and no route into the LAG vault
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=31)))
    jobs.add(landed(ORDERS, DR, NOW - timedelta(hours=2)))
    lag_at = NOW - timedelta(hours=30)
    jobs.add(landed(ORDERS, LAG, lag_at))
    jobs.add(backup(BILLING, NOW - timedelta(hours=40), "RDS"))
    coverage = coverage_of(jobs, world)
    # WHEN reconcile checks coverage twice
    first, second = world.reconcile(coverage, **TWO)(), world.reconcile(coverage, **TWO)()
    # THEN one warning per (resource, destination) gone stale, the same one each time: orders in
    # the LAG vault, billing in the DR vault (its id as before destinations), none for no route
    assert (
        first.stale_copies
        == second.stale_copies
        == [
            f"{BILLING} in {DR_LABEL}",
            f"{ORDERS} in {LAG_LABEL}",
        ]
    )
    ids = [alert.alert_id for alert in world.alerts.raised]
    assert set(ids) == {f"stale:{BILLING}:none", f"stale:{ORDERS}:{LAG_LABEL}:{lag_at.isoformat()}"}
    # AND the LAG vault's names it, and where the resource is current
    [lag_alert] = {a.alert_id: a for a in world.alerts.raised if a.resource_arn == ORDERS}.values()
    assert lag_alert.headline == f"DR copy stale in {LAG_LABEL}"
    assert lag_alert.status_message == (
        f"newest copy into {LAG_LABEL} completed 30.0 h ago, limit 26 h; current in {DR_LABEL}"
    )
    # WHEN a new LAG copy lands THEN orders is current; once that one is old too, a new warning
    jobs.add(landed(ORDERS, LAG, NOW))
    assert f"{ORDERS} in {LAG_LABEL}" not in world.reconcile(coverage, **TWO)().stale_copies
    world.advance(timedelta(hours=27))
    coverage.now = world.clock
    world.reconcile(coverage, **TWO)()
    orders = {a.alert_id for a in world.alerts.raised if a.resource_arn == ORDERS}
    assert len(orders) == 3  # LAG's first episode, then LAG's and DR's second (both now old)


def test_status_names_the_destinations_a_stale_resource_is_stale_in(world: World) -> None:
    # GIVEN coverage calls orders stale in the LAG vault only
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=3)))
    stale = {ORDERS: StaleResource("Aurora", (LAG_LABEL,))}
    status = Status(world.ledger, jobs, now=world.clock, stale=lambda now: stale)
    # WHEN status is asked THEN its summary says where
    report = status(NOW - timedelta(hours=24))
    assert report.summary is not None
    assert report.summary.stale_destinations == {ORDERS: [LAG_LABEL]}
    assert f"{ORDERS} in {LAG_LABEL}" in render_status(report)


def test_coverage_json_lists_each_resources_destinations_and_exits_1_when_stale(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backup_relay import wiring
    from backup_relay_cli.commands import coverage as command

    # GIVEN a stack with two destinations whose ledger has orders stale in the LAG vault
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=31)))
    jobs.add(landed(ORDERS, DR, NOW - timedelta(hours=2)))
    monkeypatch.setattr(command, "stack_environment", lambda stack, region: {})
    monkeypatch.setattr(wiring, "coverage", lambda env: coverage_of(jobs, world))
    # WHEN coverage --json runs
    code = main(["coverage", "--json"])
    # THEN it exits 1 (stale) and lists each resource's destinations, the DR vault first
    printed = json.loads(capsys.readouterr().out)
    assert (code, printed["stale"], printed["destinations"]) == (1, 1, [DR_LABEL, LAG_LABEL])
    [resource] = printed["resources"]
    assert [(d["destination"], d["state"], d["reason"]) for d in resource["destinations"]] == [
        (DR_LABEL, "current", ""),
        (LAG_LABEL, "STALE", "no copy yet"),
    ]


def test_plan_answers_an_rds_instance_into_a_lag_vault_with_the_reason_and_aws_page(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an RDS DB instance's central copy, planned into the DR region's LAG vault
    to = f"{CENTRAL}:{DR_REGION}:lag"
    args = ["plan", "RDS", "--from", f"{CENTRAL}:{HOME}:central", "--to", to]
    # WHEN the operator plans it THEN exit 1, one line: no route, AWS's reason and its page
    assert main([*args, "--destination-vault-type", "logically-air-gapped"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("backup-relay: no route: a logically air-gapped vault does not take RDS")
    assert err.endswith(f"; see {LAG_PAGE}")
    assert len(err.splitlines()) == 1


class _LagVaultMissing(FakeRecoveryPoints):
    def in_vault(self, vault: Vault, *args: object, **kwargs: object) -> list[RecoveryPoint]:
        if vault == LAG:
            raise NotFound("ResourceNotFoundException", "Backup vault with name lag not found")
        return super().in_vault(vault, *args, **kwargs)  # type: ignore[arg-type]


def test_a_destination_vault_aws_refuses_to_list_leaves_the_ledgers_answer(world: World) -> None:
    # GIVEN orders with no LAG copy for 40 h, and a LAG vault AWS says is not there
    jobs = MemoryReplayLedger()
    jobs.add(backup(ORDERS, NOW - timedelta(hours=40)))
    jobs.add(landed(ORDERS, DR, NOW - timedelta(hours=2)))
    # WHEN coverage is asked THEN the LAG vault is stale, by the ledger, saying AWS's words;
    # the DR vault still answers
    report = coverage_of(jobs, world, dr_points=_LagVaultMissing())(timedelta(hours=26))
    [found] = report.resources
    dr, lag = found.destinations
    assert (dr.state, lag.state, lag.reason) == ("current", "STALE", "no copy yet")
    assert lag.why == (
        "no copy yet (its vault could not be read: ResourceNotFoundException: Backup vault with "
        "name lag not found)"
    )
