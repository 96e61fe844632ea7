"""The quota-aware route of a chain that starts, as a pure decision (issue #25 item 7; NOT WIRED
yet: docs/copy-chain.md, "Routes past the central account's quotas").

A chain planned from the central vault (chain_for_event) takes the central account's slot into
its destination region. When the hops already open in that slot, and this one, would not finish
inside what is left of the night's window (NightWindowHours), and the route table allows the
type a single-action copy from the member (SingleActionResourceTypes, no opt-in region), the
chain is planned instead as one single-action copy out of the member's own vault, from the
member's own recovery point (the landed copy's source, which its event names), straight into the
destination vault: its slot is then the member account's (domain/night_capacity.py).

What running such a hop needs, and is not built: the chain's steps starting and describing its
copy job in the member account (MemberCopies, through the member stack's ReplayRole), and a
member's copy event resuming the hop only once DescribeCopyJob through the member role confirms
it (only the central account's events resume hops today, and central hops keep that guarantee).
The DR vault's access policy already admits the organization's backup roles (the vaults stack),
and the doctor checks it. Until then nothing calls `overflow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from backup_relay.domain.chain import ChainState, HopSpec
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.night_capacity import Demand, NightRoutes, waves
from backup_relay.domain.routes import Hop, HopKind, RouteError, RoutePolicy, Vault, plan_route


@dataclass(frozen=True)
class CentralQueue:
    """The central slot a chain would take (its destination region and quota group): how many
    hops hold it or wait for it, its cap, and the night's typical hop (None: not measured yet)."""

    open_hops: int
    cap: int
    typical_hop: timedelta | None
    window_left: timedelta  # what is left of the night's window


def central_finishes_in_time(queue: CentralQueue) -> bool:
    """Does the slot finish its open hops and one more inside the window? Unknown (no hop
    measured yet) counts as yes: the central route stays the default."""
    if queue.typical_hop is None:
        return True
    return waves(queue.open_hops + 1, max(1, queue.cap)) * queue.typical_hop <= queue.window_left


def overflow(
    chain: ChainState, event: JobEvent, routes: RoutePolicy, queue: CentralQueue
) -> ChainState | None:
    """The chain as a single-action copy from the member, or None: it stays as planned."""
    if central_finishes_in_time(queue) or len(chain.hops) != 1:
        return None
    ends = _ends(chain, event, routes)
    if ends is None:
        return None
    member, destination, source_rp = ends
    demand = Demand(member.account, member.region, chain.resource_type, destination.region, 1)
    if not NightRoutes(routes.central_account, routes.single_action_types).single_action_allowed(
        demand
    ):
        return None
    try:
        route = plan_route(chain.resource_type, member, destination, routes)
    except RouteError:
        return None
    if [hop.kind for hop in route.hops] != [HopKind.CROSS_ACCOUNT_AND_REGION]:
        return None
    why = (
        f"the central slot into {destination.region} ({queue.open_hops} open, cap {queue.cap}) "
        "would not finish inside NightWindowHours"
    )
    return replace_route(chain, route.hops[0], source_rp, f"{route.reason}; {why}")


def _ends(
    chain: ChainState, event: JobEvent, routes: RoutePolicy
) -> tuple[Vault, Vault, str] | None:
    """(the member's own vault, the destination vault, the member's recovery point) of a
    single-action copy, when the landed copy's event names them: it starts in the member
    account, from the member's own vault."""
    source_rp, source_vault = event.source_recovery_point_arn, event.source_vault_arn
    if not source_rp or not source_vault:
        return None
    try:
        member = Vault.parse(source_vault)
        destination = Vault.parse(chain.destination_vault_arn)
    except RouteError:
        return None
    if member.account == routes.central_account or member.account != event.account:
        return None
    return member, destination, source_rp


def replace_route(chain: ChainState, hop: Hop, source_rp: str, reason: str) -> ChainState:
    """The chain with one hop out of the member's vault, from its own recovery point; its id,
    origin (the landed central copy) and destination stay."""
    planned = chain.model_copy(deep=True)
    planned.hops = [HopSpec.of(hop)]
    planned.recovery_point_arn = source_rp
    planned.copies = [source_rp]
    planned.reason = reason
    return planned
