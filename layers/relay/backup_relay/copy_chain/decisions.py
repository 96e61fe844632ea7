"""The copy chain's decisions, as pure functions: which event starts a chain, how the chain moves
from hop to hop, how a refused single-action copy is re-planned, which copies are intermediate.

The state machine stays small because these decide; it only orchestrates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from backup_relay.domain.chain import (
    ChainState,
    ChainStatus,
    CurrentHop,
    hop_specs,
    new_chain,
)
from backup_relay.domain.errors import InvalidChainState
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.domain.quotas import slot_for
from backup_relay.domain.routes import (
    Destination,
    HopKind,
    RouteError,
    RoutePolicy,
    Vault,
    plan_route,
    two_hop_fallback,
)

#: The floor of a shortened intermediate retention.
MIN_RETENTION_DAYS = 1
FEATURE_NOT_SUPPORTED = "Feature is not supported for provided resource type"
#: How often a hop in a region whose events never reach this stack asks DescribeCopyJob.
POLL_SECONDS = 600


@dataclass(frozen=True)
class WaitPolicy:
    """How long a hop waits for its copy job's event before asking DescribeCopyJob.

    A copy job emits its events in its source region; hops starting in the stack's own region
    (`home_region`), or in a region whose events the vaults stack forwards to it
    (`forwarded_regions`: the DR region, with DrEventsForwarded), hear them. The others poll."""

    home_region: str
    event_wait_seconds: int
    forwarded_regions: frozenset[str] = frozenset()

    def seconds_for(self, source_region: str) -> int:
        if source_region == self.home_region or source_region in self.forwarded_regions:
            return self.event_wait_seconds
        return min(POLL_SECONDS, self.event_wait_seconds)


@dataclass(frozen=True)
class NoRoute:
    """A destination the route table has no copy to, for this recovery point: AWS's reason."""

    destination: Destination
    reason: str


@dataclass(frozen=True)
class ChainPlans:
    """What one landed recovery point starts: a chain per destination with a route, and the
    destinations without one (logged and counted, no alert: `backup-relay plan` says why)."""

    chains: tuple[ChainState, ...] = ()
    without_route: tuple[NoRoute, ...] = ()


def chains_for_event(event: JobEvent, settings: RoutePolicy) -> ChainPlans:
    """A member's copy of a chained type that COMPLETED into a central vault goes on to every
    destination (`RoutePolicy.destinations`), each its own chain. Anything else starts nothing."""
    landed = _landed_in_central_vault(event, settings)
    if landed is None or not event.resource_type or not event.destination_recovery_point_arn:
        return ChainPlans()
    return chains_from(
        event.resource_type, landed, event.destination_recovery_point_arn, settings, event.time
    )


def chains_from(
    resource_type: str,
    landed: Vault,
    recovery_point_arn: str,
    settings: RoutePolicy,
    landed_at: datetime | None = None,
) -> ChainPlans:
    """One chain per destination of a recovery point in the central vault `landed`: the
    destinations of its region (`home` is where it landed), except the vault it is in and the DR
    vault when it landed in the DR region (its central vault there is the DR region's copy)."""
    dr = settings.dr_vault
    chains, without = [], []
    for destination in settings.destinations(landed.region):
        in_dr_region = dr is not None and landed.region == dr.region
        if destination.vault in (landed, dr if in_dr_region else None):
            continue
        try:
            route = plan_route(
                resource_type,
                landed,
                destination.vault,
                settings,
                destination_vault_type=destination.vault_type,
            )
        except RouteError as error:
            without.append(NoRoute(destination, str(error)))
            continue
        chain = new_chain(route, recovery_point_arn)
        chain.origin_completed_at = landed_at
        chains.append(chain)
    return ChainPlans(tuple(chains), tuple(without))


def chain_for_event(event: JobEvent, settings: RoutePolicy, dr: Vault) -> ChainState | None:
    """The one chain of `chains_for_event` that goes to `dr` (the DR vault), if any."""
    plans = chains_for_event(event, settings)
    return next((c for c in plans.chains if c.destination_vault_arn == dr.arn), None)


def _landed_in_central_vault(event: JobEvent, settings: RoutePolicy) -> Vault | None:
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
    return landed if landed == settings.central_vault(landed.region) else None


def next_hop(state: ChainState, waits: WaitPolicy, max_concurrent_copies: int) -> ChainState:
    """Close the hop that just completed (if any), then open the next one or finish.
    `max_concurrent_copies`: the stack's MaxConcurrentCopies (0: AWS's quota alone), which
    caps the slot the hop takes (`quotas.slot_for`)."""
    state = state.model_copy(deep=True)
    if state.current is not None:
        result = state.current.result
        if result is None or not result.completed or not result.destination_recovery_point_arn:
            raise InvalidChainState(
                f"{state.chain_id}: hop {state.current.index} has not completed"
            )
        state.recovery_point_arn = result.destination_recovery_point_arn
        state.copies.append(state.recovery_point_arn)
        state.hop_index = state.current.index + 1
        state.current = None
    state.error = None
    if state.hop_index >= len(state.hops):
        state.status = ChainStatus.COMPLETED
        return state
    hop = state.hops[state.hop_index]
    # a hop out of a member's vault copies the member's own recovery point (overflow.py)
    source = hop.source_recovery_point_arn or state.recovery_point_arn
    slot = slot_for(
        state.resource_type,
        hop.source_account,
        hop.destination_region,
        max_concurrent_copies,
        into_lag=hop.into_lag,
    )
    state.current = CurrentHop(
        index=state.hop_index,
        hop=hop,
        recovery_point_arn=source,
        idempotency_token=hop.as_hop().idempotency_token(source, state.attempt),
        wait_seconds=waits.seconds_for(hop.source_region),
        slot=slot.key,
        slot_cap=slot.cap,
    )
    state.status = ChainStatus.HOP_READY
    return state


def replan_after_refusal(state: ChainState, cause: str, settings: RoutePolicy) -> ChainState | None:
    """AWS refused a single-action copy: the rest of the chain goes in two hops instead."""
    current = state.current
    if current is None or FEATURE_NOT_SUPPORTED not in cause:
        return None
    if current.hop.kind != HopKind.CROSS_ACCOUNT_AND_REGION:
        return None
    source = Vault.parse(current.hop.source_vault_arn)
    destination = Vault.parse(state.destination_vault_arn)
    vault_type = state.hops[-1].destination_vault_type
    planned = plan_route(
        state.resource_type, source, destination, settings, destination_vault_type=vault_type
    )
    route = two_hop_fallback(planned, settings)
    replanned = state.model_copy(deep=True)
    replanned.hops = state.hops[: current.index] + hop_specs(route)
    replanned.hop_index = current.index
    replanned.current = None
    replanned.error = None
    replanned.reason = f"{route.reason}: {cause}"
    replanned.status = ChainStatus.REPLANNED
    return replanned


def intermediate_copies(
    state: ChainState, settings: RoutePolicy, *, origin_shared: bool = False
) -> list[tuple[str, Vault]]:
    """The copies a finished chain left in central vaults on its way, with their vaults: the
    ones whose retention may be shortened (the final copy, the DR, LAG or member copies never;
    an overflowed chain's origin, its central copy, as any chain's).
    `origin_shared`: another chain of the same recovery point (another destination) may still
    copy from the chain's origin, which is then left as it is."""
    copies = []
    for index, hop in enumerate(state.hops):
        source = Vault.parse(hop.source_vault_arn)
        arn = state.copies[index] if index < len(state.copies) else ""
        if hop.source_recovery_point_arn is not None and arn == state.origin_recovery_point_arn:
            # the quota overflow: the hop copied the member's own recovery point, and the DR
            # copy is made without the central copy it left (the chain's origin, in the central
            # vault of the region where the member's copy landed): shortened as any origin is
            source = settings.central_vault(source.region)
        if origin_shared and arn == state.origin_recovery_point_arn:
            continue
        if index < len(state.copies) - 1 and source == settings.central_vault(source.region):
            copies.append((arn, source))
    return copies


def shortened_retention(
    created_at: datetime, now: datetime, keep_days: int, current: int | None
) -> int | None:
    """The DeleteAfterDays that keeps an intermediate copy `keep_days` more days from `now`, or
    None when its lifecycle already ends sooner.

    DeleteAfterDays counts from the recovery point's CreationDate, and a copy keeps its source's
    (docs/copy-chain.md, "Dates and retention"): a copy that landed days after its backup began
    would be deleted at once by DeleteAfterDays = `keep_days`."""
    age_days = max(0, math.ceil((now - created_at) / timedelta(days=1)))
    days = age_days + max(MIN_RETENTION_DAYS, keep_days)
    if current is not None and 0 <= current <= days:
        return None
    return days
