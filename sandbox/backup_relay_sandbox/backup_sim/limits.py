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
    DeleteAfterEvent is "Not valid as an input"; -1 removes a setting. Lifecycle:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html"""
    if not lifecycle:
        return
    if "DeleteAfterEvent" in lifecycle:
        raise invalid_parameter("DeleteAfterEvent is not valid as an input.")  # INFERRED
    cold = lifecycle.get("MoveToColdStorageAfterDays")
    delete = lifecycle.get("DeleteAfterDays")
    if cold is not None and delete is not None and 0 <= delete < cold + 90 and cold >= 0:
        raise invalid_parameter(  # INFERRED message
            "DeleteAfterDays must be at least 90 days after MoveToColdStorageAfterDays."
        )


def is_vault_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "backup" and parts[5].startswith("backup-vault:")
