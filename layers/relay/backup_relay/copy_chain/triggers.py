"""What a recorded job event does to the copy chain (ingest calls this for every delivery):
resume the hop waiting for a copy job that ended; start a chain per destination (the DR vault,
then AdditionalDestinations: docs/copy-chain.md, "Destinations") for a recovery point that
landed in a central vault; with OnDemandBackupsToDr, copy a member's on-demand backup into the
central vault (on_demand.py), whose landing then starts its chains. All are idempotent, so a
duplicate delivery changes nothing.

Trust, but verify: any account of the organization can put events on the relay bus.
- Only this account's events resume a hop out of a central vault: its copy job runs in this
  (the central) account, whose events reach the stack through its own default bus, where no
  other account can put one. A member's event naming such a hop's copy job is forged; it
  resumes nothing. A hop the quota overflow runs out of a member's own vault (overflow.py) is
  resumed by that member's event only once DescribeCopyJob through the member's role confirms
  it (member_hops.py).
- A member's COMPLETED copy starts a chain only once DescribeRecoveryPoint, in the central
  vault the event names, shows the recovery point there, whole, copied from the vault the event
  says. Otherwise the event is refused (`UnverifiedEvent`, quarantined by ingest with a reason):
  a point not there (NotFound), and a vault AWS will not show (AccessDeniedException 403, its
  answer for a vault that does not exist) alike; only a throttle propagates, to be retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.copy_chain.decisions import ChainPlans, chains_for_event
from backup_relay.copy_chain.member_hops import MemberHops
from backup_relay.copy_chain.on_demand import OnDemandCopies
from backup_relay.copy_chain.overflow import MemberSource, OverflowRoutes
from backup_relay.copy_chain.ports import (
    ChainLedger,
    ChainTelemetry,
    MemberCopies,
    RecoveryPoints,
    Workflow,
)
from backup_relay.copy_chain.resume import resume_waiting_hop
from backup_relay.domain.copy_jobs import outcome_of_event
from backup_relay.domain.errors import InvalidJobEvent, NotFound, Refused
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.routes import RoutePolicy, Vault


@dataclass
class ChainTriggers:
    routes: RoutePolicy
    dr_vault: Vault | None  # None: the copy chain is off (no DrRegion)
    ledger: ChainLedger
    workflow: Workflow
    recovery_points: RecoveryPoints
    telemetry: ChainTelemetry
    #: OnDemandBackupsToDr: the member replay roles that copy on-demand backups into the central
    #: vault (on_demand.py); None: the option is off
    member_copies: MemberCopies | None = None
    #: the quota overflow (overflow.py): a starting chain's route, and the member hops' events
    #: (None: every chain runs from the central vault, as planned)
    overflow: OverflowRoutes | None = None
    member_hops: MemberHops | None = None

    def on_event(self, event: JobEvent) -> list[str]:
        """What it did, in words (for the log). InvalidJobEvent: a landed copy that AWS does
        not confirm (the event is forged or stale)."""
        actions = []
        outcome = outcome_of_event(event)
        from_here = event.account == self.routes.central_account
        if (
            outcome is not None
            and from_here
            and resume_waiting_hop(self.ledger, self.workflow, outcome)
        ):
            actions.append(f"resumed hop of copy job {outcome.copy_job_id}")
        elif outcome is not None and not from_here and self.member_hops is not None:
            actions += filter(None, [self.member_hops.resume(event, outcome)])
        if self.dr_vault is not None:
            actions += self._start_chains(event, chains_for_event(event, self.routes))
            if self.member_copies is not None:
                on_demand = OnDemandCopies(self.routes, self.member_copies)
                actions += on_demand.on_event(event, self.dr_vault)
        return actions

    def _start_chains(self, event: JobEvent, plans: ChainPlans) -> list[str]:
        """Each destination's chain, on its own: its own execution, slots, ledger records."""
        if not plans.chains and not plans.without_route:
            return []
        self._verify_landed(event)
        actions, any_first = [], False
        for planned in plans.chains:
            # the quota overflow (overflow.py): the same call as reconcile's
            source = MemberSource.of_event(event)
            chain = planned if self.overflow is None else self.overflow.route(planned, source)
            first = self.ledger.chain_started(chain)
            # always (re)start: the first delivery may have died before StartExecution;
            # an execution of the same name and input is not started twice
            self.workflow.start(chain)
            self.ledger.execution_started(chain)
            if first:
                any_first = True
                self.telemetry.chain_started(chain)
                actions.append(f"started {chain.chain_id}")
        if any_first or not plans.chains:  # once per landed copy, where a chain tells
            for refused in plans.without_route:
                label = refused.destination.label
                self.telemetry.destination_without_route(
                    event.resource_type or "", label, refused.reason
                )
                actions.append(f"no route to {label}: {refused.reason}")
        return actions

    def _verify_landed(self, event: JobEvent) -> None:
        vault = Vault.parse(event.destination_vault_arn or "")
        arn = event.destination_recovery_point_arn or ""
        try:
            point = self.recovery_points.describe(vault, arn)
        except NotFound:
            raise InvalidJobEvent(
                "unverified_event", f"recovery point {arn} is not in {vault.arn}"
            ) from None
        except Refused as refused:
            # AWS answers a vault that does not exist AccessDeniedException (403), as it does a
            # vault this account may not read: either way the copy is not ours to chain. Only
            # Throttled (not a Refused) is left to propagate, for SQS to retry.
            raise InvalidJobEvent(
                "unverified_event",
                f"recovery point {arn} in {vault.arn} could not be read ({refused}): the vault "
                "does not exist or is not this account's",
            ) from None
        if not point.is_whole or point.source_vault_arn != event.source_vault_arn:
            raise InvalidJobEvent(
                "unverified_event",
                f"recovery point {arn} in {vault.arn} is {point.status}, copied from "
                f"{point.source_vault_arn}, not a whole copy from {event.source_vault_arn}",
            )
