"""Scheduled: start missing chains, resume hops whose event never came, report hops past SLA."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay.observability import MetricUnit, logger, metrics, tracer
from backup_relay.runtime import reconcile


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconcile()()
    metrics.add_metric(
        name="ChainsStartedByReconcile", unit=MetricUnit.Count, value=len(report.chains_started)
    )
    metrics.add_metric(
        name="HopsResumedByReconcile", unit=MetricUnit.Count, value=len(report.hops_resumed)
    )
    metrics.add_metric(name="HopsPastSla", unit=MetricUnit.Count, value=len(report.hops_past_sla))
    for hop in report.hops_past_sla:
        logger.error("hop past its SLA", extra={"hop": hop})
    logger.info("reconciled", extra=report.model_dump())
    return report.model_dump()
