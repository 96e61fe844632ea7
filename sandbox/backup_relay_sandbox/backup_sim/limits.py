"""Limits checked when a job is requested: the concurrent copy quota and lifecycle rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from backup_relay_sandbox.backup_sim import moto_state
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
#: The same texts, "{what}" the recovery point's new lifecycle, refuse UpdateRecoveryPointLifecycle.
LOCK_MIN_RETENTION = (
    "The retention period of {what} ({retention}) is shorter than the minimum retention period "
    "of the locked backup vault {vault_arn} ({days} days)."
)
LOCK_MAX_RETENTION = (
    "The retention period of {what} ({retention}) is longer than the maximum retention period "
    "of the locked backup vault {vault_arn} ({days} days)."
)
#: "Vault Lock also prevents attempts to update the lifecycle policy that controls the retention
#: period of any recovery point currently stored in a backup vault" and it prevents "attempts to
#: delete any recovery point stored in or created in a backup vault" (the API page above); the
#: points' retention periods "are defined at each backup's creation", and a user
#: (root included) who tries to delete a backup or change its lifecycle in a locked vault is
#: refused (https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html). The error
#: (InvalidRequestException, modelled for both operations) and the texts are INFERRED, as is
#: what an update may still do: lengthen the retention within the lock's range.
LOCK_SHORTENED = (
    "Recovery point {arn} is in the locked backup vault {vault_arn}: its retention period "
    "({current}) cannot be shortened ({retention})."
)
LOCK_DELETE = (
    "Recovery point {arn} cannot be deleted: the backup vault {vault_arn} is locked and the "
    "recovery point's lifecycle has not ended."
)


#: A logically air-gapped vault's range, as AWS words its failures (the LAG primary backup
#: page's troubleshooting, quoted in tests/support/message_corpus.py):
#: https://docs.aws.amazon.com/aws-backup/latest/devguide/lag-vault-primary-backup.html#lag-primary-backup-troubleshooting
#: "The minimum value accepted is 7 days" (CreateLogicallyAirGappedBackupVault's MinRetentionDays,
#: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateLogicallyAirGappedBackupVault.html).
LAG_MIN_RETENTION_DAYS = 7
LAG_COPY_RETENTION = (
    "Copy job failed. The retention specified in the job is not within the range specified for "
    "the target Backup Vault."
)
LAG_BACKUP_RETENTION = (
    "Backup job failed because the lifecycle is outside the valid range for backup vault."
)


def lag_refusal(vault: Any, lifecycle: Mapping[str, Any] | None, *, copy: bool) -> str | None:
    """Why a logically air-gapped vault fails a job with `lifecycle`: its retention outside the
    vault's range (no DeleteAfterDays: longer than any maximum), in AWS's words; None for a
    standard vault or a retention in range."""
    if not moto_state.is_air_gapped(vault):
        return None
    days = retention_days(lifecycle)
    if days is not None and vault.min_retention_days <= days <= vault.max_retention_days:
        return None
    return LAG_COPY_RETENTION if copy else LAG_BACKUP_RETENTION


def lock_refusal(
    vault: Any, lifecycle: Mapping[str, Any] | None, what: str = "the job"
) -> str | None:
    """Why a locked vault fails a backup or copy job with `lifecycle` (or refuses it as a
    recovery point's new lifecycle, `what`), or None. A lifecycle without DeleteAfterDays (or
    with -1) keeps its recovery point indefinitely: longer than any maximum, and never shorter
    than a minimum (INFERRED from the rule's wording)."""
    if not is_locked(vault):
        return None
    days = retention_days(lifecycle)
    retention = _days(days)
    arn = vault.backup_vault_arn
    low, high = vault.min_retention_days, vault.max_retention_days
    if low is not None and days is not None and days < low:
        return LOCK_MIN_RETENTION.format(what=what, retention=retention, vault_arn=arn, days=low)
    if high is not None and (days is None or days > high):
        return LOCK_MAX_RETENTION.format(what=what, retention=retention, vault_arn=arn, days=high)
    return None


def lifecycle_lock_refusal(
    vault: Any, point_arn: str, current: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> str | None:
    """Why a locked vault refuses UpdateRecoveryPointLifecycle from `current` to `new`: a
    retention outside the lock's range, or shorter than the point's own (above). A point that
    was in the vault before the lock keeps its lifecycle, in range or not ("Recovery points
    already stored in the vault prior to Vault Lock are not affected", MinRetentionDays); an
    update of it is held to the same two rules (INFERRED)."""
    if not is_locked(vault):
        return None
    out_of_range = lock_refusal(vault, new, "the new lifecycle")
    if out_of_range:
        return out_of_range
    before, after = retention_days(current), retention_days(new)
    if after is None or (before is not None and after >= before):
        return None  # kept indefinitely, or at least as long: not shortened
    return LOCK_SHORTENED.format(
        arn=point_arn,
        vault_arn=vault.backup_vault_arn,
        current=_days(before),
        retention=_days(after),
    )


def delete_lock_refusal(vault: Any, point_arn: str, *, lifecycle_ended: bool) -> str | None:
    """Why a locked vault refuses DeleteRecoveryPoint (above): in governance and compliance mode
    alike until its lifecycle ends (a point left EXPIRED may go); removing a governance lock
    first (DeleteBackupVaultLockConfiguration) is how an authorized user deletes one."""
    if not is_locked(vault) or lifecycle_ended:
        return None
    return LOCK_DELETE.format(arn=point_arn, vault_arn=vault.backup_vault_arn)


def is_locked(vault: Any) -> bool:
    return vault is not None and bool(getattr(vault, "locked", False))


def retention_days(lifecycle: Mapping[str, Any] | None) -> int | None:
    """DeleteAfterDays, None for indefinite (absent or -1)."""
    days = (lifecycle or {}).get("DeleteAfterDays")
    return None if days is None or days == -1 else int(days)


def _days(days: int | None) -> str:
    return "indefinite" if days is None else f"{days} days"


def is_vault_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "backup" and parts[5].startswith("backup-vault:")
