"""The copy chain's steps, called by the state machine through the chain-steps function, and
the chain actions ingest takes on a recorded event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from backup_relay.adapters.chains import ChainLedger
from backup_relay.adapters.workflow import Workflow
from backup_relay.chain import (
    ChainState,
    HopOutcome,
    chain_for_event,
    intermediate_copies,
    next_hop,
    outcome_of,
    replan_after_refusal,
    running_job_id,
)
from backup_relay.models import JobEvent
from backup_relay.observability import MetricUnit, logger, metrics
from backup_relay.settings import ChainRuntimeSettings


class CopyJobs(Protocol):
    def start_copy_job(self, **request: Any) -> dict[str, Any]: ...
    def describe_copy_job(self, *, CopyJobId: str) -> dict[str, Any]: ...
    def update_recovery_point_lifecycle(self, **request: Any) -> dict[str, Any]: ...


def _seconds_since(metric: str, iso_time: str) -> None:
    elapsed = datetime.now(UTC) - datetime.fromisoformat(iso_time)
    metrics.add_metric(name=metric, unit=MetricUnit.Seconds, value=elapsed.total_seconds())


class CopyJobThrottled(Exception):
    """AWS Backup asked us to slow down; the state machine retries with jittered backoff."""


#: The floor of a shortened intermediate retention.
MIN_RETENTION_DAYS = 1
#: How often a hop in another region (whose events this region never sees) asks DescribeCopyJob.
POLL_SECONDS = 600
_THROTTLED = {"LimitExceededException", "ThrottlingException", "ServiceUnavailableException"}


@dataclass
class ChainSteps:
    settings: ChainRuntimeSettings
    ledger: ChainLedger
    workflow: Workflow
    backup: Callable[[str], CopyJobs]  # region -> AWS Backup client
    backup_role_arn: str

    def next_hop(self, chain: ChainState) -> ChainState:
        if chain.current is not None and chain.current.result:
            self.ledger.hop(
                chain,
                "COMPLETED",
                destination_recovery_point_arn=chain.current.result.get(
                    "destination_recovery_point_arn"
                ),
            )
            if chain.current.started_at:
                _seconds_since("HopDurationSeconds", chain.current.started_at)
        chain.wait_timeout_seconds = self.settings.wait_timeout_seconds
        chain.poll_seconds = min(POLL_SECONDS, self.settings.wait_timeout_seconds)
        chain.home_region = self.settings.home_region
        moved = next_hop(chain)
        if moved.done:
            self._shorten_intermediate_retention(moved)
            self.ledger.chain_ended(moved, "COMPLETED", moved.reason)
            metrics.add_metric(name="ChainsCompleted", unit=MetricUnit.Count, value=1)
            logger.info("chain completed", extra={"chain_id": moved.chain_id})
        else:
            self.ledger.hop(moved, "STARTING")
        return moved

    def start_copy_job(self, chain: ChainState) -> ChainState:
        """In the hop's source region. A refusal ends the hop with AWS's message as its cause."""
        started = chain.model_copy(deep=True)
        current = started.current
        if current is None:
            raise ValueError(f"{chain.chain_id}: no hop to start")
        lifecycle = {"Lifecycle": current.hop.lifecycle} if current.hop.lifecycle else {}
        try:
            answer = self.backup(current.hop.source_region).start_copy_job(
                RecoveryPointArn=current.recovery_point_arn,
                SourceBackupVaultName=current.hop.source_vault_name,
                DestinationBackupVaultArn=current.hop.destination_vault_arn,
                IamRoleArn=self.backup_role_arn,
                IdempotencyToken=current.idempotency_token,
                **lifecycle,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", str(error))
            if code in _THROTTLED:
                raise CopyJobThrottled(f"{code}: {message}") from None
            started.error = {"Error": code or "StartCopyJobFailed", "Cause": message}
            return started
        current.job = {"copy_job_id": answer["CopyJobId"]}
        current.started_at = datetime.now(UTC).isoformat()
        if current.index == 0 and started.origin_completed_at:
            _seconds_since("SecondsFromLandingToNextHop", started.origin_completed_at)
        self.ledger.hop(started, "STARTED")
        return started

    def _shorten_intermediate_retention(self, chain: ChainState) -> None:
        """Opt-in (IntermediateRetentionDays > 0), and only now that the last hop COMPLETED."""
        days = self.settings.intermediate_retention_days
        if days <= 0:
            return
        for arn, vault in intermediate_copies(chain, self.settings.chain):
            self.backup(vault.region).update_recovery_point_lifecycle(
                BackupVaultName=vault.name,
                RecoveryPointArn=arn,
                Lifecycle={"DeleteAfterDays": max(MIN_RETENTION_DAYS, days)},
            )
            logger.info(
                "shortened an intermediate copy's retention",
                extra={"recovery_point_arn": arn, "delete_after_days": days},
            )

    def await_copy_job(self, chain: ChainState, task_token: str) -> None:
        """Register the wait; if the job's final event already came, resume at once."""
        job_id = running_job_id(chain)
        self.ledger.await_job(job_id, task_token, chain)
        self.ledger.hop(chain, "RUNNING")
        final = self.ledger.final_event(job_id)
        outcome = outcome_of(final) if final else None
        if outcome is not None:
            self._resume(outcome)

    def check_copy_job(self, chain: ChainState) -> ChainState:
        """The event did not come in time: ask AWS Backup how the job is doing."""
        assert chain.current is not None  # running_job_id checks it
        region = chain.current.hop.source_region
        job = self.backup(region).describe_copy_job(CopyJobId=running_job_id(chain))["CopyJob"]
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
                first = self.ledger.chain_started(chain)
                # always (re)start: the first delivery may have died before StartExecution;
                # an execution of the same name and input is not started twice
                self.workflow.start(chain)
                if first:
                    metrics.add_metric(name="ChainsStarted", unit=MetricUnit.Count, value=1)
                    actions.append(f"started {chain.chain_id}")
        return actions

    def _resume(self, outcome: HopOutcome) -> bool:
        token = self.ledger.claim_resume(outcome.copy_job_id)
        return token is not None and self.workflow.resume(token, outcome)
