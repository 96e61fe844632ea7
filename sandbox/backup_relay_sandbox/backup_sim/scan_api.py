"""StartScanJob, DescribeScanJob and ListScanJobs on the simulator's scans (scans.py), in
botocore's shapes: PUT /scan/job, GET /scan/jobs/{ScanJobId}, GET /scan/jobs. moto has none;
moto_plugin routes them here. ListScanJobs lists the caller's own account's scans (INFERRED: as
the other List*Jobs of a non-management account), filtered by its By* members, a page at a time
(MaxResults, NextToken)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from backup_relay_sandbox.backup_sim.errors import invalid_parameter
from backup_relay_sandbox.backup_sim.scans import ScanJob, scan_job

#: ListScanJobs' filters: query-string name -> test of a scan against its value.
_FILTERS: dict[str, Callable[[ScanJob, str], bool]] = {
    "ByBackupVaultName": lambda job, value: job.vault_name == value,
    "ByMalwareScanner": lambda job, value: value == "GUARDDUTY",
    "ByRecoveryPointArn": lambda job, value: job.recovery_point_arn == value,
    "ByResourceArn": lambda job, value: job.resource_arn == value,
    "ByResourceType": lambda job, value: job.resource_type == value,
    "ByScanResultStatus": lambda job, value: job.result == value,
    "ByState": lambda job, value: job.state == value,
    "ByAccountId": lambda job, value: job.account == value,
}


def start_scan_job(call: Any, sim: Any) -> object:
    body = call.body
    job = sim.scans.start(
        call.account,
        call.region,
        vault_name=body["BackupVaultName"],
        recovery_point_arn=body["RecoveryPointArn"],
        iam_role_arn=body["IamRoleArn"],
        scanner_role_arn=body["ScannerRoleArn"],
        scan_mode=body["ScanMode"],
        base_recovery_point_arn=body.get("ScanBaseRecoveryPointArn"),
        token=body.get("IdempotencyToken"),
    )
    return {"ScanJobId": job.job_id, "CreationDate": job.creation}


def describe_scan_job(call: Any, sim: Any) -> object:
    return scan_job(sim.scans.owned(call.account, call.region, call.uri["ScanJobId"]))


def list_scan_jobs(call: Any, sim: Any) -> object:
    query = call.query
    after, before = call.timestamp("ByCompleteAfter"), call.timestamp("ByCompleteBefore")
    chosen = [
        job
        for job in sim.scans.by_id.values()
        if (job.account, job.region) == (call.account, call.region)
        and all(test(job, query[name]) for name, test in _FILTERS.items() if name in query)
        and (after is None or (job.completion is not None and job.completion > after))
        and (before is None or (job.completion is not None and job.completion < before))
    ]
    size = min(int(query.get("MaxResults") or 1000), sim.settings.page_size)
    start = 0
    if token := query.get("NextToken"):
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise invalid_parameter("Invalid NextToken.") from None  # INFERRED
    end = start + size
    page: dict[str, Any] = {"ScanJobs": [scan_job(job) for job in chosen[start:end]]}
    if end < len(chosen):
        page["NextToken"] = base64.urlsafe_b64encode(str(end).encode()).decode()
    return page
