"""Wiring: the one place where settings, adapters and use cases meet, one builder per function.

Each builder runs on first use and is cached for the life of the Lambda sandbox; the use case,
its adapters (and boto3 with them) are imported only then, so a function's cold start loads
what its own builder needs and nothing of the others'. `reset()` forgets everything (tests, the
sandbox).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, TypedDict, TypeVar

from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.errors import SettingsError
from backup_relay.observability import Telemetry
from backup_relay.settings import (
    AlertsSettings,
    BringBackSettings,
    ChainEnvironment,
    ChainStepsSettings,
    DoctorSettings,
    IngestSettings,
    ProbeSettings,
    ReconcileSettings,
    ReplaySettings,
    StartsChains,
)

if TYPE_CHECKING:
    from backup_relay.adapters.idempotency import OncePerEvent
    from backup_relay.alerts.on_doctor import DoctorAlerts
    from backup_relay.alerts.ports import AlertOutbox
    from backup_relay.alerts.publish import DeliverAlert
    from backup_relay.collect.ingest import Ingest
    from backup_relay.copy_chain.bring_back import BringBack
    from backup_relay.copy_chain.chain_ended import ChainEnded
    from backup_relay.copy_chain.ports import ChainLedger, CopyJobs, RecoveryPoints, Workflow
    from backup_relay.copy_chain.reconcile import Reconcile
    from backup_relay.copy_chain.steps import HopSteps
    from backup_relay.copy_chain.triggers import ChainTriggers
    from backup_relay.coverage.resources import Coverage
    from backup_relay.doctor.checkup import Doctor
    from backup_relay.doctor.preflight import Preflight
    from backup_relay.doctor.probe import Probe
    from backup_relay.domain.stack import DeployedStack
    from backup_relay.replay.failed_copies import Replay
    from backup_relay.status.chains import StaleResources, Status

T = TypeVar("T")
_BUILT: list[Callable[[], object]] = []


def _once(builder: Callable[[], T]) -> Callable[[], T]:
    cached = cache(builder)
    _BUILT.append(cached)
    return cached


def reset() -> None:
    """Forget built use cases, loaded settings and AWS clients."""
    from backup_relay.adapters import aws

    for built in _BUILT:
        built.cache_clear()  # type: ignore[attr-defined]
    aws.reset()


# ---- ingest -------------------------------------------------------------------------------------


@_once
def once_per_event() -> OncePerEvent:
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.adapters.idempotency import OncePerEvent

    settings = IngestSettings.load()
    ledger = DynamoEventLedger(settings.ledger_table, settings.ledger_retention)
    return OncePerEvent(ledger.record_event, settings.idempotency_table)


@_once
def ingest() -> Ingest:
    from backup_relay.adapters.alerts import DynamoQuarantineCounter
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.alerts.on_ingest import IngestAlerts
    from backup_relay.collect.ingest import Ingest

    settings = IngestSettings.load()
    return Ingest(
        policy=settings.accounts,
        record=once_per_event(),
        quarantine=DynamoEventLedger(settings.ledger_table, settings.ledger_retention).quarantine,
        chain=(triggers := _chain_triggers(settings)),
        alerts=IngestAlerts(
            outbox=_outbox(settings),
            quarantines=DynamoQuarantineCounter(settings.ledger_table),
            routes=settings.routes,
            region=settings.home_region,
            quarantine_threshold=settings.quarantine_alert_threshold,
            chains=triggers.ledger,  # names a scanned recovery point's copies
        ),
        telemetry=Telemetry(),
    )


# ---- alerts -------------------------------------------------------------------------------------


def _outbox(settings: ChainEnvironment) -> AlertOutbox:
    from backup_relay.adapters.alerts import SqsAlertOutbox

    return SqsAlertOutbox(settings.alerts_queue_url)


@_once
def deliver_alert() -> DeliverAlert:
    from backup_relay.adapters.alerts import DynamoAlertLedger, SnsAlertPublisher, SqsDeadLetters
    from backup_relay.alerts.publish import DeliverAlert, PublishAlert

    settings = AlertsSettings.load()
    return DeliverAlert(
        publish=PublishAlert(
            ledger=DynamoAlertLedger(settings.ledger_table, settings.ledger_retention),
            publisher=SnsAlertPublisher(settings.alerts_topic_arn),
            probe=probe(settings),
        ),
        dead_letters=SqsDeadLetters(settings.alerts_dead_letter_queue_url),
        attempts=settings.alert_publish_attempts,
        telemetry=Telemetry(),
    )


def probe(settings: ProbeSettings) -> Probe:
    """The doctor's probe of a failure's cause, for alerts and replay (doctor/probe.py)."""
    from backup_relay.adapters.prerequisites.probe import AwsProbeReads
    from backup_relay.doctor.probe import Probe

    reads = AwsProbeReads(settings.central_account, settings.member_doctor_role_name)
    return Probe(reads, settings, observe=Telemetry().probe_ran)


# ---- the copy chain -----------------------------------------------------------------------------


class _ChainPorts(TypedDict):
    ledger: ChainLedger
    workflow: Workflow
    copy_jobs: CopyJobs
    recovery_points: RecoveryPoints


def _chain_ports(settings: ChainEnvironment) -> _ChainPorts:
    """The AWS behind the copy chain's use cases."""
    from backup_relay.adapters.backup import BackupCopyJobs, BackupRecoveryPoints
    from backup_relay.adapters.chain_ledger import DynamoChainLedger
    from backup_relay.adapters.workflow import StepFunctionsWorkflow

    return {
        "ledger": DynamoChainLedger(settings.ledger_table, settings.ledger_retention),
        "workflow": StepFunctionsWorkflow(
            settings.state_machine_arn if isinstance(settings, StartsChains) else None
        ),
        "copy_jobs": BackupCopyJobs(),
        "recovery_points": BackupRecoveryPoints(),
    }


def _chain_triggers(settings: IngestSettings) -> ChainTriggers:
    from backup_relay.adapters.backup import MemberReplayCopies  # on-demand backups' first hop
    from backup_relay.copy_chain.triggers import ChainTriggers

    ports, members = _chain_ports(settings), MemberReplayCopies(settings.member_replay_role_name)
    return ChainTriggers(settings.routes, settings.dr_vault, ports["ledger"], ports["workflow"],
                         ports["recovery_points"], Telemetry(),
                         members if settings.on_demand_backups_to_dr else None)  # fmt: skip


@_once
def hop_steps() -> HopSteps:
    from backup_relay.copy_chain.steps import HopSteps

    settings = ChainStepsSettings.load()
    return HopSteps(policy=settings.policy, telemetry=Telemetry(), **_chain_ports(settings))


@_once
def chain_ended() -> ChainEnded:
    from backup_relay.copy_chain.chain_ended import ChainEnded

    settings = ChainEnvironment.load()
    return ChainEnded(_chain_ports(settings)["ledger"], _outbox(settings), Telemetry())


@_once
def reconcile() -> Reconcile:
    from backup_relay.adapters.workflow import StepFunctionsWorkflow
    from backup_relay.copy_chain.reconcile import Reconcile

    settings = ReconcileSettings.load()
    return Reconcile(
        policy=settings.policy,
        executions=StepFunctionsWorkflow(settings.state_machine_arn),
        alerts=_outbox(settings),
        telemetry=Telemetry(),
        coverage=_coverage(settings),
        **_chain_ports(settings),
    )


def replay(env: Mapping[str, str] | None = None) -> Replay:
    """`env`: as for bring_back (the CLI passes a deployed stack's)."""
    return _replay() if env is None else _build_replay(ReplaySettings.load(env), endpoint_now)


@_once
def _replay() -> Replay:
    return _build_replay(ReplaySettings.load())


def _build_replay(settings: ReplaySettings, now: Clock = utc_now) -> Replay:
    from backup_relay.adapters.backup import BackupCopyJobs, MemberReplayCopies
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.replay.failed_copies import Replay

    ports = _chain_ports(settings)
    regions = tuple(dict.fromkeys(r for r in (settings.home_region, settings.dr_region) if r))
    return Replay(
        central_vault_name=settings.central_vault_name,
        central_account=settings.central_account,
        chains=ports["ledger"],
        jobs=DynamoEventLedger(settings.ledger_table, settings.ledger_retention),
        member_copies=MemberReplayCopies(settings.member_replay_role_name),
        probe=probe(settings),
        workflow=ports["workflow"],
        central_copies=BackupCopyJobs(),
        regions=regions,
        now=now,
    )


def status(env: Mapping[str, str]) -> Status:
    """For the CLI, with a deployed stack's environment."""
    from backup_relay.adapters.chain_ledger import DynamoChainLedger
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.status.chains import Status

    settings = ChainEnvironment.load(env)
    coverage = _coverage(settings)
    return Status(
        DynamoChainLedger(settings.ledger_table, settings.ledger_retention),
        DynamoEventLedger(settings.ledger_table, settings.ledger_retention),
        stale=None if coverage is None else _stale(coverage, env),
        now=endpoint_now,
    )


def _stale(coverage: Coverage, env: Mapping[str, str]) -> StaleResources:
    """Coverage's stale resources at `now`, at the stack's CoverageMaxAgeHours (0: the check
    is off, None)."""
    from backup_relay.template_parameters import DEFAULTS

    hours = float(env.get("COVERAGE_MAX_AGE_HOURS") or DEFAULTS["CoverageMaxAgeHours"] or 0)

    def stale(now: datetime) -> dict[str, str] | None:
        if hours <= 0:
            return None
        coverage.now = lambda: now
        return {r.resource_arn: r.resource_type for r in coverage(timedelta(hours=hours)).stale}

    return stale


def coverage(env: Mapping[str, str]) -> Coverage:
    """For the CLI, with a deployed stack's environment; SettingsError without a DR region."""
    found = _coverage(ChainEnvironment.load(env), now=endpoint_now)
    if found is None:
        raise SettingsError("the stack has no DrRegion: the copy chain (and its DR vault) is off")
    return found


def _coverage(settings: ChainEnvironment, now: Clock = utc_now) -> Coverage | None:
    from backup_relay.adapters.backup import BackupRecoveryPoints
    from backup_relay.adapters.chain_ledger import DynamoChainLedger
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.coverage.resources import Coverage

    if settings.dr_vault is None:
        return None
    return Coverage(
        jobs=DynamoEventLedger(settings.ledger_table, settings.ledger_retention),
        dr_vault_arn=settings.dr_vault.arn,
        chained_types=settings.chained_types,
        dr_points=BackupRecoveryPoints(),
        now=now,
        chains=DynamoChainLedger(settings.ledger_table, settings.ledger_retention),
    )


def doctor(
    env: Mapping[str, str] | None = None,
    member_accounts: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
) -> Doctor:
    """`env`: a deployed stack's (the CLI), or this process's (the scheduled DoctorFunction,
    which checks the members of AllowedSourceAccounts). Members are checked through their
    member stack's DoctorRole."""
    from backup_relay.adapters.prerequisites.central import AwsPrerequisites
    from backup_relay.adapters.prerequisites.member import AwsMemberPrerequisites
    from backup_relay.doctor.checkup import Doctor  # only the doctor's callers load its rules

    settings = DoctorSettings.load(env)
    vaults = [("central", settings.home_region, settings.central_vault_name)]
    if settings.dr_vault is not None:
        vaults.append(("DR", settings.dr_vault.region, settings.dr_vault.name))
    return Doctor(
        AwsPrerequisites(
            account=settings.central_account,
            organization_id=settings.organization_id,
            vaults=vaults,
            backup_role_arn=settings.backup_role_arn,
            intermediate_retention_days=settings.intermediate_retention_days,
            dr_retention_days=settings.dr_retention_days,
            bus_name=settings.event_bus_name,
            ingest_queue_arn=settings.ingest_queue_arn,
            dr_region=settings.dr_region or None,
            source_accounts=tuple(sorted(settings.allowed_source_accounts)),
        ),
        members=AwsMemberPrerequisites(
            settings.member_doctor_role_name,
            settings.central_account,
            settings.chained_types,
            central_bus_name=settings.event_bus_name,
        ),
        member_accounts=member_accounts or tuple(sorted(settings.allowed_source_accounts)),
        regions=regions or (settings.home_region,),
    )


def preflight() -> Preflight:
    """`doctor --preflight`: what `sam deploy` of the central stack needs, in the caller's
    account, before the stack exists."""
    from backup_relay.adapters.prerequisites.preflight import AwsPreflight
    from backup_relay.doctor.preflight import Preflight

    return Preflight(AwsPreflight())


@_once
def doctor_alerts() -> DoctorAlerts:
    from backup_relay.alerts.on_doctor import DoctorAlerts

    settings = DoctorSettings.load()
    return DoctorAlerts(doctor=doctor(), outbox=_outbox(settings))


def bring_back(env: Mapping[str, str] | None = None) -> BringBack:
    """`env`: the environment to read settings from (default: this process's); the CLI passes
    the one a deployed stack gives its functions."""
    return _bring_back() if env is None else _build_bring_back(BringBackSettings.load(env))


@_once
def _bring_back() -> BringBack:
    return _build_bring_back(BringBackSettings.load())


def _build_bring_back(settings: BringBackSettings) -> BringBack:
    from backup_relay.adapters.organization import OrganizationsAccounts
    from backup_relay.copy_chain.bring_back import BringBack

    ports = _chain_ports(settings)
    return BringBack(
        routes=settings.routes,
        targets=settings.bring_back_targets,
        accounts=settings.accounts,
        organization=OrganizationsAccounts(),
        recovery_points=ports["recovery_points"],
        ledger=ports["ledger"],
        workflow=ports["workflow"],
    )


# ---- the operator's view of a deployed stack ----------------------------------------------------


def endpoint_now() -> datetime:
    """The CLI's clock: now by the AWS endpoint it calls (the sandbox's virtual time there)."""
    from backup_relay.adapters.aws import endpoint_now as now

    return now()


def deployed_stack(name: str, region: str | None = None) -> DeployedStack:
    from backup_relay.adapters.stack import describe_stack

    return describe_stack(name, region)
