"""Malware scan jobs: StartScanJob, DescribeScanJob, ListScanJobs (scan_api.py), and their "Scan
Job State Change" events in the documented shapes (events/scan_job_<state>.json, from
[eventbridge]); a plan's scans after its backups (`scan_backups`, as a rule's ScanActions with
the plan's ScanSettings start them, [malware]).

What AWS documents, and what the simulator takes from it:
- Only EBS, EC2 and S3 recovery points are scanned ("Recovery Points belonging to EBS, EC2,
  and S3 resource types", [guardduty]): StartScanJob refuses any other type with
  InvalidRequestException (its message INFERRED), so an RDS, Aurora, DocumentDB or Neptune
  recovery point (the chain's types) never has a scan.
- The one scanner is GUARDDUTY (MalwareScanner); ScanMode FULL_SCAN or INCREMENTAL_SCAN, the
  latter against ScanBaseRecoveryPointArn, a recovery point of the same resource ([guardduty]:
  "two resource ARNs, both belonging to the same resource"); without one:
  InvalidParameterValueException (message INFERRED).
- A scan goes CREATED -> RUNNING -> COMPLETED (scanResult NO_THREATS_FOUND or THREATS_FOUND,
  and the example's statusMessage), each `durations.start` apart, RUNNING for SCAN_DURATION
  (INFERRED: AWS publishes no durations). A resource listed in `infected` is found with threats.
- The recovery point must be the caller's, in the Region and vault named: else
  ResourceNotFoundException (message INFERRED), as for a restore.

[eventbridge]: https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
[malware]: https://docs.aws.amazon.com/aws-backup/latest/devguide/malware-protection.html
[guardduty]: https://docs.aws.amazon.com/guardduty/latest/ug/malware-protection-backup-how-it-works.html
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.emitter import Emitter
from backup_relay_sandbox.backup_sim.errors import invalid_parameter, invalid_request, not_found
from backup_relay_sandbox.backup_sim.events import envelope, iso_s
from backup_relay_sandbox.backup_sim.inventory import Inventory
from backup_relay_sandbox.backup_sim.model import CreatedBy, RecoveryPoint, RecoveryPointStatus

SCAN_DETAIL_TYPE = "Scan Job State Change"
#: The types AWS Backup's malware scanning covers [guardduty].
SCANNABLE = frozenset({"EBS", "EC2", "S3"})
SCANNER = "GUARDDUTY"
SCAN_MODES = ("FULL_SCAN", "INCREMENTAL_SCAN")
#: A scan RUNNING (INFERRED: AWS publishes no durations).
SCAN_DURATION = timedelta(minutes=5)
FINAL = frozenset({"COMPLETED", "COMPLETED_WITH_ISSUES", "FAILED", "CANCELED"})
#: The COMPLETED example's statusMessage, as AWS wrote it.
COMPLETED_MESSAGE = "An AWS Backup scan job was successful completed."
NOT_SCANNABLE = "Malware scanning does not support resource type {type}."  # INFERRED
NO_BASE = "ScanBaseRecoveryPointArn is required for an INCREMENTAL_SCAN."  # INFERRED
NOT_SCANNED = "Recovery point {arn} is {status} and cannot be scanned."  # INFERRED
#: The scanner role a plan's ScanSettings name when the sandbox starts its scans (INFERRED name:
#: the documented examples' RoleForAwsBackupGuarddutyScanner).
SCANNER_ROLE = "arn:aws:iam::{account}:role/RoleForAwsBackupGuarddutyScanner"


@dataclass
class ScanJob:
    job_id: str
    scan_id: str
    account: str
    region: str
    recovery_point_arn: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    resource_type: str
    iam_role_arn: str
    scanner_role_arn: str
    scan_mode: str
    creation: datetime
    created_by: CreatedBy | None = None
    base_recovery_point_arn: str | None = None
    state: str = "CREATED"
    completion: datetime | None = None
    result: str | None = None  # ScanResultStatus, when it ends COMPLETED(_WITH_ISSUES)
    status_message: str | None = None


class Scans:
    def __init__(self, context: Context, inventory: Inventory, emitter: Emitter) -> None:
        self._context = context
        self._inventory = inventory
        self._emitter = emitter
        self.by_id: dict[str, ScanJob] = {}
        self._tokens: dict[tuple[str, str], str] = {}
        #: resources whose recovery points a scan finds threats in (the scenario's infection)
        self.infected: set[str] = set()
        #: the types a plan's ScanSettings scan after each backup (`scan_backups`); none: off
        self.scanned_types: frozenset[str] = frozenset()

    def start(
        self,
        account: str,
        region: str,
        *,
        vault_name: str,
        recovery_point_arn: str,
        iam_role_arn: str,
        scanner_role_arn: str,
        scan_mode: str,
        base_recovery_point_arn: str | None = None,
        token: str | None = None,
        created_by: CreatedBy | None = None,
    ) -> ScanJob:
        if token and (account, token) in self._tokens:
            return self.by_id[self._tokens[(account, token)]]
        point = self._inventory.recovery_points.get(recovery_point_arn)
        if point is None or (point.account, point.region, point.vault_name) != (
            account,
            region,
            vault_name,
        ):
            raise not_found(f"Recovery point {recovery_point_arn} not found.")  # INFERRED
        if point.resource_type not in SCANNABLE:
            raise invalid_request(NOT_SCANNABLE.format(type=point.resource_type))
        if point.status is not RecoveryPointStatus.COMPLETED:
            raise invalid_request(NOT_SCANNED.format(arn=point.arn, status=point.status.value))
        if scan_mode == "INCREMENTAL_SCAN" and not base_recovery_point_arn:
            raise invalid_parameter(NO_BASE)
        job = ScanJob(
            job_id=self._context.ids.uuid(),
            scan_id=self._context.ids.uuid(),
            account=account,
            region=region,
            recovery_point_arn=point.arn,
            vault_name=point.vault_name,
            vault_arn=point.vault_arn,
            resource_arn=point.resource_arn,
            resource_type=point.resource_type,
            iam_role_arn=iam_role_arn,
            scanner_role_arn=scanner_role_arn,
            scan_mode=scan_mode,
            creation=self._context.now,
            created_by=created_by,
            base_recovery_point_arn=base_recovery_point_arn,
        )
        self.by_id[job.job_id] = job
        if token:
            self._tokens[(account, token)] = job.job_id
        event = scan_event(job, self._context.now)
        self._context.clock.call_at(self._context.now, lambda: self._publish(job, event))
        self._context.clock.call_later(
            self._context.settings.durations.start, lambda: self._run(job)
        )
        return job

    def scan_backups(self, points: Iterable[RecoveryPoint]) -> list[ScanJob]:
        """What a plan whose rules have ScanActions (and its ScanSettings these types) starts
        after its backups: a FULL_SCAN of each of `points` of a scanned type, as the plan."""
        return [
            self.start(
                point.account,
                point.region,
                vault_name=point.vault_name,
                recovery_point_arn=point.arn,
                iam_role_arn=point.iam_role_arn,
                scanner_role_arn=SCANNER_ROLE.format(account=point.account),
                scan_mode="FULL_SCAN",
                created_by=point.created_by,
            )
            for point in points
            if point.resource_type in self.scanned_types & SCANNABLE
            and point.status is RecoveryPointStatus.COMPLETED
        ]

    def owned(self, account: str, region: str, job_id: str) -> ScanJob:
        job = self.by_id.get(job_id)
        if job is None or (job.account, job.region) != (account, region):
            raise not_found(f"Scan job {job_id} not found.")  # INFERRED message
        return job

    def _run(self, job: ScanJob) -> None:
        job.state = "RUNNING"
        self._publish(job)
        self._context.clock.call_later(SCAN_DURATION, lambda: self._finish(job))

    def _finish(self, job: ScanJob) -> None:
        job.completion = self._context.now
        job.state = "COMPLETED"
        job.result = "THREATS_FOUND" if job.resource_arn in self.infected else "NO_THREATS_FOUND"
        job.status_message = COMPLETED_MESSAGE
        self._publish(job)

    def _publish(self, job: ScanJob, event: dict[str, Any] | None = None) -> None:
        event = event or scan_event(job, self._context.now)
        self._emitter.deliver("SCAN", job.job_id, event, final=job.state in FINAL)


def scan_event(job: ScanJob, time: datetime) -> dict[str, Any]:
    """The documented examples' keys, in their order: completionDate, scanResult and
    statusMessage once the scan ended; createdBy for a plan's scan (its rule as `backupRuleId`);
    scanBaseRecoveryPointArn for an incremental one."""
    event = envelope(SCAN_DETAIL_TYPE, job.account, job.region, time, [job.recovery_point_arn])
    detail: dict[str, Any] = {
        "accountId": job.account,
        "backupVaultArn": job.vault_arn,
        "backupVaultName": job.vault_name,
    }
    if job.completion is not None:
        detail["completionDate"] = iso_s(job.completion)
    if job.created_by is not None:
        detail["createdBy"] = {
            "backupPlanArn": job.created_by.backup_plan_arn,
            "backupPlanId": job.created_by.backup_plan_id,
            "backupPlanVersion": job.created_by.backup_plan_version,
            "backupRuleId": job.created_by.backup_rule_id,
        }
    detail |= {
        "creationDate": iso_s(job.creation),
        "iamRoleArn": job.iam_role_arn,
        "scannerRoleArn": job.scanner_role_arn,
        "recoveryPointArn": job.recovery_point_arn,
        "resourceArn": job.resource_arn,
        "resourceType": job.resource_type,
        "scanId": job.scan_id,
        "scanJobId": job.job_id,
    }
    if job.base_recovery_point_arn:
        detail["scanBaseRecoveryPointArn"] = job.base_recovery_point_arn
    detail["malwareScanner"] = SCANNER
    if job.result is not None:
        detail["scanResult"] = {"scanResultStatus": job.result}
    detail["state"] = job.state
    if job.status_message is not None:
        detail["statusMessage"] = job.status_message
    event["detail"] = detail
    return event


def scan_job(job: ScanJob) -> dict[str, Any]:
    """DescribeScanJob's body (ScanJob's members, in botocore's model)."""
    values: dict[str, Any] = {
        "AccountId": job.account,
        "BackupVaultArn": job.vault_arn,
        "BackupVaultName": job.vault_name,
        "CompletionDate": job.completion,
        "CreationDate": job.creation,
        "IamRoleArn": job.iam_role_arn,
        "MalwareScanner": SCANNER,
        "RecoveryPointArn": job.recovery_point_arn,
        "ResourceArn": job.resource_arn,
        "ResourceName": job.resource_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1],
        "ResourceType": job.resource_type,
        "ScanBaseRecoveryPointArn": job.base_recovery_point_arn,
        "ScanId": job.scan_id,
        "ScanJobId": job.job_id,
        "ScanMode": job.scan_mode,
        "ScannerRoleArn": job.scanner_role_arn,
        "State": job.state,
        "StatusMessage": job.status_message,
    }
    if job.created_by is not None:
        values["CreatedBy"] = {
            "BackupPlanArn": job.created_by.backup_plan_arn,
            "BackupPlanId": job.created_by.backup_plan_id,
            "BackupPlanVersion": job.created_by.backup_plan_version,
            "BackupRuleId": job.created_by.backup_rule_id,
        }
    if job.result is not None:
        values["ScanResult"] = {"ScanResultStatus": job.result}
    return {key: value for key, value in values.items() if value is not None}
