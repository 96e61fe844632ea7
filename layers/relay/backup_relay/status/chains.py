"""Where copies stand, read from the ledger: `backup-relay status` and `backup-relay coverage`.

- status: the night of a window at a glance (night.py: jobs and chains by state, every failure
  with its resource, destination and diagnosis and what made it good since, stale resources,
  the commands to run), then chains by state with their resource, hops, attempt, age and (for a
  failure) its diagnosis; or one chain, the chains of one recovery point, one resource's path.
- coverage: for every resource of a chained type that the ledger saw backed up, its newest copy
  in the DR vault and that copy's age (when the copy completed); resources whose newest DR copy is
  older than the limit, or that have none, come first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import BaseModel

from backup_relay.copy_chain.ports import ChainLedger
from backup_relay.domain.chain import ChainRecord, HopRecord, LedgerState
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.jobs import DATA_JOB_KINDS, DATA_JOB_STATES, JobEvent, JobKind
from backup_relay.domain.night_queue import QueueForecast
from backup_relay.status.night import CHAIN_STATES, ChainFacts, Night, origin_of
from backup_relay.status.ports import JobStates
from backup_relay.status.threats import threatened
from backup_relay.status.tonight import tonight
from backup_relay.status.views import (
    FailureView,
    Filters,
    NightSummary,
    arn_account,
    hours,
    resource_name,
    where,
)


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
    account: str  # the resource's (its ARN's; else the account of the job that landed it)
    resource_arn: str | None  # whose copy the chain carries, as the ledger's job events say
    resource_name: str
    origin_recovery_point_arn: str  # a recovery point's chains (one per destination) share it
    destination_vault_arn: str
    updated_at: str
    age_hours: float | None
    category: str | None  # the failure's diagnosis, for a FAILED chain
    reason: str
    hops: list[HopView]
    #: the recovery point a malware scan found threats in, when the chain copies it (its copies
    #: are not clean: status/threats.py); None when no scan since the window's start found any
    threats_found_in: str | None = None
    #: where the chain copies to, as AdditionalDestinations name it (`lag:eu-west-1:vault`,
    #: `standard:...` for the DR vault); a vault no destination names (a bring-back's member
    #: vault) as `name (account, region)`
    destination: str = ""


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
    summary: NightSummary | None = None  # the window's night (not for one chain or resource)
    failures: list[FailureView] = []  # open ones first
    chains: list[ChainView] = []
    jobs: list[JobView] = []  # with --resource-arn: its backups, copies and restores, oldest first
    #: tonight's queue of open hops and when it is expected to finish (the window's view, when
    #: the stack's NightWindowHours is known: status/tonight.py)
    tonight: QueueForecast | None = None

    def count(self, state: str) -> int:
        return sum(chain.state == state for chain in self.chains)


class StaleResource(NamedTuple):
    """A resource coverage calls stale: its type, and the destinations (labels) it is stale in
    ("current in the DR region, stale in the LAG vault": only the LAG vault's)."""

    resource_type: str
    destinations: tuple[str, ...] = ()


#: The resources coverage calls stale at a time, by ARN (None: not checked).
StaleResources = Callable[[datetime], Mapping[str, StaleResource] | None]


@dataclass
class Status:
    """`stale`: coverage's rule, asked for the summary (None: not checked)."""

    ledger: ChainLedger
    jobs: JobStates
    now: Clock = field(default=utc_now)
    stale: StaleResources | None = None
    #: NightWindowHours, and the central account whose slots are the central route: the
    #: forecast of tonight's queue (None: not shown)
    window: timedelta | None = None
    central_account: str = ""
    #: the stack's destinations: vault ARN -> label (`Destination.label`)
    destinations: Mapping[str, str] = field(default_factory=dict)
    #: recovery point -> the one a scan found threats in (status/threats.py), read per call
    _threats: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __call__(
        self,
        since: datetime,
        *,
        chain_id: str | None = None,
        recovery_point_arn: str | None = None,
        resource_arn: str | None = None,
        filters: Filters | None = None,
    ) -> StatusReport:
        self._threats = threatened(self.jobs, self.ledger, since)
        if resource_arn is not None:
            return self._resource(resource_arn, since)
        events = self._events(since)
        if chain_id is not None or recovery_point_arn is not None:
            ids = [chain_id] if chain_id is not None else []
            ids += self.ledger.chains_of(recovery_point_arn) if recovery_point_arn else []
            records = [r for r in map(self.ledger.chain, ids) if r is not None]
            return StatusReport(chains=[self._view(record, events) for record in records])
        return self._night(since, events, filters or Filters())

    def _night(self, since: datetime, events: list[JobEvent], filters: Filters) -> StatusReport:
        """The window: its summary, its failures, its chains, as `filters` narrow them."""
        now = self.now()
        records = [
            record
            for state in CHAIN_STATES
            for record in self.ledger.chains_in_state(state)
            if not record.updated_at or record.updated_at >= since.isoformat()
        ]
        hops = {record.chain_id: self._hops(record.chain_id) for record in records}
        views = [self._view(record, events, hops[record.chain_id]) for record in records]
        # a failure is matched to its chain whatever the chain's state: --state narrows only
        # what is shown
        matching = {
            view.chain_id
            for view in views
            if filters.matches(
                account=view.account,
                resource_arn=view.resource_arn,
                resource_type=view.resource_type,
                state=None,
            )
        }
        chosen = {
            view.chain_id
            for view in views
            if view.chain_id in matching
            and (filters.state is None or _same(filters.state, view.state))
        }
        chains = [
            ChainFacts(record, hops[record.chain_id])
            for record in records
            if record.chain_id in matching
        ]
        events = [
            event
            for event in events
            if filters.matches(
                account=arn_account(event.resource_arn) or event.account,
                resource_arn=event.resource_arn,
                resource_type=event.resource_type or "",
                state=None,
            )
        ]
        night = Night(events, chains, self.jobs, since, now)
        failures = [
            failure
            for failure in night.failures()
            if filters.state is None or _same(filters.state, failure.state)
        ]
        found = self.stale(now) if self.stale is not None else None
        note = (
            "not checked: the stack has no DR vault, or CoverageMaxAgeHours is 0"
            if found is None
            else "by coverage's rule, see backup-relay coverage"
        )
        stale = None
        if found is not None:
            stale = [
                arn
                for arn, resource in found.items()
                if filters.matches(
                    account=arn_account(arn) or (filters.account or ""),
                    resource_arn=arn,
                    resource_type=resource.resource_type,
                    state=None,
                )
            ]
        summary = night.summary(
            failures,
            (c.record.state for c in chains if c.record.chain_id in chosen),
            stale,
            note,
            filters,
        )
        if found is not None and stale:  # where each is stale (coverage per destination)
            where = {arn: list(found[arn].destinations) for arn in stale}
            summary = summary.model_copy(update={"stale_destinations": where})
        return StatusReport(
            summary=summary,
            failures=failures,
            chains=[view for view in views if view.chain_id in chosen],
            tonight=(
                tonight(self.ledger, self.central_account, now, since, self.window)
                if self.window is not None
                else None
            ),
        )

    def _events(self, since: datetime) -> list[JobEvent]:
        """The latest event of every job since `since`, oldest first."""
        events = [
            event
            for kind in sorted(DATA_JOB_KINDS)  # a scan's or an index's event is not a job
            for state in DATA_JOB_STATES  # not a scan's or an index's own states
            for event in self.jobs.jobs_in_state(kind, state, since)
        ]
        events.sort(key=lambda event: event.time)
        return events

    def _resource(self, resource_arn: str, since: datetime) -> StatusReport:
        """The path its copies took: every job of it since `since` (each job's latest state),
        and the chains that carried its copies on."""
        events = [e for e in self._events(since) if e.resource_arn == resource_arn]
        chains = {
            chain_id
            for event in events
            if event.kind is JobKind.COPY and event.destination_recovery_point_arn
            for chain_id in self.ledger.chains_of(event.destination_recovery_point_arn)
        }
        records = [r for r in map(self.ledger.chain, sorted(chains)) if r is not None]
        return StatusReport(
            chains=[self._view(record, events) for record in records],
            jobs=[_job_view(event) for event in events],
        )

    def _hops(self, chain_id: str) -> list[HopRecord]:
        return sorted(self.ledger.hops_of(chain_id), key=lambda hop: hop.index)

    def _view(
        self, record: ChainRecord, events: list[JobEvent], hops: list[HopRecord] | None = None
    ) -> ChainView:
        hops = self._hops(record.chain_id) if hops is None else hops
        failed = next((h for h in hops if h.state == LedgerState.FAILED), None)
        category = None
        if record.state == LedgerState.FAILED:
            message = (failed.status_message if failed else None) or record.reason
            aws = failed.message_category if failed else None
            category = diagnose(
                message, resource_type=record.resource_type, kind="COPY", aws_category=aws
            ).category
        origin = origin_of(record, events)
        resource_arn = origin.resource_arn if origin else None
        return ChainView(
            chain_id=record.chain_id,
            state=record.state,
            attempt=record.attempt,
            resource_type=record.resource_type,
            account=(
                (arn_account(resource_arn) or origin.account)
                if origin
                else arn_account(record.origin_recovery_point_arn)
            ),
            resource_arn=resource_arn,
            resource_name=resource_name(resource_arn),
            origin_recovery_point_arn=record.origin_recovery_point_arn,
            destination_vault_arn=record.destination_vault_arn,
            destination=(
                self.destinations.get(record.destination_vault_arn)
                or where(record.destination_vault_arn)
            ),
            updated_at=record.updated_at,
            age_hours=_hours_since(record.updated_at, self.now()),
            category=category,
            reason=record.reason,
            threats_found_in=self._threats.get(record.origin_recovery_point_arn),
            hops=[
                HopView(
                    index=hop.index,
                    state=str(hop.state or ""),
                    kind=str(hop.kind or ""),
                    source_vault_arn=hop.source_vault_arn,
                    destination_vault_arn=hop.destination_vault_arn,
                    copy_job_id=hop.copy_job_id,
                    destination_recovery_point_arn=hop.destination_recovery_point_arn,
                    status_message=hop.status_message,
                )
                for hop in hops
            ],
        )


def _hours(age: timedelta | None) -> float | None:
    return hours(age)


def _hours_since(moment: str, now: datetime) -> float | None:
    try:
        then = datetime.fromisoformat(moment)
    except ValueError:
        return None
    return hours(now - then)


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
                aws_category=event.message_category,
            ).category
            if failed
            else None
        ),
        status_message=event.status_message,
    )


def _same(wanted: str, value: str) -> bool:
    return wanted.casefold() == value.casefold()
