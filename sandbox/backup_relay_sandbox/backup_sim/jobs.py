"""The jobs the API starts: Start*Job's checks, idempotency tokens, and who may see which job.

Starting a job only records it and hands it to the lifecycle (`lifecycle.py`), which moves it on
when the clock runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Generic, Required, TypedDict, TypeVar

from backup_relay_sandbox.backup_sim import limits, moto_state
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.errors import (
    THROTTLED,
    BackupApiError,
    invalid_parameter,
    invalid_request,
    not_found,
)
from backup_relay_sandbox.backup_sim.failures import single_action_refusal
from backup_relay_sandbox.backup_sim.inventory import Inventory, backup_key
from backup_relay_sandbox.backup_sim.lifecycle import JobLifecycle
from backup_relay_sandbox.backup_sim.model import (
    BackupJob,
    CopyJob,
    CreatedBy,
    Job,
    RefusedBy,
    Resource,
    Settings,
)

JobT = TypeVar("JobT", bound=Job)


class JobRequest(TypedDict, total=False):
    """The keyword arguments `Simulator.start_backup_job` and `start_copy_job` share."""

    iam_role_arn: Required[str]
    idempotency_token: str | None
    lifecycle: Mapping[str, Any] | None
    created_by: CreatedBy | None  # the backup plan that starts the job (`Simulator.plan`)


class BackupJobRequest(JobRequest, total=False):
    vault_name: Required[str]
    resource_arn: Required[str]
    start_window: timedelta | None  # StartWindowMinutes; the scenario's default when None


class CopyJobRequest(JobRequest, total=False):
    recovery_point_arn: Required[str]
    source_vault_name: Required[str]
    destination_vault_arn: Required[str]


class _Origin(TypedDict):
    """What every job records of the request that started it."""

    account: str
    region: str
    resource: Resource
    iam_role_arn: str
    creation: datetime
    created_by: CreatedBy | None


class JobBook(Generic[JobT]):
    """The jobs of one kind (backup or copy)."""

    def __init__(self, noun: str) -> None:
        self._noun = noun  # how the API's not-found message names the job: "Backup", "Copy"
        self.by_id: dict[str, JobT] = {}
        self._tokens: dict[tuple[str, str], str] = {}  # (account, IdempotencyToken) -> job id

    def started_with(self, account: str, token: str | None) -> JobT | None:
        """The job an earlier request in `account` started with the same IdempotencyToken."""
        job_id = self._tokens.get((account, token)) if token else None
        return None if job_id is None else self.by_id[job_id]

    def add(self, job: JobT, token: str | None) -> None:
        self.by_id[job.job_id] = job
        if token:
            self._tokens[(job.account, token)] = job.job_id

    def owned(self, account: str, region: str, job_id: str) -> JobT:
        """The job, if `account` owns it in `region` (Describe*Job)."""
        job = self.by_id.get(job_id)
        if job is None or (job.account, job.region) != (account, region):
            raise not_found(f"{self._noun} job {job_id} not found.")  # INFERRED message
        return job


class Jobs:
    def __init__(self, context: Context, inventory: Inventory, lifecycle: JobLifecycle) -> None:
        self._context = context
        self._inventory = inventory
        self._lifecycle = lifecycle
        self.backups: JobBook[BackupJob] = JobBook("Backup")
        self.copies: JobBook[CopyJob] = JobBook("Copy")

    def job(self, job_id: str) -> Job:
        job: Job | None = self.backups.by_id.get(job_id) or self.copies.by_id.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def start_backup(self, account: str, region: str, request: BackupJobRequest) -> BackupJob:
        lifecycle = request.get("lifecycle")
        limits.check_lifecycle(lifecycle)
        existing = self.backups.started_with(account, request.get("idempotency_token"))
        if existing is not None:
            return existing
        resource = self._inventory.resource_to_back_up(account, region, request["resource_arn"])
        vault_name = request["vault_name"]
        vault = moto_state.vault(account, region, vault_name)
        ids, now, durations = self._context.ids, self._context.now, self._context.settings.durations
        job = BackupJob(
            job_id=ids.uuid(),
            **self._origin(account, region, resource, request),
            vault_name=vault_name,
            vault_arn=moto_state.vault_arn(account, region, vault_name),
            recovery_point_arn=ids.recovery_point_arn(resource.resource_type, account, region),
            lifecycle=dict(lifecycle) if lifecycle else None,
            start_by=now + (request.get("start_window") or durations.start_window),
            encryption_key_arn=backup_key(resource, vault) if vault else None,
        )
        self.backups.add(job, request.get("idempotency_token"))
        self._lifecycle.admit(job)
        return job

    def start_copy(self, account: str, region: str, request: CopyJobRequest) -> CopyJob:
        faults = self._context.faults
        # a backup plan's copy action (`created_by`) is AWS Backup's own doing, not an API call
        if request.get("created_by") is None and faults.throttles_next_call():
            raise BackupApiError(faults.throttle_error, THROTTLED)
        lifecycle = request.get("lifecycle")
        limits.check_lifecycle(lifecycle)
        existing = self.copies.started_with(account, request.get("idempotency_token"))
        if existing is not None:
            return existing
        source = self._inventory.copy_source(
            account, region, request["source_vault_name"], request["recovery_point_arn"]
        )
        destination_vault_arn = request["destination_vault_arn"]
        if not limits.is_vault_arn(destination_vault_arn):  # INFERRED message
            raise invalid_parameter(f"Invalid destination backup vault ARN {destination_vault_arn}")
        resource = self._inventory.resource_of(source)
        limits.check_copy_quota(
            self._context.settings,
            self.copies.by_id.values(),
            account=account,
            region=region,
            resource_type=resource.resource_type,
            destination_vault_arn=destination_vault_arn,
        )
        job = CopyJob(
            job_id=self._context.ids.uuid().upper(),
            **self._origin(account, region, resource, request),
            source_vault_arn=source.vault_arn,
            source_recovery_point_arn=source.arn,
            destination_vault_arn=destination_vault_arn,
            lifecycle=dict(lifecycle) if lifecycle else source.lifecycle,
        )
        settings = self._context.settings
        if settings.single_action_refused_by is RefusedBy.API:
            refusal = single_action_refusal(job, resource.resource_type, settings)
            if refusal is not None:  # InvalidRequestException: modelled for StartCopyJob
                raise invalid_request(refusal)
        self.copies.add(job, request.get("idempotency_token"))
        self._lifecycle.admit(job)
        return job

    def _origin(
        self, account: str, region: str, resource: Resource, request: JobRequest
    ) -> _Origin:
        return {
            "account": account,
            "region": region,
            "resource": resource,
            "iam_role_arn": request["iam_role_arn"],
            "creation": self._context.now,
            "created_by": request.get("created_by"),
        }


def visible(
    settings: Settings, jobs: Iterable[JobT], account: str, region: str, by_account: str | None
) -> list[JobT]:
    """The caller's own jobs, newest first; the management account may ask for another
    account's or, with `*`, the whole organization's (the List*Jobs ByAccountId filter)."""
    if by_account is None or by_account == account:
        owners = {account}
    elif account == settings.management_account:
        owners = settings.member_accounts if by_account == "*" else {by_account}
    else:
        owners = set()
    mine = [j for j in jobs if j.region == region and j.account in owners]
    return sorted(mine, key=lambda j: (j.creation, j.job_id), reverse=True)
