"""Bring a DR copy back to a member account: {"recovery_point_arn", "to_account", "to_region",
"to_vault", optional "dry_run"} -> the planned chain and whether it started. The source is the
DR vault; the target must be one the stack's BringBackTargets admits."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay import wiring
from backup_relay.copy_chain.bring_back import BringBackRequest
from backup_relay.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    chain, started = wiring.bring_back()(BringBackRequest.model_validate(event))
    return {"started": started, "chain": chain.model_dump(mode="json", exclude_none=True)}
