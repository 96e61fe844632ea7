"""AWS Backup: copy jobs and recovery points, in the region each call names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors
from backup_relay.domain.copy_jobs import CopyJobReport, CopyRequest, ListedCopyJob, RecoveryPoint
from backup_relay.domain.jobs import JobState
from backup_relay.domain.route_table import partition
from backup_relay.domain.routes import Vault


def start_copy_job(backup: Any, request: CopyRequest) -> str:
    """StartCopyJob with `backup` (a client of the source vault's account and region)."""
    lifecycle = {"Lifecycle": dict(request.lifecycle)} if request.lifecycle else {}
    with domain_errors():
        answer = backup.start_copy_job(
            RecoveryPointArn=request.recovery_point_arn,
            SourceBackupVaultName=request.source_vault_name,
            DestinationBackupVaultArn=request.destination_vault_arn,
            IamRoleArn=request.iam_role_arn,
            IdempotencyToken=request.idempotency_token,
            **lifecycle,
        )
    return str(answer["CopyJobId"])


class BackupCopyJobs:
    def start_copy_job(self, region: str, request: CopyRequest) -> str:
        return start_copy_job(aws.backup(region), request)

    def failed_copy_jobs(self, region: str, since: datetime) -> list[ListedCopyJob]:
        """ByState=FAILED only: a copy job is never ABORTED (CopyJobState in botocore's model
        is CREATED, RUNNING, COMPLETED, FAILED, PARTIAL), and AWS refuses a value outside it."""
        paginator = aws.backup(region).get_paginator("list_copy_jobs")
        jobs = []
        with domain_errors():
            for page in paginator.paginate(ByState="FAILED", ByCreatedAfter=since):
                jobs += [_listed(job) for job in page.get("CopyJobs", [])]
        return jobs

    def describe_copy_job(self, region: str, copy_job_id: str) -> CopyJobReport:
        with domain_errors():
            job = aws.backup(region).describe_copy_job(CopyJobId=copy_job_id)["CopyJob"]
        return _copy_job_report(job, copy_job_id)


def _copy_job_report(job: Mapping[str, Any], copy_job_id: str) -> CopyJobReport:
    return CopyJobReport(
        copy_job_id=job.get("CopyJobId", copy_job_id),
        state=JobState(job["State"]),
        destination_recovery_point_arn=job.get("DestinationRecoveryPointArn"),
        status_message=job.get("StatusMessage"),
        message_category=job.get("MessageCategory"),
    )


class BackupRecoveryPoints:
    def describe(self, vault: Vault, arn: str) -> RecoveryPoint:
        with domain_errors():
            answer = aws.backup(vault.region).describe_recovery_point(
                BackupVaultName=vault.name, RecoveryPointArn=arn, BackupVaultAccountId=vault.account
            )
        return _recovery_point(answer)

    def in_vault(
        self,
        vault: Vault,
        created_after: datetime,
        resource_type: str | None = None,
        resource_arn: str | None = None,
    ) -> list[RecoveryPoint]:
        paginator = aws.backup(vault.region).get_paginator("list_recovery_points_by_backup_vault")
        of_type = {"ByResourceType": resource_type} if resource_type else {}
        if resource_arn:
            of_type["ByResourceArn"] = resource_arn
        pages = paginator.paginate(
            BackupVaultName=vault.name,
            ByCreatedAfter=created_after,
            PaginationConfig={"PageSize": 1000},  # MaxResults' largest value in the model
            **of_type,
        )
        with domain_errors():
            return [
                _recovery_point(point) for page in pages for point in page.get("RecoveryPoints", [])
            ]

    def set_retention(self, vault: Vault, arn: str, delete_after_days: int) -> None:
        with domain_errors():
            aws.backup(vault.region).update_recovery_point_lifecycle(
                BackupVaultName=vault.name,
                RecoveryPointArn=arn,
                Lifecycle={"DeleteAfterDays": delete_after_days},
            )


def _listed(job: Mapping[str, Any]) -> ListedCopyJob:
    return ListedCopyJob(
        copy_job_id=job["CopyJobId"],
        state=job["State"],
        source_recovery_point_arn=job.get("SourceRecoveryPointArn", ""),
        destination_vault_arn=job.get("DestinationBackupVaultArn", ""),
        resource_type=job.get("ResourceType", ""),
        status_message=job.get("StatusMessage"),
        created_at=_aware(job["CreationDate"]),
        message_category=job.get("MessageCategory"),
    )


def _recovery_point(point: Mapping[str, Any]) -> RecoveryPoint:
    return RecoveryPoint(
        arn=point["RecoveryPointArn"],
        resource_type=point.get("ResourceType", ""),
        status=point.get("Status", ""),
        created_at=_aware(point["CreationDate"]),
        source_vault_arn=point.get("SourceBackupVaultArn"),
        delete_after_days=point.get("Lifecycle", {}).get("DeleteAfterDays"),
        resource_arn=point.get("ResourceArn"),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class MemberReplayCopies:
    """Copy jobs in a member account, as its replay role (member/template.yaml `ReplayRole`,
    named `<role name>-<region>`), which the central stack's replay principals may assume."""

    def __init__(self, role_name: str) -> None:
        self.role_name = role_name

    def start_copy_job(self, account: str, region: str, request: CopyRequest) -> str:
        partition = request.destination_vault_arn.split(":")[1] or "aws"
        return start_copy_job(self._backup(partition, account, region), request)

    def describe_copy_job(self, account: str, region: str, copy_job_id: str) -> CopyJobReport:
        """As the member's role: only that account's own jobs are found (NotFound otherwise)."""
        backup = self._backup(partition(region), account, region)
        with domain_errors():
            job = backup.describe_copy_job(CopyJobId=copy_job_id)["CopyJob"]
        return _copy_job_report(job, copy_job_id)

    def _backup(self, partition: str, account: str, region: str) -> Any:
        role = f"arn:{partition}:iam::{account}:role/{self.role_name}-{region}"
        with domain_errors():
            credentials = aws.client("sts").assume_role(
                RoleArn=role, RoleSessionName="backup-relay-replay"
            )["Credentials"]
        return aws.client_as(credentials, "backup", region)
