"""The copy chain's state: what the state machine carries from step to step, and its contract.

Every step returns the whole `ChainState`. The state machine reads three things in it and
nothing else: `status` (its Choice states), `current.wait_seconds` (how long WaitForCopyJob
waits for the copy job's event) and `current.slot`, `current.slot_cap`, with `chain_id` and
`current.index` (the concurrency slot's key, its cap and the holder: `domain/quotas.py`).
Deployment settings (home region, waits) stay in the functions' environment.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from backup_relay.domain.copy_jobs import CopyJobOutcome
from backup_relay.domain.errors import InvalidChainState
from backup_relay.domain.route_table import VaultType
from backup_relay.domain.routes import Hop, HopKind, Route, Vault


class ChainStatus(StrEnum):
    """Where the chain stands; the state machine's Choice states branch on it."""

    NEW = "new"  # planned, no hop opened yet
    HOP_READY = "hop_ready"  # NextHop opened a hop: take a slot, start its copy job
    COPYING = "copying"  # the hop's copy job runs: wait for its end
    HOP_COMPLETED = "hop_completed"  # CheckCopyJob found the job COMPLETED: free the slot, go on
    HOP_FAILED = "hop_failed"  # the copy job was refused or failed: free the slot, HopFailed
    REPLANNED = "replanned"  # HopFailed re-planned the rest of the chain: NextHop
    COMPLETED = "completed"  # every hop done
    FAILED = "failed"  # the chain ends with `error`


class LedgerState(StrEnum):
    """The state of a chain or hop record in the ledger."""

    STARTING = "STARTING"
    STARTED = "STARTED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REPLANNED = "REPLANNED"


_HOP_RANK = {
    LedgerState.STARTING: 0,
    LedgerState.STARTED: 1,
    LedgerState.RUNNING: 2,
    LedgerState.COMPLETED: 3,
    LedgerState.FAILED: 3,
    LedgerState.REPLANNED: 3,
}


#: A hop still open: its chain may yet move it on.
OPEN_HOP_STATES = frozenset({LedgerState.STARTING, LedgerState.STARTED, LedgerState.RUNNING})


def hop_may_become(current: LedgerState | None, new: LedgerState) -> bool:
    """May a hop recorded `current` be recorded `new`? Never backwards (a retried or late step
    cannot undo a later state), never out of COMPLETED or FAILED; a REPLANNED hop's index is
    taken over by the first hop of the new plan (STARTING)."""
    if current is None:
        return True
    if current is LedgerState.REPLANNED:
        return new is LedgerState.STARTING
    if current in (LedgerState.COMPLETED, LedgerState.FAILED):
        return False
    return _HOP_RANK[new] >= _HOP_RANK[current]


class HopError(BaseModel):
    """Why a hop failed, in the shape a Step Functions Catch writes (`Error`, `Cause`)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    error: str = Field(alias="Error")
    cause: str = Field(alias="Cause")


class HopSpec(BaseModel):
    """One planned hop, flattened for the steps and the state machine."""

    model_config = ConfigDict(frozen=True)

    kind: HopKind
    source_account: str
    source_region: str
    source_vault_name: str
    source_vault_arn: str
    destination_account: str
    destination_region: str
    destination_vault_arn: str
    lifecycle: dict[str, int]
    #: The destination vault's type: a hop into a logically air-gapped vault takes that vault's
    #: copy quota too (domain/quotas.py), and its copy is never shortened as an intermediate one
    destination_vault_type: VaultType = VaultType.STANDARD
    #: A hop out of a member's own vault (the quota overflow, copy_chain/overflow.py): the
    #: member's recovery point it copies (not the previous hop's copy) and the member's role
    #: its copy job runs as. None: a hop out of a central vault, as the stack's backup role.
    source_recovery_point_arn: str | None = None
    iam_role_arn: str | None = None

    @classmethod
    def of(cls, hop: Hop, destination_vault_type: VaultType = VaultType.STANDARD) -> HopSpec:
        return cls(
            kind=hop.kind,
            source_account=hop.source.account,
            source_region=hop.source.region,
            source_vault_name=hop.source.name,
            source_vault_arn=hop.source.arn,
            destination_account=hop.destination.account,
            destination_region=hop.destination.region,
            destination_vault_arn=hop.destination.arn,
            lifecycle=hop.lifecycle.as_api(),
            destination_vault_type=destination_vault_type,
        )

    @property
    def into_lag(self) -> bool:
        return self.destination_vault_type is VaultType.LOGICALLY_AIR_GAPPED

    def as_hop(self) -> Hop:
        return Hop(
            source=Vault.parse(self.source_vault_arn),
            destination=Vault.parse(self.destination_vault_arn),
        )


class CurrentHop(BaseModel):
    index: int
    hop: HopSpec
    recovery_point_arn: str
    idempotency_token: str
    wait_seconds: int  # for the copy job's event, before CheckCopyJob asks DescribeCopyJob
    # the concurrency slot TakeSlot and FreeSlot name, and how many hops may hold it at once
    # (None: a hop opened before slots were per quota group, domain/quotas.py)
    slot: str | None = None
    slot_cap: int | None = None
    copy_job_id: str | None = None  # once StartCopyJob answered
    started_at: datetime | None = None  # when StartCopyJob answered (hop duration)
    result: CopyJobOutcome | None = None  # how the copy job ended


class ChainState(BaseModel):
    """The state machine's whole input and state; every step returns it, changed."""

    chain_id: str
    status: ChainStatus = ChainStatus.NEW
    resource_type: str
    origin_recovery_point_arn: str
    recovery_point_arn: str  # the source of the next hop
    destination_vault_arn: str
    hops: list[HopSpec]
    hop_index: int = 0
    current: CurrentHop | None = None
    reason: str = ""
    error: HopError | None = None  # why the current hop failed
    origin_completed_at: datetime | None = None  # when the copy that landed the origin completed
    copies: list[str] = []  # every recovery point along the route, the origin first
    attempt: int = 1  # a replay runs the chain again from its failed hop as attempt 2, 3, ...

    @property
    def execution_name(self) -> str:
        return execution_name(self.chain_id, self.attempt)

    def running_job_id(self) -> str:
        if self.current is None or not self.current.copy_job_id:
            raise InvalidChainState(f"{self.chain_id}: no copy job is running")
        return self.current.copy_job_id


#: What chain_id_for makes: `chain-` and 40 hex digits.
CHAIN_ID = re.compile(r"chain-[0-9a-f]{40}")


def chain_id_for(recovery_point_arn: str, destination_vault_arn: str) -> str:
    """Deterministic, and a valid execution name: a duplicate event starts nothing new."""
    digest = hashlib.sha256(f"{recovery_point_arn}|{destination_vault_arn}".encode()).hexdigest()
    return f"chain-{digest[:40]}"


#: An attempt's execution name: the chain id, then `-attempt-<n>` from the second (Step Functions
#: refuses a name used in the last 90 days, and a replay must not be refused).
_ATTEMPT = "-attempt-"


def execution_name(chain_id: str, attempt: int = 1) -> str:
    return chain_id if attempt <= 1 else f"{chain_id}{_ATTEMPT}{attempt}"


def chain_of_execution(name: str) -> tuple[str, int]:
    """(chain id, attempt) of an execution name."""
    chain_id, _, attempt = name.partition(_ATTEMPT)
    return chain_id, int(attempt) if attempt.isdigit() else 1


def hop_specs(route: Route) -> list[HopSpec]:
    """The route's hops; the last one into the route's destination, of its vault type."""
    last = len(route.hops) - 1
    return [
        HopSpec.of(hop, route.destination_vault_type if index == last else VaultType.STANDARD)
        for index, hop in enumerate(route.hops)
    ]


def new_chain(route: Route, recovery_point_arn: str) -> ChainState:
    return ChainState(
        chain_id=chain_id_for(recovery_point_arn, route.destination.arn),
        resource_type=route.resource_type,
        origin_recovery_point_arn=recovery_point_arn,
        recovery_point_arn=recovery_point_arn,
        destination_vault_arn=route.destination.arn,
        hops=hop_specs(route),
        reason=route.reason,
        copies=[recovery_point_arn],
    )


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
    state: LedgerState | None = None
    kind: HopKind | None = None
    source_vault_arn: str = ""
    destination_vault_arn: str = ""
    status_message: str | None = None  # why it failed, in AWS's words
    #: AWS's MessageCategory for its copy job's failure (aws_categories.py); None when unknown,
    #: and for a hop recorded before hops kept it
    message_category: str | None = None
    source_recovery_point_arn: str | None = None
    destination_recovery_point_arn: str | None = None
    slot: str = ""  # the concurrency slot's key (CurrentHop.slot); empty for an older record
    #: how many hops its slot lets copy at once (CurrentHop.slot_cap), and when its copy job
    #: started (CurrentHop.started_at): `status`'s finish time of tonight's queue; None for a
    #: hop recorded before hops kept them
    slot_cap: int | None = None
    started_at: datetime | None = None

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
    state: LedgerState
    execution_started: bool  # a start of its execution was confirmed
    resource_type: str = ""
    origin_recovery_point_arn: str = ""
    destination_vault_arn: str = ""
    reason: str = ""  # how it ended, when it did
    attempt: int = 1  # its execution runs as execution_name(chain_id, attempt)
    updated_at: str = ""  # when its state last changed (ISO 8601)
