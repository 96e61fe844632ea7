"""The copy chain state machine's steps: {"action", "chain", "task_token"?} -> the chain."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay import wiring
from backup_relay.copy_chain.steps import StepRequest
from backup_relay.observability import append_keys, observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any] | None:
    request = StepRequest.model_validate(event)
    append_keys(chain_id=request.chain.chain_id, action=request.action)
    return wiring.hop_steps().run(request)
