"""The environment a function of the central stack runs with, rebuilt outside Lambda: from a
deployed stack (its parameters and outputs), or from the template's defaults (offline). The CLI,
and the tests, then load the very settings models the functions load (settings.py).

Both come from template.yaml's parameters (template_parameters.py, generated from it): their
defaults, and which function environment variable each one sets.
"""

from __future__ import annotations

from collections.abc import Mapping

from backup_relay.domain.stack import DeployedStack
from backup_relay.template_parameters import DEFAULTS, VARIABLES


def from_template_defaults(*, central_account: str, region: str) -> dict[str, str]:
    env = {variable: DEFAULTS[parameter] or "" for variable, parameter in VARIABLES.items()}
    return env | {"CENTRAL_ACCOUNT_ID": central_account, "AWS_REGION": region}


def from_stack(stack: DeployedStack) -> dict[str, str]:
    """What the template gives its functions, resolved against the deployed stack."""
    parameters: Mapping[str, str] = stack.parameters
    env = {
        variable: parameters.get(parameter, DEFAULTS[parameter] or "")
        for variable, parameter in VARIABLES.items()
    }
    role = parameters.get("BackupRoleName", DEFAULTS["BackupRoleName"] or "")
    return env | {
        "CENTRAL_ACCOUNT_ID": stack.account,
        "STACK_NAME": stack.name,
        "AWS_REGION": stack.region,
        "LEDGER_TABLE": stack.outputs.get("LedgerTableName", ""),
        "STATE_MACHINE_ARN": stack.outputs.get("CopyChainStateMachineArn", ""),
        "ALERTS_QUEUE_URL": stack.outputs.get("AlertsQueueUrl", ""),
        "EVENT_BUS_NAME": stack.outputs.get("EventBusArn", "").rsplit("/", 1)[-1],
        "INGEST_QUEUE_ARN": stack.outputs.get("IngestQueueArn", ""),
        "BACKUP_ROLE_ARN": f"arn:{stack.partition}:iam::{stack.account}:role/{role}",
    }
