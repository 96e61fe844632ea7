"""A member's copy event resumes the hop out of its own vault (the quota overflow, overflow.py)
only once AWS confirms it.

Any account of the organization can put events on the relay bus, so a member's event naming a
chain's copy job proves nothing by itself (triggers.py: only the central account's events
resume central hops). A hop the overflow runs in a member account is different: its copy job
runs there, and its events come from there. Such an event resumes the hop only when
- the ledger's waiting hop for that copy job is a hop out of that very account's vault, and
- DescribeCopyJob, through that account's ReplayRole (MemberCopies), finds the job there (a
  job id is AWS's, unique; another account's job is not found) and says it ended;
the hop then resumes with what DescribeCopyJob says, never with what the event says. Otherwise
(a forged or early event, the role refused) nothing is resumed: the hop's CheckCopyJob finds
its job after its wait, as for any hop whose event never came. Throttled propagates, for SQS
to deliver the event again.
"""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.copy_chain.overflow import is_member_hop
from backup_relay.copy_chain.ports import ChainLedger, MemberCopies, Workflow
from backup_relay.copy_chain.resume import resume_waiting_hop
from backup_relay.domain.chain import HopSpec
from backup_relay.domain.copy_jobs import CopyJobOutcome, outcome_of
from backup_relay.domain.errors import Refused
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.routes import RoutePolicy


@dataclass
class MemberHops:
    routes: RoutePolicy
    ledger: ChainLedger
    workflow: Workflow
    member_copies: MemberCopies

    def resume(self, event: JobEvent, outcome: CopyJobOutcome) -> str | None:
        """What it did, in words; None when it resumed nothing."""
        hop = self._waiting_member_hop(event, outcome.copy_job_id)
        if hop is None:
            return None
        try:
            report = self.member_copies.describe_copy_job(
                event.account, hop.source_region, outcome.copy_job_id
            )
        except Refused:
            return None  # not that account's job, or its role refused: CheckCopyJob will see
        confirmed = outcome_of(report)
        if confirmed is None or confirmed.copy_job_id != outcome.copy_job_id:
            return None  # still running, whatever the event says
        if not resume_waiting_hop(self.ledger, self.workflow, confirmed):
            return None
        return f"resumed member hop of copy job {outcome.copy_job_id} (DescribeCopyJob confirmed)"

    def _waiting_member_hop(self, event: JobEvent, copy_job_id: str) -> HopSpec | None:
        """The hop waiting for that copy job, when it is a hop out of the event's account's own
        vault; None for any other (a central hop: forged; no hop waits for it)."""
        if event.account == self.routes.central_account:
            return None  # the central account's events resume hops as they always did
        found = self.ledger.hop_of_job(copy_job_id)
        plan = self.ledger.chain_plan(found[0]) if found is not None else None
        if found is None or plan is None or found[1] >= len(plan.hops):
            return None
        hop = plan.hops[found[1]]
        if not is_member_hop(hop, self.routes) or hop.source_account != event.account:
            return None
        return hop
