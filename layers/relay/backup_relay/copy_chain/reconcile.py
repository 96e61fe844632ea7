"""Reconcile (scheduled): what events alone cannot guarantee, since AWS delivers them best effort.

- a chained recovery point in this region's central vault with no chain: start one;
- a hop waiting for an event that never came: ask DescribeCopyJob, resume it if the job ended;
- a hop running longer than its SLA: report it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from backup_relay.clock import Clock, utc_now
from backup_relay.copy_chain.outcome import outcome_of
from backup_relay.copy_chain.resume import resume_waiting_hop
from backup_relay.copy_chain.state import LedgerState, new_chain
from backup_relay.planner import RouteError, Vault, plan_route
from backup_relay.ports import (
    ChainLedger,
    CopyJobs,
    ReconcileTelemetry,
    RecoveryPoint,
    RecoveryPoints,
    Workflow,
)
from backup_relay.settings import ReconcileSettings


class ReconcileReport(BaseModel):
    chains_started: list[str] = []
    hops_resumed: list[str] = []
    hops_past_sla: list[str] = []
    skipped: list[str] = []


@dataclass
class Reconcile:
    settings: ReconcileSettings
    ledger: ChainLedger
    workflow: Workflow
    copy_jobs: CopyJobs
    recovery_points: RecoveryPoints
    telemetry: ReconcileTelemetry
    now: Clock = field(default=utc_now)

    def __call__(self) -> ReconcileReport:
        report = ReconcileReport()
        self.start_missing_chains(report)
        self.check_running_hops(report)
        self.telemetry.reconciled(report)
        return report

    def start_missing_chains(self, report: ReconcileReport) -> None:
        dr, chain_settings = self.settings.dr_vault, self.settings.chain
        if dr is None:
            return
        vault = chain_settings.central_vault(self.settings.home_region)
        # A copy keeps its source's CreationDate (docs/copy-chain.md, "Dates and retention"):
        # the window runs from the member's backup, not from the copy's landing.
        since = self.now() - self.settings.lookback
        for point in self.recovery_points.in_vault(vault, created_after=since):
            if not self._chainable(point):
                continue
            try:
                route = plan_route(point.resource_type, vault, dr, chain_settings)
            except RouteError as error:
                report.skipped.append(f"{point.arn}: {error}")
                continue
            chain = new_chain(route, point.arn)
            if self.ledger.chain_started(chain):
                self.workflow.start(chain)
                report.chains_started.append(chain.chain_id)

    def _chainable(self, point: RecoveryPoint) -> bool:
        """A whole (COMPLETED or AVAILABLE) copy of a chained type, from a member account."""
        return (
            self._copied_from_a_member(point)
            and point.resource_type in self.settings.chained_types
            and point.is_whole
        )

    def _copied_from_a_member(self, point: RecoveryPoint) -> bool:
        if not point.source_vault_arn:
            return False
        try:
            return Vault.parse(point.source_vault_arn).account != self.settings.central_account
        except RouteError:
            return False

    def check_running_hops(self, report: ReconcileReport) -> None:
        for hop in self.ledger.hops_in_state(LedgerState.RUNNING):
            if not hop.copy_job_id:
                continue
            job = self.copy_jobs.describe_copy_job(hop.source_region, hop.copy_job_id)
            outcome = outcome_of(job)
            if outcome is not None:
                if resume_waiting_hop(self.ledger, self.workflow, outcome):
                    report.hops_resumed.append(f"{hop.label} ({job.state})")
            elif self.now() - hop.updated_at > self.settings.hop_sla:
                report.hops_past_sla.append(
                    f"{hop.label}: copy job {hop.copy_job_id} {job.state} "
                    f"since {hop.updated_at.isoformat()}"
                )
