"""Resume the hop that waits for a copy job: whoever learns of the job's end first (ingest from
its event, the wait step when the event came first, reconcile from DescribeCopyJob) claims the
task token with a conditional write, so the hop is resumed once."""

from __future__ import annotations

from backup_relay.copy_chain.ports import ChainLedger, Workflow
from backup_relay.domain.copy_jobs import CopyJobOutcome


def resume_waiting_hop(ledger: ChainLedger, workflow: Workflow, outcome: CopyJobOutcome) -> bool:
    """True only for the call that resumed it."""
    token = ledger.claim_resume(outcome.copy_job_id)
    return token is not None and workflow.resume(token, outcome)
