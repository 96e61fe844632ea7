"""A restore drill's restore job ended (EventBridge, the relay bus): validate what it restored,
report with PutRestoreValidationResult, keep the proof or alert the failure."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay import wiring
from backup_relay.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    verdict = wiring.validate_drill().on_event(event)
    if verdict is None:
        return {"validated": False}
    return {"validated": True, "status": str(verdict.status), "message": verdict.message}
