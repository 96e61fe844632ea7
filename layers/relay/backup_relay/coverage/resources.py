"""Coverage: is each chained resource's newest copy in each destination recent enough, and if
not, why?

A resource's destinations are the stack's (`RoutePolicy.destinations`: the DR vault first, then
AdditionalDestinations; coverage/destinations.py). The rule, for each resource of a chained type
the ledger saw backed up (within `lookback`), in each destination:
- no route when AWS cannot copy its type there at all (the route table's reason): not stale;
- current: its newest copy there (the ledger's COMPLETED copy into that vault, else the vault's
  own newest recovery point of it) is at most `max_age` old;
- otherwise `copy failed` when a copy of it FAILED or ABORTED after its newest copy there (or,
  with none, at all): a member's copy into the central vault, or a chain's hop into another vault,
  fails every destination; a hop into a destination fails only that one. Its diagnosis and the
  replay command, or the replay already started;
- otherwise `no copy yet` when it has none there: pending (not stale) while its first backup is
  at most `max_age` old, stale after;
- otherwise `copy too old`.
A resource is current when no destination is stale ("current in the DR region, stale in the LAG
vault" is stale). Its top-level copy fields are the DR vault's, as before destinations; its
`reason` is its first stale (else pending) destination's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, computed_field

from backup_relay.copy_chain.ports import RecoveryPoints
from backup_relay.coverage.destinations import (
    COPY_FAILED,
    COPY_TOO_OLD,
    NO_COPY_YET,
    DestinationCoverage,
    dr_only,
    empty,
    no_route,
)
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.drills import ProvenRestore
from backup_relay.domain.errors import Refused
from backup_relay.domain.jobs import FAILURE_STATES, JobEvent, JobKind, JobState
from backup_relay.domain.routes import Destination, RoutePolicy
from backup_relay.drills.ports import ProvenRestores
from backup_relay.status.ports import JobStates
from backup_relay.status.threats import ChainCopies, threatened
from backup_relay.status.views import hours as _hours

__all__ = ["COPY_FAILED", "COPY_TOO_OLD", "NO_COPY_YET", "Coverage", "CoverageReport"]


class ResourceCoverage(BaseModel):
    resource_arn: str
    resource_type: str
    account: str
    region: str
    newest_dr_copy: str | None  # when the newest copy into the DR vault completed
    dr_recovery_point_arn: str | None
    age_hours: float | None  # the DR copy's
    #: no destination is stale (pending, and no route, are not stale)
    current: bool
    #: current, and some destination is pending: no copy there yet, its first backup is younger
    #: than the maximum age and none of its copies failed
    pending: bool = False
    #: the ledger missed its DR copy's event (lost); the DR vault holds the copy
    verified_in_vault: bool = False
    #: why it is not current (or pending), in its first such destination: copy failed, no copy
    #: yet, copy too old; "" if current
    reason: str = ""
    failed_copy_job_id: str | None = None  # the copy that failed since its newest copy there
    failed_category: str | None = None  # that failure's diagnosis
    replay_command: str | None = None  # what replays it (None once a replay started)
    replayed_as: str | None = None  # the copy job a replay of it started
    #: the recovery point a malware scan found threats in, when the newest DR copy is it or a
    #: chain's copy of it (status/threats.py): the copy is current, but not clean
    threats_found_in: str | None = None
    #: every destination, the DR vault first (coverage/destinations.py)
    destinations: list[DestinationCoverage] = []
    #: its last proven restore: a restore drill of a DR copy whose validation SUCCEEDED (drills/)
    last_proven_restore: ProvenRestore | None = None
    first_backup_at: datetime | None = None  # its first backup the ledger saw (in the lookback)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def why(self) -> str:
        """The reason as a sentence an operator acts on; with several destinations, each one
        that is not current, by its label."""
        if len(self.destinations) <= 1:
            return self.destinations[0].why if self.destinations else self.reason
        return "; ".join(
            f"{d.destination}: {d.why}" for d in self.destinations if d.stale or d.pending
        )

    @property
    def stale_destinations(self) -> list[DestinationCoverage]:
        return [d for d in self.destinations if d.stale]


class CoverageReport(BaseModel):
    max_age_hours: float
    resources: list[ResourceCoverage] = []
    #: the destinations' labels, the DR vault first: the table's columns
    destinations: list[str] = []

    @property
    def stale(self) -> list[ResourceCoverage]:
        return [r for r in self.resources if not r.current]

    @property
    def pending(self) -> list[ResourceCoverage]:
        return [r for r in self.resources if r.pending]


@dataclass
class Coverage:
    """`lookback`: how far back the ledger is read for backups and copies. `dr_points`: the
    destination vaults, asked about each resource the ledger calls stale in one before it is
    called so (an event AWS never delivered leaves a copy out of the ledger, not out of the
    vault). `destinations`: the stack's (empty: the DR vault alone); `routes`: the stack's route
    policy, to answer `no route` (None: not checked)."""

    jobs: JobStates
    dr_vault_arn: str
    chained_types: frozenset[str]
    lookback: timedelta = timedelta(days=35)
    now: Clock = field(default=utc_now)
    dr_points: RecoveryPoints | None = None
    chains: ChainCopies | None = None  # links a scanned recovery point to its chains' copies
    destinations: tuple[Destination, ...] = ()
    routes: RoutePolicy | None = None
    proven: ProvenRestores | None = None  # each resource's last proven restore (drills/)

    def __call__(self, max_age: timedelta) -> CoverageReport:
        now = self.now()
        since = now - self.lookback
        destinations = self.destinations or dr_only(self.dr_vault_arn)
        vaults = {d.vault.arn for d in destinations}
        first_backup: dict[str, JobEvent] = {}
        for event in self.jobs.jobs_in_state(JobKind.BACKUP, JobState.COMPLETED, since):
            if event.resource_type in self.chained_types and event.resource_arn:
                known = first_backup.get(event.resource_arn)
                if known is None or event.time < known.time:
                    first_backup[event.resource_arn] = event
        newest: dict[tuple[str, str], JobEvent] = {}  # (resource, destination vault) -> copy
        for event in self.jobs.jobs_in_state(JobKind.COPY, JobState.COMPLETED, since):
            key = (event.resource_arn or "", event.destination_vault_arn or "")
            if key[0] and key[1] in vaults and (key not in newest or event.time > newest[key].time):
                newest[key] = event
        # (resource, destination vault, or "" for a copy into none: it fails every one) -> the
        # newest failed copy
        failed: dict[tuple[str, str], JobEvent] = {}
        for state in FAILURE_STATES:
            for event in self.jobs.jobs_in_state(JobKind.COPY, state, since):
                into = event.destination_vault_arn or ""
                key = (event.resource_arn or "", into if into in vaults else "")
                if key not in failed or event.time > failed[key].time:
                    failed[key] = event
        threats = threatened(self.jobs, self.chains, since)
        resources = []
        for arn, backup in first_backup.items():
            found = [
                self._destination(
                    d, arn, backup, now, max_age,
                    copy=newest.get((arn, d.vault.arn)),
                    failed=_newer(failed.get((arn, d.vault.arn)), failed.get((arn, ""))),
                )
                for d in destinations
            ]  # fmt: skip
            found = [
                d.model_copy(update={"threats_found_in": threats.get(d.recovery_point_arn or "")})
                for d in found
            ]
            resources.append(_resource(arn, backup, found))
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
        return CoverageReport(
            max_age_hours=max_age.total_seconds() / 3600,
            resources=resources,
            destinations=[d.label for d in destinations],
        )

    def _destination(
        self,
        destination: Destination,
        arn: str,
        backup: JobEvent,
        now: datetime,
        max_age: timedelta,
        *,
        copy: JobEvent | None,
        failed: JobEvent | None,
    ) -> DestinationCoverage:
        if copy is None:
            impossible = no_route(
                destination, backup.resource_type or "", backup.region, self.routes
            )
            if impossible is not None:
                return impossible
        age = now - copy.time if copy else None
        found = empty(destination).model_copy(
            update={
                "newest_copy": copy.time.isoformat() if copy else None,
                "recovery_point_arn": copy.destination_recovery_point_arn if copy else None,
                "age_hours": _hours(age),
                "current": age is not None and age <= max_age,
            }
        )
        if found.current:
            return found
        try:
            in_vault = self._newest_in_vault(destination, arn, now - max_age)
        except Refused as error:  # a destination vault not there, or not readable: the ledger's
            found = found.model_copy(update={"vault_error": str(error)})  # answer stands
            in_vault = None
        if in_vault is not None:
            return found.model_copy(
                update={
                    "recovery_point_arn": in_vault.arn,
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

    def _newest_in_vault(
        self, destination: Destination, resource_arn: str, created_after: datetime
    ) -> RecoveryPoint | None:
        """ListRecoveryPointsByBackupVault ByResourceArn; a LAG vault's too (INFERRED: the API
        reference takes any vault's name and does not single LAG vaults out)."""
        if self.dr_points is None:
            return None
        points = [
            point
            for point in self.dr_points.in_vault(
                destination.vault, created_after, resource_arn=resource_arn
            )
            if point.is_whole
        ]
        return max(points, key=lambda point: point.created_at, default=None)


def _newer(first: JobEvent | None, second: JobEvent | None) -> JobEvent | None:
    if first is None or second is None:
        return first or second
    return first if first.time >= second.time else second


def _resource(
    arn: str, backup: JobEvent, destinations: list[DestinationCoverage]
) -> ResourceCoverage:
    """The resource's verdict from its destinations': the DR vault's copy (the first), current
    unless one is stale, the reason of the first stale (else pending) one."""
    dr = destinations[0]
    current = not any(d.stale for d in destinations)
    first = next((d for d in destinations if d.stale), None) or next(
        (d for d in destinations if d.pending), None
    )
    why = first or dr.model_copy(update={"reason": ""})
    return ResourceCoverage(
        resource_arn=arn,
        resource_type=backup.resource_type or "",
        account=backup.account,
        region=backup.region,
        newest_dr_copy=dr.newest_copy,
        dr_recovery_point_arn=dr.recovery_point_arn,
        age_hours=dr.age_hours,
        current=current,
        pending=current and first is not None,
        verified_in_vault=dr.verified_in_vault,
        reason=why.reason if first is not None else "",
        failed_copy_job_id=why.failed_copy_job_id,
        failed_category=why.failed_category,
        replay_command=why.replay_command,
        replayed_as=why.replayed_as,
        threats_found_in=dr.threats_found_in,
        destinations=destinations,
    )
