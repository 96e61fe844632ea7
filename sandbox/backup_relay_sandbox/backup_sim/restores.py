"""Restore jobs: StartRestoreJob, DescribeRestoreJob, ListRestoreJobs; their "Restore Job State
Change" events are `events.restore_event`'s, in the documented shapes
(events/restore_job_<status>.json, from [eventbridge]).

A restore runs in the account and Region of its recovery point: "AWS Backup does not support
recovering resources from one AWS account to another" ([cross-account], "Restoring a backup from
one AWS account to another"), so StartRestoreJob finds the point among the caller's own, else
ResourceNotFoundException (message INFERRED). It goes CREATED (its event only: the API's
RestoreJobStatus has no CREATED, so the API says PENDING) -> PENDING -> RUNNING -> COMPLETED or
FAILED, each `durations.start` apart and RUNNING for `durations.restore` (INFERRED: AWS
publishes no durations); restores do not wait for the resource's backup and copy jobs (INFERRED).

Refused at StartRestoreJob: a recovery point of another account or Region (above; except one of a
logically air-gapped vault that AWS RAM shares with the caller, `restore_metadata.py`), one not
in a state to restore (CREATING, DELETING, EXPIRED): InvalidRequestException, INFERRED, and an
RDS family restore whose Metadata names no identifier (`restore_metadata.missing_metadata`).

Failed jobs (FAILED, the message as StatusMessage and in the FAILED event), checked in this order
when the job ends (`failure`), each also asked for by `Faults.restore_failures`:
- the documented one, an EC2 restore whose Metadata names an instance profile other than the one
  the backup recorded (the FAILED example, NEW_INSTANCE_PROFILE);
- the restore role may not do what the restore needs (ROLE_NOT_AUTHORIZED, AWS's text);
- the recovery point's key is disabled or pending deletion, or the restore may not use it (the
  copy rules' key texts, RDS's for the RDS family, INFERRED to read the same for a restore);
- an RDS family restore whose DBInstanceIdentifier / DBClusterIdentifier names a resource that
  exists in the account and Region (RDS's DBInstanceAlreadyExists / DBClusterAlreadyExistsFault,
  its text INFERRED to surface unchanged);
- its DBSubnetGroupName names no subnet group of the account and Region (moto's RDS; "default"
  is the default VPC's and taken to exist, INFERRED), or, asked for by a fault, it gave none
  where the account has no default VPC (RDS's texts).

The created resource: the Metadata's identifier where the type has one (`DBInstanceIdentifier`
for RDS, `DBClusterIdentifier` for the cluster types, the documented COMPLETED example's
`...:db:testinginstance...`), else the source resource's ARN with a new name (INFERRED).

[eventbridge]: https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
[cross-account]: https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from backup_relay_sandbox.backup_sim import moto_state, restore_metadata
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.emitter import Emitter
from backup_relay_sandbox.backup_sim.errors import invalid_request, not_found
from backup_relay_sandbox.backup_sim.failures import EC2_KEY_NOT_ACCESSIBLE, RDS_KEY_NOT_ACCESSIBLE
from backup_relay_sandbox.backup_sim.faults import RestoreFault
from backup_relay_sandbox.backup_sim.inventory import Inventory
from backup_relay_sandbox.backup_sim.model import (
    JobState,
    RecoveryPoint,
    RecoveryPointStatus,
    RestoreJob,
    rds_family,
)

NEW_INSTANCE_PROFILE = (
    "AWS Backup does not permit attaching a new instance profile to an EC2 instance. Please "
    "restore using the backed up instance profile."
)
# AWS's text for a restore role that lacks a permission the restore needs (iam:PassRole, the
# service's restore actions), followed by IAM's encoded authorization message:
# https://repost.aws/knowledge-center/aws-backup-encoded-authorization-failure
ROLE_NOT_AUTHORIZED = (
    "You are not authorized to perform this operation. Please consult the permissions associated "
    "with your AWS Backup role(s), and refer to the AWS Backup documentation for more details. "
    "Encoded authorization failure message: {encoded}"
)
# RDS's DBInstanceAlreadyExists text, as RDS answers a restore to an identifier in use
# (https://github.com/crossplane-contrib/provider-upjet-aws/issues/1346); that AWS Backup's job
# carries it unchanged is INFERRED.
DB_INSTANCE_EXISTS = "DB instance already exists"
# INFERRED: RDS's DBClusterAlreadyExistsFault, worded after the instance's.
DB_CLUSTER_EXISTS = "DB Cluster already exists"
# INFERRED: RDS's DBSubnetGroupNotFoundFault; public tool output quotes it truncated
# ("DBSubnetGroupNotFoundFault: DB Subnet group '...'", https://github.com/hashicorp/terraform/issues/17962).
SUBNET_GROUP_MISSING = "DB subnet group '{name}' does not exist."
# RDS's InvalidVPCNetworkStateFault for an instance without a subnet group where the account has
# no default VPC: https://github.com/hashicorp/terraform/issues/3607
SUBNET_GROUP_REQUIRED = (
    "Cannot create the DB Instance because db subnet group has not been specified which is "
    "required for a private DBInstance creation."
)
# INFERRED: AWS publishes no text for a restore of a recovery point not COMPLETED (or PARTIAL).
NOT_RESTORABLE = "Recovery point {arn} is {status} and cannot be restored."
#: The recovery point states a restore may start from.
RESTORABLE = frozenset({RecoveryPointStatus.COMPLETED, RecoveryPointStatus.PARTIAL})
#: Metadata keys that name the resource a restore creates, per type (RDS's restore metadata).
IDENTIFIERS = {
    "RDS": "DBInstanceIdentifier",
    "Aurora": "DBClusterIdentifier",
    "DocumentDB": "DBClusterIdentifier",
    "Neptune": "DBClusterIdentifier",
}


class Restores:
    def __init__(self, context: Context, inventory: Inventory, emitter: Emitter) -> None:
        self._context = context
        self._inventory = inventory
        self._emitter = emitter
        self.by_id: dict[str, RestoreJob] = {}
        self._tokens: dict[tuple[str, str], str] = {}
        self.finished: list[Callable[[RestoreJob], None]] = []  # told of each job's end

    def start(
        self,
        account: str,
        region: str,
        recovery_point_arn: str,
        metadata: Mapping[str, str],
        *,
        iam_role_arn: str | None,
        token: str | None,
        restore_testing_plan_arn: str | None = None,
    ) -> RestoreJob:
        if token and (account, token) in self._tokens:
            return self.by_id[self._tokens[(account, token)]]
        point = self._inventory.recovery_points.get(recovery_point_arn)
        own = point is not None and (point.account, point.region) == (account, region)
        if point is None or not (own or restore_metadata.shared_with(point, account, region)):
            raise not_found(f"Recovery point {recovery_point_arn} not found.")  # INFERRED
        if point.status not in RESTORABLE:
            raise invalid_request(NOT_RESTORABLE.format(arn=point.arn, status=point.status.value))
        if missing := restore_metadata.missing_metadata(point.resource_type, metadata):
            raise missing
        job = RestoreJob(
            job_id=self._context.ids.uuid().upper(),
            account=account,
            region=region,
            resource=self._inventory.resource_of(point),
            iam_role_arn=iam_role_arn
            or f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
            creation=self._context.now,
            recovery_point_arn=point.arn,
            vault_arn=point.vault_arn,
            metadata=dict(metadata),
            restore_testing_plan_arn=restore_testing_plan_arn,
        )
        self.by_id[job.job_id] = job
        if token:
            self._tokens[(account, token)] = job.job_id
        self._emitter.announce(job)  # CREATED, delivered when the clock next runs
        clock, start = self._context.clock, self._context.settings.durations.start
        clock.call_later(start, lambda: self._step(job, JobState.PENDING))
        return job

    def owned(self, account: str, region: str, job_id: str) -> RestoreJob:
        job = self.by_id.get(job_id)
        if job is None or (job.account, job.region) != (account, region):
            raise not_found(f"Restore job {job_id} not found.")  # INFERRED message
        return job

    def _step(self, job: RestoreJob, state: JobState) -> None:
        job.state = state
        durations = self._context.settings.durations
        if state is JobState.PENDING:
            self._context.clock.call_later(
                durations.start, lambda: self._step(job, JobState.RUNNING)
            )
        elif state is JobState.RUNNING:
            job.started = self._context.now
            job.expected_completion = self._context.now + durations.restore
            self._context.clock.call_at(job.expected_completion, lambda: self._finish(job))
        self._emitter.publish(job)

    def _finish(self, job: RestoreJob) -> None:
        job.completion = self._context.now
        message = self._failure(job)
        if message is None:
            job.state = JobState.COMPLETED
            job.created_resource_arn = created_resource_arn(job, self._context.ids.hex17())
        else:
            job.state, job.status_message = JobState.FAILED, message
        for listener in self.finished:
            listener(job)
        self._emitter.publish(job)

    def _failure(self, job: RestoreJob) -> str | None:
        """Why the restore fails (the module's list, in order), or None."""
        asked = self._context.faults.restore_fault(job.recovery_point_arn)
        profile = job.metadata.get("IamInstanceProfileName")
        recorded = job.resource.instance_profile
        if job.resource.resource_type == "EC2" and profile and profile != recorded:
            return NEW_INSTANCE_PROFILE
        if asked is RestoreFault.ROLE_NOT_AUTHORIZED:
            return ROLE_NOT_AUTHORIZED.format(encoded=self._context.ids.hex17())
        point = self._inventory.recovery_points.get(job.recovery_point_arn)
        key = moto_state.key(point.encryption_key_arn) if point else None
        unusable = key is not None and not moto_state.is_usable(key)
        if unusable or asked is RestoreFault.KEY_NOT_ACCESSIBLE:
            family = job.resource.resource_type in rds_family()
            return RDS_KEY_NOT_ACCESSIBLE if family else EC2_KEY_NOT_ACCESSIBLE
        return self._rds_failure(job, asked)

    def _rds_failure(self, job: RestoreJob, asked: RestoreFault | None) -> str | None:
        resource_type = job.resource.resource_type
        if resource_type not in IDENTIFIERS:
            return None
        instance = resource_type == "RDS"
        target = (
            created_resource_arn(job, "") if job.metadata.get(IDENTIFIERS[resource_type]) else ""
        )
        if asked is RestoreFault.TARGET_EXISTS or (target and self._exists(target)):
            return DB_INSTANCE_EXISTS if instance else DB_CLUSTER_EXISTS
        group = job.metadata.get("DBSubnetGroupName")
        if asked is RestoreFault.SUBNET_GROUP_MISSING or (
            group and not moto_state.rds_subnet_group_exists(job.account, job.region, group)
        ):
            return SUBNET_GROUP_MISSING.format(name=group or "default")
        if asked is RestoreFault.SUBNET_GROUP_REQUIRED and not group:
            return SUBNET_GROUP_REQUIRED
        return None

    def _exists(self, arn: str) -> bool:
        """A resource of that ARN: one AWS Backup knows, or one a restore created."""
        if arn in self._inventory.resources:
            return True
        return any(j.created_resource_arn == arn for j in self.by_id.values())


def created_resource_arn(job: RestoreJob, suffix: str) -> str:
    source = job.resource.arn
    key = IDENTIFIERS.get(job.resource.resource_type)
    name = job.metadata.get(key, "") if key else ""
    new_name = name or f"restored-{suffix[:8]}"
    head, separator, _ = source.rpartition("/" if "/" in source.split(":", 5)[5] else ":")
    parts = head.split(":", 5)  # in the account and Region the restore ran in
    parts[3:5] = [job.region, job.account] if parts[4] else [job.region, ""]
    return f"{':'.join(parts)}{separator}{new_name}"


def api_status(job: RestoreJob) -> str:
    """RestoreJobStatus has no CREATED: a job that has not reached PENDING is PENDING."""
    return JobState.PENDING.value if job.state is JobState.CREATED else job.state.value


def restore_job(job: RestoreJob, point: RecoveryPoint | None) -> dict[str, Any]:
    """DescribeRestoreJob's body (RestoreJobsListMember's members)."""
    values = {
        "AccountId": job.account,
        "RestoreJobId": job.job_id,
        "RecoveryPointArn": job.recovery_point_arn,
        "SourceResourceArn": job.resource.arn,
        "BackupVaultArn": job.vault_arn,
        "CreationDate": job.creation,
        "CompletionDate": job.completion,
        "Status": api_status(job),
        "StatusMessage": job.status_message,
        "PercentDone": f"{job.progress(job.completion or job.creation) * 100:.1f}",
        "BackupSizeInBytes": job.resource.size_bytes,
        "IamRoleArn": job.iam_role_arn,
        "CreatedResourceArn": job.created_resource_arn,
        "ResourceType": job.resource.resource_type,
        "RecoveryPointCreationDate": point.creation if point else None,
        "IsParent": False,
        "ValidationStatus": job.validation_status,
        "ValidationStatusMessage": job.validation_message,
    }
    if job.restore_testing_plan_arn:
        values["CreatedBy"] = {"RestoreTestingPlanArn": job.restore_testing_plan_arn}
    return {key: value for key, value in values.items() if value is not None}
