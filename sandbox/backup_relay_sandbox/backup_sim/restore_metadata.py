"""GetRecoveryPointRestoreMetadata, the metadata StartRestoreJob requires, and restores from a
logically air-gapped vault that AWS RAM shares with the restoring account.

GetRecoveryPointRestoreMetadata answers `BackupVaultArn`, `RecoveryPointArn`, `ResourceType` and
the `RestoreMetadata` map of "metadata key-value pairs that were used to create the backup"
([get-metadata]); StartRestoreJob's Metadata starts from them, and "values in addition to those
provided by GetRecoveryPointRestoreMetadata might be required to restore a resource. For example,
you might need to provide a new resource name if the original already exists" ([start]).

The keys per type: AWS's restore pages send the RDS family to RDS's restore APIs' parameters
([rds], [aurora]: "Specifications for the restore options can be found in the API guide for
RestoreDBClusterFromSnapshot"), so the simulator answers those parameters' names, with the
source's values (`METADATA_KEYS`). That AWS Backup answers exactly these keys, and writes lists
(VpcSecurityGroupIds, AvailabilityZones) as JSON text, is INFERRED: AWS publishes no example.

StartRestoreJob refuses an RDS family restore whose Metadata names no identifier for the
resource it creates (RDS's DBInstanceIdentifier / DBClusterIdentifier is required by its
restore APIs) with MissingParameterValueException, a modelled error of the operation; its
message is INFERRED (`IDENTIFIER_MISSING`).

A logically air-gapped vault "can be shared with other accounts so that ... restoration of
resources" is possible from them ([lag], through AWS RAM): a recovery point of a LAG vault that
a RAM share of its owner lists, shared with the caller's account (its id, or the organization
the account is in), restores in the caller's account (in the vault's Region) without a copy.
moto's RAM refuses to share a backup vault ("You cannot share the selected resource type"):
`install` adds `backup-vault` to the types it shares, as AWS's RAM does for LAG vaults.

[get-metadata]: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetRecoveryPointRestoreMetadata.html
[start]: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_StartRestoreJob.html
[rds]: https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-rds.html
[aurora]: https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-aur.html
[lag]: https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from moto.organizations.models import organizations_backends
from moto.ram.models import ram_backends

from backup_relay_sandbox.backup_sim import moto_state
from backup_relay_sandbox.backup_sim.errors import BackupApiError
from backup_relay_sandbox.backup_sim.model import RecoveryPoint, Resource

#: The identifier key of the resource a restore creates (RDS's restore APIs' required member).
IDENTIFIERS = {
    "RDS": "DBInstanceIdentifier",
    "Aurora": "DBClusterIdentifier",
    "DocumentDB": "DBClusterIdentifier",
    "Neptune": "DBClusterIdentifier",
}
#: The engine each type's sandbox databases run (INFERRED values, AWS's engine names).
ENGINES = {
    "RDS": "postgres",
    "Aurora": "aurora-postgresql",
    "DocumentDB": "docdb",
    "Neptune": "neptune",
}
_PORTS = {"RDS": "5432", "Aurora": "5432", "DocumentDB": "27017", "Neptune": "8182"}
#: The keys GetRecoveryPointRestoreMetadata answers per type: RestoreDBInstanceFromDBSnapshot's
#: parameters for an instance, RestoreDBClusterFromSnapshot's for a cluster (INFERRED, above).
METADATA_KEYS = {
    "RDS": (
        "DBInstanceIdentifier", "Engine", "DBInstanceClass", "DBSubnetGroupName",
        "VpcSecurityGroupIds", "AvailabilityZone", "MultiAZ", "Port", "StorageType",
        "PubliclyAccessible", "CopyTagsToSnapshot", "KmsKeyId",
    ),
    "Aurora": (
        "DBClusterIdentifier", "Engine", "EngineVersion", "EngineMode", "DBSubnetGroupName",
        "VpcSecurityGroupIds", "AvailabilityZones", "Port", "DBClusterParameterGroupName",
        "KmsKeyId",
    ),
    "DocumentDB": (
        "DBClusterIdentifier", "Engine", "EngineVersion", "DBSubnetGroupName",
        "VpcSecurityGroupIds", "AvailabilityZones", "Port", "KmsKeyId",
    ),
    "Neptune": (
        "DBClusterIdentifier", "Engine", "EngineVersion", "DBSubnetGroupName",
        "VpcSecurityGroupIds", "AvailabilityZones", "Port", "KmsKeyId",
    ),
}  # fmt: skip
#: INFERRED: AWS publishes no text for a restore of an RDS family type without its identifier.
IDENTIFIER_MISSING = "Metadata is missing the required key {key} for resource type {type}."


def restore_metadata(point: RecoveryPoint, resource: Resource) -> dict[str, str]:
    """The RestoreMetadata map of `point`: its source's configuration when it was backed up (the
    RDS family's keys above; for other types, its identifier only, INFERRED)."""
    kind = point.resource_type
    region = point.region
    group = "sg-" + hashlib.sha256(resource.arn.encode()).hexdigest()[:17]
    values = {
        "DBInstanceIdentifier": resource.name,
        "DBClusterIdentifier": resource.name,
        "Engine": ENGINES.get(kind, ""),
        "EngineVersion": {"Aurora": "15.4", "DocumentDB": "5.0.0", "Neptune": "1.3.1.0"}.get(
            kind, ""
        ),
        "EngineMode": "provisioned",
        "DBInstanceClass": "db.t3.medium",
        "DBSubnetGroupName": f"{resource.name}-subnets",
        "VpcSecurityGroupIds": json.dumps([group]),
        "AvailabilityZone": f"{region}a",
        "AvailabilityZones": json.dumps([f"{region}a", f"{region}b", f"{region}c"]),
        "MultiAZ": "false",
        "Port": _PORTS.get(kind, ""),
        "StorageType": "gp3",
        "PubliclyAccessible": "false",
        "CopyTagsToSnapshot": "true",
        "DBClusterParameterGroupName": f"default.{ENGINES.get(kind, '')}15",
        "KmsKeyId": resource.kms_key_arn or "",  # the source's, as it was backed up
    }
    keys = METADATA_KEYS.get(kind)
    if keys is None:
        return {"ResourceArn": resource.arn}  # INFERRED for the types backup-relay does not chain
    return {key: values[key] for key in keys if values[key]}


def missing_metadata(resource_type: str, metadata: Mapping[str, str]) -> BackupApiError | None:
    """StartRestoreJob's refusal of Metadata that lacks what the type's restore requires."""
    key = IDENTIFIERS.get(resource_type)
    if key is None or metadata.get(key):
        return None
    return BackupApiError(
        "MissingParameterValueException",
        IDENTIFIER_MISSING.format(key=key, type=resource_type),
    )


# -- RAM shares of LAG vaults ---------------------------------------------------------------------


def shared_with(point: RecoveryPoint, account: str, region: str) -> bool:
    """Is `point` in a LAG vault that a RAM share of its owner shares with `account`, in `region`
    (a shared vault is restored from in its own Region)?"""
    if point.region != region or point.account == account:
        return False
    if not moto_state.is_air_gapped(moto_state.vault_by_arn(point.vault_arn)):
        return False
    backend: Any = ram_backends[point.account][region]
    for share in backend.resource_shares:
        if share.status != "ACTIVE" or point.vault_arn not in share.resource_arns:
            continue
        if any(_admits(principal, point.account, account) for principal in share.principals):
            return True
    return False


def _admits(principal: str, owner: str, account: str) -> bool:
    if principal == account or principal.endswith(f":iam::{account}:root"):
        return True
    if ":organization/" in principal:
        organizations: Any = organizations_backends[owner]["aws"]
        try:
            members = {a.id for a in organizations.accounts}
        except AttributeError:  # no organization
            return False
        return account in members or account == owner
    return False  # an OU: INFERRED not modelled (the sandbox shares with accounts or the org)
