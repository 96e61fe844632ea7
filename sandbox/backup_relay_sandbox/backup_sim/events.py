"""Job events in exactly the documented shapes (events/{backup,copy}_job_<state>.json).

Per state, the detail holds the keys of that state's documented example, in its order, with its
JSON types (PARTIAL, which has none, is INFERRED below): sizes are strings in backup events and
numbers in copy events, `bytesTransferred` is a string, a backup job's statusMessage is wrapped
in literal quotes, a copy job's is not, and a copy job's destination recovery point is `{}`
until it exists. `createdBy` is present when a
backup plan started the job (the examples with it come from plans; on-demand jobs have none) and
never on CREATED, whose examples are minimal.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim.model import (
    FINAL,
    LANDED,
    BackupJob,
    CopyJob,
    CreatedBy,
    JobState,
    RestoreJob,
)

BACKUP_DETAIL_TYPE = "Backup Job State Change"
COPY_DETAIL_TYPE = "Copy Job State Change"
RESTORE_DETAIL_TYPE = "Restore Job State Change"


def iso_ms(moment: datetime) -> str:
    """`2020-07-15T21:33:00.803Z`, the form of the examples' dates."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_s(moment: datetime) -> str:
    """`2020-07-15T21:33:16Z`, the form of an event's `time`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def console_time(moment: datetime) -> str:
    """`Jul 15, 2020 9:39:07 PM`, the form of a RUNNING backup's expectedCompletionDate."""
    hour = moment.hour % 12 or 12
    return f"{moment:%b} {moment.day}, {moment.year} {hour}:{moment:%M:%S} {moment:%p}"


def envelope(
    detail_type: str, job_account: str, region: str, time: datetime, resources: list[str]
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.backup",
        "account": job_account,
        "time": iso_s(time),
        "region": region,
        "resources": resources,
    }


def created_by(creator: CreatedBy) -> dict[str, str]:
    return {
        "backupPlanId": creator.backup_plan_id,
        "backupPlanArn": creator.backup_plan_arn,
        "backupPlanVersion": creator.backup_plan_version,
        "backupPlanRuleId": creator.backup_rule_id,
    }


#: Backup states whose event carries a completion date, and (quoted) a status message.
_ENDED = (JobState.COMPLETED, JobState.EXPIRED, JobState.ABORTED, JobState.PARTIAL)
_EXPLAINED = (JobState.FAILED, JobState.EXPIRED, JobState.ABORTED, JobState.PARTIAL)


def backup_event(job: BackupJob, time: datetime) -> dict[str, Any]:
    """ABORTED has the documented example's keys. PARTIAL has no documented example: INFERRED,
    it is COMPLETED's (it leaves a recovery point: `resources`, sizes, completion, 100 %) with
    the quoted statusMessage every documented unsuccessful end carries."""
    state = job.state
    landed = state in LANDED
    resources = [job.recovery_point_arn] if landed else []
    event = envelope(BACKUP_DETAIL_TYPE, job.account, job.region, time, resources)
    if state is JobState.CREATED:
        event["detail"] = {
            "backupJobId": job.job_id,
            "state": state.value,
            "creationDate": iso_ms(job.creation),
        }
        return event
    assert job.start_by is not None
    detail: dict[str, Any] = {"backupJobId": job.job_id}
    if state is JobState.RUNNING or landed:
        detail["backupSizeInBytes"] = str(job.resource.size_bytes)
    # as much as was done when the state changed: 0 when it starts running (the documented
    # RUNNING example's 99 % shows AWS may emit it late; the simulator emits it at once)
    done = job.progress(time) if landed or state is JobState.ABORTED else 0.0
    transferred = int(job.resource.size_bytes * done)
    detail |= {
        "backupVaultArn": job.vault_arn,
        "backupVaultName": job.vault_name,
        "bytesTransferred": str(transferred),
        "creationDate": iso_ms(job.creation),
        "iamRoleArn": job.iam_role_arn,
        "resourceArn": job.resource.arn,
        "resourceType": job.resource.resource_type,
        "state": state.value,
    }
    if state is JobState.PENDING:
        detail["statusMessage"] = ""
    if state in _EXPLAINED:
        detail["statusMessage"] = f'"{job.status_message}"'
    if state in _ENDED:
        assert job.completion is not None
        detail["completionDate"] = iso_ms(job.completion)
    detail["startBy"] = iso_ms(job.start_by)
    if state is JobState.RUNNING:
        assert job.expected_completion is not None
        detail["expectedCompletionDate"] = console_time(job.expected_completion)
    detail["percentDone"] = round(done * 100)
    if landed or state is JobState.FAILED:
        detail["retryCount"] = 0
    if job.created_by is not None:
        detail["createdBy"] = created_by(job.created_by)
    event["detail"] = detail
    return event


def copy_event(job: CopyJob, time: datetime) -> dict[str, Any]:
    """Copy events say nothing of the job's account in `detail`: the event's `account` is the
    source account, where the job runs, and `resources[0]` the source recovery point.

    PARTIAL has no documented example: INFERRED, it is COMPLETED's (the copy landed a recovery
    point: `destinationRecoveryPointArn` is its ARN) with FAILED's unquoted statusMessage."""
    state = job.state
    event = envelope(
        COPY_DETAIL_TYPE, job.account, job.region, time, [job.source_recovery_point_arn]
    )
    if state is JobState.CREATED:
        event["detail"] = {
            "creationDate": iso_ms(job.creation),
            "state": state.value,
            "sourceBackupVaultArn": job.source_vault_arn,
            "destinationBackupVaultArn": job.destination_vault_arn,
        }
        return event
    detail: dict[str, Any] = {
        "copyJobId": job.job_id,
        "backupSizeInBytes": job.resource.size_bytes,
        "creationDate": iso_ms(job.creation),
        "iamRoleArn": job.iam_role_arn,
        "resourceArn": job.resource.arn,
        "resourceType": job.resource.resource_type,
        "sourceBackupVaultArn": job.source_vault_arn,
        "state": state.value,
    }
    if state in (JobState.FAILED, JobState.PARTIAL):
        detail["statusMessage"] = job.status_message
    if state in FINAL:
        assert job.completion is not None
        detail["completionDate"] = iso_ms(job.completion)
    detail["destinationBackupVaultArn"] = job.destination_vault_arn
    if state in LANDED:
        detail["destinationRecoveryPointArn"] = job.destination_recovery_point_arn
    else:
        detail["destinationRecoveryPointArn"] = {}
    if job.created_by is not None:
        detail["createdBy"] = created_by(job.created_by)
    event["detail"] = detail
    return event


def restore_event(job: RestoreJob, time: datetime) -> dict[str, Any]:
    """Per status, the documented example's keys in its order: CREATED says `state` and holds
    only the id and date; the others say `status`; COMPLETED adds the vault, the recovery
    point, the source and created resources and `completionDate`; FAILED a `statusMessage` and
    no completionDate. `percentDone` is 0 in every example, COMPLETED's too (kept)."""
    resources = [job.recovery_point_arn]
    event = envelope(RESTORE_DETAIL_TYPE, job.account, job.region, time, resources)
    if job.state is JobState.CREATED:
        event["detail"] = {
            "restoreJobId": job.job_id,
            "creationDate": iso_ms(job.creation),
            "state": "CREATED",
        }
        if job.restore_testing_plan_arn:  # INFERRED: a drill's CREATED event names its plan too
            event["detail"]["restoreTestingPlanArn"] = job.restore_testing_plan_arn
        return event
    detail: dict[str, Any] = {"restoreJobId": job.job_id}
    if job.state is JobState.COMPLETED:
        detail |= {
            "backupVaultArn": job.vault_arn,
            "recoveryPointArn": job.recovery_point_arn,
            "sourceResourceArn": job.resource.arn,
        }
    detail |= {
        "backupSizeInBytes": str(job.resource.size_bytes),
        "creationDate": iso_ms(job.creation),
        "iamRoleArn": job.iam_role_arn,
        "percentDone": 0,
        "resourceType": job.resource.resource_type,
        "status": job.state.value,
    }
    if job.state is JobState.FAILED:
        detail["statusMessage"] = job.status_message
    if job.restore_testing_plan_arn:  # "included" when a restore testing plan started it
        detail["restoreTestingPlanArn"] = job.restore_testing_plan_arn
    if job.state is JobState.COMPLETED:
        assert job.completion is not None
        detail["createdResourceArn"] = job.created_resource_arn
        detail["completionDate"] = iso_ms(job.completion)
    event["detail"] = detail
    return event
