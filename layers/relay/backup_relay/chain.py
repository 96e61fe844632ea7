"""The copy chain's state, as the state machine carries it from hop to hop, and the decisions
around it: when an event starts a chain, how a hop ends, how a chain moves on.

The state machine stays small because these pure functions decide; it only orchestrates.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict

from backup_relay.models import JobEvent, JobKind, JobState
from backup_relay.planner import (
    ChainSettings,
    Hop,
    Route,
    RouteError,
    Vault,
    plan_route,
    two_hop_fallback,
)

FEATURE_NOT_SUPPORTED = "Feature is not supported for provided resource type"


class HopSpec(BaseModel):
    """One planned hop, flattened for the state machine's StartCopyJob parameters."""

    model_config = ConfigDict(frozen=True)

    kind: str
    source_account: str
    source_region: str
    source_vault_name: str
    source_vault_arn: str
    destination_account: str
    destination_region: str
    destination_vault_arn: str
    lifecycle: dict[str, int]

    @classmethod
    def of(cls, hop: Hop) -> HopSpec:
        return cls(
            kind=str(hop.kind),
            source_account=hop.source.account,
            source_region=hop.source.region,
            source_vault_name=hop.source.name,
            source_vault_arn=hop.source.arn,
            destination_account=hop.destination.account,
            destination_region=hop.destination.region,
            destination_vault_arn=hop.destination.arn,
            lifecycle=hop.lifecycle.as_api(),
        )

    def as_hop(self) -> Hop:
        return Hop(
            source=Vault.parse(self.source_vault_arn),
            destination=Vault.parse(self.destination_vault_arn),
        )


class Slot(BaseModel):
    """DynamoDB attribute values the state machine passes to UpdateItem to take/free a slot."""

    key: dict[str, dict[str, str]]
    holder: dict[str, list[str]]
    holder_s: dict[str, str]


class CurrentHop(BaseModel):
    index: int
    hop: HopSpec
    recovery_point_arn: str
    idempotency_token: str
    slot: Slot
    wait_seconds: int  # for the copy job's event, before asking DescribeCopyJob
    job: dict[str, str] | None = None  # {"copy_job_id": ...} once StartCopyJob answered
    result: dict[str, str] | None = None  # {"destination_recovery_point_arn": ...} when done
    started_at: str | None = None  # ISO time StartCopyJob answered (hop duration)


class ChainState(BaseModel):
    """The state machine's whole input and state; every step returns it, changed."""

    chain_id: str
    resource_type: str
    origin_recovery_point_arn: str
    recovery_point_arn: str  # the source of the next hop
    destination_vault_arn: str
    hops: list[HopSpec]
    hop_index: int = 0
    current: CurrentHop | None = None
    done: bool = False
    reason: str = ""
    home_region: str = ""  # where this chain's state machine and ingest run
    wait_timeout_seconds: int = 4 * 3600  # then CheckCopyJob asks DescribeCopyJob
    poll_seconds: int = 600  # for hops in another region, whose events ingest never sees
    error: dict[str, str] | None = None  # {"Error": ..., "Cause": ...} of a failed hop
    origin_completed_at: str | None = None  # when the copy that landed the origin completed
    copies: list[str] = []  # every recovery point along the route, the origin first


class HopOutcome(BaseModel):
    """How a copy job ended, as ingest or the poller hands it to the waiting hop."""

    state: Literal["COMPLETED", "FAILED"]
    copy_job_id: str
    destination_recovery_point_arn: str | None = None
    status_message: str | None = None


def chain_id_for(recovery_point_arn: str, destination_vault_arn: str) -> str:
    """Deterministic, and a valid execution name: a duplicate event starts nothing new."""
    digest = hashlib.sha256(f"{recovery_point_arn}|{destination_vault_arn}".encode()).hexdigest()
    return f"chain-{digest[:40]}"


def new_chain(route: Route, recovery_point_arn: str) -> ChainState:
    return ChainState(
        chain_id=chain_id_for(recovery_point_arn, route.destination.arn),
        resource_type=route.resource_type,
        origin_recovery_point_arn=recovery_point_arn,
        recovery_point_arn=recovery_point_arn,
        destination_vault_arn=route.destination.arn,
        hops=[HopSpec.of(hop) for hop in route.hops],
        reason=route.reason,
        copies=[recovery_point_arn],
    )


def chain_for_event(event: JobEvent, settings: ChainSettings, dr: Vault) -> ChainState | None:
    """A member's copy of a chained type that COMPLETED into a central vault outside the DR
    region goes on to the DR vault. Anything else starts nothing."""
    if event.kind is not JobKind.COPY or event.state is not JobState.COMPLETED:
        return None
    if (
        event.resource_type not in settings.chained_types
        or event.account == settings.central_account
    ):
        return None
    if not (event.destination_vault_arn and event.destination_recovery_point_arn):
        return None
    try:
        landed = Vault.parse(event.destination_vault_arn)
    except RouteError:
        return None
    if landed != settings.central_vault(landed.region) or landed.region == dr.region:
        return None
    route = plan_route(event.resource_type, landed, dr, settings)
    chain = new_chain(route, event.destination_recovery_point_arn)
    chain.origin_completed_at = event.time.isoformat()
    return chain


def next_hop(state: ChainState) -> ChainState:
    """Close the hop that just completed (if any), then open the next one or finish."""
    state = state.model_copy(deep=True)
    if state.current is not None:
        if not state.current.result:
            raise ValueError(f"{state.chain_id}: hop {state.current.index} has no result yet")
        state.recovery_point_arn = state.current.result["destination_recovery_point_arn"]
        state.copies.append(state.recovery_point_arn)
        state.hop_index = state.current.index + 1
        state.current = None
    if state.hop_index >= len(state.hops):
        state.done = True
        return state
    hop = state.hops[state.hop_index]
    holder = f"{state.chain_id}#{state.hop_index}"
    state.current = CurrentHop(
        index=state.hop_index,
        hop=hop,
        recovery_point_arn=state.recovery_point_arn,
        idempotency_token=hop.as_hop().idempotency_token(state.recovery_point_arn),
        wait_seconds=state.wait_timeout_seconds
        if hop.source_region == state.home_region or not state.home_region
        else state.poll_seconds,
        slot=Slot(
            key={
                "pk": {"S": f"SLOT#{hop.source_account}#{hop.destination_region}"},
                "sk": {"S": "SLOT"},
            },
            holder={"SS": [holder]},
            holder_s={"S": holder},
        ),
    )
    return state


def running_job_id(state: ChainState) -> str:
    if state.current is None or not state.current.job:
        raise ValueError(f"{state.chain_id}: no copy job is running")
    return state.current.job["copy_job_id"]


def outcome_of(event: JobEvent) -> HopOutcome | None:
    """The end of a copy job, from its event; None while it is still going."""
    if event.kind is not JobKind.COPY or not event.is_final or not event.job_id:
        return None
    if event.state is JobState.COMPLETED and event.destination_recovery_point_arn:
        return HopOutcome(
            state="COMPLETED",
            copy_job_id=event.job_id,
            destination_recovery_point_arn=event.destination_recovery_point_arn,
        )
    return HopOutcome(
        state="FAILED",
        copy_job_id=event.job_id,
        status_message=event.status_message or f"copy job ended {event.state}",
    )


def replan_after_refusal(
    state: ChainState, cause: str, settings: ChainSettings
) -> ChainState | None:
    """AWS refused a single-action copy: the rest of the chain goes in two hops instead."""
    current = state.current
    if current is None or FEATURE_NOT_SUPPORTED not in cause:
        return None
    if current.hop.kind != "cross-account-and-region":
        return None
    source = Vault.parse(current.hop.source_vault_arn)
    destination = Vault.parse(state.destination_vault_arn)
    route = two_hop_fallback(
        plan_route(state.resource_type, source, destination, settings), settings
    )
    replanned = state.model_copy(deep=True)
    replanned.hops = state.hops[: current.index] + [HopSpec.of(hop) for hop in route.hops]
    replanned.hop_index = current.index
    replanned.current = None
    replanned.error = None
    replanned.reason = f"{route.reason}: {cause}"
    return replanned


def intermediate_copies(state: ChainState, settings: ChainSettings) -> list[tuple[str, Vault]]:
    """The copies a finished chain left in central vaults on its way, with their vaults: the
    ones whose retention may be shortened (the final copy and the DR or member copies never)."""
    copies = []
    for index, hop in enumerate(state.hops):
        source = Vault.parse(hop.source_vault_arn)
        if index < len(state.copies) - 1 and source == settings.central_vault(source.region):
            copies.append((state.copies[index], source))
    return copies
