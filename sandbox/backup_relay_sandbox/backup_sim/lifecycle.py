"""Jobs on the virtual clock: each step is a timer, and each state change publishes an event.

Only one backup or copy job runs per resource; the others wait in CREATED, first come first
served. A job then goes (PENDING, for backups when the scenario asks) -> RUNNING -> COMPLETED,
PARTIAL or FAILED; a backup still waiting at its StartBy EXPIRES; StopBackupJob makes a backup
ABORTING, then ABORTED. Whether a job fails or ends PARTIAL is decided when it starts running,
and a failing job still runs, for `durations.failure`. A job that will land puts its recovery
point in the vault, CREATING, when it starts running.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from backup_relay_sandbox.backup_sim import limits, moto_state
from backup_relay_sandbox.backup_sim.clock import Timer
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.emitter import Emitter
from backup_relay_sandbox.backup_sim.endings import BACKUP_STOPPED, POINT_PARTIAL, partial_message
from backup_relay_sandbox.backup_sim.failures import (
    BACKUP_EXPIRED,
    BACKUP_VAULT_MISSING,
    INVALID_PARAMETERS,
    CopyContext,
    copy_failure,
)
from backup_relay_sandbox.backup_sim.inventory import Inventory
from backup_relay_sandbox.backup_sim.model import (
    BackupJob,
    CopyJob,
    Failure,
    Job,
    JobState,
    RecoveryPointStatus,
)

SUCCESS = "SUCCESS"


class JobLifecycle:
    def __init__(self, context: Context, inventory: Inventory, emitter: Emitter) -> None:
        self._context = context
        self._inventory = inventory
        self._emitter = emitter
        self._waiting: dict[str, list[Job]] = {}  # resource ARN -> jobs in CREATED, oldest first
        self._holder: dict[str, Job] = {}  # resource ARN -> the one job using it
        self._timers: dict[str, Timer] = {}  # job id -> its next transition

    def admit(self, job: Job) -> None:
        """A new job: its CREATED event, its start window (backups), its place in the queue."""
        self._emitter.announce(job)
        if isinstance(job, BackupJob):
            expiry = job.start_by
            assert expiry is not None
            self._timers[job.job_id] = self._context.clock.call_at(
                expiry, lambda: self._expire(job)
            )
        self._enqueue(job)

    def run_for(self, job: Job, duration: timedelta) -> None:
        """Reschedule a running job's end to `duration` after it started running."""
        if job.state is JobState.RUNNING and job.failure is None:
            assert job.started is not None
            self._timers[job.job_id].cancel()
            job.expected_completion = job.started + duration
            self._timers[job.job_id] = self._context.clock.call_at(
                job.expected_completion, lambda: self._finish(job)
            )

    def _enqueue(self, job: Job) -> None:
        self._waiting.setdefault(job.resource.arn, []).append(job)
        self._dispatch(job.resource.arn)

    def _dispatch(self, resource_arn: str) -> None:
        queue = self._waiting.get(resource_arn, [])
        if resource_arn in self._holder or not queue:
            return
        job = queue.pop(0)
        job.holds_resource = True
        self._holder[resource_arn] = job
        if job.job_id in self._timers:
            self._timers[job.job_id].cancel()  # a backup job that no longer expires
        durations = self._context.settings.durations
        clock = self._context.clock
        if isinstance(job, BackupJob) and durations.backup_pending > timedelta(0):
            self._timers[job.job_id] = clock.call_later(durations.start, lambda: self._pend(job))
        else:
            self._timers[job.job_id] = clock.call_later(durations.start, lambda: self._run(job))

    def _pend(self, job: Job) -> None:
        job.state = JobState.PENDING
        self._emitter.publish(job)
        pending = self._context.settings.durations.backup_pending
        self._timers[job.job_id] = self._context.clock.call_later(pending, lambda: self._run(job))

    def stop(self, job: BackupJob) -> None:
        """StopBackupJob, once `endings.stop_refusal` found nothing against it: ABORTING at
        once (no event: none is documented), ABORTED `durations.abort` later, with the
        documented ABORTED event; the recovery point it was creating goes away."""
        timer = self._timers.pop(job.job_id, None)
        if timer is not None:
            timer.cancel()  # its next step, or its start window's end
        queue = self._waiting.get(job.resource.arn, [])
        if job in queue:
            queue.remove(job)
        job.state = JobState.ABORTING
        self._timers[job.job_id] = self._context.clock.call_later(
            self._context.settings.durations.abort, lambda: self._abort(job)
        )

    def _abort(self, job: BackupJob) -> None:
        job.state = JobState.ABORTED
        job.completion = self._context.now
        job.status_message = BACKUP_STOPPED
        self._inventory.discard(job.recovery_point_arn)
        self._emitter.publish(job)
        self._release(job)

    def _run(self, job: Job) -> None:
        job.state = JobState.RUNNING
        job.started = self._context.now
        job.failure = self._failure_of(job)
        if job.failure is None:
            job.partial = partial_message(job, self._context.settings.partial_jobs)
            self._begin(job)
        durations = self._context.settings.durations
        if job.failure is not None:
            duration = durations.failure
        else:
            default = durations.backup if isinstance(job, BackupJob) else durations.copy
            duration = self._context.faults.job_durations.get(job.job_id, default)
        job.expected_completion = self._context.now + duration
        self._emitter.publish(job)
        self._timers[job.job_id] = self._context.clock.call_later(
            duration, lambda: self._finish(job)
        )

    def _finish(self, job: Job) -> None:
        job.completion = self._context.now
        if job.failure is not None:
            job.state = JobState.FAILED
            job.status_message = job.failure.message
            job.message_category = job.failure.category
        elif job.partial is not None:
            # PARTIAL: AWS documents no message or category; see `endings`
            job.state = JobState.PARTIAL
            job.status_message = job.partial
            self._land(job, RecoveryPointStatus.PARTIAL, POINT_PARTIAL)
        else:
            job.state = JobState.COMPLETED
            job.message_category = SUCCESS
            self._land(job, RecoveryPointStatus.COMPLETED)
        self._emitter.publish(job)
        self._release(job)

    def _expire(self, job: BackupJob) -> None:
        if job.holds_resource or job.is_final:
            return
        self._waiting[job.resource.arn].remove(job)
        job.state = JobState.EXPIRED
        job.completion = self._context.now
        job.status_message = BACKUP_EXPIRED
        self._emitter.publish(job)

    def _release(self, job: Job) -> None:
        job.holds_resource = False
        self._timers.pop(job.job_id, None)
        if self._holder.get(job.resource.arn) is job:
            del self._holder[job.resource.arn]
        self._dispatch(job.resource.arn)

    def _begin(self, job: Job) -> None:
        if isinstance(job, BackupJob):
            self._inventory.begin_backup(job)
        else:
            assert isinstance(job, CopyJob)
            self._inventory.begin_copy(job)

    def _land(self, job: Job, status: RecoveryPointStatus, message: str | None = None) -> None:
        if isinstance(job, BackupJob):
            self._inventory.land(job.recovery_point_arn, status, message)
        else:
            assert isinstance(job, CopyJob)
            assert job.destination_recovery_point_arn
            self._inventory.land(job.destination_recovery_point_arn, status, message)

    def _failure_of(self, job: Job) -> Failure | None:
        if isinstance(job, BackupJob):
            vault = moto_state.vault(job.account, job.region, job.vault_name)
            if vault is None:
                return Failure(
                    BACKUP_VAULT_MISSING.format(vault_arn=job.vault_arn), INVALID_PARAMETERS
                )
            return _locked_out(vault, job.lifecycle, copy=False)
        assert isinstance(job, CopyJob)
        destination = moto_state.vault_by_arn(job.destination_vault_arn)
        context = CopyContext(
            job=job,
            source=self._inventory.recovery_points[job.source_recovery_point_arn],
            resource=job.resource,
            settings=self._context.settings,
            destination_vault=destination,
            destination_options=self._inventory.options_in(
                job.destination_account, job.destination_region
            ),
        )
        forced = self._context.faults.copy_fault(job.destination_vault_arn)
        return (
            copy_failure(context)
            or _locked_out(destination, job.lifecycle, copy=True)
            or (Failure(*forced) if forced else None)
        )


def _locked_out(vault: Any, lifecycle: Mapping[str, Any] | None, *, copy: bool) -> Failure | None:
    """A locked vault fails a job whose retention is outside its lock (`limits.lock_refusal`;
    a logically air-gapped vault's range in AWS's words, `limits.lag_refusal`); the job's
    MessageCategory is INFERRED."""
    refusal = limits.lag_refusal(vault, lifecycle, copy=copy) or limits.lock_refusal(
        vault, lifecycle
    )
    return Failure(refusal, INVALID_PARAMETERS) if refusal else None
