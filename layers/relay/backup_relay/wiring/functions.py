"""Builders of what the stack's functions run (each cached: cache.once)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from backup_relay.domain.clock import Clock, utc_now
from backup_relay.observability import Telemetry
from backup_relay.settings import (
    AlertsSettings,
    BringBackSettings,
    ChainEnvironment,
    ChainStepsSettings,
    DoctorSettings,
    IngestSettings,
    ReconcileSettings,
    ReplaySettings,
)
from backup_relay.wiring.cache import once
from backup_relay.wiring.operator import doctor
from backup_relay.wiring.security_findings import security_findings
from backup_relay.wiring.shared import (
    ChainPorts,
    build_coverage,
    chain_ports,
    endpoint_now,
    outbox,
    probe,
)

if TYPE_CHECKING:
    from backup_relay.adapters.idempotency import OncePerEvent
    from backup_relay.alerts.on_doctor import DoctorAlerts
    from backup_relay.alerts.publish import DeliverAlert
    from backup_relay.collect.ingest import Ingest
    from backup_relay.copy_chain.bring_back import BringBack
    from backup_relay.copy_chain.chain_ended import ChainEnded
    from backup_relay.copy_chain.member_hops import MemberHops
    from backup_relay.copy_chain.overflow import OverflowRoutes
    from backup_relay.copy_chain.ports import MemberCopies
    from backup_relay.copy_chain.reconcile import Reconcile
    from backup_relay.copy_chain.steps import HopSteps
    from backup_relay.copy_chain.triggers import ChainTriggers
    from backup_relay.replay.failed_copies import Replay
    from backup_relay.security_findings.sources import StaleCopyFindings


@once
def once_per_event() -> OncePerEvent:
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.adapters.idempotency import OncePerEvent

    settings = IngestSettings.load()
    ledger = DynamoEventLedger(settings.ledger_table, settings.ledger_retention)
    return OncePerEvent(ledger.record_event, settings.idempotency_table)


@once
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
            outbox=outbox(settings),
            quarantines=DynamoQuarantineCounter(settings.ledger_table),
            routes=settings.routes,
            region=settings.home_region,
            quarantine_threshold=settings.quarantine_alert_threshold,
            chains=triggers.ledger,  # names a scanned recovery point's copies
        ),
        telemetry=Telemetry(),
    )


@once
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


def _chain_triggers(settings: IngestSettings) -> ChainTriggers:
    from backup_relay.adapters.backup import MemberReplayCopies  # on-demand backups' first hop
    from backup_relay.copy_chain.triggers import ChainTriggers

    ports, members = chain_ports(settings), MemberReplayCopies(settings.member_replay_role_name)
    triggers = ChainTriggers(settings.routes, settings.dr_vault, ports["ledger"],
                             ports["workflow"], ports["recovery_points"], Telemetry(),
                             members if settings.on_demand_backups_to_dr else None)  # fmt: skip
    if settings.single_action_types:  # the quota overflow may route chains from the members
        triggers.overflow, triggers.member_hops = _overflow(settings, ports, members)
    return triggers


def _overflow(
    settings: IngestSettings, ports: ChainPorts, members: MemberCopies
) -> tuple[OverflowRoutes, MemberHops]:
    from backup_relay.copy_chain.member_hops import MemberHops

    routes = _overflow_routes(settings, ports)
    return routes, MemberHops(settings.routes, ports["ledger"], ports["workflow"], members)


def _overflow_routes(
    settings: IngestSettings | ReconcileSettings, ports: ChainPorts
) -> OverflowRoutes:
    """The one decision of a starting chain's route, ingest's and reconcile's."""
    from backup_relay.adapters.chain_ledger import DynamoChainLedger  # the slots' queues
    from backup_relay.copy_chain.overflow import OverflowRoutes

    loads = DynamoChainLedger(settings.ledger_table, settings.ledger_retention)
    window = timedelta(hours=settings.night_window_hours)
    ledger, cap = ports["ledger"], settings.max_concurrent_copies
    return OverflowRoutes(settings.routes, ledger, loads, window, cap)


@once
def hop_steps() -> HopSteps:
    from backup_relay.adapters.backup import MemberReplayCopies  # hops out of member vaults
    from backup_relay.copy_chain.steps import HopSteps

    settings = ChainStepsSettings.load()
    members = MemberReplayCopies(settings.member_replay_role_name)
    return HopSteps(policy=settings.policy, telemetry=Telemetry(), member_copies=members,
                    **chain_ports(settings))  # fmt: skip


@once
def chain_ended() -> ChainEnded:
    from backup_relay.copy_chain.chain_ended import ChainEnded

    settings = ChainEnvironment.load()
    return ChainEnded(chain_ports(settings)["ledger"], outbox(settings), Telemetry())


@once
def reconcile() -> Reconcile:
    from backup_relay.adapters.backup import MemberReplayCopies
    from backup_relay.adapters.workflow import StepFunctionsWorkflow
    from backup_relay.copy_chain.reconcile import Reconcile

    settings = ReconcileSettings.load()
    ports, overflow, members = chain_ports(settings), None, None
    if settings.single_action_types:  # the overflow: its routes, its members' hops
        overflow = _overflow_routes(settings, ports)
        members = MemberReplayCopies(settings.member_replay_role_name)
    return Reconcile(
        policy=settings.policy,
        executions=StepFunctionsWorkflow(settings.state_machine_arn),
        alerts=outbox(settings),
        telemetry=Telemetry(),
        coverage=build_coverage(settings),
        findings=_stale_copy_findings(settings),
        overflow=overflow,
        member_copies=members,
        **ports,
    )


def _stale_copy_findings(settings: ReconcileSettings) -> StaleCopyFindings | None:
    from backup_relay.security_findings.sources import StaleCopyFindings

    publish = security_findings()
    if publish is None or settings.dr_vault is None:
        return None
    return StaleCopyFindings(publish)


def replay(env: Mapping[str, str] | None = None) -> Replay:
    """`env`: as for bring_back (the CLI passes a deployed stack's)."""
    return _replay() if env is None else _build_replay(ReplaySettings.load(env), endpoint_now)


@once
def _replay() -> Replay:
    return _build_replay(ReplaySettings.load())


def _build_replay(settings: ReplaySettings, now: Clock = utc_now) -> Replay:
    from backup_relay.adapters.backup import BackupCopyJobs, MemberReplayCopies
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.replay.failed_copies import Replay

    ports = chain_ports(settings)
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


@once
def doctor_alerts() -> DoctorAlerts:
    from backup_relay.alerts.on_doctor import DoctorAlerts
    from backup_relay.security_findings.sources import DoctorFindings

    settings = DoctorSettings.load()
    publish = security_findings()
    return DoctorAlerts(
        doctor=doctor(),
        outbox=outbox(settings),
        findings=None if publish is None else DoctorFindings(publish),
    )


def bring_back(env: Mapping[str, str] | None = None) -> BringBack:
    """`env`: the environment to read settings from (default: this process's); the CLI passes
    the one a deployed stack gives its functions."""
    return _bring_back() if env is None else _build_bring_back(BringBackSettings.load(env))


@once
def _bring_back() -> BringBack:
    return _build_bring_back(BringBackSettings.load())


def _build_bring_back(settings: BringBackSettings) -> BringBack:
    from backup_relay.adapters.organization import OrganizationsAccounts
    from backup_relay.copy_chain.bring_back import BringBack

    ports = chain_ports(settings)
    return BringBack(
        routes=settings.routes,
        targets=settings.bring_back_targets,
        accounts=settings.accounts,
        organization=OrganizationsAccounts(),
        recovery_points=ports["recovery_points"],
        ledger=ports["ledger"],
        workflow=ports["workflow"],
    )
