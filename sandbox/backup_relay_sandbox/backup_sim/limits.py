"""Limits checked when a job is requested: the concurrent copy quota and lifecycle rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backup_relay_sandbox.backup_sim.errors import BackupApiError, invalid_parameter
from backup_relay_sandbox.backup_sim.model import CopyJob, Settings, is_fully_managed


def check_copy_quota(
    settings: Settings,
    jobs: Iterable[CopyJob],
    *,
    account: str,
    region: str,
    resource_type: str,
    destination_vault_arn: str,
) -> None:
    """100 concurrent copy jobs per account in a destination Region; past it, a cross-Region
    copy may still start while its destination vault has fewer than 5 (fn1); the limits apply
    only to fully managed types (fn2), unless the scenario says otherwise. AWS Backup quotas:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html"""
    counted = is_fully_managed if settings.quota_fully_managed_only else (lambda _: True)
    if not counted(resource_type):
        return
    destination_region = destination_vault_arn.split(":")[3]
    active = [
        j
        for j in jobs
        if not j.is_final
        and j.account == account
        and j.destination_region == destination_region
        and counted(j.resource.resource_type)
    ]
    if len(active) < settings.copy_quota:
        return
    into_vault = sum(j.destination_vault_arn == destination_vault_arn for j in active)
    cross_region = region != destination_region
    if cross_region and into_vault < settings.extra_cross_region_copies_per_vault:
        return
    raise BackupApiError(  # INFERRED message
        "LimitExceededException",
        f"Concurrent copy job limit ({settings.copy_quota}) reached for account {account} "
        f"in destination Region {destination_region}.",
    )


def check_lifecycle(lifecycle: Mapping[str, Any] | None) -> None:
    """DeleteAfterDays "must be at least 90 days after" MoveToColdStorageAfterDays;
    DeleteAfterEvent is "Not valid as an input"; -1 removes a setting ("specify -1 for
    MoveToColdStorageAfterDays and DeleteAfterDays", StartCopyJob). Lifecycle:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html
    The model gives the days no range: that any other value below 1 is refused is INFERRED
    (a retention of 0 or fewer days has no meaning AWS documents)."""
    if not lifecycle:
        return
    if "DeleteAfterEvent" in lifecycle:
        raise invalid_parameter("DeleteAfterEvent is not valid as an input.")  # INFERRED
    cold = lifecycle.get("MoveToColdStorageAfterDays")
    delete = lifecycle.get("DeleteAfterDays")
    for name, days in (("MoveToColdStorageAfterDays", cold), ("DeleteAfterDays", delete)):
        if days is not None and days != -1 and days < 1:
            raise invalid_parameter(f"{name} must be -1 or at least 1.")  # INFERRED
    if cold is not None and delete is not None and 0 <= delete < cold + 90 and cold >= 0:
        raise invalid_parameter(  # INFERRED message
            "DeleteAfterDays must be at least 90 days after MoveToColdStorageAfterDays."
        )


#: INFERRED: AWS publishes no message for a job a locked vault refuses; the rule is
#: MinRetentionDays' and MaxRetentionDays' (PutBackupVaultLockConfiguration): "any backup or
#: copy job to the vault must have a lifecycle policy with a retention period equal to or
#: longer than the minimum retention period. If the job's retention period is shorter than that
#: minimum retention period, then the vault fails that backup or copy job" (and "equal to or
#: shorter than the maximum"). https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutBackupVaultLockConfiguration.html
LOCK_MIN_RETENTION = (
    "The retention period of the job ({retention}) is shorter than the minimum retention period "
    "of the locked backup vault {vault_arn} ({days} days)."
)
LOCK_MAX_RETENTION = (
    "The retention period of the job ({retention}) is longer than the maximum retention period "
    "of the locked backup vault {vault_arn} ({days} days)."
)


def lock_refusal(vault: Any, lifecycle: Mapping[str, Any] | None) -> str | None:
    """Why a locked vault fails a backup or copy job with `lifecycle`, or None. A job without
    DeleteAfterDays (or with -1) keeps its recovery point indefinitely: longer than any
    maximum, and never shorter than a minimum (INFERRED from the rule's wording)."""
    if vault is None or not getattr(vault, "locked", False):
        return None
    days = (lifecycle or {}).get("DeleteAfterDays")
    forever = days is None or days == -1
    retention = "indefinite" if forever else f"{days} days"
    arn = vault.backup_vault_arn
    low, high = vault.min_retention_days, vault.max_retention_days
    if low is not None and not forever and days < low:
        return LOCK_MIN_RETENTION.format(retention=retention, vault_arn=arn, days=low)
    if high is not None and (forever or days > high):
        return LOCK_MAX_RETENTION.format(retention=retention, vault_arn=arn, days=high)
    return None


def is_vault_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "backup" and parts[5].startswith("backup-vault:")
