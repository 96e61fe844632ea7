"""The copy chain's steps, called by the state machine through the chain-steps function, and
the chain actions ingest takes on a recorded event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from backup_relay.adapters.chains import ChainLedger
from backup_relay.adapters.workflow import Workflow
from backup_relay.chain import (
    ChainState,
    HopOutcome,
    chain_for_event,
    next_hop,
    outcome_of,
    replan_after_refusal,
    running_job_id,
)
from backup_relay.models import JobEvent
from backup_relay.observability import MetricUnit, logger, metrics
from backup_relay.settings import ChainRuntimeSettings


class CopyJobs(Protocol):
    def describe_copy_job(self, *, CopyJobId: str) -> dict[str, Any]: ...


@dataclass
class ChainSteps:
    settings: ChainRuntimeSettings
    ledger: ChainLedger
    workflow: Workflow
    backup: CopyJobs

    def next_hop(self, chain: ChainState) -> ChainState:
        if chain.current is not None and chain.current.result:
            self.ledger.hop(
                chain,
                "COMPLETED",
                destination_recovery_point_arn=chain.current.result.get(
                    "destination_recovery_point_arn"
                ),
            )
        moved = next_hop(chain)
        moved.wait_timeout_seconds = self.settings.wait_timeout_seconds
        if moved.done:
            self.ledger.chain_ended(moved, "COMPLETED", moved.reason)
            metrics.add_metric(name="ChainsCompleted", unit=MetricUnit.Count, value=1)
            logger.info("chain completed", extra={"chain_id": moved.chain_id})
        else:
            self.ledger.hop(moved, "STARTING")
        return moved

    def await_copy_job(self, chain: ChainState, task_token: str) -> None:
        """Register the wait; if the job's final event already came, resume at once."""
        job_id = running_job_id(chain)
        self.ledger.await_job(job_id, task_token, chain)
        self.ledger.hop(chain, "RUNNING")
        final = self.ledger.final_event(job_id)
        outcome = outcome_of(final) if final else None
        if outcome is not None:
            self.workflow.resume(task_token, outcome)

    def check_copy_job(self, chain: ChainState) -> ChainState:
        """The event did not come in time: ask AWS Backup how the job is doing."""
        job = self.backup.describe_copy_job(CopyJobId=running_job_id(chain))["CopyJob"]
        checked = chain.model_copy(deep=True)
        assert checked.current is not None
        if job["State"] == "COMPLETED":
            checked.current.result = {
                "state": "COMPLETED",
                "copy_job_id": job["CopyJobId"],
                "destination_recovery_point_arn": job["DestinationRecoveryPointArn"],
            }
        elif job["State"] in {"FAILED", "PARTIAL"}:
            checked.error = {
                "Error": "CopyJobFailed",
                "Cause": job.get("StatusMessage") or f"copy job ended {job['State']}",
            }
        return checked

    def hop_failed(self, chain: ChainState) -> ChainState:
        cause = (chain.error or {}).get("Cause", "unknown failure")
        replanned = replan_after_refusal(chain, cause, self.settings.chain)
        if replanned is not None:
            logger.warning(
                "re-planned after AWS refused a single-action copy",
                extra={"chain_id": chain.chain_id, "reason": replanned.reason},
            )
            self.ledger.hop(chain, "REPLANNED", status_message=cause)
            return replanned
        if chain.current is not None:
            self.ledger.hop(chain, "FAILED", status_message=cause)
        self.ledger.chain_ended(chain, "FAILED", cause)
        metrics.add_metric(name="ChainsFailed", unit=MetricUnit.Count, value=1)
        logger.error("chain failed", extra={"chain_id": chain.chain_id, "cause": cause})
        return chain

    # ---- what ingest does with a recorded event -------------------------------------------

    def on_event(self, event: JobEvent) -> list[str]:
        """Resume the hop waiting for this copy job; start a chain for a landed recovery point.
        Both are idempotent, so every delivery of an event may call this."""
        actions = []
        outcome = outcome_of(event)
        if outcome is not None and self._resume(outcome):
            actions.append(f"resumed hop of copy job {outcome.copy_job_id}")
        if self.settings.dr_vault is not None:
            chain = chain_for_event(event, self.settings.chain, self.settings.dr_vault)
            if chain is not None:
                chain.wait_timeout_seconds = self.settings.wait_timeout_seconds
                self.ledger.chain_started(chain)
                if self.workflow.start(chain):
                    metrics.add_metric(name="ChainsStarted", unit=MetricUnit.Count, value=1)
                    actions.append(f"started {chain.chain_id}")
        return actions

    def _resume(self, outcome: HopOutcome) -> bool:
        token = self.ledger.waiting_token(outcome.copy_job_id)
        return token is not None and self.workflow.resume(token, outcome)
