"""The one canonical shape of an AWS Backup job event.

Its JSON field names are a contract: tooling reads them (`backup-relay normalize --json`, the
ledger, alerts). Add fields; never rename or drop one. `CONTRACT_VERSION` counts the additions
(docs/events.md lists what each version added).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

#: The JobEvent contract's version: 2 added the SCAN and INDEX kinds, their states, and the
#: fields `scan_result` and `restore_testing_plan_arn`; 3 the field `backup_plan_arn`
#: (docs/events.md).
CONTRACT_VERSION = 3


class JobKind(StrEnum):
    BACKUP = "BACKUP"
    COPY = "COPY"
    RESTORE = "RESTORE"
    SCAN = "SCAN"  # a malware scan of a recovery point ("Scan Job State Change")
    INDEX = "INDEX"  # a recovery point's backup index ("Recovery Point Index State Change")


#: The kinds that move data (backups, copies, restores): what status counts as the night's jobs
#: and what a failure alert (`for_job`) is raised for. A scan or an index moves no data.
DATA_JOB_KINDS = frozenset({JobKind.BACKUP, JobKind.COPY, JobKind.RESTORE})


class JobState(StrEnum):
    """One state enum across AWS Backup's job events (the union of AWS's enums): backup, copy
    and restore jobs; scan jobs (CANCELED, COMPLETED_WITH_ISSUES); recovery point indexes
    (`indexStatus`: PENDING ACTIVE FAILED DELETING, and DELETED in AWS's event examples)."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    ABORTING = "ABORTING"
    ABORTED = "ABORTED"
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    CANCELED = "CANCELED"  # scan
    COMPLETED_WITH_ISSUES = "COMPLETED_WITH_ISSUES"  # scan
    ACTIVE = "ACTIVE"  # index: built, searchable; it may still be deleted
    DELETING = "DELETING"  # index
    DELETED = "DELETED"  # index


#: The states a backup, copy or restore job takes (the union of AWS's BackupJobState,
#: CopyJobState and RestoreJobStatus); the others are scans' and indexes' only.
DATA_JOB_STATES = tuple(
    state
    for state in JobState
    if state
    not in {
        JobState.CANCELED,
        JobState.COMPLETED_WITH_ISSUES,
        JobState.ACTIVE,
        JobState.DELETING,
        JobState.DELETED,
    }
)

#: States after which a job never changes again.
FINAL_STATES = frozenset(
    {
        JobState.ABORTED,
        JobState.COMPLETED,
        JobState.PARTIAL,
        JobState.FAILED,
        JobState.EXPIRED,
        JobState.CANCELED,
        JobState.COMPLETED_WITH_ISSUES,
        JobState.DELETED,
    }
)
#: The order a job's states come in; a state never follows one of a higher rank (events arrive
#: late and out of order, but a job never goes back).
_STATE_RANK = {
    JobState.CREATED: 0,
    JobState.PENDING: 1,
    JobState.RUNNING: 2,
    JobState.ACTIVE: 2,  # an index's ACTIVE, then DELETING, then DELETED
    JobState.ABORTING: 3,
    JobState.DELETING: 3,
    **dict.fromkeys(FINAL_STATES, 4),
}


def moves_job_forward(current: JobState | None, new: JobState) -> bool:
    """Does an event in `new` state tell more about a job last known in `current`? A late
    RUNNING after COMPLETED does not; nothing follows a final state."""
    return current is None or (
        current not in FINAL_STATES and _STATE_RANK[new] > _STATE_RANK[current]
    )


#: Final states that mean something went wrong.
FAILURE_STATES = frozenset(
    {JobState.ABORTED, JobState.PARTIAL, JobState.FAILED, JobState.EXPIRED, JobState.CANCELED}
)

#: A scan's `scanResult.scanResultStatus` when it found malware in the recovery point (AWS's
#: ScanResultInfo: THREATS_FOUND or NO_THREATS_FOUND).
THREATS_FOUND = "THREATS_FOUND"

DETAIL_TYPES: dict[str, JobKind] = {
    "Backup Job State Change": JobKind.BACKUP,
    "Copy Job State Change": JobKind.COPY,
    "Restore Job State Change": JobKind.RESTORE,
    "Scan Job State Change": JobKind.SCAN,
    "Recovery Point Index State Change": JobKind.INDEX,
}


def job_key(kind: JobKind, job_id: str) -> str:
    """A job's stable key (`JobEvent.job_key`): its kind and its id."""
    return f"{kind}#{job_id}"


class JobEvent(BaseModel):
    """A normalized AWS Backup job event.

    For every kind, `source_*` is where data is read from and `destination_*` where it is written:
    a backup job writes its recovery point into `destination_vault_arn`; a copy job reads
    `source_recovery_point_arn` from `source_vault_arn`; a restore job, a scan and an index read
    their recovery point from `source_vault_arn`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: JobKind
    job_id: str | None = Field(description="None only for a copy job's CREATED event")
    state: JobState
    status_message: str | None
    account: str
    region: str
    time: datetime
    resource_arn: str | None = Field(description="the protected resource")
    resource_type: str | None
    source_recovery_point_arn: str | None
    destination_recovery_point_arn: str | None
    source_vault_arn: str | None
    destination_vault_arn: str | None
    size_bytes: int | None
    iam_role_arn: str | None
    event_id: str
    created_resource_arn: str | None = Field(
        default=None, description="a restore's: the resource it created (COMPLETED)"
    )
    message_category: str | None = Field(
        default=None,
        description="AWS's MessageCategory (aws_categories.py), when the event carries one: "
        "AWS's documented events do not",
    )
    scan_result: str | None = Field(
        default=None,
        description="a scan's `scanResult.scanResultStatus` (COMPLETED): THREATS_FOUND or "
        "NO_THREATS_FOUND",
    )
    restore_testing_plan_arn: str | None = Field(
        default=None, description="a restore's, when a restore testing plan started it"
    )
    backup_plan_arn: str | None = Field(
        default=None,
        description="a backup's `createdBy.backupPlanArn`: the plan that started it; None for "
        "an on-demand backup (StartBackupJob)",
    )

    @property
    def found_threats(self) -> bool:
        """A scan that found malware in `source_recovery_point_arn`."""
        return self.kind is JobKind.SCAN and self.scan_result == THREATS_FOUND

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_failure(self) -> bool:
        return self.state in FAILURE_STATES

    @property
    def job_key(self) -> str:
        """Stable key of the job this event belongs to.

        A copy job's CREATED event carries no job id, so it is keyed by what it copies and where;
        an index has none at all, so it is keyed by its recovery point (and vault).
        """
        if self.job_id:
            return job_key(self.kind, self.job_id)
        route = "|".join(
            part or ""
            for part in (
                self.source_recovery_point_arn,
                self.source_vault_arn,
                self.destination_vault_arn,
            )
        )
        return job_key(self.kind, f"~{hashlib.sha256(route.encode()).hexdigest()[:24]}")

    @property
    def dedupe_key(self) -> str:
        """Identical for redeliveries of one event, different for distinct events.

        AWS's documented examples reuse one event id for several restore events, so the id alone
        is not trusted to be unique.
        """
        return f"{self.job_key}#{self.state}#{self.time.isoformat()}#{self.event_id}"
