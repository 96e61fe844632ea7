"""Where copies stand, read from the ledger: `backup-relay status` and `backup-relay coverage`.

- status: chains by state, with their hops, attempt, age and (for a failure) its diagnosis; one
  chain, or the chains of one recovery point.
- coverage: for every resource of a chained type that the ledger saw backed up, its newest copy
  in the DR vault and that copy's age (when the copy completed); resources whose newest DR copy is
  older than the limit, or that have none, come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel

from backup_relay.clock import Clock, utc_now
from backup_relay.copy_chain.state import LedgerState
from backup_relay.diagnosis import diagnose
from backup_relay.models import FAILURE_STATES, JobEvent, JobKind, JobState
from backup_relay.planner import Vault
from backup_relay.ports import ChainLedger, ChainRecord, JobStates, RecoveryPoint, RecoveryPoints


class HopView(BaseModel):
    index: int
    state: str
    kind: str
    source_vault_arn: str
    destination_vault_arn: str
    copy_job_id: str | None
    destination_recovery_point_arn: str | None
    status_message: str | None


class ChainView(BaseModel):
    chain_id: str
    state: str
    attempt: int
    resource_type: str
    origin_recovery_point_arn: str
    destination_vault_arn: str
    updated_at: str
    age_hours: float | None
    category: str | None  # the failure's diagnosis, for a FAILED chain
    reason: str
    hops: list[HopView]


class JobView(BaseModel):
    """One job of a resource: where data was read from and written to, and how it ended."""

    kind: str
    job_id: str | None
    state: str
    time: str
    account: str
    region: str
    source_vault_arn: str | None
    destination_vault_arn: str | None
    destination_recovery_point_arn: str | None
    created_resource_arn: str | None  # a restore's
    category: str | None  # a failure's diagnosis
    status_message: str | None


class StatusReport(BaseModel):
    chains: list[ChainView] = []
    jobs: list[JobView] = []  # with --resource-arn: its backups, copies and restores, oldest first

    def count(self, state: str) -> int:
        return sum(chain.state == state for chain in self.chains)


@dataclass
class Status:
    ledger: ChainLedger
    jobs: JobStates
    now: Clock = field(default=utc_now)

    def __call__(
        self,
        since: datetime,
        *,
        chain_id: str | None = None,
        recovery_point_arn: str | None = None,
        resource_arn: str | None = None,
    ) -> StatusReport:
        if resource_arn is not None:
            return self._resource(resource_arn, since)
        if chain_id is not None:
            records = [r for r in [self.ledger.chain(chain_id)] if r is not None]
        elif recovery_point_arn is not None:
            ids = self.ledger.chains_of(recovery_point_arn)
            records = [r for r in map(self.ledger.chain, ids) if r is not None]
        else:
            records = [
                record
                for state in (LedgerState.RUNNING, LedgerState.FAILED, LedgerState.COMPLETED)
                for record in self.ledger.chains_in_state(state)
                if not record.updated_at or record.updated_at >= since.isoformat()
            ]
        return StatusReport(chains=[self._view(record) for record in records])

    def _resource(self, resource_arn: str, since: datetime) -> StatusReport:
        """The path its copies took: every job of it since `since` (each job's latest state),
        and the chains that carried its copies on."""
        events = [
            event
            for kind in JobKind
            for state in JobState
            for event in self.jobs.jobs_in_state(kind, state, since)
            if event.resource_arn == resource_arn
        ]
        events.sort(key=lambda event: event.time)
        chains = {
            chain_id
            for event in events
            if event.kind is JobKind.COPY and event.destination_recovery_point_arn
            for chain_id in self.ledger.chains_of(event.destination_recovery_point_arn)
        }
        records = [r for r in map(self.ledger.chain, sorted(chains)) if r is not None]
        return StatusReport(
            chains=[self._view(record) for record in records],
            jobs=[_job_view(event) for event in events],
        )

    def _view(self, record: ChainRecord) -> ChainView:
        hops = sorted(self.ledger.hops_of(record.chain_id), key=lambda hop: hop.index)
        failed = next((h for h in hops if h.state == LedgerState.FAILED), None)
        category = None
        if record.state == LedgerState.FAILED:
            message = (failed.status_message if failed else None) or record.reason
            category = diagnose(message, resource_type=record.resource_type, kind="COPY").category
        return ChainView(
            chain_id=record.chain_id,
            state=record.state,
            attempt=record.attempt,
            resource_type=record.resource_type,
            origin_recovery_point_arn=record.origin_recovery_point_arn,
            destination_vault_arn=record.destination_vault_arn,
            updated_at=record.updated_at,
            age_hours=_hours_since(record.updated_at, self.now()),
            category=category,
            reason=record.reason,
            hops=[
                HopView(
                    index=hop.index,
                    state=hop.state,
                    kind=hop.kind,
                    source_vault_arn=hop.source_vault_arn,
                    destination_vault_arn=hop.destination_vault_arn,
                    copy_job_id=hop.copy_job_id,
                    destination_recovery_point_arn=hop.destination_recovery_point_arn,
                    status_message=hop.status_message,
                )
                for hop in hops
            ],
        )


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


def _hours(age: timedelta | None) -> float | None:
    return round(age.total_seconds() / 3600, 1) if age is not None else None


def _hours_since(moment: str, now: datetime) -> float | None:
    try:
        then = datetime.fromisoformat(moment)
    except ValueError:
        return None
    return round((now - then).total_seconds() / 3600, 1)


def _job_view(event: JobEvent) -> JobView:
    failed = event.is_failure
    return JobView(
        kind=str(event.kind),
        job_id=event.job_id,
        state=str(event.state),
        time=event.time.isoformat(),
        account=event.account,
        region=event.region,
        source_vault_arn=event.source_vault_arn,
        destination_vault_arn=event.destination_vault_arn,
        destination_recovery_point_arn=event.destination_recovery_point_arn,
        created_resource_arn=event.created_resource_arn,
        category=(
            diagnose(
                event.status_message,
                resource_type=event.resource_type,
                kind=str(event.kind),
                state=str(event.state),
            ).category
            if failed
            else None
        ),
        status_message=event.status_message,
    )
