"""Reconcile (scheduled): what events alone cannot guarantee, since AWS delivers them best effort.

- a chained recovery point in this region's central vault with no chain to one of its
  destinations, or whose chain was recorded but never confirmed started: start it (the
  execution name is deterministic, so a start never makes a second one);
- a hop waiting for an event that never came: ask DescribeCopyJob, resume it if the job ended;
- a hop running longer than its SLA: report it;
- a chain the ledger says RUNNING whose execution ended outside its steps, if the status-change
  event that frees its slots was lost: do what that event's handler does (`chain_ended.py`).

Each recovery point and each hop is handled on its own: an AWS error on one is reported, and the
run goes on with the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backup_relay.alerts.build import (
    for_failed_chain,
    for_hop_past_sla,
    for_recovered_chain,
    for_stale_resource,
)
from backup_relay.alerts.ports import AlertOutbox
from backup_relay.copy_chain.chain_ended import ENDED, ChainEnded
from backup_relay.copy_chain.decisions import chains_from
from backup_relay.copy_chain.overflow import MemberSource, OverflowRoutes
from backup_relay.copy_chain.ports import (
    ChainLedger,
    CopyJobs,
    Executions,
    MemberCopies,
    ReconcileReport,
    ReconcileTelemetry,
    RecoveryPoints,
    Workflow,
)
from backup_relay.copy_chain.resume import resume_waiting_hop
from backup_relay.coverage.resources import Coverage, CoverageReport
from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.chain import ChainState, HopRecord, LedgerState, execution_name
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.copy_jobs import RecoveryPoint, outcome_of
from backup_relay.domain.errors import AwsError, Refused
from backup_relay.domain.routes import RouteError, RoutePolicy, Vault
from backup_relay.drills.unproven import unproven_alerts
from backup_relay.security_findings.publish import FindingsReport


@dataclass(frozen=True)
class ReconcilePolicy:
    routes: RoutePolicy
    accounts: AccountPolicy  # AllowedSourceAccounts
    region: str  # where this function runs: its central vault's region
    lookback: timedelta  # how far back recovery points are looked for
    hop_sla: timedelta
    coverage_max_age: timedelta = timedelta(0)  # zero: the coverage check is off
    max_days_without_proven_restore: int = 0  # zero: the drills' check is off


@dataclass
class Reconcile:
    policy: ReconcilePolicy
    ledger: ChainLedger
    workflow: Workflow
    copy_jobs: CopyJobs
    recovery_points: RecoveryPoints
    executions: Executions
    alerts: AlertOutbox
    telemetry: ReconcileTelemetry
    now: Clock = field(default=utc_now)
    coverage: Coverage | None = None  # None: no DR vault, or the check is off
    #: SecurityHubFindings: stale DR copies as Security Hub findings (None: off)
    findings: Callable[[CoverageReport], FindingsReport] | None = None
    #: the quota overflow (overflow.py), as ingest routes a starting chain (None: off)
    overflow: OverflowRoutes | None = None
    #: the members' replay roles: a member hop's copy job, as its member sees it (None: off)
    member_copies: MemberCopies | None = None

    def __call__(self) -> ReconcileReport:
        report = ReconcileReport()
        self.start_missing_chains(report)
        self.close_dead_executions(report)
        self.close_unstarted_chains(report)
        self.check_running_hops(report)
        self.check_coverage(report)
        self.telemetry.reconciled(report)
        return report

    def start_missing_chains(self, report: ReconcileReport) -> None:
        if self.policy.routes.dr_vault is None:
            return
        vault = self.policy.routes.central_vault(self.policy.region)
        # A copy keeps its source's CreationDate (docs/copy-chain.md, "Dates and retention"):
        # the window runs from the member's backup, not from the copy's landing.
        since = self.now() - self.policy.lookback
        for resource_type in sorted(self.policy.routes.chained_types):
            try:
                points = list(self.recovery_points.in_vault(vault, since, resource_type))
            except AwsError as error:
                report.errors.append(f"listing {resource_type} in {vault.arn}: {error}")
                continue
            for point in points:
                if self._chainable(point, report):
                    self._start_chains(point, vault, report)

    def _start_chains(self, point: RecoveryPoint, vault: Vault, report: ReconcileReport) -> None:
        """A chain per destination, as ingest starts them (`chains_from`)."""
        try:
            plans = chains_from(point.resource_type, vault, point.arn, self.policy.routes)
        except RouteError as error:  # a malformed AdditionalDestinations: settings refuse it
            report.skipped.append(f"{point.arn}: {error}")
            return
        for refused in plans.without_route:
            report.skipped.append(
                f"{point.arn}: no route to {refused.destination}: {refused.reason}"
            )
        for chain in plans.chains:
            self._start_chain(chain, point, report)

    def _start_chain(
        self, planned: ChainState, point: RecoveryPoint, report: ReconcileReport
    ) -> None:
        try:
            chain = self._routed(planned, point)
            if self.ledger.chain_started(chain) or self.ledger.awaiting_start(chain.chain_id):
                started = self.workflow.start(chain)
                self.ledger.execution_started(chain)
                if started:
                    report.chains_started.append(chain.chain_id)
                    self.alerts.send(for_recovered_chain(chain.chain_id, None, self.now()))
        except AwsError as error:
            report.errors.append(f"{planned.chain_id} ({point.arn}): {error}")

    def _routed(self, chain: ChainState, point: RecoveryPoint) -> ChainState:
        """The overflow's call, as ingest makes it: a chain ingest recorded keeps its plan (a
        member's hop too); a new one is counted in its central slot's queue. The point names
        only the vault it came from, not the member's recovery point nor the role, so a chain
        reconcile plans stays on the central route (MemberSource)."""
        if self.overflow is None:
            return chain
        member = self._member_it_came_from(point)
        return self.overflow.route(chain, MemberSource(member, point.source_vault_arn))

    def _chainable(self, point: RecoveryPoint, report: ReconcileReport) -> bool:
        """A whole (COMPLETED or AVAILABLE) copy of a chained type, from a member account that
        AllowedSourceAccounts admits (as ingest admits its events)."""
        member = self._member_it_came_from(point)
        if member is None or point.resource_type not in self.policy.routes.chained_types:
            return False
        if not self.policy.accounts.allows(member):
            report.skipped.append(f"{point.arn}: account {member} is not in AllowedSourceAccounts")
            return False
        return point.is_whole

    def _member_it_came_from(self, point: RecoveryPoint) -> str | None:
        if not point.source_vault_arn:
            return None
        try:
            account = Vault.parse(point.source_vault_arn).account
        except RouteError:
            return None
        return account if account != self.policy.routes.central_account else None

    def check_running_hops(self, report: ReconcileReport) -> None:
        for hop in self.ledger.hops_in_state(LedgerState.RUNNING):
            if not hop.copy_job_id:
                continue
            if hop.source_account and hop.source_account != self.policy.routes.central_account:
                self._check_member_hop(hop, hop.copy_job_id, report)
                continue
            try:
                self._check_hop(hop, hop.copy_job_id, report)
            except AwsError as error:
                report.errors.append(f"{hop.label}: copy job {hop.copy_job_id}: {error}")

    def _check_hop(self, hop: HopRecord, copy_job_id: str, report: ReconcileReport) -> None:
        job = self.copy_jobs.describe_copy_job(hop.source_region, copy_job_id)
        outcome = outcome_of(job)
        if outcome is not None:
            if resume_waiting_hop(self.ledger, self.workflow, outcome):
                report.hops_resumed.append(f"{hop.label} ({job.state})")
                self.alerts.send(for_recovered_chain(hop.chain_id, hop.index, self.now()))
        elif self.now() - hop.updated_at > self.policy.hop_sla:
            report.hops_past_sla.append(
                f"{hop.label}: copy job {copy_job_id} {job.state} "
                f"since {hop.updated_at.isoformat()}"
            )
            hours = self.policy.hop_sla.total_seconds() / 3600
            self.alerts.send(for_hop_past_sla(hop, str(job.state), hours, self.now()))

    def _check_member_hop(self, hop: HopRecord, copy_job_id: str, report: ReconcileReport) -> None:
        """A hop out of a member's vault (the quota overflow): its job is the member's. Through
        the member's ReplayRole (MemberCopies), a job AWS says ended resumes the hop (AWS's
        word, as member_hops.py takes it) and one still running is held to HopSlaHours as a
        central hop is. Without the role, or when the member refuses it, its SLA is read from
        the ledger's times alone. Either alert names the member account."""
        state = f"running in member account {hop.source_account} (per the ledger)"
        if self.member_copies is not None:
            try:
                job = self.member_copies.describe_copy_job(
                    hop.source_account, hop.source_region, copy_job_id
                )
            except Refused as refused:
                report.errors.append(f"{hop.label}: copy job {copy_job_id}: {refused}")
            else:
                outcome = outcome_of(job)
                if outcome is not None:
                    if resume_waiting_hop(self.ledger, self.workflow, outcome):
                        report.hops_resumed.append(f"{hop.label} ({job.state})")
                        self.alerts.send(for_recovered_chain(hop.chain_id, hop.index, self.now()))
                    return
                state = f"{job.state} in member account {hop.source_account}"
        if self.now() - hop.updated_at <= self.policy.hop_sla:
            return
        report.hops_past_sla.append(
            f"{hop.label}: copy job {copy_job_id} {state} since {hop.updated_at.isoformat()}"
        )
        hours = self.policy.hop_sla.total_seconds() / 3600
        self.alerts.send(for_hop_past_sla(hop, state, hours, self.now()))

    def close_dead_executions(self, report: ReconcileReport) -> None:
        """Chains recorded RUNNING and started, whose execution is not running: the ledger is
        read before Step Functions, so a chain that ends in between is seen ended by both, and
        closing it again changes nothing (its slots are already free, `chain_died` is
        conditional on RUNNING)."""
        try:
            started = [
                execution_name(chain.chain_id, chain.attempt)
                for chain in self.ledger.chains_in_state(LedgerState.RUNNING)
                if chain.execution_started
            ]
            running = self.executions.running() if started else set()
        except AwsError as error:
            report.errors.append(f"listing running chains: {error}")
            return
        ended = ChainEnded(self.ledger, self.alerts, self.telemetry, now=self.now)
        for name in started:
            if name in running:
                continue
            try:
                status = self.executions.status(name)
                if status is not None and status in ENDED:
                    ended(name, status)
                    report.executions_closed.append(f"{name} ({status})")
            except AwsError as error:
                report.errors.append(f"{name}: closing its ended execution: {error}")

    def close_unstarted_chains(self, report: ReconcileReport) -> None:
        """Chains recorded RUNNING whose execution never started, recorded before the lookback:
        start_missing_chains no longer sees their recovery point (a copy keeps its backup's
        creation date, older than the chain's record), so nothing would ever start them. They
        end FAILED (replay runs them again), which also takes them out of their slot's queue
        (the overflow counted them there at their start)."""
        cutoff = self.now() - self.policy.lookback
        try:
            unstarted = [
                chain
                for chain in self.ledger.chains_in_state(LedgerState.RUNNING)
                if not chain.execution_started and _before(chain.updated_at, cutoff)
            ]
        except AwsError as error:
            report.errors.append(f"listing chains never started: {error}")
            return
        hours = self.policy.lookback.total_seconds() / 3600
        for chain in unstarted:
            reason = f"its execution never started within ReconcileLookbackHours ({hours:g} h)"
            try:
                if self.ledger.chain_died(chain.chain_id, reason):
                    report.executions_closed.append(f"{chain.chain_id} (never started)")
                    died = self.ledger.chain(chain.chain_id) or chain
                    hops = list(self.ledger.hops_of(chain.chain_id))
                    self.alerts.send(
                        for_failed_chain(
                            died, hops, "NOT_STARTED", execution_arn=None, at=self.now()
                        )
                    )
            except AwsError as error:
                report.errors.append(f"{chain.chain_id}: closing a chain never started: {error}")

    def check_coverage(self, report: ReconcileReport) -> None:
        """A resource that becomes stale in a destination raises one warning for it: its alert
        id names the destination and its newest copy there, so it is raised again only once that
        destination was current and went stale anew. A destination AWS has no route to is not
        stale. With MaxDaysWithoutProvenRestore, a resource without a recent proven restore
        raises one warning too (drills/unproven.py)."""
        unproven_days = self.policy.max_days_without_proven_restore
        if self.coverage is None or not (self.policy.coverage_max_age or unproven_days):
            return
        try:
            result = self.coverage(self.policy.coverage_max_age)
        except AwsError as error:
            report.errors.append(f"checking DR coverage: {error}")
            return
        for alert in unproven_alerts(result, unproven_days, self.now()):
            self.alerts.send(alert)
        if not self.policy.coverage_max_age:
            return
        for resource in result.stale:
            report.stale_resources.append(resource.resource_arn)
            for destination in resource.stale_destinations:
                report.stale_copies.append(f"{resource.resource_arn} in {destination.destination}")
                alert = for_stale_resource(resource, destination, result.max_age_hours, self.now())
                self.alerts.send(alert)
        if self.findings is not None:
            published = self.findings(result)
            report.errors += [f"Security Hub: {p}" for p in published.errors + published.failed]


def _before(iso: str, cutoff: datetime) -> bool:
    """An ISO 8601 time of the ledger before `cutoff`; an unreadable or missing one is not."""
    try:
        return datetime.fromisoformat(iso) < cutoff
    except ValueError:
        return False
