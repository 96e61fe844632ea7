"""`status` and `coverage` mark a DR copy of a recovery point a malware scan found threats in
(issue #25 item 6): the chain that copies it, the resource whose newest DR copy it is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backup_relay.collect.normalize import normalize
from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.coverage.resources import Coverage
from backup_relay.domain.chain import HopRecord, LedgerState
from backup_relay.domain.jobs import JobEvent, JobKind
from backup_relay.settings import ReconcileSettings
from backup_relay.status.chains import Status
from backup_relay_cli.render import render_coverage, render_status
from tests.support.events import documented
from tests.support.fakes import MemoryReplayLedger
from tests.support.world import CENTRAL, DR, DR_REGION, HOME, LANDED_RP, NOW, World, copy_event
from tests.support.world import settings as world_settings

pytestmark = pytest.mark.unit

DR_COPY = f"arn:aws:backup:{DR_REGION}:{CENTRAL}:recovery-point:dr-copy-1"
ORDERS = copy_event().resource_arn or ""


def _scan(result: str = "THREATS_FOUND") -> JobEvent:
    """AWS's documented scan event, of the central copy the chain starts from, an hour ago."""
    return normalize(documented("scan_job_completed.json")).model_copy(
        update={"source_recovery_point_arn": LANDED_RP, "scan_result": result,
                "time": NOW - timedelta(hours=1)}
    )  # fmt: skip


def _night(world: World, jobs: MemoryReplayLedger, scan: JobEvent | None) -> None:
    """orders backed up and copied to central (LANDED_RP), whose chain landed DR_COPY."""
    landed = copy_event(time=NOW - timedelta(hours=3))
    jobs.add(copy_event(kind=JobKind.BACKUP, job_id="backup-1", time=NOW - timedelta(hours=4)))
    jobs.add(landed)
    dr_copy = copy_event(
        job_id="dr-copy",
        time=NOW - timedelta(hours=2),
        source_vault_arn=None,
        destination_vault_arn=DR.arn,
        destination_recovery_point_arn=DR_COPY,
    )
    jobs.add(dr_copy)
    chain = chain_for_event(landed, world_settings(ReconcileSettings).routes, DR)
    assert chain is not None
    world.ledger.chain_started(chain)
    world.ledger.chain_ended(chain, LedgerState.COMPLETED, "")
    world.ledger.hops[chain.chain_id, 0] = HopRecord(
        chain.chain_id, 0, "dr-copy", HOME, NOW, state=LedgerState.COMPLETED,
        source_recovery_point_arn=LANDED_RP, destination_recovery_point_arn=DR_COPY,
    )  # fmt: skip
    if scan is not None:
        jobs.add(scan)


def test_status_marks_the_chain_that_copies_a_point_with_threats() -> None:
    # GIVEN a chain that copied LANDED_RP to the DR region, and a scan that found threats in it
    world, jobs = World(), MemoryReplayLedger()
    _night(world, jobs, _scan())
    # WHEN status shows the recovery point's chains
    report = Status(world.ledger, jobs, now=world.clock)(
        NOW - timedelta(hours=24), recovery_point_arn=LANDED_RP
    )
    # THEN the chain names the recovery point the scan found threats in, for machines and people
    [chain] = report.chains
    assert chain.threats_found_in == LANDED_RP
    assert f"its copies are of {LANDED_RP}, which a malware scan found threats in" in (
        render_status(report)
    )


@pytest.mark.parametrize("scan", [None, _scan("NO_THREATS_FOUND")])
def test_no_mark_without_a_scan_that_found_threats(scan: JobEvent | None) -> None:
    world, jobs = World(), MemoryReplayLedger()
    _night(world, jobs, scan)
    report = Status(world.ledger, jobs, now=world.clock)(
        NOW - timedelta(hours=24), recovery_point_arn=LANDED_RP
    )
    assert [c.threats_found_in for c in report.chains] == [None]
    assert "THREATS FOUND" not in render_status(report)
    coverage = Coverage(jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}),
                        now=world.clock, chains=world.ledger)(timedelta(hours=26))  # fmt: skip
    assert [r.threats_found_in for r in coverage.resources] == [None]


def test_coverage_marks_a_current_dr_copy_made_from_a_point_with_threats() -> None:
    # GIVEN orders, whose newest DR copy (2 h old) the chain made from LANDED_RP, which a scan
    # found threats in
    world, jobs = World(), MemoryReplayLedger()
    _night(world, jobs, _scan())
    # WHEN coverage is asked
    report = Coverage(jobs=jobs, dr_vault_arn=DR.arn, chained_types=frozenset({"Aurora"}),
                      now=world.clock, chains=world.ledger)(timedelta(hours=26))  # fmt: skip
    # THEN the copy is current, and marked: it is a copy of a recovery point with threats
    [found] = report.resources
    assert (found.resource_arn, found.current, found.dr_recovery_point_arn) == (
        ORDERS, True, DR_COPY,
    )  # fmt: skip
    assert found.threats_found_in == LANDED_RP
    printed = render_coverage(report)
    assert f"DR copy {DR_COPY} is of {LANDED_RP}, which a malware scan found threats in" in printed
