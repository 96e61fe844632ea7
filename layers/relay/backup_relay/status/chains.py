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

from backup_relay.copy_chain.ports import ChainLedger
from backup_relay.domain.chain import ChainRecord, LedgerState
from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.status.ports import JobStates


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
