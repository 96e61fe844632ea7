"""A small organization for use-case tests: accounts, vaults, settings, events, and the use
cases wired to in-memory ports (support/fakes.py). Settings start from the template's own
defaults (the generated template_parameters), as a deployed stack's functions would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from backup_relay.alerts.on_ingest import IngestAlerts
from backup_relay.copy_chain.bring_back import BringBack
from backup_relay.copy_chain.reconcile import Reconcile
from backup_relay.copy_chain.steps import HopSteps
from backup_relay.copy_chain.triggers import ChainTriggers
from backup_relay.coverage.resources import Coverage
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.domain.routes import Vault
from backup_relay.settings import (
    BringBackSettings,
    ChainStepsSettings,
    FunctionSettings,
    IngestSettings,
    ReconcileSettings,
)
from backup_relay.stack_environment import from_template_defaults
from tests.support.fakes import (
    FakeCopyJobs,
    FakeOrganization,
    FakeRecoveryPoints,
    FakeWorkflow,
    MemoryAlerts,
    MemoryChainLedger,
    RecordingTelemetry,
)

CENTRAL, MEMBER = "123456789012", "222222222222"
HOME, DR_REGION = "us-west-2", "us-east-1"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CENTRAL_VAULT_NAME = "central"
CENTRAL_HOME = Vault(account=CENTRAL, region=HOME, name=CENTRAL_VAULT_NAME)
CENTRAL_DR_REGION = Vault(account=CENTRAL, region=DR_REGION, name=CENTRAL_VAULT_NAME)
DR = Vault(account=CENTRAL, region=DR_REGION, name="dr")
MEMBER_VAULT = Vault(account=MEMBER, region=HOME, name="member")
LANDED_RP = f"arn:aws:rds:{HOME}:{CENTRAL}:cluster-snapshot:awsbackup:job-landed"
BACKUP_ROLE = f"arn:aws:iam::{CENTRAL}:role/service-role/AWSBackupDefaultServiceRole"
#: MaxConcurrentCopies 0: a hop's slot is capped by AWS's quota for its type alone.
AWS_QUOTAS = 0


def environment(**overrides: str) -> dict[str, str]:
    """A central stack's function environment: the template's defaults, the DR region set."""
    env = from_template_defaults(central_account=CENTRAL, region=HOME)
    return env | {
        "LEDGER_TABLE": "ledger",
        "IDEMPOTENCY_TABLE": "idempotency",
        "STATE_MACHINE_ARN": f"arn:aws:states:{HOME}:{CENTRAL}:stateMachine:copy-chain",
        "ALERTS_QUEUE_URL": f"https://sqs.{HOME}.amazonaws.com/{CENTRAL}/alerts",
        "BACKUP_ROLE_ARN": BACKUP_ROLE,
        "CENTRAL_VAULT_NAME": CENTRAL_VAULT_NAME,
        "DR_REGION": DR_REGION,
        "DR_VAULT_NAME": DR.name,
        **overrides,
    }


S = TypeVar("S", bound=FunctionSettings)


def settings(model: type[S], **overrides: str) -> S:
    return model.load(environment(**overrides))


def copy_event(**changes: Any) -> JobEvent:
    """A member's Aurora copy that COMPLETED into the central vault of its region."""
    fields: dict[str, Any] = {
        "kind": JobKind.COPY,
        "job_id": "copy-1",
        "state": JobState.COMPLETED,
        "status_message": None,
        "account": MEMBER,
        "region": HOME,
        "time": datetime(2026, 11, 21, 22, 0, tzinfo=UTC),
        "resource_arn": f"arn:aws:rds:{HOME}:{MEMBER}:cluster:orders",
        "resource_type": "Aurora",
        "source_recovery_point_arn": f"arn:aws:rds:{HOME}:{MEMBER}:cluster-snapshot:awsbackup:j1",
        "destination_recovery_point_arn": LANDED_RP,
        "source_vault_arn": MEMBER_VAULT.arn,
        "destination_vault_arn": CENTRAL_HOME.arn,
        "size_bytes": 10,
        "iam_role_arn": None,
        "event_id": "e-1",
    }
    return JobEvent.model_validate(fields | changes)


@dataclass
class World:
    """The ports every use case shares, in memory, and a clock a test can move."""

    now: datetime = NOW
    ledger: MemoryChainLedger = field(default_factory=lambda: MemoryChainLedger(NOW))
    workflow: FakeWorkflow = field(default_factory=FakeWorkflow)
    copy_jobs: FakeCopyJobs = field(default_factory=FakeCopyJobs)
    recovery_points: FakeRecoveryPoints = field(default_factory=FakeRecoveryPoints)
    telemetry: RecordingTelemetry = field(default_factory=RecordingTelemetry)
    alerts: MemoryAlerts = field(default_factory=MemoryAlerts)
    organization: FakeOrganization = field(
        default_factory=lambda: FakeOrganization(frozenset({CENTRAL, MEMBER}))
    )

    def clock(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self.ledger.now = self.now

    def ports(self) -> dict[str, Any]:
        """The ports the chain's use cases take, by their field names."""
        return {
            "ledger": self.ledger,
            "workflow": self.workflow,
            "copy_jobs": self.copy_jobs,
            "recovery_points": self.recovery_points,
            "telemetry": self.telemetry,
        }

    def hop_steps(self, **env: str) -> HopSteps:
        return HopSteps(settings(ChainStepsSettings, **env).policy, now=self.clock, **self.ports())

    def reconcile(self, coverage: Coverage | None = None, **env: str) -> Reconcile:
        return Reconcile(
            settings(ReconcileSettings, **env).policy,
            executions=self.workflow,
            alerts=self.alerts,
            now=self.clock,
            coverage=coverage,
            **self.ports(),
        )

    def ingest_alerts(self, **env: str) -> IngestAlerts:
        ingest = settings(IngestSettings, **env)
        return IngestAlerts(
            outbox=self.alerts,
            quarantines=self.alerts,
            routes=ingest.routes,
            region=ingest.home_region,
            quarantine_threshold=ingest.quarantine_alert_threshold,
            chains=self.ledger,
        )

    def triggers(self, **env: str) -> ChainTriggers:
        chain_env = settings(ChainStepsSettings, **env)
        return ChainTriggers(
            routes=chain_env.routes,
            dr_vault=chain_env.dr_vault,
            ledger=self.ledger,
            workflow=self.workflow,
            recovery_points=self.recovery_points,
            telemetry=self.telemetry,
        )

    def land(self, event: JobEvent) -> JobEvent:
        """The recovery point a member's COMPLETED copy event says landed, as AWS holds it."""
        point = RecoveryPoint(
            event.destination_recovery_point_arn or "",
            event.resource_type or "",
            "COMPLETED",
            event.time,
            event.source_vault_arn,
        )
        self.recovery_points.add(Vault.parse(event.destination_vault_arn or ""), point)
        return event

    def bring_back(self, **env: str) -> BringBack:
        loaded = settings(BringBackSettings, **env)
        return BringBack(
            routes=loaded.routes,
            targets=loaded.bring_back_targets,
            accounts=loaded.accounts,
            organization=self.organization,
            recovery_points=self.recovery_points,
            ledger=self.ledger,
            workflow=self.workflow,
        )
