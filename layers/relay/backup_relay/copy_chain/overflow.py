"""The quota-aware route of a chain that starts (issue #25 item 7; docs/copy-chain.md, "Routes
past the central account's quotas").

A chain planned from the central vault (chain_for_event) takes the central account's slot into
its destination region. When the hops already open in that slot, and this one, would not finish
inside what is left of the night's window (NightWindowHours, counted from the landing of the
copy that starts the chain), and the route table allows the type a single-action copy from the
member (SingleActionResourceTypes, no opt-in region), the chain is planned instead as one
single-action copy out of the member's own vault, from the member's own recovery point (the
landed copy's source, which its event names), straight into the destination vault, as the role
the member's copy ran as: its slot is then the member account's (domain/night_capacity.py).

The slot's queue is read in one GetItem (`SlotLoads`: the ledger keeps, on the slot's item, the
hops waiting for it besides its holders, and the durations of the hops it completed), so a
night of N chains costs N reads, not N scans of the open hops. A chain kept on the central route
counts in that queue at once (one UpdateItem), before its execution records its first hop.

The chain's steps run such a hop in the member account through its ReplayRole (steps.py,
MemberCopies); a member's copy event resumes it only once DescribeCopyJob through that role
confirms it (member_hops.py). A hop out of a member's vault that AWS refuses (the member role
missing, the copy refused) goes back to the central route (`back_to_central`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from backup_relay.copy_chain.ports import ChainLedger, SlotLoads
from backup_relay.domain.chain import ChainState, ChainStatus, HopSpec
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.night_capacity import Demand, NightRoutes, waves
from backup_relay.domain.quotas import slot_for
from backup_relay.domain.routes import Hop, HopKind, RouteError, RoutePolicy, Vault, plan_route


@dataclass(frozen=True)
class MemberSource:
    """What a single-action copy from the member needs, as the start of a chain knows it: the
    member's copy event names it all (ingest); a recovery point reconcile finds in the central
    vault names only the vault it was copied from (DescribeRecoveryPoint's SourceBackupVaultArn;
    it has no field for the member's own recovery point), so such a chain keeps the central
    route."""

    account: str | None
    source_vault_arn: str | None
    source_recovery_point_arn: str | None = None
    iam_role_arn: str | None = None

    @classmethod
    def of_event(cls, event: JobEvent) -> MemberSource:
        return cls(
            event.account,
            event.source_vault_arn,
            event.source_recovery_point_arn,
            event.iam_role_arn,
        )


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
    chain: ChainState, source: MemberSource, routes: RoutePolicy, queue: CentralQueue
) -> ChainState | None:
    """The chain as a single-action copy from the member, or None: it stays as planned."""
    if central_finishes_in_time(queue) or len(chain.hops) != 1:
        return None
    ends = _ends(chain, source, routes)
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
    role = source.iam_role_arn or ""  # _ends checked it
    return replace_route(chain, route.hops[0], source_rp, role, f"{route.reason}; {why}")


def _ends(
    chain: ChainState, source: MemberSource, routes: RoutePolicy
) -> tuple[Vault, Vault, str] | None:
    """(the member's own vault, the destination vault, the member's recovery point) of a
    single-action copy, when the landed copy's event names them and the role it ran as: it
    starts in the member account, from the member's own vault, as that role."""
    source_rp, source_vault = source.source_recovery_point_arn, source.source_vault_arn
    if not source_rp or not source_vault or not source.iam_role_arn:
        return None
    try:
        member = Vault.parse(source_vault)
        destination = Vault.parse(chain.destination_vault_arn)
    except RouteError:
        return None
    if member.account == routes.central_account or member.account != source.account:
        return None
    return member, destination, source_rp


def replace_route(
    chain: ChainState, hop: Hop, source_rp: str, role_arn: str, reason: str
) -> ChainState:
    """The chain with one hop out of the member's vault, from its own recovery point, as the
    member's role; its id, origin (the landed central copy, first of its copies) and
    destination stay, so its plan reads back from the ledger as it was made."""
    planned = chain.model_copy(deep=True)
    spec = HopSpec.of(hop).model_copy(
        update={"source_recovery_point_arn": source_rp, "iam_role_arn": role_arn}
    )
    planned.hops = [spec]
    planned.reason = reason
    return planned


def is_member_hop(hop: HopSpec, routes: RoutePolicy) -> bool:
    """A hop whose copy job runs in a member account (the overflow's)."""
    return hop.source_account != routes.central_account


def back_to_central(chain: ChainState, cause: str, routes: RoutePolicy) -> ChainState | None:
    """A hop out of a member's vault that AWS refused or failed goes back to the route it left:
    from the central vault where the member's copy landed (the chain's origin), as planned
    before the overflow. None: the current hop is not a member's."""
    current = chain.current
    if current is None or not is_member_hop(current.hop, routes):
        return None
    try:
        landed = routes.central_vault(Vault.parse(current.hop.source_vault_arn).region)
        route = plan_route(
            chain.resource_type, landed, Vault.parse(chain.destination_vault_arn), routes
        )
    except RouteError:
        return None
    replanned = chain.model_copy(deep=True)
    replanned.hops = chain.hops[: current.index] + [HopSpec.of(hop) for hop in route.hops]
    replanned.hop_index = current.index
    replanned.recovery_point_arn = chain.origin_recovery_point_arn
    replanned.current = None
    replanned.error = None
    replanned.reason = f"{route.reason}: the member's copy failed ({cause})"
    replanned.status = ChainStatus.REPLANNED
    return replanned


@dataclass
class OverflowRoutes:
    """The overflow's decision at a chain's start, with the central slot's queue read from the
    ledger: the one call of ingest (ChainTriggers) and reconcile (start_missing_chains)."""

    routes: RoutePolicy
    ledger: ChainLedger
    loads: SlotLoads
    window: timedelta  # NightWindowHours
    max_concurrent_copies: int  # MaxConcurrentCopies (0: AWS's quotas alone)
    now: Clock = field(default=utc_now)

    def route(self, chain: ChainState, source: MemberSource) -> ChainState:
        """The chain to start: replanned from the member, or as it came. Only a chain into the
        DR vault overflows (INFERRED: the route table has no single-action row into a LAG
        vault); the other destinations keep their central route. A chain already recorded
        keeps the plan it was recorded with (a redelivered event, or reconcile restarting a
        chain whose execution never started, decides nothing anew: its execution's input must
        not change)."""
        dr_vault = self.routes.dr_vault
        if dr_vault is None or chain.destination_vault_arn != dr_vault.arn:
            return chain
        recorded = self.ledger.chain_plan(chain.chain_id)
        if recorded is not None:
            return chain.model_copy(update={"hops": recorded.hops, "reason": recorded.reason})
        if len(chain.hops) != 1 or chain.resource_type not in self.routes.single_action_types:
            return chain  # nothing to decide: the slot's read is saved
        hop = chain.hops[0]
        slot = slot_for(
            chain.resource_type,
            hop.source_account,
            hop.destination_region,
            self.max_concurrent_copies,
        )
        load = self.loads.slot_load(slot.key)
        landed = chain.origin_completed_at or self.now()
        queue = CentralQueue(
            open_hops=load.open_hops,
            cap=slot.cap,
            typical_hop=load.typical_hop,
            window_left=self.window - max(timedelta(0), self.now() - landed),
        )
        planned = overflow(chain, source, self.routes, queue)
        if planned is not None:
            return planned
        self.loads.queue(slot.key, f"{chain.chain_id}#0")
        return chain
