"""What an operator must choose for a restore, and how it lands in StartRestoreJob's Metadata.

A DR copy's restore metadata is its source's configuration when it was backed up
(GetRecoveryPointRestoreMetadata): its name, its subnet group and security groups, its key. In
another account, or another region, those are not the target's: the restore needs a new
identifier (always: restoring under the source's name would collide with the source where it
still exists, RDS's DBInstanceAlreadyExists), a subnet group and security groups of the target
(when the account or region differs from the source's; INFERRED from RDS's restore APIs, which
take them from the target's VPC), and a key of the target (when the metadata's KmsKeyId is
another account's or region's: a restore encrypts with a key the restoring account may use,
INFERRED).

The keys are RDS's restore APIs' parameters, which AWS Backup's RDS and Aurora restore pages
point to (https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-rds.html,
https://docs.aws.amazon.com/aws-backup/latest/devguide/restoring-aur.html); lists
(VpcSecurityGroupIds) written as JSON text is INFERRED.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The metadata key naming the resource a restore creates, per type.
IDENTIFIER_KEYS = {
    "RDS": "DBInstanceIdentifier",
    "Aurora": "DBClusterIdentifier",
    "DocumentDB": "DBClusterIdentifier",
    "Neptune": "DBClusterIdentifier",
}
#: AWS's default restore role, in an account where the AWS Backup console was used.
DEFAULT_SERVICE_ROLE = "service-role/AWSBackupDefaultServiceRole"


class OverridesError(ValueError):
    """The overrides are missing something the restore needs, or are malformed: says which flag
    (or profile key) gives it."""


class RestoreOverrides(BaseModel):
    """From flags, or a profile file (YAML or JSON, these keys; a flag wins over the file)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    db_instance_identifier: str | None = Field(default=None, alias="identifier")
    subnet_group: str | None = None
    security_groups: tuple[str, ...] = ()
    kms_key: str | None = None
    #: The role AWS Backup restores with in the member account (name, path/name or ARN).
    iam_role: str | None = None
    #: The member vault a DR copy is brought back into (not needed from a shared LAG vault).
    vault: str | None = None

    @classmethod
    def from_profile(cls, values: Any) -> RestoreOverrides:
        if values is None:
            return cls()
        if not isinstance(values, Mapping):
            raise OverridesError("the profile must be a mapping of keys to values")
        try:
            return cls.model_validate(dict(values))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise OverridesError(f"profile key {where}: {first['msg']}") from None

    def over(self, profile: RestoreOverrides) -> RestoreOverrides:
        """These values, else the profile's."""
        mine = self.model_dump(exclude_defaults=True)
        return profile.model_copy(update=mine)

    def role_arn(self, partition: str, account: str) -> str:
        role = self.iam_role or DEFAULT_SERVICE_ROLE
        return role if role.startswith("arn:") else f"arn:{partition}:iam::{account}:role/{role}"


def _arn_place(arn: str) -> tuple[str, str] | None:
    parts = arn.split(":")
    return (parts[4], parts[3]) if arn.startswith("arn:") and len(parts) > 5 else None


def missing(
    resource_type: str,
    metadata: Mapping[str, str],
    overrides: RestoreOverrides,
    *,
    source: tuple[str, str],
    target: tuple[str, str],
) -> list[str]:
    """The flags a restore of `resource_type` into `target` (account, region) still needs, from
    the copy's `metadata` and its source resource's (account, region)."""
    if resource_type not in IDENTIFIER_KEYS:
        return []
    needed = []
    if not overrides.db_instance_identifier:
        needed.append("--db-instance-identifier (a new name for the restored database)")
    if source != target:
        if not overrides.subnet_group:
            needed.append("--subnet-group (a DB subnet group of the target account and region)")
        if not overrides.security_groups:
            needed.append("--security-group (of the target's VPC)")
    key = metadata.get("KmsKeyId", "")
    if not overrides.kms_key and key and _arn_place(key) not in (None, target):
        needed.append("--kms-key (a key the target account may use in its region)")
    return needed


def applied(
    resource_type: str, metadata: Mapping[str, str], overrides: RestoreOverrides
) -> dict[str, str]:
    """StartRestoreJob's Metadata: the copy's, with the overrides."""
    result = dict(metadata)
    key = IDENTIFIER_KEYS.get(resource_type)
    if key and overrides.db_instance_identifier:
        result[key] = overrides.db_instance_identifier
    if overrides.subnet_group:
        result["DBSubnetGroupName"] = overrides.subnet_group
    if overrides.security_groups:
        result["VpcSecurityGroupIds"] = json.dumps(list(overrides.security_groups))
    if overrides.kms_key:
        result["KmsKeyId"] = overrides.kms_key
    return result
