"""What the copy chain needs from the outside world: AWS Backup's copy jobs and recovery points,
the chain ledger, the workflow, and what operators see of chains."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel

from backup_relay.domain.chain import ChainRecord, ChainState, HopRecord, LedgerState
from backup_relay.domain.copy_jobs import CopyJobOutcome, CopyJobReport, CopyRequest, RecoveryPoint
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.routes import Vault


class ReconcileReport(BaseModel):
    chains_started: list[str] = []
    hops_resumed: list[str] = []
    hops_past_sla: list[str] = []
    executions_closed: list[str] = []  # "<chain id> (<status>)": ended, the ledger said running
    stale_resources: list[str] = []  # chained resources whose newest DR copy is too old, or none
    #: "<resource ARN> in <destination label>": each destination a resource is stale in
    stale_copies: list[str] = []
    skipped: list[str] = []
    errors: list[str] = []  # what AWS refused, one line per recovery point or hop


class CopyJobs(Protocol):
    def start_copy_job(self, region: str, request: CopyRequest) -> str:
        """The copy job's id. Raises Throttled (retry later) or Refused (AWS's message)."""
        ...

    def describe_copy_job(self, region: str, copy_job_id: str) -> CopyJobReport: ...


class RecoveryPoints(Protocol):
    def describe(self, vault: Vault, arn: str) -> RecoveryPoint: ...

    def in_vault(
        self,
        vault: Vault,
        created_after: datetime,
        resource_type: str | None = None,
        resource_arn: str | None = None,
    ) -> Iterable[RecoveryPoint]:
        """The vault's recovery points (of `resource_type`, of `resource_arn`, if given) whose
        CreationDate is after `created_after` (for a copy, its source's creation date)."""
        ...

    def set_retention(self, vault: Vault, arn: str, delete_after_days: int) -> None: ...


class ChainLedger(Protocol):
    """Chains and hops, and the copy jobs hops wait for."""

    def chain_started(self, chain: ChainState) -> bool:
        """False when the chain was already recorded (a duplicate event)."""
        ...

    def execution_started(self, chain: ChainState) -> None:
        """The chain's execution exists (this call started it, or an earlier one did)."""
        ...

    def awaiting_start(self, chain_id: str) -> bool:
        """The chain was recorded, but no start of its execution was ever confirmed."""
        ...

    def chain_ended(self, chain: ChainState, state: LedgerState, reason: str) -> None: ...

    def hop(self, chain: ChainState, state: LedgerState) -> None:
        """Record the current hop's state, with its outcome or error if it has one; a state the
        record may not become (`hop_may_become`: never backwards) leaves it as it is."""
        ...

    def hops_in_state(
        self, state: LedgerState, since: datetime | None = None
    ) -> Iterable[HopRecord]:
        """The hops in `state` (that came to it at `since` or later, if given)."""
        ...

    def chains_in_state(self, state: LedgerState) -> Iterable[ChainRecord]: ...

    def chain(self, chain_id: str) -> ChainRecord | None: ...

    def chains_of(self, recovery_point_arn: str) -> list[str]:
        """The ids of the chains that copy this recovery point on."""
        ...

    def chain_plan(self, chain_id: str) -> ChainState | None:
        """The chain as it was planned (its route, origin and attempt), to run it again."""
        ...

    def chain_retried(self, chain: ChainState, from_hop: int) -> bool:
        """A FAILED chain runs again as `chain.attempt` from `from_hop`; False when it is not
        FAILED at the attempt before (another replay was first)."""
        ...

    def hops_of(self, chain_id: str) -> Iterable[HopRecord]:
        """Every hop the chain recorded."""
        ...

    def release_slot(self, hop: HopRecord) -> None:
        """Take the hop out of its concurrency slot's holders (nothing if it holds none)."""
        ...

    def chain_died(self, chain_id: str, reason: str) -> bool:
        """Record a chain whose execution ended outside its own steps FAILED, with its open
        hops; False when the chain had already ended (its steps recorded how)."""
        ...

    def await_job(self, copy_job_id: str, task_token: str, chain: ChainState) -> None:
        """Remember which task token waits for this copy job."""
        ...

    def claim_resume(self, copy_job_id: str) -> str | None:
        """The waiting hop's task token, for the first caller only."""
        ...

    def hop_of_job(self, copy_job_id: str) -> tuple[str, int] | None:
        """The chain and hop index that started copy job `copy_job_id` (and waited for it),
        whichever attempt of the chain it was; None for a copy job no chain started."""
        ...

    def final_event(self, copy_job_id: str) -> JobEvent | None:
        """The copy job's final event, if ingest already recorded it."""
        ...


class Workflow(Protocol):
    def start(self, chain: ChainState) -> bool:
        """Start the chain's execution; False when one of that name already exists."""
        ...

    def resume(self, task_token: str, outcome: CopyJobOutcome) -> bool:
        """Hand the outcome to the waiting hop; False when it was already resumed or closed."""
        ...


class Executions(Protocol):
    """What Step Functions says of the chain's executions (reconcile's safety net)."""

    def running(self) -> set[str]:
        """The names of the executions running now."""
        ...

    def status(self, name: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, ...; None if there is none."""
        ...


class OrganizationAccounts(Protocol):
    """The accounts of the organization (AWS Organizations' ListAccounts): where bring-back may
    go when neither BringBackTargets nor AllowedSourceAccounts names any."""

    def active_accounts(self) -> frozenset[str]:
        """The ids of its ACTIVE accounts. Raises the domain's AwsError when they cannot be read:
        only the management account or a delegated administrator may list them."""
        ...


class MemberCopies(Protocol):
    """Copy jobs in a member account, through the replay role its member stack creates."""

    def start_copy_job(self, account: str, region: str, request: CopyRequest) -> str: ...

    def describe_copy_job(self, account: str, region: str, copy_job_id: str) -> CopyJobReport:
        """The member's copy job, as AWS tells it to the member's own role. Raises NotFound
        for a job that account does not have."""
        ...


@dataclass(frozen=True)
class SlotLoad:
    """A concurrency slot's queue: the hops holding it or waiting for it, and the mean duration
    of the hops it completed (None: none measured yet)."""

    open_hops: int
    typical_hop: timedelta | None


class SlotLoads(Protocol):
    def slot_load(self, slot: str) -> SlotLoad:
        """The slot's queue, in one read (the ledger keeps it on the slot's item)."""
        ...

    def queue(self, slot: str, holder: str) -> None:
        """Count a chain that starts on the slot's route as waiting for it at once (`holder`:
        `<chain id>#<hop index>`, as its hop's records count it), before its execution's first
        step records its hop: the next chain's decision sees it."""
        ...


class ChainTelemetry(Protocol):
    def chain_started(self, chain: ChainState) -> None: ...

    def hop_started(self, chain: ChainState, since_origin_landed: timedelta | None) -> None: ...

    def hop_completed(self, chain: ChainState, duration: timedelta | None) -> None: ...

    def chain_completed(self, chain: ChainState) -> None: ...

    def chain_replanned(self, chain: ChainState) -> None: ...

    def chain_failed(self, chain: ChainState, cause: str) -> None: ...

    def retention_shortened(self, recovery_point_arn: str, delete_after_days: int) -> None: ...

    def destination_without_route(self, resource_type: str, destination: str, reason: str) -> None:
        """A landed recovery point's destination the route table refuses (no chain starts)."""


class ChainEndTelemetry(Protocol):
    def chain_ended(self, chain_id: str, status: str, released: int, died: bool) -> None: ...


class ReconcileTelemetry(ChainEndTelemetry, Protocol):
    def reconciled(self, report: ReconcileReport) -> None: ...
