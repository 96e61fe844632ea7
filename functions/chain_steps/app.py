"""The copy chain state machine's steps: next_hop, start_copy_job, await_copy_job,
check_copy_job, hop_failed."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay.chain import ChainState
from backup_relay.observability import logger, metrics, tracer
from backup_relay.runtime import chain_steps


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    chain = ChainState.model_validate(event["chain"])
    logger.append_keys(chain_id=chain.chain_id)
    steps = chain_steps()
    match event["action"]:
        case "next_hop":
            return steps.next_hop(chain).model_dump(mode="json", exclude_none=True)
        case "start_copy_job":
            return steps.start_copy_job(chain).model_dump(mode="json", exclude_none=True)
        case "await_copy_job":
            steps.await_copy_job(chain, event["task_token"])
            return None
        case "check_copy_job":
            return steps.check_copy_job(chain).model_dump(mode="json", exclude_none=True)
        case "hop_failed":
            return steps.hop_failed(chain).model_dump(mode="json", exclude_none=True)
    raise ValueError(f"unknown action {event['action']!r}")
