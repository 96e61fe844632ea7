"""In-memory implementations of the ports (each feature's `ports.py`), for fast use-case tests.

Each fake keeps what it was asked in plain attributes a test can assert on, and behaves as the
real adapter promises (conditional writes refuse, a duplicate start is refused, ...).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from backup_relay.alerts.message import AlertMessage
from backup_relay.alerts.ports import AlertClaim
from backup_relay.collect.ports import IngestResult, QuarantinedMessage
from backup_relay.copy_chain.ports import ReconcileReport, SlotLoad
from backup_relay.domain.alert import Alert
from backup_relay.domain.chain import (
    OPEN_HOP_STATES,
    ChainRecord,
    ChainState,
    HopRecord,
    LedgerState,
    hop_may_become,
)
from backup_relay.domain.copy_jobs import (
    CopyJobOutcome,
    CopyJobReport,
    CopyRequest,
    ListedCopyJob,
    RecoveryPoint,
)
from backup_relay.domain.drills import Database, ProvenRestore, Verdict, newer
from backup_relay.domain.errors import AwsError, NotFound, Refused, Throttled
from backup_relay.domain.jobs import JobEvent, JobKind, JobState, moves_job_forward
from backup_relay.domain.routes import Vault


@dataclass
class MemoryChainLedger:
    now: datetime
    chains: dict[str, tuple[LedgerState, str]] = field(default_factory=dict)  # id -> state, why
    hops: dict[tuple[str, int], HopRecord] = field(default_factory=dict)
    history: list[tuple[str, int, LedgerState]] = field(default_factory=list)
    waits: dict[str, str] = field(default_factory=dict)  # copy job id -> task token
    waiting_hops: dict[str, tuple[str, int]] = field(default_factory=dict)  # job -> chain, hop
    claimed: set[str] = field(default_factory=set)
    events: dict[str, list[JobEvent]] = field(default_factory=dict)  # copy job id -> events
    started_executions: set[str] = field(default_factory=set)
    released: list[tuple[str, str]] = field(default_factory=list)  # slot, holder
    plans: dict[str, ChainState] = field(default_factory=dict)  # chain id -> as planned
    attempts: dict[str, int] = field(default_factory=dict)
    changed: dict[str, datetime] = field(default_factory=dict)  # chain id -> its state's time

    def chain_started(self, chain: ChainState) -> bool:
        if chain.chain_id in self.chains:
            return False
        self.chains[chain.chain_id] = (LedgerState.RUNNING, chain.reason)
        self.plans[chain.chain_id] = chain.model_copy(deep=True)
        return True

    def chains_of(self, recovery_point_arn: str) -> list[str]:
        return [
            c
            for c, plan in self.plans.items()
            if plan.origin_recovery_point_arn == recovery_point_arn
        ]

    def chain_plan(self, chain_id: str) -> ChainState | None:
        plan = self.plans.get(chain_id)
        if plan is None:
            return None
        return plan.model_copy(update={"attempt": self.attempts.get(chain_id, 1)})

    def chain_retried(self, chain: ChainState, from_hop: int) -> bool:
        state, _ = self.chains.get(chain.chain_id, (None, ""))
        if state is not LedgerState.FAILED or self.attempts.get(chain.chain_id, 1) != (
            chain.attempt - 1
        ):
            return False
        self.chains[chain.chain_id] = (LedgerState.RUNNING, f"attempt {chain.attempt}")
        self.attempts[chain.chain_id] = chain.attempt
        self.started_executions.discard(chain.chain_id)
        for (chain_id, index), hop in self.hops.items():
            if chain_id == chain.chain_id and index >= from_hop:
                self.hops[chain_id, index] = replace(
                    hop, state=LedgerState.REPLANNED, message_category=None
                )
        return True

    def hops_of(self, chain_id: str) -> list[HopRecord]:
        return [hop for (chain, _), hop in sorted(self.hops.items()) if chain == chain_id]

    def release_slot(self, hop: HopRecord) -> None:
        self.released.append((hop.slot, hop.slot_holder))

    def chain_died(self, chain_id: str, reason: str) -> bool:
        for key, hop in self.hops.items():
            if key[0] == chain_id and hop.state in OPEN_HOP_STATES:
                self.hops[key] = replace(
                    hop, state=LedgerState.FAILED, status_message=reason, message_category=None
                )
        if self.chains.get(chain_id, (None, ""))[0] is not LedgerState.RUNNING:
            return False
        self.chains[chain_id] = (LedgerState.FAILED, reason)
        return True

    def execution_started(self, chain: ChainState) -> None:
        self.started_executions.add(chain.chain_id)

    def awaiting_start(self, chain_id: str) -> bool:
        return chain_id in self.chains and chain_id not in self.started_executions

    def chain_ended(self, chain: ChainState, state: LedgerState, reason: str) -> None:
        self.chains[chain.chain_id] = (state, reason)
        self.changed[chain.chain_id] = self.now

    def hop(self, chain: ChainState, state: LedgerState) -> None:
        current = chain.current
        assert current is not None, "a hop is recorded only while one is open"
        key = (chain.chain_id, current.index)
        stored = self.hops.get(key)
        if not hop_may_become(stored.state if stored else None, state):
            return
        self.hops[key] = HopRecord(
            chain.chain_id,
            current.index,
            current.copy_job_id,
            current.hop.source_region,
            self.now,
            source_account=current.hop.source_account,
            destination_region=current.hop.destination_region,
            state=state,
            kind=current.hop.kind,
            source_vault_arn=current.hop.source_vault_arn,
            destination_vault_arn=current.hop.destination_vault_arn,
            status_message=chain.error.cause if chain.error else None,
            message_category=current.result.message_category if current.result else None,
            source_recovery_point_arn=current.recovery_point_arn,
            destination_recovery_point_arn=(
                current.result.destination_recovery_point_arn if current.result else None
            ),
            slot=current.slot or "",
            slot_cap=current.slot_cap,
            started_at=current.started_at,
        )
        self.history.append((*key, state))

    def chain(self, chain_id: str) -> ChainRecord | None:
        if chain_id not in self.chains:
            return None
        state, reason = self.chains[chain_id]
        plan = self.plans.get(chain_id)
        return ChainRecord(
            chain_id,
            state,
            chain_id in self.started_executions,
            resource_type=plan.resource_type if plan else "",
            origin_recovery_point_arn=plan.origin_recovery_point_arn if plan else "",
            destination_vault_arn=plan.destination_vault_arn if plan else "",
            reason=reason,
            attempt=self.attempts.get(chain_id, 1),
            updated_at=self.changed.get(chain_id, self.now).isoformat(),
        )

    def chains_in_state(self, state: LedgerState) -> list[ChainRecord]:
        records = [self.chain(chain_id) for chain_id, (stored, _) in self.chains.items()]
        return [r for r in records if r is not None and r.state is state]

    def hops_in_state(self, state: LedgerState, since: datetime | None = None) -> list[HopRecord]:
        return [
            hop
            for hop in self.hops.values()
            if hop.state is state and (since is None or hop.updated_at >= since)
        ]

    def await_job(self, copy_job_id: str, task_token: str, chain: ChainState) -> None:
        self.waits[copy_job_id] = task_token
        if chain.current is not None:
            self.waiting_hops[copy_job_id] = (chain.chain_id, chain.current.index)

    def hop_of_job(self, copy_job_id: str) -> tuple[str, int] | None:
        return self.waiting_hops.get(copy_job_id)

    def claim_resume(self, copy_job_id: str) -> str | None:
        if copy_job_id not in self.waits or copy_job_id in self.claimed:
            return None
        self.claimed.add(copy_job_id)
        return self.waits[copy_job_id]

    def final_event(self, copy_job_id: str) -> JobEvent | None:
        final = [event for event in self.events.get(copy_job_id, []) if event.is_final]
        return max(final, key=lambda event: event.time) if final else None

    def states_of(self, chain_id: str) -> list[LedgerState]:
        """Every state each hop of a chain went through, in order."""
        return [state for cid, _, state in self.history if cid == chain_id]


@dataclass
class FakeWorkflow:
    """Step Functions: executions by name, RUNNING once started until `end` says otherwise."""

    started: list[ChainState] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    resumed: list[tuple[str, CopyJobOutcome]] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    def end(self, name: str, status: str) -> None:
        self.statuses[name] = status

    def running(self) -> set[str]:
        return {name for name in self.names if self.status(name) == "RUNNING"}

    def status(self, name: str) -> str | None:
        return self.statuses.get(name, "RUNNING") if name in self.names else None

    def start(self, chain: ChainState) -> bool:
        if chain.chain_id in self.names:
            return False
        self.names.add(chain.chain_id)
        self.started.append(chain)
        return True

    def resume(self, task_token: str, outcome: CopyJobOutcome) -> bool:
        if any(token == task_token for token, _ in self.resumed):
            return False  # Step Functions: the task is already closed
        self.resumed.append((task_token, outcome))
        return True


@dataclass
class FakeCopyJobs:
    """StartCopyJob answers with a new job id per idempotency token (the same token, the same
    job); `refusal` or `throttles` make it refuse instead."""

    jobs: dict[str, CopyJobReport] = field(default_factory=dict)
    requests: list[tuple[str, CopyRequest]] = field(default_factory=list)
    refusal: Refused | None = None
    throttles: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _by_token: dict[str, str] = field(default_factory=dict)

    def start_copy_job(self, region: str, request: CopyRequest) -> str:
        self.requests.append((region, request))
        if self.throttles:
            self.throttles -= 1
            raise Throttled("ThrottlingException", "Rate exceeded")
        if self.refusal is not None:
            raise self.refusal
        if request.idempotency_token not in self._by_token:
            job_id = f"job-{next(self._ids)}"
            self._by_token[request.idempotency_token] = job_id
            self.jobs[job_id] = CopyJobReport(job_id, JobState.CREATED)
        return self._by_token[request.idempotency_token]

    def describe_copy_job(self, region: str, copy_job_id: str) -> CopyJobReport:
        if copy_job_id not in self.jobs:
            raise NotFound("ResourceNotFoundException", f"Copy job {copy_job_id} not found.")
        return self.jobs[copy_job_id]

    def finish(self, job_id: str, state: JobState, **details: str) -> None:
        self.jobs[job_id] = CopyJobReport(job_id, state, **details)


@dataclass
class FakeRecoveryPoints:
    points: dict[tuple[Vault, str], RecoveryPoint] = field(default_factory=dict)
    retention: list[tuple[Vault, str, int]] = field(default_factory=list)

    def add(self, vault: Vault, point: RecoveryPoint) -> None:
        self.points[(vault, point.arn)] = point

    def describe(self, vault: Vault, arn: str) -> RecoveryPoint:
        if (vault, arn) not in self.points:
            raise NotFound("ResourceNotFoundException", f"Recovery point {arn} not found.")
        return self.points[(vault, arn)]

    def in_vault(
        self,
        vault: Vault,
        created_after: datetime,
        resource_type: str | None = None,
        resource_arn: str | None = None,
    ) -> Iterable[RecoveryPoint]:
        return [
            point
            for (where, _), point in self.points.items()
            if where == vault
            and point.created_at > created_after
            and resource_type in (None, point.resource_type)
            and resource_arn in (None, point.resource_arn)
        ]

    def set_retention(self, vault: Vault, arn: str, delete_after_days: int) -> None:
        self.retention.append((vault, arn, delete_after_days))
        point = self.describe(vault, arn)
        self.points[(vault, arn)] = replace(point, delete_after_days=delete_after_days)


@dataclass
class RecordingTelemetry:
    """Implements every telemetry port; `seen` lists (what happened, its details)."""

    seen: list[tuple[str, Any]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.seen]

    def event_ingested(self, result: IngestResult, actions: list[str]) -> None:
        self.seen.append(("event_ingested", (result.outcome, actions)))

    def chain_started(self, chain: ChainState) -> None:
        self.seen.append(("chain_started", chain.chain_id))

    def hop_started(self, chain: ChainState, since_origin_landed: timedelta | None) -> None:
        self.seen.append(("hop_started", since_origin_landed))

    def hop_completed(self, chain: ChainState, duration: timedelta | None) -> None:
        self.seen.append(("hop_completed", duration))

    def chain_completed(self, chain: ChainState) -> None:
        self.seen.append(("chain_completed", chain.chain_id))

    def chain_replanned(self, chain: ChainState) -> None:
        self.seen.append(("chain_replanned", chain.reason))

    def chain_failed(self, chain: ChainState, cause: str) -> None:
        self.seen.append(("chain_failed", cause))

    def retention_shortened(self, recovery_point_arn: str, delete_after_days: int) -> None:
        self.seen.append(("retention_shortened", (recovery_point_arn, delete_after_days)))

    def destination_without_route(self, resource_type: str, destination: str, reason: str) -> None:
        self.seen.append(("destination_without_route", (resource_type, destination, reason)))

    def chain_ended(self, chain_id: str, status: str, released: int, died: bool) -> None:
        self.seen.append(("chain_ended", (chain_id, status, released, died)))

    def reconciled(self, report: ReconcileReport) -> None:
        self.seen.append(("reconciled", report))

    def alert_delivered(self, alert_id: str, outcome: str, reason: str | None) -> None:
        self.seen.append(("alert_delivered", (alert_id, outcome, reason)))

    def unknown_failure(self, aws_category: str | None, resource_type: str | None) -> None:
        self.seen.append(("unknown_failure", (aws_category, resource_type)))


@dataclass
class MemoryAlerts:
    """The alerts outbox, and the alert ledger and topic behind it, in memory."""

    raised: list[Alert] = field(default_factory=list)  # what use cases sent, repeats included
    states: dict[str, str] = field(default_factory=dict)  # alert id -> PUBLISHING, SENT, FAILED
    published: list[AlertMessage] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # errors the next publishes raise
    counts: dict[str, int] = field(default_factory=dict)  # hour -> quarantined

    def send(self, alert: Alert) -> None:
        self.raised.append(alert)

    def claim(self, alert: Alert) -> AlertClaim:
        state = self.states.get(alert.alert_id)
        if state == "SENT":
            return AlertClaim.SENT
        if state == "PUBLISHING":
            return AlertClaim.HELD
        self.states[alert.alert_id] = "PUBLISHING"
        return AlertClaim.MINE

    def sent(self, alert_id: str, message_id: str) -> None:
        self.states[alert_id] = "SENT"

    def failed(self, alert_id: str, reason: str, *, final: bool) -> None:
        self.states[alert_id] = "FAILED"

    def publish(self, message: AlertMessage) -> str:
        if self.failures:
            raise Throttled("InternalError", self.failures.pop(0))
        self.published.append(message)
        return f"msg-{len(self.published)}"

    def count(self, hour: str) -> int:
        self.counts[hour] = self.counts.get(hour, 0) + 1
        return self.counts[hour]

    def ids(self) -> list[str]:
        return [alert.alert_id for alert in self.raised]


@dataclass
class MemoryEventLedger:
    events: dict[str, tuple[JobEvent, Mapping[str, Any] | None]] = field(default_factory=dict)
    quarantined: list[QuarantinedMessage] = field(default_factory=list)
    job_states: dict[str, JobState] = field(default_factory=dict)  # job key -> latest state

    def record(self, event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        if moves_job_forward(self.job_states.get(event.job_key), event.state):
            self.job_states[event.job_key] = event.state
        if event.dedupe_key in self.events:
            return False
        self.events[event.dedupe_key] = (event, original)
        return True

    def quarantine(self, message: QuarantinedMessage) -> None:
        self.quarantined.append(message)


@dataclass
class MemoryDeadLetters:
    dead: list[tuple[str, str]] = field(default_factory=list)  # (body, reason)

    def send(self, body: str, reason: str) -> None:
        self.dead.append((body, reason))


@dataclass
class MemoryReplayLedger:
    """The job events replay reads (latest event per copy job) and the replays it records."""

    latest: dict[str, JobEvent] = field(default_factory=dict)  # job id -> its latest event
    replays: dict[str, str] = field(default_factory=dict)  # failed job id -> new job id

    def add(self, event: JobEvent) -> None:
        self.latest[event.job_id or ""] = event

    def failed_copy_jobs(self, since: datetime) -> list[JobEvent]:
        return [
            e
            for e in self.latest.values()
            if e.state in (JobState.FAILED, JobState.ABORTED) and e.time >= since
        ]

    def completed_copy(
        self, source_recovery_point_arn: str, destination_vault_arn: str, since: datetime
    ) -> str | None:
        for e in self.latest.values():
            if (
                e.state is JobState.COMPLETED
                and e.time >= since
                and e.source_recovery_point_arn == source_recovery_point_arn
                and e.destination_vault_arn == destination_vault_arn
            ):
                return e.job_id
        return None

    def replayed(self, job_id: str) -> str | None:
        return self.replays.get(job_id)

    def jobs_in_state(self, kind: JobKind, state: JobState, since: datetime) -> list[JobEvent]:
        return [
            e
            for e in self.latest.values()
            if (e.kind, e.state) == (kind, state) and e.time >= since
        ]

    def record_replay(self, job_id: str, new_job_id: str) -> None:
        self.replays[job_id] = new_job_id


@dataclass
class FakeOrganization:
    """AWS Organizations' ListAccounts: the organization's ACTIVE accounts, or `refusal` (called
    from an account that may not list them); `calls` counts the listings."""

    accounts: frozenset[str] = frozenset()
    refusal: AwsError | None = None
    calls: int = 0

    def active_accounts(self) -> frozenset[str]:
        self.calls += 1
        if self.refusal is not None:
            raise self.refusal
        return self.accounts


@dataclass
class FakeMemberCopies:
    """StartCopyJob in member accounts; `gone` holds source recovery points that no longer
    exist. DescribeCopyJob finds a job only in the account that started it (`jobs`: its
    report, CREATED until a test changes it)."""

    started: list[tuple[str, str, CopyRequest]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    jobs: dict[tuple[str, str], CopyJobReport] = field(default_factory=dict)  # (account, id)
    described: list[tuple[str, str, str]] = field(default_factory=list)
    refusal: Refused | None = None

    def start_copy_job(self, account: str, region: str, request: CopyRequest) -> str:
        if self.refusal is not None:
            raise self.refusal
        if request.recovery_point_arn in self.gone:
            raise NotFound("ResourceNotFoundException", f"{request.recovery_point_arn} not found")
        self.started.append((account, region, request))
        job_id = f"member-job-{len(self.started)}"
        self.jobs[account, job_id] = CopyJobReport(job_id, JobState.CREATED)
        return job_id

    def describe_copy_job(self, account: str, region: str, copy_job_id: str) -> CopyJobReport:
        self.described.append((account, region, copy_job_id))
        if (account, copy_job_id) not in self.jobs:
            raise NotFound("ResourceNotFoundException", f"Copy job {copy_job_id} not found.")
        return self.jobs[account, copy_job_id]


@dataclass
class FakeSlotLoads:
    """The slots' queues (the ledger's slot items): `loads` by slot key; an empty slot else."""

    loads: dict[str, SlotLoad] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    queued: list[tuple[str, str]] = field(default_factory=list)

    def slot_load(self, slot: str) -> SlotLoad:
        self.reads.append(slot)
        return self.loads.get(slot, SlotLoad(0, None))

    def queue(self, slot: str, holder: str) -> None:
        self.queued.append((slot, holder))


@dataclass
class FakeCentralCopyJobs:
    """ListCopyJobs in the central account: the failed jobs, by region."""

    failed: dict[str, list[ListedCopyJob]] = field(default_factory=dict)

    def failed_copy_jobs(self, region: str, since: datetime) -> list[ListedCopyJob]:
        return [job for job in self.failed.get(region, []) if job.created_at >= since]


@dataclass
class MemorySecurityHub:
    """Security Hub's findings by id, as the adapter promises them: `active_findings` the
    ACTIVE ones of a product's generator; `import_findings` creates or replaces each (keeping
    a known finding's Workflow, as AWS does), refusing the ids in `refuse`; `broken`: every
    call fails with it."""

    findings: dict[str, Any] = field(default_factory=dict)  # id -> SecurityFinding
    imports: list[list[str]] = field(default_factory=list)  # the ids of each import_findings
    refuse: set[str] = field(default_factory=set)
    broken: AwsError | None = None

    def active_findings(self, product_arn: str, generator_id: str) -> list[Any]:
        if self.broken:
            raise self.broken
        return [
            f
            for f in self.findings.values()
            if f.active and f.product_arn == product_arn and f.generator_id == generator_id
        ]

    def import_findings(self, findings: Any) -> list[Any]:
        from backup_relay.domain.security_findings import Workflow
        from backup_relay.security_findings.ports import ImportFailure

        if self.broken:
            raise self.broken
        self.imports.append([f.id for f in findings])
        failures = []
        for finding in findings:
            if finding.id in self.refuse:
                failures.append(ImportFailure(id=finding.id, code="InvalidInput", message="no"))
                continue
            known = self.findings.get(finding.id)
            workflow = known.workflow if known else Workflow(status="NEW")
            self.findings[finding.id] = finding.model_copy(update={"workflow": workflow})
        return failures


@dataclass
class FakeDatabases:
    """The drills' Databases port: restored databases and recovery points' snapshots by ARN."""

    databases: dict[str, Database] = field(default_factory=dict)
    snapshots: dict[str, Database] = field(default_factory=dict)

    def restored(self, arn: str) -> Database | None:
        return self.databases.get(arn)

    def snapshot(self, recovery_point_arn: str) -> Database | None:
        return self.snapshots.get(recovery_point_arn)


@dataclass
class MemoryValidations:
    """PutRestoreValidationResult, remembered: restore job id -> verdicts, in order."""

    reported: dict[str, list[Verdict]] = field(default_factory=dict)

    def put(self, restore_job_id: str, verdict: Verdict) -> None:
        self.reported.setdefault(restore_job_id, []).append(verdict)


@dataclass
class MemoryProvenRestores:
    kept: dict[str, ProvenRestore] = field(default_factory=dict)

    def record(self, proven: ProvenRestore) -> None:
        if newer(self.kept.get(proven.resource_arn), proven):
            self.kept[proven.resource_arn] = proven

    def all(self) -> Mapping[str, ProvenRestore]:
        return dict(self.kept)
