"""Restore drills of the DR copies: what a validation concludes about a restored database, what
the ledger keeps of a proven restore, and when a resource has gone too long without one.

A drill is a restore job that an AWS Backup restore testing plan started in the DR region (its
event carries `restoreTestingPlanArn`,
https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html). Its validation reports
with PutRestoreValidationResult, whose ValidationStatus is FAILED, SUCCESSFUL, TIMED_OUT or
VALIDATING (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutRestoreValidationResult.html).
A restore is proven when its validation is SUCCESSFUL. A database not yet `available` when its
restore job COMPLETED fails the drill (INFERRED: AWS Backup reports a restore COMPLETED once
the database it made is usable; AWS does not say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

#: The DB instance / cluster status a usable restored database has (RDS's DBInstanceStatus and
#: DBClusterStatus; DocumentDB and Neptune answer the same).
AVAILABLE = "available"


class ValidationStatus(StrEnum):
    """PutRestoreValidationResult's ValidationStatus values."""

    FAILED = "FAILED"
    SUCCESSFUL = "SUCCESSFUL"
    TIMED_OUT = "TIMED_OUT"
    VALIDATING = "VALIDATING"


@dataclass(frozen=True)
class Database:
    """What Describe* says of a database (a restored one, or the snapshot it came from)."""

    arn: str
    engine: str
    engine_version: str
    status: str = AVAILABLE  # a snapshot's is its own; only a restored database's is read


@dataclass(frozen=True)
class Verdict:
    status: ValidationStatus
    message: str

    @property
    def proven(self) -> bool:
        return self.status is ValidationStatus.SUCCESSFUL


def judge(created_arn: str | None, restored: Database | None, source: Database | None) -> Verdict:
    """A restored database passes when it exists, is available, and runs the engine and the
    engine version of the snapshot it was restored from."""
    problem = _problem(created_arn, restored, source)
    if problem is not None or restored is None:
        return Verdict(ValidationStatus.FAILED, problem or "nothing restored")
    return Verdict(
        ValidationStatus.SUCCESSFUL,
        f"{created_arn} is {AVAILABLE}, {restored.engine} {restored.engine_version} as the source",
    )


def _problem(
    created_arn: str | None, restored: Database | None, source: Database | None
) -> str | None:
    if not created_arn:
        return "the restore job names no created resource"
    if restored is None:
        return f"{created_arn} not found"
    if restored.status != AVAILABLE:
        return f"{created_arn} is {restored.status}, not {AVAILABLE}"
    return _mismatch(restored, source)


def _mismatch(restored: Database, source: Database | None) -> str | None:
    if source is None:
        return "the recovery point's snapshot is not readable: nothing to compare"
    if restored.engine != source.engine:
        return f"engine {restored.engine}, the source's is {source.engine}"
    if restored.engine_version != source.engine_version:
        return (
            f"{restored.engine} {restored.engine_version}, the source's is {source.engine_version}"
        )
    return None


class ProvenRestore(BaseModel):
    """A resource's last proven restore: a drill whose validation was SUCCESSFUL."""

    model_config = ConfigDict(frozen=True)

    resource_arn: str
    resource_type: str | None
    proven_at: datetime
    recovery_point_arn: str  # the DR copy that restored
    restore_testing_plan_arn: str
    restore_job_id: str
    created_resource_arn: str | None = None


def newer(known: ProvenRestore | None, candidate: ProvenRestore) -> bool:
    """Whether `candidate` replaces `known` as the resource's last proven restore."""
    return known is None or candidate.proven_at > known.proven_at


def unproven_since(
    proven: ProvenRestore | None, first_seen: datetime, now: datetime, max_days: int
) -> datetime | None:
    """When a resource's time without a proven restore started (its last proven restore, else
    when it was first backed up), if that is more than `max_days` ago; None when it is not, or
    when the check is off (`max_days` 0)."""
    if max_days <= 0:
        return None
    since = proven.proven_at if proven is not None else first_seen
    return since if now - since > timedelta(days=max_days) else None
