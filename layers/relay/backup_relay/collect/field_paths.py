"""Per job kind, the JSON paths of the fields a relay envelope carries: the one table the
template's rules (scripts/generate_template_rules.py) and `normalize()` both map events with."""

from __future__ import annotations

from backup_relay.domain.jobs import JobKind

_COMMON_PATHS = {
    "event_id": "$.id",
    "source": "$.source",
    "detail_type": "$.detail-type",
    "account": "$.account",
    "region": "$.region",
    "time": "$.time",
    "first_resource": "$.resources[0]",
    "resource_type": "$.detail.resourceType",
    "iam_role_arn": "$.detail.iamRoleArn",
    "size_bytes": "$.detail.backupSizeInBytes",
}

#: Per job kind: envelope key -> JSON path into the raw event. template.yaml's InputPathsMap
#: for each kind's rules must be exactly this mapping.
FIELD_PATHS: dict[JobKind, dict[str, str]] = {
    JobKind.BACKUP: {
        **_COMMON_PATHS,
        "job_id": "$.detail.backupJobId",
        "state": "$.detail.state",
        "resource_arn": "$.detail.resourceArn",
        "destination_vault_arn": "$.detail.backupVaultArn",
        # the plan that started it; an on-demand backup's event has none (docs/copy-chain.md)
        "backup_plan_arn": "$.detail.createdBy.backupPlanArn",
    },
    JobKind.COPY: {
        **_COMMON_PATHS,
        "job_id": "$.detail.copyJobId",
        "state": "$.detail.state",
        "resource_arn": "$.detail.resourceArn",
        "source_vault_arn": "$.detail.sourceBackupVaultArn",
        "destination_vault_arn": "$.detail.destinationBackupVaultArn",
        "destination_recovery_point_arn": "$.detail.destinationRecoveryPointArn",
    },
    JobKind.RESTORE: {
        **_COMMON_PATHS,
        "job_id": "$.detail.restoreJobId",
        # Restore events say `status`, except the documented CREATED example, which says `state`.
        "state": "$.detail.state",
        "status": "$.detail.status",
        "resource_arn": "$.detail.sourceResourceArn",
        "source_vault_arn": "$.detail.backupVaultArn",
        "source_recovery_point_arn": "$.detail.recoveryPointArn",
        "created_resource_arn": "$.detail.createdResourceArn",  # on COMPLETED
        # present when a restore testing plan started the restore (AWS's EventBridge page)
        "restore_testing_plan_arn": "$.detail.restoreTestingPlanArn",
    },
    # A malware scan of a recovery point. AWS's examples name the scanned recovery point in
    # resources[0] and in detail.recoveryPointArn, its vault in detail.backupVaultArn.
    JobKind.SCAN: {
        **_COMMON_PATHS,
        "job_id": "$.detail.scanJobId",
        "state": "$.detail.state",
        "resource_arn": "$.detail.resourceArn",
        "source_vault_arn": "$.detail.backupVaultArn",
        "source_recovery_point_arn": "$.detail.recoveryPointArn",
        "scan_result": "$.detail.scanResult.scanResultStatus",  # on COMPLETED*
    },
    # A recovery point's backup index: no job id; its state is detail.indexStatus, its resource
    # detail.sourceResourceArn, its message detail.indexStatusMessage (read from `original`).
    JobKind.INDEX: {
        **_COMMON_PATHS,
        "state": "$.detail.indexStatus",
        "resource_arn": "$.detail.sourceResourceArn",
        "source_vault_arn": "$.detail.backupVaultArn",
        "source_recovery_point_arn": "$.detail.recoveryPointArn",
    },
}

#: Where each kind's free text is (never mapped by the transformer: see the module's doc).
MESSAGE_KEY = {JobKind.INDEX: "indexStatusMessage"}
