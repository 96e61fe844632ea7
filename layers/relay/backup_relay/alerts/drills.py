"""The drills' alerts: a drill that failed (its restore job, or its validation), and a resource
without a proven restore for longer than MaxDaysWithoutProvenRestore. Each once: its id names
the drill, or the resource and the proof it lacks since."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from backup_relay.alerts.build import warning
from backup_relay.domain.alert import Alert, AlertKind
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

if TYPE_CHECKING:
    from backup_relay.domain.jobs import JobEvent


def for_failed_drill(event: JobEvent, message: str) -> Alert:
    """One alert per drill (restore job), whichever way it failed and however often told."""
    point = event.source_recovery_point_arn
    return Alert(
        alert_id=f"drill:{event.job_id}",
        severity=Severity.ERROR,
        kind=AlertKind.DRILL_FAILED,
        headline="restore drill FAILED",
        occurred_at=event.time,
        diagnosis=warning(Category.DRILL_FAILED, f"drill {event.job_id} of {point}: {message}"),
        account=event.account,
        region=event.region,
        resource_type=event.resource_type,
        resource_arn=event.resource_arn,
        job_id=event.job_id,
        status_message=message,
        recovery_point_arn=point,
    )


def for_unproven_restore(  # noqa: PLR0917  (what names the resource and its proof)
    resource_arn: str,
    resource_type: str | None,
    account: str,
    region: str,
    since: datetime,
    proven: bool,
    max_days: int,
    at: datetime,
) -> Alert:
    """Once per resource and start of its unproven time: a new proof, then a new gap, alerts
    again."""
    what = "last proven restore" if proven else "first backup, never a proven restore,"
    message = f"{what} {since.isoformat(timespec='minutes')}; limit {max_days} days"
    return Alert(
        alert_id=f"unproven:{resource_arn}:{since.isoformat()}",
        severity=Severity.WARNING,
        kind=AlertKind.RESTORE_UNPROVEN,
        headline=f"no proven restore in {max_days} days",
        occurred_at=at,
        diagnosis=warning(Category.RESTORE_UNPROVEN, message),
        account=account,
        region=region,
        resource_type=resource_type,
        resource_arn=resource_arn,
        status_message=message,
    )
