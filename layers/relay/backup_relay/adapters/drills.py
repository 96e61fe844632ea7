"""The drills' ports on AWS: the restored databases and the recovery points' snapshots (RDS's
Describe* calls, which DocumentDB and Neptune share: their clusters and cluster snapshots are
RDS's, `arn:aws:rds:...`), PutRestoreValidationResult, and the proven restores in the ledger.

An RDS-family recovery point is an RDS snapshot: its ARN is the snapshot's
(`arn:aws:rds:<region>:<account>:snapshot:awsbackup:...` or `...:cluster-snapshot:...`,
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RecoveryPointByBackupVault.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters import ledger_schema as ledger
from backup_relay.adapters.dynamo import DynamoTable, conditionally, to_dynamo
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.adapters.ledger_drills import ProvenRestoreItem
from backup_relay.domain.drills import Database, ProvenRestore, Verdict

#: RDS's "not found" error codes for what the drills describe.
_NOT_FOUND = frozenset(
    {
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "DBClusterNotFoundFault",
        "DBSnapshotNotFound",
        "DBSnapshotNotFoundFault",
        "DBClusterSnapshotNotFoundFault",
    }
)
#: ARN resource kind -> (Describe* operation, its identifier parameter, its list, its status key)
_DESCRIBE = {
    "db": ("describe_db_instances", "DBInstanceIdentifier", "DBInstances", "DBInstanceStatus"),
    "cluster": ("describe_db_clusters", "DBClusterIdentifier", "DBClusters", "Status"),
    "snapshot": ("describe_db_snapshots", "DBSnapshotIdentifier", "DBSnapshots", "Status"),
    "cluster-snapshot": (
        "describe_db_cluster_snapshots",
        "DBClusterSnapshotIdentifier",
        "DBClusterSnapshots",
        "Status",
    ),
}


class RdsDatabases:
    def restored(self, arn: str) -> Database | None:
        return _describe(arn)

    def snapshot(self, recovery_point_arn: str) -> Database | None:
        return _describe(recovery_point_arn)


def _describe(arn: str) -> Database | None:
    """The database or snapshot `arn` names, by its identifier (the part after its kind), or
    None: not an RDS ARN of those kinds, or RDS does not know it."""
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[2] != "rds" or parts[5] not in _DESCRIBE:
        return None
    operation, parameter, listed, status = _DESCRIBE[parts[5]]
    rds: Any = aws.client("rds", parts[3])
    try:
        found = getattr(rds, operation)(**{parameter: parts[6]})[listed]
    except ClientError as error:
        if code_of(error) in _NOT_FOUND:
            return None
        raise translated(error) from error
    if not found:
        return None
    item = found[0]
    return Database(
        arn=arn,
        engine=str(item.get("Engine", "")),
        engine_version=str(item.get("EngineVersion", "")),
        status=str(item.get(status, "")),
    )


class BackupValidationResults:
    def __init__(self, region: str) -> None:
        self.region = region  # where the drills run: the DR region

    def put(self, restore_job_id: str, verdict: Verdict) -> None:
        with domain_errors():
            aws.backup(self.region).put_restore_validation_result(
                RestoreJobId=restore_job_id,
                ValidationStatus=verdict.status.value,
                ValidationStatusMessage=verdict.message,
            )


class LedgerProvenRestores(DynamoTable):
    def record(self, proven: ProvenRestore) -> None:
        item: ProvenRestoreItem = {
            **ledger.PROVEN_RESTORE.key(resource_arn=proven.resource_arn),
            "resource_type": proven.resource_type,
            "proven_at": proven.proven_at.isoformat(),
            "recovery_point_arn": proven.recovery_point_arn,
            "restore_testing_plan_arn": proven.restore_testing_plan_arn,
            "restore_job_id": proven.restore_job_id,
            "created_resource_arn": proven.created_resource_arn,
        }
        values = to_dynamo(item)  # no expiry: a proof is kept until a later one replaces it
        conditionally(
            lambda: self.client.put_item(
                TableName=self.table_name,
                Item=values,
                ConditionExpression="attribute_not_exists(pk) OR proven_at < :proven_at",
                ExpressionAttributeValues=to_dynamo({":proven_at": item["proven_at"]}),
            )
        )

    def all(self) -> Mapping[str, ProvenRestore]:
        items = self.query(ledger.PROVEN_RESTORE.pk())
        return {str(i["sk"]): _proven(i) for i in items}


def _proven(item: Mapping[str, Any]) -> ProvenRestore:
    return ProvenRestore(
        resource_arn=str(item["sk"]),
        resource_type=item.get("resource_type"),
        proven_at=datetime.fromisoformat(str(item["proven_at"])),
        recovery_point_arn=str(item["recovery_point_arn"]),
        restore_testing_plan_arn=str(item["restore_testing_plan_arn"]),
        restore_job_id=str(item["restore_job_id"]),
        created_resource_arn=item.get("created_resource_arn"),
    )
