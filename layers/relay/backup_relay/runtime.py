"""Wires settings, adapters and the domain for each Lambda function; built on first use."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay.adapters import aws
from backup_relay.adapters.backup import BackupRecoveryPoints
from backup_relay.adapters.chains import ChainLedger
from backup_relay.adapters.idempotency import OncePerEvent
from backup_relay.adapters.ledger import DynamoLedger
from backup_relay.adapters.workflow import Workflow
from backup_relay.bring_back import BringBack
from backup_relay.chain_steps import ChainSteps
from backup_relay.ingest import AccountPolicy, IngestResult, Outcome, ingest_message
from backup_relay.observability import MetricUnit, logger, metrics
from backup_relay.reconcile import Reconcile
from backup_relay.settings import ChainRuntimeSettings, IngestSettings

_OUTCOME_METRICS = {
    Outcome.RECORDED: "EventsRecorded",
    Outcome.DUPLICATE: "EventsDuplicate",
    Outcome.QUARANTINED: "EventsQuarantined",
}


@dataclass
class IngestRuntime:
    policy: AccountPolicy
    ledger: DynamoLedger
    record: OncePerEvent
    chains: ChainSteps | None  # None where no state machine is configured

    def handle(self, body: str, message_id: str) -> IngestResult:
        result = ingest_message(
            body,
            message_id,
            policy=self.policy,
            record=self.record,
            quarantine=self.ledger.quarantine,
        )
        metrics.add_metric(name=_OUTCOME_METRICS[result.outcome], unit=MetricUnit.Count, value=1)
        if result.quarantined:
            logger.warning(
                "quarantined a message",
                extra={
                    "message_id": message_id,
                    "reason_code": result.quarantined.code,
                    "reason": result.quarantined.reason,
                },
            )
        elif result.event:
            actions = self.chains.on_event(result.event) if self.chains else []
            logger.info(
                f"{result.outcome} {result.event.kind} {result.event.state}",
                extra={
                    "job_key": result.event.job_key,
                    "account": result.event.account,
                    "region": result.event.region,
                    "event_time": result.event.time.isoformat(),
                    "resource_type": result.event.resource_type,
                    "destination_vault_arn": result.event.destination_vault_arn,
                    "actions": actions,
                },
            )
        return result

    def register(self, context: LambdaContext) -> None:
        self.record.register(context)


@lru_cache(maxsize=1)
def ingest_runtime() -> IngestRuntime:
    settings = IngestSettings.from_env()
    ledger = DynamoLedger(settings.ledger_table)
    return IngestRuntime(
        policy=AccountPolicy.from_list(
            settings.allowed_source_accounts, settings.central_account_id
        ),
        ledger=ledger,
        record=OncePerEvent(ledger.record_event, settings.idempotency_table),
        chains=chain_steps() if os.environ.get("STATE_MACHINE_ARN") else None,
    )


@lru_cache(maxsize=1)
def chain_steps() -> ChainSteps:
    settings = ChainRuntimeSettings.from_env()
    return ChainSteps(
        settings=settings,
        ledger=ChainLedger(os.environ["LEDGER_TABLE"]),
        workflow=Workflow(settings.state_machine_arn),
        backup=lambda region: aws.client("backup", region),
        backup_role_arn=settings.backup_role_arn,
    )


def bring_back(env: Mapping[str, str] = os.environ) -> BringBack:
    settings = ChainRuntimeSettings.from_env(env)
    return BringBack(
        settings=settings.chain,
        dr_vault=settings.dr_vault,
        recovery_points=BackupRecoveryPoints(),
        ledger=ChainLedger(env["LEDGER_TABLE"]),
        workflow=Workflow(settings.state_machine_arn),
    )


def reconcile(env: Mapping[str, str] = os.environ) -> Reconcile:
    settings = ChainRuntimeSettings.from_env(env)
    return Reconcile(
        settings=settings,
        ledger=ChainLedger(env["LEDGER_TABLE"]),
        workflow=Workflow(settings.state_machine_arn),
        backup=lambda region: aws.client("backup", region),
        lookback=timedelta(hours=float(env.get("RECONCILE_LOOKBACK_HOURS") or 48)),
        hop_sla=timedelta(hours=float(env.get("HOP_SLA_HOURS") or 24)),
    )
