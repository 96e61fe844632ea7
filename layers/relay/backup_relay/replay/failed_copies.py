"""Replay failed copies once their cause is fixed: `backup-relay replay` and `ReplayFunction`.

Two kinds of failure are replayed:
- a chain hop (central vault -> DR, or a bring-back hop): the chain runs again from that hop as
  a new attempt (its execution name and the copy job's idempotency token carry the attempt);
- a member's copy into the central vault (made by its backup plan): a new copy job in the
  member account, through the replay role its member stack gives the central stack; its
  completion event then starts the chain as usual.

Safe to run twice: a replayed chain is no longer FAILED, a replayed member copy is recorded
(a replay item in the ledger), a copy that completed meanwhile is skipped, a source that is gone is
reported gone. `dry_run` decides the same and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from pydantic import BaseModel, ConfigDict, field_validator

from backup_relay.copy_chain.ports import ChainLedger, MemberCopies, Workflow
from backup_relay.domain.chain import (
    ChainRecord,
    ChainState,
    ChainStatus,
    HopRecord,
    LedgerState,
    execution_name,
)
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.copy_jobs import CopyRequest, ListedCopyJob
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.errors import AwsError, NotFound
from backup_relay.domain.failures import Diagnosis
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.proof import ProbeSubject, event_subject, hop_subject
from backup_relay.domain.routes import Destination, Vault
from backup_relay.replay.lost_jobs import LostJob, diagnosis_of, explain
from backup_relay.replay.ports import CentralCopyJobs, ReplayLedger
from backup_relay.replay.report import ReplayItem, ReplayOutcome, ReplayReport
from backup_relay.replay.waits import Prober, ProbeRun, still_broken


class ReplayRequest(BaseModel):
    """What to replay: every failure since `since` that matches all the given filters."""

    model_config = ConfigDict(extra="forbid")

    job_id: str | None = None
    chain_id: str | None = None
    #: a destination as status names it (`TYPE:REGION:VAULT`, REGION a region or `home`): only
    #: chains to its vault (each destination of a recovery point is its own chain)
    destination: str | None = None
    account: str | None = None
    resource_type: str | None = None
    category: str | None = None
    since: str = "24h"  # 24h, 7d, 90m, or an ISO 8601 time
    dry_run: bool = False
    force: bool = False  # replay even a failure whose probe confirms its cause is still there

    @field_validator("destination")
    @classmethod
    def _a_destination(cls, value: str | None) -> str | None:
        if value is not None:
            Destination.parse(value, "000000000000", "home")  # RouteError says the form
        return value

    @field_validator("since")
    @classmethod
    def _a_duration_or_a_time(cls, value: str) -> str:
        since(value, utc_now())  # raises ValueError, naming the forms it takes
        return value


def since(value: str, now: datetime) -> datetime:
    match = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", value)
    if match:
        units = {"m": "minutes", "h": "hours", "d": "days"}
        return now - timedelta(**{units[match[2]]: int(match[1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"since {value!r}: give a duration (90m, 24h, 7d) or an ISO 8601 time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


@dataclass(frozen=True)
class _Candidate:
    kind: str
    id: str
    job_id: str | None
    account: str
    region: str
    resource_type: str
    failed_at: str
    diagnosis: Diagnosis
    since: datetime  # the window it was found in: a copy made since then makes it whole
    destination_vault_arn: str | None = None  # a chain's destination
    subject: ProbeSubject | None = None  # what the probe of its cause reads
    proof: list[str] = field(default_factory=list)  # the probe's line, once it ran

    def item(self, outcome: ReplayOutcome, why: str, started: str | None = None) -> ReplayItem:
        return ReplayItem(
            kind=self.kind,
            id=self.id,
            account=self.account,
            region=self.region,
            resource_type=self.resource_type,
            failed_at=self.failed_at,
            category=self.diagnosis.category,
            message_category=self.diagnosis.aws_category,
            outcome=outcome,
            why=why,
            started=started,
            proof=self.proof[0] if self.proof else "",
        )


@dataclass
class Replay:
    central_vault_name: str
    central_account: str
    chains: ChainLedger
    jobs: ReplayLedger
    member_copies: MemberCopies
    workflow: Workflow
    central_copies: CentralCopyJobs
    regions: tuple[str, ...]  # where this stack's chains run copy jobs (home, DR)
    now: Clock = field(default=utc_now)
    probe: Prober | None = None  # the doctor's probe of a failure's cause (replay/waits.py)

    def __call__(
        self, request: ReplayRequest, progress: Callable[[int, int], None] | None = None
    ) -> ReplayReport:
        start = since(request.since, self.now())
        run = replace(self, probe=ProbeRun(self.probe)) if self.probe else self  # this run's
        report = ReplayReport()
        work: list[Callable[[], ReplayItem]] = []
        chains = self._failed_chains(start)
        for candidate, (chain, failed) in chains:
            if self._selected(candidate, request) and self._to(candidate, request):
                work.append(partial(run._chain, candidate, chain, failed, request))
        for candidate, event in self._failed_member_copies(start):
            if self._selected(candidate, request) and self._to(candidate, request):
                work.append(partial(run._member_copy, candidate, event, request))
        known = {c.job_id for c, _ in chains}
        for candidate, job in self._lost_central_failures(start, known):
            if self._selected(candidate, request) and self._to(candidate, request):
                work.append(partial(self._lost, candidate, job))
        for done, replay_one in enumerate(work, start=1):
            report.items.append(replay_one())
            if progress is not None:
                progress(done, len(work))
        return report

    # ---- what failed -----------------------------------------------------------------------

    def _failed_chains(
        self, start: datetime
    ) -> list[tuple[_Candidate, tuple[ChainRecord, HopRecord | None]]]:
        found = []
        for chain in self.chains.chains_in_state(LedgerState.FAILED):
            if chain.updated_at and chain.updated_at < start.isoformat():
                continue
            hops = list(self.chains.hops_of(chain.chain_id))
            failed = next((h for h in hops if h.state == LedgerState.FAILED), None)
            message = (failed.status_message if failed else None) or chain.reason
            aws = failed.message_category if failed else None  # AWS's MessageCategory
            diagnosis = diagnose(
                message, resource_type=chain.resource_type, kind="COPY", aws_category=aws
            )
            candidate = _Candidate(
                kind="chain hop",
                id=chain.chain_id,
                job_id=failed.copy_job_id if failed else None,
                account=failed.source_account if failed else self.central_account,
                region=failed.source_region if failed else "",
                resource_type=chain.resource_type,
                failed_at=chain.updated_at,
                since=start,
                destination_vault_arn=chain.destination_vault_arn,
                diagnosis=diagnosis,
                subject=hop_subject(diagnosis, failed),
            )
            found.append((candidate, (chain, failed)))
        return found

    def _failed_member_copies(self, start: datetime) -> list[tuple[_Candidate, JobEvent]]:
        found = []
        for event in self.jobs.failed_copy_jobs(start):
            if event.account == self.central_account or not self._into_central(event):
                continue  # a chain's hop (its chain is replayed), or not a copy we make
            diagnosis = diagnose(
                event.status_message,
                resource_type=event.resource_type,
                kind="COPY",
                state=str(event.state),
                aws_category=event.message_category,
            )
            candidate = _Candidate(
                kind="member copy",
                id=event.job_id or "",
                job_id=event.job_id,
                account=event.account,
                region=event.region,
                resource_type=event.resource_type or "",
                failed_at=event.time.isoformat(),
                since=start,
                diagnosis=diagnosis,
                subject=event_subject(diagnosis, event),
            )
            found.append((candidate, event))
        return found

    def _lost_central_failures(
        self, start: datetime, known: set[str | None]
    ) -> list[tuple[_Candidate, ListedCopyJob]]:
        """Failed copy jobs of this account that no failed chain in the ledger names: earlier
        attempts of chains that were replayed, jobs whose events were lost, jobs started by hand
        (`lost_jobs`); those a later attempt of their chain made good are left out."""
        found = []
        for region in self.regions:
            for job in self.central_copies.failed_copy_jobs(region, start):
                if job.copy_job_id in known:
                    continue
                lost = explain(job, self.chains)
                if lost is None:
                    continue
                candidate = _Candidate(
                    kind=lost.kind,
                    id=job.copy_job_id,
                    job_id=job.copy_job_id,
                    account=self.central_account,
                    region=region,
                    resource_type=job.resource_type,
                    failed_at=job.created_at.isoformat(),
                    since=start,
                    diagnosis=diagnosis_of(job),
                )
                found.append((candidate, job))
        return found

    def _lost(self, candidate: _Candidate, job: ListedCopyJob) -> ReplayItem:
        """Said when its turn comes: a replay of its chain in this run changes what it is."""
        lost = explain(job, self.chains) or LostJob(
            candidate.kind, "a later attempt of its chain made the copy: nothing to do"
        )
        item = candidate.item(ReplayOutcome.SKIPPED, lost.why)
        item.kind = lost.kind
        return item

    def _into_central(self, event: JobEvent) -> bool:
        try:
            vault = Vault.parse(event.destination_vault_arn or "")
        except ValueError:
            return False
        return vault.account == self.central_account and vault.name == self.central_vault_name

    @staticmethod
    def _selected(candidate: _Candidate, request: ReplayRequest) -> bool:
        wanted = {
            request.job_id: candidate.job_id,
            request.chain_id: candidate.id if candidate.kind == "chain hop" else None,
            request.account: candidate.account,
            request.resource_type: candidate.resource_type,
            request.category: candidate.diagnosis.category,
        }
        return all(given is None or given == value for given, value in wanted.items())

    def _to(self, candidate: _Candidate, request: ReplayRequest) -> bool:
        """--destination: only a chain to that destination's vault (whatever TYPE says)."""
        if request.destination is None:
            return True
        home = self.regions[0] if self.regions else ""
        wanted = Destination.parse(request.destination, self.central_account, home).vault.arn
        return candidate.destination_vault_arn == wanted

    # ---- replaying ---------------------------------------------------------------------------

    def _waits(self, candidate: _Candidate, request: ReplayRequest) -> ReplayItem | None:
        """Skipped while the probe confirms its cause is still there (unless forced)."""
        line, skip = still_broken(self.probe, candidate.subject, force=request.force)
        candidate.proof[:] = [line] if line else []
        return candidate.item(ReplayOutcome.SKIPPED, skip) if skip else None

    def _chain(
        self,
        candidate: _Candidate,
        chain: ChainRecord,
        failed: HopRecord | None,
        request: ReplayRequest,
    ) -> ReplayItem:
        plan = self.chains.chain_plan(chain.chain_id)
        if plan is None or failed is None:
            return candidate.item(
                ReplayOutcome.FAILED, "the ledger holds no plan or failed hop for it"
            )
        attempt = chain.attempt + 1
        state = _resumed(plan, failed, attempt)
        name = execution_name(chain.chain_id, attempt)
        hop = f"hop {failed.index + 1} of {len(plan.hops)}"
        done = self.jobs.completed_copy(
            failed.source_recovery_point_arn or "", failed.destination_vault_arn, candidate.since
        )
        made = f"{hop} completed since: copy job {done} made the copy"
        skipped = candidate.item(ReplayOutcome.SKIPPED, made) if done else None
        if skipped := skipped or self._waits(candidate, request):
            return skipped
        if request.dry_run:
            return candidate.item(
                ReplayOutcome.WOULD_REPLAY, f"would run {hop} again as attempt {attempt}", name
            )
        try:
            if not self.chains.chain_retried(state, failed.index):
                return candidate.item(ReplayOutcome.SKIPPED, "another replay started it already")
            self.workflow.start(state)
            self.chains.execution_started(state)
        except AwsError as error:
            return candidate.item(ReplayOutcome.FAILED, f"could not start: {error}")
        return candidate.item(
            ReplayOutcome.REPLAYED, f"{hop} runs again as attempt {attempt}", name
        )

    def _member_copy(
        self, candidate: _Candidate, event: JobEvent, request: ReplayRequest
    ) -> ReplayItem:
        skipped = self._member_copy_needs_none(candidate, event) or self._waits(candidate, request)
        if skipped is not None:
            return skipped
        if request.dry_run:
            return candidate.item(
                ReplayOutcome.WOULD_REPLAY,
                f"would copy it again in account {event.account} through its replay role",
            )
        job_id = event.job_id or ""
        copy = CopyRequest(
            recovery_point_arn=event.source_recovery_point_arn or "",
            source_vault_name=Vault.parse(event.source_vault_arn or "").name,
            destination_vault_arn=event.destination_vault_arn or "",
            iam_role_arn=event.iam_role_arn or "",
            idempotency_token=f"replay-{job_id}"[:64],
            lifecycle={},
        )
        try:
            new_job = self.member_copies.start_copy_job(event.account, event.region, copy)
        except NotFound as gone:
            return candidate.item(ReplayOutcome.GONE, f"its source recovery point is gone: {gone}")
        except AwsError as error:
            return candidate.item(ReplayOutcome.FAILED, f"could not start: {error}")
        self.jobs.record_replay(job_id, new_job)
        return candidate.item(ReplayOutcome.REPLAYED, f"copy job {new_job} started", new_job)

    def _member_copy_needs_none(self, candidate: _Candidate, event: JobEvent) -> ReplayItem | None:
        """Why a member copy needs no replay (or cannot have one), if it does not."""
        earlier = self.jobs.replayed(event.job_id or "")
        if earlier:
            return candidate.item(ReplayOutcome.SKIPPED, f"replayed already as copy job {earlier}")
        source, destination = event.source_recovery_point_arn, event.destination_vault_arn
        done = self.jobs.completed_copy(source or "", destination or "", candidate.since)
        if done:
            return candidate.item(ReplayOutcome.SKIPPED, f"copy job {done} made the copy since")
        if not (source and event.source_vault_arn and destination and event.iam_role_arn):
            return candidate.item(ReplayOutcome.FAILED, "its event lacks the source, vault or role")
        return None


def _resumed(plan: ChainState, failed: HopRecord, attempt: int) -> ChainState:
    """The chain as it stood before its failed hop, as attempt `attempt`."""
    state = plan.model_copy(deep=True)
    source = failed.source_recovery_point_arn or plan.origin_recovery_point_arn
    state.attempt = attempt
    state.hop_index = failed.index
    state.recovery_point_arn = source
    state.copies = [*plan.copies[: failed.index], source] if failed.index else [source]
    state.current = None
    state.error = None
    state.status = ChainStatus.NEW
    return state


__all__ = ["Replay", "ReplayItem", "ReplayOutcome", "ReplayReport", "ReplayRequest", "since"]
