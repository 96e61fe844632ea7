"""API response bodies, with only the members botocore's backup model defines (datetimes are
serialized by moto as epoch numbers, as rest-json does)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from backup_relay_sandbox.backup_sim.model import (
    LANDED,
    BackupJob,
    CopyJob,
    CreatedBy,
    RecoveryPoint,
    Resource,
)

VAULT_TYPE = "BACKUP_VAULT"


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def created_by(creator: CreatedBy | None) -> dict[str, Any] | None:
    if creator is None:
        return None
    return {
        "BackupPlanId": creator.backup_plan_id,
        "BackupPlanArn": creator.backup_plan_arn,
        "BackupPlanVersion": creator.backup_plan_version,
        "BackupRuleId": creator.backup_rule_id,
    }


def calculated_lifecycle(
    lifecycle: dict[str, Any] | None, created: datetime
) -> dict[str, Any] | None:
    if not lifecycle:
        return None
    days = {
        "MoveToColdStorageAt": lifecycle.get("MoveToColdStorageAfterDays"),
        "DeleteAt": lifecycle.get("DeleteAfterDays"),
    }
    return _present(
        {
            key: created + timedelta(days=value)
            for key, value in days.items()
            if value is not None and value >= 0
        }
    )


def copy_job(job: CopyJob) -> dict[str, Any]:
    """The copy's recovery point and its key only once the copy has landed (COMPLETED or
    PARTIAL), as in its events (INFERRED for the API)."""
    landed = job.state in LANDED
    key = job.destination_encryption_key_arn if landed else None
    return _present(
        {
            "AccountId": job.account,
            "CopyJobId": job.job_id,
            "SourceBackupVaultArn": job.source_vault_arn,
            "SourceRecoveryPointArn": job.source_recovery_point_arn,
            "DestinationBackupVaultArn": job.destination_vault_arn,
            "DestinationVaultType": VAULT_TYPE,
            "DestinationRecoveryPointArn": job.destination_recovery_point_arn if landed else None,
            "DestinationEncryptionKeyArn": key,
            "DestinationRecoveryPointLifecycle": job.lifecycle,
            "ResourceArn": job.resource.arn,
            "CreationDate": job.creation,
            "CompletionDate": job.completion,
            "State": job.state.value,
            "StatusMessage": job.status_message,
            "BackupSizeInBytes": job.resource.size_bytes,
            "IamRoleArn": job.iam_role_arn,
            "CreatedBy": created_by(job.created_by),
            "ResourceType": job.resource.resource_type,
            "IsParent": False,
            "ResourceName": job.resource.name,
            "MessageCategory": job.message_category,
        }
    )


def backup_job(job: BackupJob, now: datetime) -> dict[str, Any]:
    """PercentDone ("42.0") and BytesTransferred grow with the virtual clock while the job runs
    (`Job.progress`)."""
    done = job.progress(now)
    return _present(
        {
            "AccountId": job.account,
            "BackupJobId": job.job_id,
            "BackupVaultName": job.vault_name,
            "RecoveryPointLifecycle": job.lifecycle,
            "BackupVaultArn": job.vault_arn,
            "VaultType": VAULT_TYPE,
            "RecoveryPointArn": job.recovery_point_arn,
            "EncryptionKeyArn": job.encryption_key_arn,
            "IsEncrypted": job.encryption_key_arn is not None,
            "ResourceArn": job.resource.arn,
            "CreationDate": job.creation,
            "CompletionDate": job.completion,
            "State": job.state.value,
            "StatusMessage": job.status_message,
            "PercentDone": f"{done * 100:.1f}",
            "BackupSizeInBytes": job.resource.size_bytes,
            "IamRoleArn": job.iam_role_arn,
            "CreatedBy": created_by(job.created_by),
            "ResourceType": job.resource.resource_type,
            "BytesTransferred": int(job.resource.size_bytes * done),
            "ExpectedCompletionDate": job.expected_completion,
            "StartBy": job.start_by,
            "IsParent": False,
            "ResourceName": job.resource.name,
            "InitiationDate": job.started,
            "MessageCategory": job.message_category,
        }
    )


def recovery_point(point: RecoveryPoint, resource: Resource | None) -> dict[str, Any]:
    """DescribeRecoveryPoint's output; a RecoveryPointByBackupVault has the same members."""
    return _present(
        {
            "RecoveryPointArn": point.arn,
            "BackupVaultName": point.vault_name,
            "BackupVaultArn": point.vault_arn,
            "SourceBackupVaultArn": point.source_vault_arn,
            "ResourceArn": point.resource_arn,
            "ResourceType": point.resource_type,
            "CreatedBy": created_by(point.created_by),
            "IamRoleArn": point.iam_role_arn,
            "Status": point.status.value,
            "StatusMessage": point.status_message,
            "CreationDate": point.creation,
            "InitiationDate": point.initiation,
            "CompletionDate": point.completion,
            "BackupSizeInBytes": point.size_bytes,
            "CalculatedLifecycle": calculated_lifecycle(point.lifecycle, point.creation),
            "Lifecycle": point.lifecycle,
            "EncryptionKeyArn": point.encryption_key_arn,
            "IsEncrypted": point.encryption_key_arn is not None,
            "StorageClass": "WARM",
            "IsParent": False,
            "ResourceName": resource.name if resource else None,
            "VaultType": VAULT_TYPE,
            "EncryptionKeyType": point.encryption_key_type,
        }
    )


def recovery_point_in_list(point: RecoveryPoint, resource: Resource | None) -> dict[str, Any]:
    described = recovery_point(point, resource)
    described.pop("StorageClass")  # not a member of RecoveryPointByBackupVault
    return described
