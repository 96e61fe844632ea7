"""Replay failed copies: {"job_id", "chain_id", "account", "resource_type", "category", "since",
"dry_run"} (all optional; since defaults to 24h) -> what was replayed, skipped (and why), gone or
failed, as `backup-relay replay --json` prints it."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay import wiring
from backup_relay.observability import observed
from backup_relay.replay.failed_copies import ReplayRequest


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = wiring.replay()(ReplayRequest.model_validate(event))
    return report.model_dump(mode="json")
