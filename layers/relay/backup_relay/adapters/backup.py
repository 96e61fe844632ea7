"""AWS Backup reads the library needs, and the deployed stack's settings for the CLI."""

from __future__ import annotations

from typing import Any

from backup_relay.adapters import aws
from backup_relay.planner import Vault


class BackupRecoveryPoints:
    def describe_recovery_point(self, region: str, vault: Vault, arn: str) -> dict[str, Any]:
        answer: dict[str, Any] = aws.client("backup", region).describe_recovery_point(
            BackupVaultName=vault.name, RecoveryPointArn=arn, BackupVaultAccountId=vault.account
        )
        return answer


def stack_environment(stack_name: str, region: str | None = None) -> dict[str, str]:
    """The environment the template gives its functions, rebuilt from a deployed stack's
    parameters and outputs, so the CLI acts exactly as the Lambdas would."""
    [stack] = aws.client("cloudformation", region).describe_stacks(StackName=stack_name)["Stacks"]
    parameters = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    account = stack["StackId"].split(":")[4]
    return {
        "LEDGER_TABLE": outputs["LedgerTableName"],
        "STATE_MACHINE_ARN": outputs["CopyChainStateMachineArn"],
        "CENTRAL_ACCOUNT_ID": account,
        "CENTRAL_VAULT_NAME": parameters.get("CentralVaultName", ""),
        "DR_REGION": parameters.get("DrRegion", ""),
        "DR_VAULT_NAME": parameters.get("DrVaultName", ""),
        "DR_DELETE_AFTER_DAYS": parameters.get("DrRetentionDays", "0"),
        "CHAINED_RESOURCE_TYPES": parameters.get("ChainedResourceTypes", ""),
        "SINGLE_ACTION_RESOURCE_TYPES": parameters.get("SingleActionResourceTypes", ""),
        "COPY_WAIT_TIMEOUT_SECONDS": parameters.get("CopyWaitTimeoutSeconds", "14400"),
    }
