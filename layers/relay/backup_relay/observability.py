"""Logs, metrics and traces: the one place that writes them (POWERTOOLS_* environment).

Use cases report what happened through the telemetry ports (ports.py); `Telemetry` below turns
that into metrics (namespace BackupRelay, dimensions `metric_dimensions`) and log lines. Every
metric name and log message of the functions is in this module.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from backup_relay.collect.ports import IngestResult
    from backup_relay.copy_chain.ports import ReconcileReport
    from backup_relay.domain.chain import ChainState

SERVICE = "backup-relay"
NAMESPACE = "BackupRelay"
#: The variable naming the function's stack (template.yaml's Globals: !Ref AWS::StackName).
STACK_NAME_VARIABLE = "STACK_NAME"


def metric_dimensions(stack: str | None) -> dict[str, str]:
    """The dimensions every metric carries: the service and the stack's name, so that two stacks
    in one account and region (`backup-relay`, `backup-relay-dev`) publish, chart and alarm on
    metrics of their own. Without a stack (tests, the CLI: nothing ships their metrics to
    CloudWatch) there is no stack dimension: CloudWatch takes no empty value and a made-up one
    would name a stack that does not exist. (A metric's identity is its exact set of dimensions:
    alarms and the dashboard name both; template.yaml gives every function STACK_NAME.)"""
    return {"service": SERVICE} | ({"stack": stack} if stack else {})


logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
# Defaults outlive each invocation's flush (log_metrics' clear_metrics sets them again).
metrics.set_default_dimensions(**metric_dimensions(os.environ.get(STACK_NAME_VARIABLE)))

Event = TypeVar("Event")
Result = TypeVar("Result")
Handler = Callable[[Event, "LambdaContext"], Result]


def tracing() -> bool:
    """Whether this process traces: Powertools' own rule (in Lambda, unless
    POWERTOOLS_TRACE_DISABLED is true; never outside Lambda, in SAM local or in tests), asked
    without building a Tracer, which imports the X-Ray SDK even to stay disabled."""
    from aws_lambda_powertools.tracing.tracer import Tracer

    return not Tracer._is_tracer_disabled()


@functools.cache
def tracer() -> Tracer:
    """Built on first use, and only where `tracing()`: creating it imports the X-Ray SDK and
    patches botocore (about 100 ms here); the first traced invocation pays it, not the import of
    every handler, and a function that does not trace never does."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


def observed(handler: Handler[Event, Result]) -> Handler[Event, Result]:
    """A Lambda handler with the Lambda context in its logs, its metrics flushed, and traced
    (where `tracing()`)."""

    wrapped: list[Handler[Event, Result]] = []

    @functools.wraps(handler)
    def traced(event: Event, context: LambdaContext) -> Result:
        if not wrapped:
            wrapped.append(tracer().capture_lambda_handler(handler) if tracing() else handler)
        try:
            return wrapped[0](event, context)
        finally:
            # metrics off (POWERTOOLS_METRICS_DISABLED: the demo, the sandbox): Powertools
            # neither prints nor clears them at the end, but prints them anyway once a metric
            # holds 100 values, so they are dropped here
            if is_metrics_disabled():
                metrics.clear_metrics()

    logged = logger.inject_lambda_context(metrics.log_metrics(traced))
    return cast(Handler[Event, Result], logged)


def _count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def _seconds(name: str, elapsed: timedelta) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=elapsed.total_seconds())


_OUTCOME_METRICS = {
    "recorded": "EventsRecorded",
    "duplicate": "EventsDuplicate",
    "quarantined": "EventsQuarantined",
}


class Telemetry:
    """Implements IngestTelemetry, ChainTelemetry and ReconcileTelemetry."""

    # ---- ingest ---------------------------------------------------------------------------

    def event_ingested(self, result: IngestResult, actions: list[str]) -> None:
        _count(_OUTCOME_METRICS[result.outcome])
        if result.quarantined is not None:
            logger.warning(
                "quarantined a message",
                extra={
                    "outcome": str(result.outcome),
                    "message_id": result.quarantined.message_id,
                    "reason_code": result.quarantined.code,
                    "reason": result.quarantined.reason,
                },
            )
        elif result.event is not None:
            event = result.event
            logger.info(
                f"{result.outcome} {event.kind} {event.state}",
                extra={
                    "outcome": str(result.outcome),
                    "kind": str(event.kind),
                    "state": str(event.state),
                    "job_key": event.job_key,
                    "account": event.account,
                    "region": event.region,
                    "event_time": event.time.isoformat(),
                    "resource_type": event.resource_type,
                    "destination_vault_arn": event.destination_vault_arn,
                    "actions": actions,
                },
            )

    # ---- the copy chain -------------------------------------------------------------------

    def chain_started(self, chain: ChainState) -> None:
        _count("ChainsStarted")

    def hop_started(self, chain: ChainState, since_origin_landed: timedelta | None) -> None:
        if since_origin_landed is not None:
            _seconds("SecondsFromLandingToNextHop", since_origin_landed)

    def hop_completed(self, chain: ChainState, duration: timedelta | None) -> None:
        if duration is not None:
            _seconds("HopDurationSeconds", duration)

    def chain_completed(self, chain: ChainState) -> None:
        _count("ChainsCompleted")
        logger.info("chain completed", extra={"chain_id": chain.chain_id})

    def chain_replanned(self, chain: ChainState) -> None:
        logger.warning(
            "re-planned after AWS refused a single-action copy",
            extra={"chain_id": chain.chain_id, "reason": chain.reason},
        )

    def chain_failed(self, chain: ChainState, cause: str) -> None:
        _count("ChainsFailed")
        logger.error("chain failed", extra={"chain_id": chain.chain_id, "cause": cause})

    def retention_shortened(self, recovery_point_arn: str, delete_after_days: int) -> None:
        logger.info(
            "shortened an intermediate copy's retention",
            extra={
                "recovery_point_arn": recovery_point_arn,
                "delete_after_days": delete_after_days,
            },
        )

    def destination_without_route(self, resource_type: str, destination: str, reason: str) -> None:
        _count("DestinationsWithoutRoute")
        logger.info(
            "no route to a destination",
            extra={"resource_type": resource_type, "destination": destination, "reason": reason},
        )

    # ---- reconcile ------------------------------------------------------------------------

    def chain_ended(self, chain_id: str, status: str, released: int, died: bool) -> None:
        if died:
            _count("ChainsEndedOutsideTheirSteps")
            logger.error(
                "chain ended outside its steps",
                extra={"chain_id": chain_id, "status": status, "slots_released": released},
            )
        else:
            logger.info(
                "execution ended",
                extra={"chain_id": chain_id, "status": status, "slots_released": released},
            )

    def reconciled(self, report: ReconcileReport) -> None:
        _count("ChainsStartedByReconcile", len(report.chains_started))
        _count("HopsResumedByReconcile", len(report.hops_resumed))
        _count("HopsPastSla", len(report.hops_past_sla))
        _count("ExecutionsClosedByReconcile", len(report.executions_closed))
        _count("StaleResources", len(report.stale_resources))
        for hop in report.hops_past_sla:
            logger.error("hop past its SLA", extra={"hop": hop})
        logger.info("reconciled", extra=report.model_dump())

    def alert_delivered(self, alert_id: str, outcome: str, reason: str | None) -> None:
        metric = {
            "PUBLISHED": "AlertsPublished",
            "ALREADY_SENT": "AlertsAlreadySent",
            "DEAD_LETTERED": "AlertsDeadLettered",
        }[outcome]
        _count(metric)
        if reason:
            logger.error("alert dead-lettered", extra={"alert_id": alert_id, "reason": reason})
        else:
            logger.info("alert delivered", extra={"alert_id": alert_id, "outcome": outcome})

    def unknown_failure(self, aws_category: str | None, resource_type: str | None) -> None:
        """A failure no catalogue entry matched: once in all, and once by AWS's category and
        the resource type (the same metric with two more dimensions), so the wordings worth a
        catalogue entry show first."""
        _count("UnknownFailures")
        dimensions = metric_dimensions(os.environ.get(STACK_NAME_VARIABLE)) | {
            "AwsCategory": aws_category or "none",
            "ResourceType": resource_type or "none",
        }
        with single_metric(
            name="UnknownFailures",
            unit=MetricUnit.Count,
            value=1,
            namespace=NAMESPACE,
            default_dimensions=dimensions,
        ):
            pass
        logger.warning(
            "a failure the catalogue does not know",
            extra={"aws_category": aws_category, "resource_type": resource_type},
        )

    def probe_ran(self, category: str, verdict: str, reads: int, seconds: float) -> None:
        """The doctor's probe of an alert's cause (doctor/probe.py): its verdict, its reads."""
        _count(_PROBE_METRICS[verdict])
        _count("ProbeReads", reads)
        _seconds("ProbeSeconds", timedelta(seconds=seconds))
        logger.info(
            "probe ran",
            extra={"category": category, "verdict": verdict, "reads": reads, "seconds": seconds},
        )


_PROBE_METRICS = {
    "confirmed": "ProbesConfirmed",
    "contradicted": "ProbesContradicted",
    "could not check": "ProbesUnchecked",
}


def append_keys(**keys: Any) -> None:
    """Keys every later log line of this invocation carries (a correlation id)."""
    logger.append_keys(**keys)


__all__ = [
    "NAMESPACE",
    "SERVICE",
    "STACK_NAME_VARIABLE",
    "Telemetry",
    "append_keys",
    "logger",
    "metric_dimensions",
    "observed",
]
