"""Reconcile (scheduled): what events alone cannot guarantee, since AWS delivers them best effort.

- a chained recovery point in this region's central vault with no chain: start one;
- a hop waiting for an event that never came: ask DescribeCopyJob, resume it if the job ended;
- a hop running longer than its SLA: report it (the alert path raises it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from backup_relay.adapters.chains import ChainLedger
from backup_relay.adapters.workflow import Workflow
from backup_relay.chain import HopOutcome, new_chain
from backup_relay.planner import RouteError, plan_route
from backup_relay.settings import ChainRuntimeSettings


class ReconcileReport(BaseModel):
    chains_started: list[str] = []
    hops_resumed: list[str] = []
    hops_past_sla: list[str] = []
    skipped: list[str] = []


@dataclass
class Reconcile:
    settings: ChainRuntimeSettings
    ledger: ChainLedger
    workflow: Workflow
    backup: Callable[[str], Any]  # region -> AWS Backup client
    lookback: timedelta = timedelta(days=2)
    hop_sla: timedelta = timedelta(hours=24)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __call__(self) -> ReconcileReport:
        report = ReconcileReport()
        self.start_missing_chains(report)
        self.check_running_hops(report)
        return report

    def start_missing_chains(self, report: ReconcileReport) -> None:
        dr, chain_settings = self.settings.dr_vault, self.settings.chain
        if dr is None or not self.settings.home_region:
            return
        vault = chain_settings.central_vault(self.settings.home_region)
        since = self.now() - self.lookback
        for point in self._recovery_points(vault.region, vault.name):
            if not _came_from_a_member(point, chain_settings.central_account):
                continue
            if point.get("ResourceType") not in chain_settings.chained_types:
                continue
            if point.get("Status") != "COMPLETED" or _when(point["CreationDate"]) < since:
                continue
            try:
                route = plan_route(point["ResourceType"], vault, dr, chain_settings)
            except RouteError as error:
                report.skipped.append(f"{point['RecoveryPointArn']}: {error}")
                continue
            chain = new_chain(route, point["RecoveryPointArn"])
            if self.ledger.chain_started(chain):
                self.workflow.start(chain)
                report.chains_started.append(chain.chain_id)

    def check_running_hops(self, report: ReconcileReport) -> None:
        for hop in self.ledger.hops_in_state("RUNNING"):
            job_id, region = hop.get("copy_job_id"), hop["source_vault_arn"].split(":")[3]
            if not job_id:
                continue
            job = self.backup(region).describe_copy_job(CopyJobId=job_id)["CopyJob"]
            outcome = _outcome(job)
            if outcome is not None:
                token = self.ledger.claim_resume(job_id)
                if token is not None and self.workflow.resume(token, outcome):
                    report.hops_resumed.append(f"{hop['pk']}/{hop['sk']} ({job['State']})")
            elif self.now() - _when(hop["updated_at"]) > self.hop_sla:
                report.hops_past_sla.append(
                    f"{hop['pk']}/{hop['sk']}: copy job {job_id} {job['State']} "
                    f"since {hop['updated_at']}"
                )

    def _recovery_points(self, region: str, vault_name: str) -> Iterator[dict[str, Any]]:
        paginator = self.backup(region).get_paginator("list_recovery_points_by_backup_vault")
        for page in paginator.paginate(BackupVaultName=vault_name):
            yield from page.get("RecoveryPoints", [])


def _came_from_a_member(point: dict[str, Any], central_account: str) -> bool:
    source = point.get("SourceBackupVaultArn") or ""
    return bool(source) and source.split(":")[4] != central_account


def _outcome(job: dict[str, Any]) -> HopOutcome | None:
    if job["State"] == "COMPLETED":
        return HopOutcome(
            state="COMPLETED",
            copy_job_id=job["CopyJobId"],
            destination_recovery_point_arn=job["DestinationRecoveryPointArn"],
        )
    if job["State"] in {"FAILED", "PARTIAL"}:
        return HopOutcome(
            state="FAILED",
            copy_job_id=job["CopyJobId"],
            status_message=job.get("StatusMessage") or f"copy job ended {job['State']}",
        )
    return None


def _when(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
