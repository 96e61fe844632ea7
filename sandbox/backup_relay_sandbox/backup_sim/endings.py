"""How jobs and recovery points end other than COMPLETED: StopBackupJob (ABORTING -> ABORTED),
PARTIAL jobs and recovery points, and recovery points whose lifecycle ends (DELETING, then gone;
or EXPIRED when AWS Backup cannot delete them). Sources: docs/simulator.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from backup_relay_sandbox.backup_sim.clock import Timer
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.model import (
    FINAL,
    BackupJob,
    CopyJob,
    Job,
    JobState,
    RecoveryPoint,
    RecoveryPointStatus,
)

# The documented ABORTED event's message (events/backup_job_aborted.json).
BACKUP_STOPPED = "Backup job was stopped by user."
#: "This action is not supported for the following services: Amazon Aurora, Amazon DocumentDB
#: (with MongoDB compatibility), Amazon FSx for Lustre, Amazon FSx for NetApp ONTAP, Amazon FSx
#: for OpenZFS, Amazon FSx for Windows File Server, Amazon Neptune, SAP HANA databases on Amazon
#: EC2 instances, Amazon RDS" (StopBackupJob, https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StopBackupJob.html)
NOT_STOPPABLE = frozenset(
    {"Aurora", "DocumentDB", "FSx", "Neptune", "SAP HANA on Amazon EC2", "RDS"}
)
# INFERRED: AWS names no error for these; InvalidRequestException is modelled for StopBackupJob.
STOP_UNSUPPORTED = "StopBackupJob is not supported for {resource_type} backup jobs."
STOP_FINISHED = "Backup job {job_id} cannot be stopped: it is {state}."
# INFERRED: AWS publishes no message for PARTIAL jobs. A PARTIAL recovery point is "a
# composite recovery point [that] has one or more nested recovery points that were not in the
# backup" (the model's RecoveryPointStatus).
BACKUP_PARTIAL = "Backup job completed partially: one or more nested resources were not backed up."
COPY_PARTIAL = "Copy job completed partially: one or more nested recovery points were not copied."
POINT_PARTIAL = "One or more nested recovery points were not in the backup."
# INFERRED, after the model's EXPIRED ("exceeded its retention period, but Backup lacks
# permission or is otherwise unable to delete it") and DeleteRecoveryPoint ("When an IAM role's
# permissions are insufficient ... the recovery point is not deleted. Instead, it enters an
# EXPIRED state.").
LANDED_POINTS = frozenset({RecoveryPointStatus.COMPLETED, RecoveryPointStatus.PARTIAL})
POINT_EXPIRED = (
    "The recovery point exceeded its retention period, but AWS Backup lacks permission to "
    "delete it."
)


def stop_refusal(job: BackupJob) -> str | None:
    """Why StopBackupJob refuses `job` (InvalidRequestException), or None."""
    if job.resource.resource_type in NOT_STOPPABLE:
        return STOP_UNSUPPORTED.format(resource_type=job.resource.resource_type)
    if job.state in FINAL or job.state is JobState.ABORTING:
        return STOP_FINISHED.format(job_id=job.job_id, state=job.state.value)
    return None


def partial_message(job: Job, targets: set[str]) -> str | None:
    """The message `job` ends PARTIAL with, when the scenario names it or its vault."""
    if isinstance(job, BackupJob):
        return BACKUP_PARTIAL if targets & {job.job_id, job.vault_arn} else None
    assert isinstance(job, CopyJob)
    return COPY_PARTIAL if targets & {job.job_id, job.destination_vault_arn} else None


class Retention:
    """Each landed recovery point's lifecycle on the virtual clock: when `DeleteAt` (creation +
    DeleteAfterDays) passes, AWS Backup deletes it: DELETING, then gone after
    `durations.deletion`; a point it cannot delete (`settings.undeletable`) goes EXPIRED and
    stays. Background timers: they do not keep `run_until_idle` going."""

    def __init__(self, context: Context, remove: Callable[[RecoveryPoint], None]) -> None:
        self._context = context
        self._remove = remove
        self._timers: dict[str, Timer] = {}  # recovery point ARN -> its lifecycle's end

    def schedule(self, point: RecoveryPoint) -> None:
        """(Re)schedule the end of `point`'s lifecycle, after it landed or was updated."""
        self.cancel(point)
        days = (point.lifecycle or {}).get("DeleteAfterDays")
        if days is None or days < 0 or point.status not in LANDED_POINTS:
            return
        self._timers[point.arn] = self._context.clock.call_at(
            point.creation + timedelta(days=days), lambda: self._end(point), background=True
        )

    def cancel(self, point: RecoveryPoint) -> None:
        timer = self._timers.pop(point.arn, None)
        if timer is not None:
            timer.cancel()

    def _end(self, point: RecoveryPoint) -> None:
        self._timers.pop(point.arn, None)
        self.delete(point)

    def delete(self, point: RecoveryPoint) -> None:
        """Delete `point` now (its lifecycle ended, or DeleteRecoveryPoint): DELETING, then gone
        after `durations.deletion`; EXPIRED when AWS Backup cannot delete it
        (`settings.undeletable`), as DeleteRecoveryPoint says: "When an IAM role's permissions
        are insufficient ... the recovery point is not deleted. Instead, it enters an EXPIRED
        state." https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteRecoveryPoint.html"""
        self.cancel(point)
        if point.status is RecoveryPointStatus.DELETING:
            return
        if self._context.settings.undeletable & {point.arn, point.vault_arn}:
            point.status = RecoveryPointStatus.EXPIRED
            point.status_message = POINT_EXPIRED
            return
        point.status = RecoveryPointStatus.DELETING
        self._context.clock.call_at(
            self._context.now + self._context.settings.durations.deletion,
            lambda: self._remove(point),
            background=True,
        )
