"""Coverage: is each chained resource's newest DR copy recent enough?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel

from backup_relay.copy_chain.ports import RecoveryPoints
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.jobs import FAILURE_STATES, JobEvent, JobKind, JobState
from backup_relay.domain.routes import Vault
from backup_relay.status.chains import _hours
from backup_relay.status.ports import JobStates


class ResourceCoverage(BaseModel):
    resource_arn: str
    resource_type: str
    account: str
    region: str
    newest_dr_copy: str | None  # when the newest copy into the DR vault completed
    dr_recovery_point_arn: str | None
    age_hours: float | None
    current: bool
    #: no DR copy yet, but its first backup is younger than the maximum age and none of its
    #: copies failed: not yet due
    pending: bool = False
    #: the ledger missed its DR copy's event (lost); the DR vault holds the copy
    verified_in_vault: bool = False


class CoverageReport(BaseModel):
    max_age_hours: float
    resources: list[ResourceCoverage] = []

    @property
    def stale(self) -> list[ResourceCoverage]:
        return [r for r in self.resources if not r.current]


@dataclass
class Coverage:
    """`lookback`: how far back the ledger is read for backups and DR copies. `dr_points`: the
    DR vault, asked about each resource the ledger calls stale before it is called so (an event
    AWS never delivered leaves a copy out of the ledger, not out of the vault)."""

    jobs: JobStates
    dr_vault_arn: str
    chained_types: frozenset[str]
    lookback: timedelta = timedelta(days=35)
    now: Clock = field(default=utc_now)
    dr_points: RecoveryPoints | None = None

    def __call__(self, max_age: timedelta) -> CoverageReport:
        now = self.now()
        since = now - self.lookback
        first_backup: dict[str, JobEvent] = {}
        for event in self.jobs.jobs_in_state(JobKind.BACKUP, JobState.COMPLETED, since):
            if event.resource_type in self.chained_types and event.resource_arn:
                known = first_backup.get(event.resource_arn)
                if known is None or event.time < known.time:
                    first_backup[event.resource_arn] = event
        newest: dict[str, JobEvent] = {}
        for event in self.jobs.jobs_in_state(JobKind.COPY, JobState.COMPLETED, since):
            arn = event.resource_arn or ""
            into_dr = bool(arn) and event.destination_vault_arn == self.dr_vault_arn
            if into_dr and (arn not in newest or event.time > newest[arn].time):
                newest[arn] = event
        failed = {
            event.resource_arn
            for state in FAILURE_STATES
            for event in self.jobs.jobs_in_state(JobKind.COPY, state, since)
        }
        resources = [
            self._coverage(arn, backup, newest.get(arn), now, max_age, failed=arn in failed)
            for arn, backup in first_backup.items()
        ]
        resources.sort(key=lambda r: (r.current, -(r.age_hours or 1e9), r.resource_arn))
        return CoverageReport(max_age_hours=max_age.total_seconds() / 3600, resources=resources)

    def _coverage(
        self,
        arn: str,
        backup: JobEvent,
        copy: JobEvent | None,
        now: datetime,
        max_age: timedelta,
        *,
        failed: bool,
    ) -> ResourceCoverage:
        age = now - copy.time if copy else None
        found = ResourceCoverage(
            resource_arn=arn,
            resource_type=backup.resource_type or "",
            account=backup.account,
            region=backup.region,
            newest_dr_copy=copy.time.isoformat() if copy else None,
            dr_recovery_point_arn=copy.destination_recovery_point_arn if copy else None,
            age_hours=_hours(age),
            current=age is not None and age <= max_age,
        )
        if found.current:
            return found
        in_vault = self._newest_in_dr_vault(arn, now - max_age)
        if in_vault is not None:
            return found.model_copy(
                update={
                    "dr_recovery_point_arn": in_vault.arn,
                    "age_hours": _hours(now - in_vault.created_at),
                    "current": True,
                    "verified_in_vault": True,
                }
            )
        if copy is None and not failed and now - backup.time <= max_age:
            return found.model_copy(update={"current": True, "pending": True})
        return found

    def _newest_in_dr_vault(
        self, resource_arn: str, created_after: datetime
    ) -> RecoveryPoint | None:
        if self.dr_points is None:
            return None
        points = [
            point
            for point in self.dr_points.in_vault(
                Vault.parse(self.dr_vault_arn), created_after, resource_arn=resource_arn
            )
            if point.is_whole
        ]
        return max(points, key=lambda point: point.created_at, default=None)
