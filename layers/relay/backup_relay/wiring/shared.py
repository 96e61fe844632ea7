"""What both the functions' builders and the operator's use: the alert outbox, the probe, the
copy chain's ports, coverage, the CLI's clock."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from backup_relay.domain.clock import Clock, utc_now
from backup_relay.observability import Telemetry
from backup_relay.settings import ChainEnvironment, ProbeSettings, StartsChains

if TYPE_CHECKING:
    from backup_relay.alerts.ports import AlertOutbox
    from backup_relay.copy_chain.ports import ChainLedger, CopyJobs, RecoveryPoints, Workflow
    from backup_relay.coverage.resources import Coverage
    from backup_relay.doctor.probe import Probe


def outbox(settings: ChainEnvironment) -> AlertOutbox:
    from backup_relay.adapters.alerts import SqsAlertOutbox

    return SqsAlertOutbox(settings.alerts_queue_url)


def probe(settings: ProbeSettings) -> Probe:
    """The doctor's probe of a failure's cause, for alerts and replay (doctor/probe.py)."""
    from backup_relay.adapters.prerequisites.probe import AwsProbeReads
    from backup_relay.doctor.probe import Probe

    reads = AwsProbeReads(settings.central_account, settings.member_doctor_role_name)
    return Probe(reads, settings, observe=Telemetry().probe_ran)


class ChainPorts(TypedDict):
    ledger: ChainLedger
    workflow: Workflow
    copy_jobs: CopyJobs
    recovery_points: RecoveryPoints


def chain_ports(settings: ChainEnvironment) -> ChainPorts:
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


def build_coverage(settings: ChainEnvironment, now: Clock = utc_now) -> Coverage | None:
    from backup_relay.adapters.backup import BackupRecoveryPoints
    from backup_relay.adapters.chain_ledger import DynamoChainLedger
    from backup_relay.adapters.drills import LedgerProvenRestores
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.coverage.resources import Coverage

    if settings.dr_vault is None:
        return None
    routes = settings.routes
    return Coverage(
        jobs=DynamoEventLedger(settings.ledger_table, settings.ledger_retention),
        dr_vault_arn=settings.dr_vault.arn,
        chained_types=settings.chained_types,
        dr_points=BackupRecoveryPoints(),
        now=now,
        chains=DynamoChainLedger(settings.ledger_table, settings.ledger_retention),
        # per destination: the DR vault, then AdditionalDestinations (issue #25 item 5)
        destinations=routes.destinations(settings.home_region),
        routes=routes,
        proven=LedgerProvenRestores(settings.ledger_table),
    )


def endpoint_now() -> datetime:
    """The CLI's clock: now by the AWS endpoint it calls (the sandbox's virtual time there)."""
    from backup_relay.adapters.aws import endpoint_now as now

    return now()
