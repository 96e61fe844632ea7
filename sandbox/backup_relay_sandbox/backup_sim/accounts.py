"""What each account configures besides its resources: backup vaults and their access policies,
and, for the organization, the global settings. The vaults live in moto's backup backend."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim import moto_state
from backup_relay_sandbox.backup_sim.errors import (
    BackupApiError,
    invalid_request,
    not_found,
    vault_missing,
)
from backup_relay_sandbox.backup_sim.model import Settings


def vault(account: str, region: str, name: str) -> Any:
    """moto's vault, or what AWS answers for one that does not exist: AccessDeniedException
    "Insufficient privileges to perform this action." (HTTP 403), as public SDK threads show for
    DescribeBackupVault (`errors.vault_missing`); the same answer from the other operations that
    name a vault (its access policy, its recovery points) is INFERRED."""
    found = moto_state.vault(account, region, name)
    if found is None:
        raise vault_missing()
    return found


def put_access_policy(
    account: str, region: str, name: str, policy: str | Mapping[str, Any]
) -> None:
    found = vault(account, region, name)
    found.access_policy = policy if isinstance(policy, str) else json.dumps(policy)


def access_policy(account: str, region: str, name: str) -> str:
    policy = getattr(vault(account, region, name), "access_policy", None)
    if policy is None:
        raise not_found(f"Backup vault {name} has no access policy.")  # INFERRED
    return str(policy)


def check_cross_account_read(
    caller: str, account: str, region: str, name: str, action: str
) -> None:
    """Another account's vault cannot be read, whatever its access policy: "Regardless of the
    AWS Backup vault's access policy, cross-account access for any action other than
    backup:CopyIntoBackupVault will be rejected; that is, AWS Backup will reject any other request
    from an account that is different from the account of the resource that is being
    referenced." (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html)
    The error is the common AccessDeniedException; its message is INFERRED in IAM's form."""
    target = vault(account, region, name)
    if caller != account:
        raise BackupApiError(
            "AccessDeniedException",
            f"User: arn:aws:iam::{caller}:root is not authorized to perform: {action} on "
            f"resource: {target.backup_vault_arn} because cross-account access is allowed only "
            "for backup:CopyIntoBackupVault",
        )


def delete_access_policy(account: str, region: str, name: str) -> None:
    vault(account, region, name).access_policy = None


def global_settings(settings: Settings, account: str) -> dict[str, str]:
    if not settings.in_organization(account):
        # "api error ERROR_9601: Your account is not a member of an organization." (HTTP 400),
        # https://github.com/cloudquery/cq-provider-aws/issues/817
        raise invalid_request("ERROR_9601: Your account is not a member of an organization.")
    enabled = settings.cross_account_backup_enabled
    return {"isCrossAccountBackupEnabled": "true" if enabled else "false"}


def update_global_settings(
    settings: Settings, account: str, values: Mapping[str, str], now: datetime
) -> None:
    if account != settings.management_account:
        # INFERRED message; the rule: UpdateGlobalSettings "Returns an error if the account is
        # not an Organizations management account." https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateGlobalSettings.html
        raise invalid_request(
            "Global settings can only be updated by the organization's management account."
        )
    if "isCrossAccountBackupEnabled" in values:
        enabled = str(values["isCrossAccountBackupEnabled"]).lower() == "true"
        settings.cross_account_backup_enabled = enabled
    settings.global_settings_updated = now
