"""A copy-chain execution ended (EventBridge "Step Functions Execution Status Change"): free its
concurrency slots, record it FAILED if its own steps could not (stopped, timed out), and raise
the failed chain's alert."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay import wiring
from backup_relay.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event["detail"]
    ended = wiring.chain_ended()
    return ended(
        str(detail["name"]), str(detail["status"]), detail.get("executionArn")
    ).model_dump()
