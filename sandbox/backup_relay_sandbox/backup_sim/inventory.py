"""What AWS Backup finds in the accounts besides vaults: the resources it may back up, the RDS
options of each account and Region, and the recovery points with the keys that encrypt them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim import accounts, moto_state
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.errors import invalid_parameter, not_found
from backup_relay_sandbox.backup_sim.model import (
    BackupJob,
    CopyJob,
    CreatedBy,
    RecoveryPoint,
    Resource,
    is_fully_managed,
)


class Inventory:
    def __init__(self, context: Context) -> None:
        self._context = context
        self.resources: dict[str, Resource] = {}
        self.recovery_points: dict[str, RecoveryPoint] = {}
        self.options: dict[tuple[str, str], set[str]] = {}  # (account, region) -> RDS options

    # -- resources ------------------------------------------------------------------------------

    def options_in(self, account: str, region: str) -> frozenset[str]:
        return frozenset(self.options.get((account, region), set()))

    def resource_to_back_up(self, account: str, region: str, resource_arn: str) -> Resource:
        resource = self.resources.get(resource_arn)
        if resource is None or (resource.account, resource.region) != (account, region):
            raise invalid_parameter(  # SYNTHESIZED message
                f"Resource {resource_arn} is not a resource AWS Backup knows in account "
                f"{account} and Region {region}."
            )
        return resource

    def resource_of(self, point: RecoveryPoint) -> Resource:
        return self.resources.get(point.resource_arn) or recorded_resource(point)

    # -- recovery points ------------------------------------------------------------------------

    def put_recovery_point(
        self,
        vault_arn: str,
        resource_arn: str,
        lifecycle: Mapping[str, Any] | None,
        created_by: CreatedBy | None,
    ) -> str:
        resource = self.resources[resource_arn]
        vault = moto_state.vault_by_arn(vault_arn)
        if vault is None:
            raise ValueError(f"no vault {vault_arn}")
        account, region = vault_arn.split(":")[4], vault_arn.split(":")[3]
        point = self._store(
            vault_arn,
            self._context.ids.recovery_point_arn(resource.resource_type, account, region),
            resource,
            key=backup_key(resource, vault),
            role=f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
            creation=self._context.now,
            lifecycle=dict(lifecycle) if lifecycle else None,
            created_by=created_by,
        )
        return point.arn

    def recovery_point(self, account: str, region: str, vault_name: str, arn: str) -> RecoveryPoint:
        point = self.recovery_points.get(arn)
        if point is None or (point.account, point.region, point.vault_name) != (
            account,
            region,
            vault_name,
        ):
            raise not_found(f"Recovery point {arn} not found.")  # SYNTHESIZED message
        return point

    def recovery_points_in(self, account: str, region: str, vault_name: str) -> list[RecoveryPoint]:
        accounts.vault(account, region, vault_name)
        points = [
            p
            for p in self.recovery_points.values()
            if (p.account, p.region, p.vault_name) == (account, region, vault_name)
        ]
        return sorted(points, key=lambda p: (p.creation, p.arn), reverse=True)

    def copy_source(self, account: str, region: str, vault_name: str, arn: str) -> RecoveryPoint:
        """The recovery point a StartCopyJob names, in the source vault it names."""
        source_vault = accounts.vault(account, region, vault_name)
        source = self.recovery_points.get(arn)
        if source is None or source.vault_arn != source_vault.backup_vault_arn:
            raise not_found(  # SYNTHESIZED message
                f"Recovery point {arn} not found in backup vault {vault_name}."
            )
        return source

    def record_backup(self, job: BackupJob) -> None:
        """A completed backup job's recovery point, in its vault."""
        vault = accounts.vault(job.account, job.region, job.vault_name)
        job.encryption_key_arn = backup_key(job.resource, vault)
        self._store(
            job.vault_arn,
            job.recovery_point_arn,
            job.resource,
            key=job.encryption_key_arn,
            role=job.iam_role_arn,
            creation=job.creation,
            lifecycle=job.lifecycle,
            created_by=job.created_by,
        )

    def record_copy(self, job: CopyJob) -> None:
        """A completed copy job's recovery point, in the destination vault."""
        source = self.recovery_points[job.source_recovery_point_arn]
        destination = moto_state.vault_by_arn(job.destination_vault_arn)
        assert destination is not None  # checked when the job started running
        moved = job.account != job.destination_account or job.region != job.destination_region
        if is_fully_managed(source.resource_type) or moved:
            # Fully managed types take the vault's key (as `backup_key` cites). Other types keep
            # their source's key in place; INFERRED: in another account or Region that key cannot
            # be used, so the copy is re-encrypted with the destination vault's key.
            job.destination_encryption_key_arn = destination.encryption_key_arn
        else:
            job.destination_encryption_key_arn = source.encryption_key_arn
        arn = self._context.ids.recovery_point_arn(
            source.resource_type, job.destination_account, job.destination_region
        )
        point = self._store(
            job.destination_vault_arn,
            arn,
            recorded_resource(source),
            key=job.destination_encryption_key_arn,
            role=job.iam_role_arn,
            # "Copies retain their source configuration, including creation dates and retention
            # period." https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html
            # (its CompletionDate is the copy job's: INFERRED)
            creation=source.creation,
            lifecycle=job.lifecycle,
            created_by=job.created_by,
            source_vault_arn=job.source_vault_arn,
        )
        job.destination_recovery_point_arn = point.arn

    def _store(
        self,
        vault_arn: str,
        arn: str,
        resource: Resource,
        *,
        key: str | None,
        role: str,
        creation: datetime,
        lifecycle: dict[str, Any] | None,
        created_by: CreatedBy | None,
        source_vault_arn: str | None = None,
    ) -> RecoveryPoint:
        """A completed recovery point of `resource` in the vault `vault_arn`, counted there."""
        account, region = vault_arn.split(":")[4], vault_arn.split(":")[3]
        point = RecoveryPoint(
            arn=arn,
            account=account,
            region=region,
            vault_name=vault_arn.split(":backup-vault:", 1)[1],
            vault_arn=vault_arn,
            resource_arn=resource.arn,
            resource_type=resource.resource_type,
            encryption_key_arn=key,
            iam_role_arn=role,
            creation=creation,
            completion=self._context.now,
            size_bytes=resource.size_bytes,
            lifecycle=lifecycle,
            source_vault_arn=source_vault_arn,
            created_by=created_by,
        )
        self.recovery_points[arn] = point
        vault = moto_state.vault(account, region, point.vault_name)
        if vault is not None:
            vault.num_of_recovery_points += 1
        return point


def recorded_resource(point: RecoveryPoint) -> Resource:
    """The resource as `point` recorded it."""
    account, region = point.resource_arn.split(":")[4], point.resource_arn.split(":")[3]
    return Resource(
        account,
        region,
        point.resource_type,
        point.resource_arn,
        point.encryption_key_arn,
        size_bytes=point.size_bytes,
    )


def backup_key(resource: Resource, vault: Any) -> str | None:
    """Fully managed types are encrypted with the vault's key; others inherit the
    resource's encryption: https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html"""
    if is_fully_managed(resource.resource_type):
        return str(vault.encryption_key_arn)
    return resource.kms_key_arn
