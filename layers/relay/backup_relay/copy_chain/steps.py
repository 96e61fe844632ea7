"""The copy chain's steps, as the state machine calls them through the chain-steps function:
next_hop, start_copy_job, await_copy_job, check_copy_job, hop_failed.

A hop out of a member's own vault (the quota overflow, overflow.py) starts and is described in
the member account, through the member stack's ReplayRole (MemberCopies), its copy job running
as the member's role the hop names; every other hop in this (the central) account."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from backup_relay.copy_chain.decisions import (
    WaitPolicy,
    intermediate_copies,
    next_hop,
    replan_after_refusal,
    shortened_retention,
)
from backup_relay.copy_chain.overflow import back_to_central, is_member_hop
from backup_relay.copy_chain.ports import (
    ChainLedger,
    ChainTelemetry,
    CopyJobs,
    MemberCopies,
    RecoveryPoints,
    Workflow,
)
from backup_relay.copy_chain.resume import resume_waiting_hop
from backup_relay.domain.chain import ChainState, ChainStatus, HopError, HopSpec, LedgerState
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.copy_jobs import (
    COPY_JOB_FAILED,
    CopyJobReport,
    CopyRequest,
    outcome_of,
    outcome_of_event,
)
from backup_relay.domain.errors import AwsError, InvalidChainState, NotFound, Refused
from backup_relay.domain.routes import RoutePolicy

Action = Literal["next_hop", "start_copy_job", "await_copy_job", "check_copy_job", "hop_failed"]


class StepRequest(BaseModel):
    """What the state machine sends the chain-steps function."""

    action: Action
    chain: ChainState
    task_token: str | None = None  # await_copy_job only
    # next_hop only: the stack's MaxConcurrentCopies, which the definition is given
    # (DefinitionSubstitutions) and passes on, as the function is not
    max_concurrent_copies: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _next_hop_knows_the_cap(self) -> StepRequest:
        if self.action == "next_hop" and self.max_concurrent_copies is None:
            raise ValueError("next_hop needs max_concurrent_copies")
        return self


@dataclass(frozen=True)
class HopPolicy:
    routes: RoutePolicy
    waits: WaitPolicy
    backup_role_arn: str  # the role copy jobs run as
    intermediate_retention_days: int  # 0: intermediate copies keep their vault's retention


@dataclass
class HopSteps:
    policy: HopPolicy
    ledger: ChainLedger
    workflow: Workflow
    copy_jobs: CopyJobs
    recovery_points: RecoveryPoints
    telemetry: ChainTelemetry
    now: Clock = field(default=utc_now)
    #: the members' ReplayRoles: hops out of a member's vault (None: no such hop can run)
    member_copies: MemberCopies | None = None

    def run(self, request: StepRequest) -> dict[str, Any] | None:
        """One step; the changed chain as the state machine's JSON (None for the wait)."""
        chain = request.chain
        match request.action:
            case "await_copy_job":
                if not request.task_token:
                    raise InvalidChainState(f"{chain.chain_id}: await_copy_job needs a task token")
                self.await_copy_job(chain, request.task_token)
                return None
            case "next_hop":
                assert request.max_concurrent_copies is not None  # the request checked it
                chain = self.next_hop(chain, request.max_concurrent_copies)
            case "start_copy_job":
                chain = self.start_copy_job(chain)
            case "check_copy_job":
                chain = self.check_copy_job(chain)
            case "hop_failed":
                chain = self.hop_failed(chain)
        return chain.model_dump(mode="json", exclude_none=True)

    def next_hop(self, chain: ChainState, max_concurrent_copies: int) -> ChainState:
        """Record the hop that just completed, then open the next one or finish the chain.
        `max_concurrent_copies`: the stack's MaxConcurrentCopies, for the next hop's slot."""
        # refuses to pass a hop not COMPLETED
        moved = next_hop(chain, self.policy.waits, max_concurrent_copies)
        if moved.status is ChainStatus.COMPLETED:
            # first, as it calls AWS: a throttle retries the step before anything is recorded
            self._shorten_intermediate_retention(moved)
        if chain.current is not None:
            self.ledger.hop(chain, LedgerState.COMPLETED)
            started = chain.current.started_at
            self.telemetry.hop_completed(chain, self.now() - started if started else None)
        if moved.status is ChainStatus.COMPLETED:
            self.ledger.chain_ended(moved, LedgerState.COMPLETED, moved.reason)
            self.telemetry.chain_completed(moved)
        else:
            self.ledger.hop(moved, LedgerState.STARTING)
        return moved

    def start_copy_job(self, chain: ChainState) -> ChainState:
        """In the hop's source region. Throttled propagates (the state machine retries it); any
        other refusal fails the hop with AWS's message as its cause."""
        started = chain.model_copy(deep=True)
        current = started.current
        if current is None:
            raise InvalidChainState(f"{chain.chain_id}: no hop to start")
        request = CopyRequest(
            recovery_point_arn=current.recovery_point_arn,
            source_vault_name=current.hop.source_vault_name,
            destination_vault_arn=current.hop.destination_vault_arn,
            iam_role_arn=current.hop.iam_role_arn or self.policy.backup_role_arn,
            idempotency_token=current.idempotency_token,
            lifecycle=current.hop.lifecycle,
        )
        hop = current.hop
        try:
            if is_member_hop(hop, self.policy.routes):
                current.copy_job_id = self._members(started).start_copy_job(
                    hop.source_account, hop.source_region, request
                )
            else:
                current.copy_job_id = self.copy_jobs.start_copy_job(hop.source_region, request)
        except Refused as refusal:
            started.error = HopError(
                error=refusal.code or "StartCopyJobFailed", cause=refusal.message
            )
            started.status = ChainStatus.HOP_FAILED
            return started
        current.started_at = self.now()
        started.status = ChainStatus.COPYING
        landed = started.origin_completed_at if current.index == 0 else None
        self.telemetry.hop_started(started, current.started_at - landed if landed else None)
        self.ledger.hop(started, LedgerState.STARTED)
        return started

    def await_copy_job(self, chain: ChainState, task_token: str) -> None:
        """Register the wait; if the job's final event already came (the race), resume at once:
        an event of the account the job runs in, and for a member's hop once DescribeCopyJob
        through the member's role confirms it (member_hops.py)."""
        job_id = chain.running_job_id()
        self.ledger.await_job(job_id, task_token, chain)
        self.ledger.hop(chain, LedgerState.RUNNING)
        final = self.ledger.final_event(job_id)
        hop = chain.current.hop if chain.current else None
        if final is None or hop is None or final.account != hop.source_account:
            return  # only the account the job runs in tells its end (triggers.py)
        if is_member_hop(hop, self.policy.routes):  # a member's word: AWS confirms it first
            outcome = outcome_of(self._describe(chain, hop, job_id))
        else:
            outcome = outcome_of_event(final)
        if outcome is not None:
            resume_waiting_hop(self.ledger, self.workflow, outcome)

    def check_copy_job(self, chain: ChainState) -> ChainState:
        """The event did not come in time: ask AWS Backup how the job is doing."""
        job_id = chain.running_job_id()
        checked = chain.model_copy(deep=True)
        assert checked.current is not None  # running_job_id checked it
        report = self._describe(checked, checked.current.hop, job_id)
        outcome = outcome_of(report)
        checked.current.result = outcome
        if outcome is not None:
            # the chain moves on from here: a final event that comes later must find the wait
            # claimed, and resume nothing
            self.ledger.claim_resume(job_id)
        if outcome is None:
            checked.status = ChainStatus.COPYING
        elif outcome.completed:
            checked.status = ChainStatus.HOP_COMPLETED
        else:
            checked.error = HopError(error=COPY_JOB_FAILED, cause=outcome.status_message or "")
            checked.status = ChainStatus.HOP_FAILED
        return checked

    def hop_failed(self, chain: ChainState) -> ChainState:
        """Re-plan a refused single-action copy as two hops, or end the chain FAILED."""
        cause = chain.error.cause if chain.error else "unknown failure"
        # a member's hop goes back to the central route; a refused single-action one, two hops
        replanned = back_to_central(chain, cause, self.policy.routes) or replan_after_refusal(
            chain, cause, self.policy.routes
        )
        if replanned is not None:
            self.ledger.hop(chain, LedgerState.REPLANNED)
            self.telemetry.chain_replanned(replanned)
            return replanned
        failed = chain.model_copy(deep=True)
        failed.error = chain.error or HopError(error="HopFailed", cause=cause)
        failed.status = ChainStatus.FAILED
        self._learn_outcome(failed)
        if failed.current is not None:
            self.ledger.hop(failed, LedgerState.FAILED)
        self.ledger.chain_ended(failed, LedgerState.FAILED, cause)
        self.telemetry.chain_failed(failed, cause)
        return failed

    def _learn_outcome(self, failed: ChainState) -> None:
        """A copy job that failed while its hop waited resumes the wait with SendTaskFailure,
        whose Error and Cause cannot hold AWS's MessageCategory: ask DescribeCopyJob once, so
        the hop's record (and the chain's alert) keeps it. CheckCopyJob's outcome already has
        it. Best effort: an AWS error leaves it unknown, and the chain still ends."""
        current = failed.current
        if (
            current is None
            or current.result is not None
            or not current.copy_job_id
            or failed.error is None
            or failed.error.error != COPY_JOB_FAILED
        ):
            return
        try:
            report = self._describe(failed, current.hop, current.copy_job_id)
        except (AwsError, InvalidChainState):
            return
        outcome = outcome_of(report)
        if outcome is not None and not outcome.completed:
            current.result = outcome

    def _origin_still_needed(self, chain: ChainState) -> bool:
        """Another destination's chain of the same recovery point has not COMPLETED: it may
        still copy from the origin (now, or in a replay), which keeps its retention. The last of
        them to complete shortens it; two completing at once both leave it (the safe side)."""
        others = set(self.ledger.chains_of(chain.origin_recovery_point_arn)) - {chain.chain_id}
        for other in sorted(others):
            record = self.ledger.chain(other)
            if record is None or record.state is not LedgerState.COMPLETED:
                return True
        return False

    def _describe(self, chain: ChainState, hop: HopSpec, job_id: str) -> CopyJobReport:
        """DescribeCopyJob where the hop's job runs: the member's account for its hop."""
        if is_member_hop(hop, self.policy.routes):
            return self._members(chain).describe_copy_job(
                hop.source_account, hop.source_region, job_id
            )
        return self.copy_jobs.describe_copy_job(hop.source_region, job_id)

    def _members(self, chain: ChainState) -> MemberCopies:
        if self.member_copies is None:
            raise InvalidChainState(f"{chain.chain_id}: a member's hop, and no member role")
        return self.member_copies

    def _shorten_intermediate_retention(self, chain: ChainState) -> None:
        """Opt-in (IntermediateRetentionDays > 0), and only now that the last hop COMPLETED."""
        keep_days = self.policy.intermediate_retention_days
        if keep_days <= 0:
            return
        shared = self._origin_still_needed(chain)
        for arn, vault in intermediate_copies(chain, self.policy.routes, origin_shared=shared):
            try:
                point = self.recovery_points.describe(vault, arn)
            except NotFound:
                continue  # already gone: nothing to shorten
            if not point.is_whole:
                continue  # DELETING or EXPIRED: its retention already ended
            days = shortened_retention(
                point.created_at, self.now(), keep_days, point.delete_after_days
            )
            if days is None:
                continue
            try:
                self.recovery_points.set_retention(vault, arn, days)
            except Refused:
                # a locked vault refuses to shorten a point's retention (AWS Backup Vault Lock);
                # the copy keeps its own, the chain still completes, and the doctor's
                # vault_lock_retention check names the setting to change
                continue
            self.telemetry.retention_shortened(arn, days)
