"""How a copy job ended: one answer, whether AWS told us by event or by DescribeCopyJob."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from backup_relay.domain.jobs import FINAL_STATES, JobEvent, JobKind, JobState


@dataclass(frozen=True)
class CopyJobReport:
    """What AWS says about a copy job. The adapter builds it from a DescribeCopyJob answer;
    `of_event` builds it from the job's state-change event."""

    copy_job_id: str
    state: JobState
    destination_recovery_point_arn: str | None = None
    status_message: str | None = None
    message_category: str | None = None  # AWS's MessageCategory (aws_categories.py)

    @classmethod
    def of_event(cls, event: JobEvent) -> CopyJobReport | None:
        if event.kind is not JobKind.COPY or not event.job_id:
            return None
        return cls(
            copy_job_id=event.job_id,
            state=event.state,
            destination_recovery_point_arn=event.destination_recovery_point_arn,
            status_message=event.status_message,
            message_category=event.message_category,
        )


#: The Error a hop's copy job that failed resumes its wait with (SendTaskFailure), and that
#: CheckCopyJob gives the hop when it finds the job failed.
COPY_JOB_FAILED = "CopyJobFailed"


class CopyJobOutcome(BaseModel):
    """The end of a copy job, as the waiting hop receives it (the task token's output)."""

    model_config = ConfigDict(frozen=True)

    state: Literal["COMPLETED", "FAILED"]
    copy_job_id: str
    destination_recovery_point_arn: str | None = None
    status_message: str | None = None
    message_category: str | None = None  # AWS's, when the report had one

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED"


def outcome_of(report: CopyJobReport) -> CopyJobOutcome | None:
    """None while the job is still going. A job that ended any other way than COMPLETED with a
    recovery point failed: FAILED with AWS's message; PARTIAL (which lands a recovery point that
    lacks part of its source), ABORTED or EXPIRED with a cause that names that state first."""
    if report.state not in FINAL_STATES:
        return None
    if report.state is JobState.COMPLETED and report.destination_recovery_point_arn:
        return CopyJobOutcome(
            state="COMPLETED",
            copy_job_id=report.copy_job_id,
            destination_recovery_point_arn=report.destination_recovery_point_arn,
        )
    ended = f"copy job ended {report.state}"
    if report.status_message and report.state is not JobState.FAILED:
        cause = f"{ended}: {report.status_message}"
    else:
        cause = report.status_message or ended
    return CopyJobOutcome(
        state="FAILED",
        copy_job_id=report.copy_job_id,
        status_message=cause,
        message_category=report.message_category,
    )


def outcome_of_event(event: JobEvent) -> CopyJobOutcome | None:
    report = CopyJobReport.of_event(event)
    return outcome_of(report) if report is not None else None


@dataclass(frozen=True)
class CopyRequest:
    """A StartCopyJob request, run in the region of the source vault."""

    recovery_point_arn: str
    source_vault_name: str
    destination_vault_arn: str
    iam_role_arn: str
    idempotency_token: str
    lifecycle: Mapping[str, int]  # empty: the destination vault's defaults


#: RecoveryPointStatus values of a whole recovery point, ready for use: COMPLETED, or AVAILABLE
#: ("the backup was successfully created for the recovery point", botocore's backup model). Not
#: CREATING (still being made), PARTIAL (lacks part of its source), DELETING or EXPIRED (its
#: retention ended), STOPPED (a continuous backup that stopped).
WHOLE_STATUSES = frozenset({"COMPLETED", "AVAILABLE"})


@dataclass(frozen=True)
class RecoveryPoint:
    arn: str
    resource_type: str
    status: str
    created_at: datetime  # a copy keeps its source's creation date
    source_vault_arn: str | None  # set on a copy: the vault it was copied from
    delete_after_days: int | None = None  # its Lifecycle, counted from created_at
    resource_arn: str | None = None  # what was backed up (a copy keeps its source's)

    @property
    def is_whole(self) -> bool:
        return self.status in WHOLE_STATUSES


@dataclass(frozen=True)
class ListedCopyJob:
    """A copy job as ListCopyJobs gives it."""

    copy_job_id: str
    state: str
    source_recovery_point_arn: str
    destination_vault_arn: str
    resource_type: str
    status_message: str | None
    created_at: datetime
    message_category: str | None = None  # AWS's MessageCategory (aws_categories.py)
