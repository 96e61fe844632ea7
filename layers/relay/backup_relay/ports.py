"""What the use cases need from the outside world, as small protocols.

Adapters (`backup_relay.adapters`) implement them against AWS and turn AWS's errors into the
domain's (`errors.py`); the unit tests implement them in memory. Use cases import only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from backup_relay.alerts.message import AlertMessage
    from backup_relay.alerts.model import Alert
    from backup_relay.copy_chain.outcome import CopyJobOutcome, CopyJobReport
    from backup_relay.copy_chain.reconcile import ReconcileReport
    from backup_relay.copy_chain.state import ChainState, LedgerState
    from backup_relay.doctor.facts import CentralFacts, MemberFacts, PreflightFacts, StackPlan
    from backup_relay.ingest import IngestResult, QuarantinedMessage
    from backup_relay.models import JobEvent, JobKind, JobState
    from backup_relay.planner import Vault


# ---- values crossing the ports ------------------------------------------------------------------


@dataclass(frozen=True)
class CopyRequest:
    """A StartCopyJob request, run in the region of the source vault."""

    recovery_point_arn: str
    source_vault_name: str
    destination_vault_arn: str
    iam_role_arn: str
    idempotency_token: str
    lifecycle: Mapping[str, int]  # empty: the destination vault's defaults


#: RecoveryPointStatus values of a whole recovery point, ready for use: COMPLETED, or AVAILABLE
#: ("the backup was successfully created for the recovery point", botocore's backup model). Not
#: CREATING (still being made), PARTIAL (lacks part of its source), DELETING or EXPIRED (its
#: retention ended), STOPPED (a continuous backup that stopped).
WHOLE_STATUSES = frozenset({"COMPLETED", "AVAILABLE"})


@dataclass(frozen=True)
class RecoveryPoint:
    arn: str
    resource_type: str
    status: str
    created_at: datetime  # a copy keeps its source's creation date
    source_vault_arn: str | None  # set on a copy: the vault it was copied from
    delete_after_days: int | None = None  # its Lifecycle, counted from created_at
    resource_arn: str | None = None  # what was backed up (a copy keeps its source's)

    @property
    def is_whole(self) -> bool:
        return self.status in WHOLE_STATUSES


@dataclass(frozen=True)
class HopRecord:
    """A hop as the ledger holds it."""

    chain_id: str
    index: int
    copy_job_id: str | None
    source_region: str
    updated_at: datetime
    source_account: str = ""
    destination_region: str = ""
    state: str = ""
    kind: str = ""  # cross-account, cross-region, ...
    source_vault_arn: str = ""
    destination_vault_arn: str = ""
    status_message: str | None = None  # why it failed, in AWS's words
    source_recovery_point_arn: str | None = None
    destination_recovery_point_arn: str | None = None
    slot: str = ""  # the concurrency slot's key (CurrentHop.slot); empty for an older record

    @property
    def label(self) -> str:
        return f"{self.chain_id} hop {self.index}"

    @property
    def slot_holder(self) -> str:
        """How the state machine's TakeSlot names this hop in its slot's holders."""
        return f"{self.chain_id}#{self.index}"


@dataclass(frozen=True)
class ChainRecord:
    """A chain as the ledger holds it; its id is its execution's name."""

    chain_id: str
    state: str
    execution_started: bool  # a start of its execution was confirmed
    resource_type: str = ""
    origin_recovery_point_arn: str = ""
    destination_vault_arn: str = ""
    reason: str = ""  # how it ended, when it did
    attempt: int = 1  # its execution runs as execution_name(chain_id, attempt)
    updated_at: str = ""  # when its state last changed (ISO 8601)


@dataclass(frozen=True)
class DeployedStack:
    """A deployed central stack, as CloudFormation describes it."""

    name: str
    partition: str
    account: str
    region: str
    parameters: dict[str, str]
    outputs: dict[str, str]


# ---- AWS Backup ---------------------------------------------------------------------------------


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


# ---- the ledger ---------------------------------------------------------------------------------


class EventRecorder(Protocol):
    def __call__(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        """Store the event; True if it was new, False if it was already recorded."""
        ...


class Quarantine(Protocol):
    def __call__(self, message: QuarantinedMessage) -> None: ...


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

    def hops_in_state(self, state: LedgerState) -> Iterable[HopRecord]: ...

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

    def final_event(self, copy_job_id: str) -> JobEvent | None:
        """The copy job's final event, if ingest already recorded it."""
        ...


# ---- the workflow -------------------------------------------------------------------------------


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


# ---- alerts -------------------------------------------------------------------------------------


class AlertOutbox(Protocol):
    """Where the use cases raise alerts; the alerts function publishes each one once."""

    def send(self, alert: Alert) -> None: ...


class ReplayLedger(Protocol):
    """The copy jobs the ledger recorded, and the replays started."""

    def failed_copy_jobs(self, since: datetime) -> Iterable[JobEvent]:
        """Copy jobs whose latest event since `since` is FAILED or ABORTED."""
        ...

    def completed_copy(
        self, source_recovery_point_arn: str, destination_vault_arn: str, since: datetime
    ) -> str | None:
        """The id of a copy job that COMPLETED a copy of it into that vault since `since`."""
        ...

    def replayed(self, job_id: str) -> str | None:
        """The copy job a replay of `job_id` started, if one did."""
        ...

    def record_replay(self, job_id: str, new_job_id: str) -> None: ...


class JobStates(Protocol):
    def jobs_in_state(self, kind: JobKind, state: JobState, since: datetime) -> list[JobEvent]:
        """The latest event of each job of `kind` now in `state`, since `since`."""
        ...


@dataclass(frozen=True)
class ListedCopyJob:
    """A copy job as ListCopyJobs gives it."""

    copy_job_id: str
    state: str
    source_recovery_point_arn: str
    destination_vault_arn: str
    resource_type: str
    status_message: str | None
    created_at: datetime


class CentralCopyJobs(Protocol):
    def failed_copy_jobs(self, region: str, since: datetime) -> list[ListedCopyJob]:
        """This account's copy jobs in `region` created since `since` that FAILED or ABORTED."""
        ...


class Prerequisites(Protocol):
    account: str

    def central(self) -> CentralFacts:
        """What the doctor checks in the central account."""
        ...


class MemberPrerequisites(Protocol):
    def member(self, account: str, region: str) -> MemberFacts:
        """What the doctor checks in a member account (through its member stack's DoctorRole)."""
        ...


class PreflightPrerequisites(Protocol):
    def preflight(self, plan: StackPlan) -> PreflightFacts:
        """What `sam deploy` of the central stack needs in the caller's account and the plan's
        region (doctor --preflight), read with read-only calls."""
        ...


class MemberCopies(Protocol):
    """Copy jobs in a member account, through the replay role its member stack creates."""

    def start_copy_job(self, account: str, region: str, request: CopyRequest) -> str: ...


class AlertClaim(StrEnum):
    MINE = "MINE"  # publish it: new, or an earlier attempt failed and its lease ran out
    SENT = "SENT"  # already published: a repeated delivery
    HELD = "HELD"  # another attempt is publishing it now


class AlertLedger(Protocol):
    """Which alerts were published: a conditional write before publishing makes it once."""

    def claim(self, alert: Alert) -> AlertClaim: ...

    def sent(self, alert_id: str, message_id: str) -> None: ...

    def failed(self, alert_id: str, reason: str, *, final: bool) -> None:
        """An attempt failed (its lease is released); `final`: no attempt will follow."""
        ...


class AlertPublisher(Protocol):
    def publish(self, message: AlertMessage) -> str:
        """The message id."""
        ...


class DeadLetters(Protocol):
    def send(self, body: str, reason: str) -> None: ...


class QuarantineCounter(Protocol):
    def count(self, hour: str) -> int:
        """One more quarantined message in `hour` (YYYY-MM-DDTHH); the count so far."""
        ...


# ---- what operators see (metrics, logs): implemented once, in observability.py ----------------


class IngestTelemetry(Protocol):
    def event_ingested(self, result: IngestResult, actions: list[str]) -> None: ...


class ChainTelemetry(Protocol):
    def chain_started(self, chain: ChainState) -> None: ...

    def hop_started(self, chain: ChainState, since_origin_landed: timedelta | None) -> None: ...

    def hop_completed(self, chain: ChainState, duration: timedelta | None) -> None: ...

    def chain_completed(self, chain: ChainState) -> None: ...

    def chain_replanned(self, chain: ChainState) -> None: ...

    def chain_failed(self, chain: ChainState, cause: str) -> None: ...

    def retention_shortened(self, recovery_point_arn: str, delete_after_days: int) -> None: ...


class ChainEndTelemetry(Protocol):
    def execution_ended(self, chain_id: str, status: str, released: int, died: bool) -> None: ...


class AlertTelemetry(Protocol):
    def alert_delivered(self, alert_id: str, outcome: str, reason: str | None) -> None: ...


class ReconcileTelemetry(ChainEndTelemetry, Protocol):
    def reconciled(self, report: ReconcileReport) -> None: ...
