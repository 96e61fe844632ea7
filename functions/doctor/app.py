"""Scheduled: check the copy chain's prerequisites (the central account, and the members of
AllowedSourceAccounts); one alert per finding -> the report, as `backup-relay doctor --json`."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from backup_relay import wiring
from backup_relay.observability import observed


@observed
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return wiring.doctor_alerts()().model_dump(mode="json")
