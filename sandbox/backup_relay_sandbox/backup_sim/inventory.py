"""What AWS Backup finds in the accounts besides vaults: the resources it may back up, the RDS
options of each account and Region, and the recovery points with the keys that encrypt them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim import accounts, moto_state
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.endings import Retention
from backup_relay_sandbox.backup_sim.errors import invalid_parameter, not_found
from backup_relay_sandbox.backup_sim.model import (
    BackupJob,
    CopyJob,
    CreatedBy,
    RecoveryPoint,
    RecoveryPointStatus,
    Resource,
    is_fully_managed,
)


class Inventory:
    def __init__(self, context: Context) -> None:
        self._context = context
        self.retention = Retention(context, self._remove)
        self.resources: dict[str, Resource] = {}
        self.recovery_points: dict[str, RecoveryPoint] = {}

    # -- resources ------------------------------------------------------------------------------

    def options_in(self, account: str, region: str) -> frozenset[str]:
        return moto_state.rds_options(account, region)

    def resource_to_back_up(self, account: str, region: str, resource_arn: str) -> Resource:
        resource = self.resources.get(resource_arn)
        if resource is None or (resource.account, resource.region) != (account, region):
            raise invalid_parameter(  # INFERRED message
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
        point.completion = self._context.now
        point.status = RecoveryPointStatus.COMPLETED
        self.retention.schedule(point)
        return point.arn

    def recovery_point(self, account: str, region: str, vault_name: str, arn: str) -> RecoveryPoint:
        point = self.recovery_points.get(arn)
        if point is None or (point.account, point.region, point.vault_name) != (
            account,
            region,
            vault_name,
        ):
            raise not_found(f"Recovery point {arn} not found.")  # INFERRED message
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
            raise not_found(  # INFERRED message
                f"Recovery point {arn} not found in backup vault {vault_name}."
            )
        return source

    def begin_backup(self, job: BackupJob) -> None:
        """A backup job started running: its recovery point appears in its vault, CREATING
        ("an Backup job has been initiated for a resource. The backup process has started and
        is actively processing", the model's RecoveryPointStatus; that it appears when the job
        starts running is INFERRED)."""
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

    def begin_copy(self, job: CopyJob) -> None:
        """A copy job started running: its recovery point appears in the destination vault,
        CREATING (INFERRED, as for a backup). Its ARN is the job's from now on, but the API and
        the events show it only once the job has landed (RUNNING events carry `{}`)."""
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
        arn = self._context.ids.copy_recovery_point_arn(
            source.resource_type,
            job.destination_account,
            job.destination_region,
            job.job_id,
            air_gapped=moto_state.is_air_gapped(destination),
        )
        self._store(
            job.destination_vault_arn,
            arn,
            recorded_resource(source),
            key=job.destination_encryption_key_arn,
            role=job.iam_role_arn,
            # "Copies retain their source configuration, including creation dates and retention
            # period." https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html
            creation=source.creation,
            lifecycle=job.lifecycle,
            created_by=job.created_by,
            source_vault_arn=job.source_vault_arn,
        )
        job.destination_recovery_point_arn = arn

    def land(self, arn: str, status: RecoveryPointStatus, message: str | None = None) -> None:
        """The job that made the recovery point `arn` ended COMPLETED or PARTIAL (its
        CompletionDate is the job's: INFERRED for copies); its lifecycle starts counting."""
        point = self.recovery_points[arn]
        point.status, point.status_message = status, message
        point.completion = self._context.now
        self.retention.schedule(point)

    def discard(self, arn: str | None) -> None:
        """The job that was making the recovery point `arn` ended without it (ABORTED)."""
        point = self.recovery_points.get(arn or "")
        if point is not None and point.status is RecoveryPointStatus.CREATING:
            self._remove(point)

    def update_lifecycle(self, point: RecoveryPoint, lifecycle: Mapping[str, Any] | None) -> None:
        point.lifecycle = dict(lifecycle) if lifecycle else None
        self.retention.schedule(point)

    def _remove(self, point: RecoveryPoint) -> None:
        self.retention.cancel(point)
        if self.recovery_points.pop(point.arn, None) is None:
            return
        vault = moto_state.vault(point.account, point.region, point.vault_name)
        if vault is not None:
            vault.num_of_recovery_points -= 1

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
        """A recovery point of `resource` in the vault `vault_arn`, CREATING, counted there."""
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
            completion=None,
            size_bytes=resource.size_bytes,
            lifecycle=lifecycle,
            source_vault_arn=source_vault_arn,
            created_by=created_by,
            status=RecoveryPointStatus.CREATING,
            initiation=self._context.now,
            encryption_key_type=key_type(key),
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


#: EncryptionKeyType: "CUSTOMER_MANAGED_KMS_KEY for customer-managed keys or AWS_OWNED_KMS_KEY
#: for Amazon Web Services-owned keys" (the model). An AWS managed key (aws/backup, aws/rds...)
#: is neither, and no public source shows what AWS returns for it: INFERRED, the member is left
#: out, as it is for a point without a key.
CUSTOMER_MANAGED_KMS_KEY = "CUSTOMER_MANAGED_KMS_KEY"


def key_type(key_arn: str | None) -> str | None:
    key = moto_state.key(key_arn)
    if key is None or moto_state.is_aws_managed(key):
        return None
    return CUSTOMER_MANAGED_KMS_KEY
