"""Coverage: is each chained resource's newest DR copy recent enough, and if not, why?

The rule, for each resource of a chained type the ledger saw backed up (within `lookback`):
- current: its newest DR copy (the ledger's COMPLETED copy into the DR vault, else the DR vault's
  own newest recovery point of it) is at most `max_age` old;
- otherwise `copy failed` when a copy of it (a member's into the central vault, or a chain's hop)
  FAILED or ABORTED after its newest DR copy (or, with none, at all): its diagnosis and the
  replay command, or the replay already started;
- otherwise `no copy yet` when it has no DR copy: pending (not stale) while its first backup is
  at most `max_age` old, stale after;
- otherwise `copy too old`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, computed_field

from backup_relay.copy_chain.ports import RecoveryPoints
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.drills import ProvenRestore
from backup_relay.domain.jobs import FAILURE_STATES, JobEvent, JobKind, JobState
from backup_relay.domain.routes import Vault
from backup_relay.drills.ports import ProvenRestores
from backup_relay.status.ports import JobStates
from backup_relay.status.threats import ChainCopies, threatened
from backup_relay.status.views import hours as _hours

#: Why a resource is not current (ResourceCoverage.reason).
COPY_FAILED, NO_COPY_YET, COPY_TOO_OLD = "copy failed", "no copy yet", "copy too old"


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
    #: why it is not current (or pending): copy failed, no copy yet, copy too old; "" if current
    reason: str = ""
    failed_copy_job_id: str | None = None  # the copy that failed since its newest DR copy
    failed_category: str | None = None  # that failure's diagnosis
    replay_command: str | None = None  # what replays it (None once a replay started)
    replayed_as: str | None = None  # the copy job a replay of it started
    #: the recovery point a malware scan found threats in, when the newest DR copy is it or a
    #: chain's copy of it (status/threats.py): the copy is current, but not clean
    threats_found_in: str | None = None
    #: its last proven restore: a restore drill of a DR copy whose validation SUCCEEDED (drills/)
    last_proven_restore: ProvenRestore | None = None
    first_backup_at: datetime | None = None  # its first backup the ledger saw (in the lookback)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def why(self) -> str:
        """The reason as a sentence an operator acts on."""
        if self.reason != COPY_FAILED:
            return self.reason
        text = f"copy failed ({self.failed_category}, job {self.failed_copy_job_id})"
        if self.replayed_as:
            return f"{text}; replayed as copy job {self.replayed_as}"
        return f"{text}: {self.replay_command}"


class CoverageReport(BaseModel):
    max_age_hours: float
    resources: list[ResourceCoverage] = []

    @property
    def stale(self) -> list[ResourceCoverage]:
        return [r for r in self.resources if not r.current]

    @property
    def pending(self) -> list[ResourceCoverage]:
        return [r for r in self.resources if r.pending]


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
    chains: ChainCopies | None = None  # links a scanned recovery point to its chains' copies
    proven: ProvenRestores | None = None  # each resource's last proven restore (drills/)

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
        failed: dict[str, JobEvent] = {}  # resource -> its newest failed copy
        for state in FAILURE_STATES:
            for event in self.jobs.jobs_in_state(JobKind.COPY, state, since):
                arn = event.resource_arn or ""
                if arn not in failed or event.time > failed[arn].time:
                    failed[arn] = event
        resources = [
            self._coverage(arn, backup, newest.get(arn), now, max_age, failed=failed.get(arn))
            for arn, backup in first_backup.items()
        ]
        threats = threatened(self.jobs, self.chains, since)
        resources = [
            r.model_copy(update={"threats_found_in": threats.get(r.dr_recovery_point_arn or "")})
            for r in resources
        ]
        proofs = self.proven.all() if self.proven is not None else {}
        resources = [
            r.model_copy(
                update={
                    "last_proven_restore": proofs.get(r.resource_arn),
                    "first_backup_at": first_backup[r.resource_arn].time,
                }
            )
            for r in resources
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
        failed: JobEvent | None,
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
        if failed is not None and (copy is None or failed.time > copy.time):
            return found.model_copy(update=self._failed(failed, now))
        if copy is None and now - backup.time <= max_age:
            return found.model_copy(
                update={"current": True, "pending": True, "reason": NO_COPY_YET}
            )
        return found.model_copy(update={"reason": NO_COPY_YET if copy is None else COPY_TOO_OLD})

    def _failed(self, failed: JobEvent, now: datetime) -> dict[str, object]:
        """Why: the failed copy, its diagnosis, and the replay that makes it good (or the one
        that started)."""
        job_id = failed.job_id or ""
        window = math.ceil((now - failed.time).total_seconds() / 3600)
        # replay looks back 24 h unless told: reach back to the failure when it is older
        since = "" if window < 24 else f" --since {window + 1}h"
        diagnosis = diagnose(
            failed.status_message,
            resource_type=failed.resource_type,
            kind="COPY",
            state=str(failed.state),
        )
        replayed = self.jobs.replayed(job_id) if job_id else None
        return {
            "reason": COPY_FAILED,
            "failed_copy_job_id": job_id,
            "failed_category": diagnosis.category,
            "replay_command": None if replayed else f"backup-relay replay --job-id {job_id}{since}",
            "replayed_as": replayed,
        }

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
