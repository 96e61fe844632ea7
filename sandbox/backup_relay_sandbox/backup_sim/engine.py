"""The simulator: jobs, their transitions on the virtual clock, and the events they emit.

Jobs change state only when the clock runs (`advance`, `run_until_idle`), never inside an API
call; even a job's CREATED event is delivered by the next `advance` (`advance(timedelta(0))`
delivers it at once). Events go to the default bus of the account and region where AWS emits
them: a backup job's in its vault's account and region, a copy job's in the source account and
region where the job runs (facts §1).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from backup_relay_sandbox.backup_sim import limits, moto_state, policies
from backup_relay_sandbox.backup_sim.clock import Timer, VirtualClock
from backup_relay_sandbox.backup_sim.errors import (
    BackupApiError,
    invalid_parameter,
    invalid_request,
    not_found,
)
from backup_relay_sandbox.backup_sim.events import backup_event, copy_event
from backup_relay_sandbox.backup_sim.failures import (
    BACKUP_EXPIRED,
    BACKUP_VAULT_MISSING,
    INVALID_PARAMETERS,
    CopyContext,
    copy_failure,
)
from backup_relay_sandbox.backup_sim.faults import Delivery, Faults
from backup_relay_sandbox.backup_sim.model import (
    RESOURCE_TYPES,
    BackupJob,
    CopyJob,
    CreatedBy,
    Failure,
    Ids,
    Job,
    JobState,
    RecoveryPoint,
    Resource,
    Settings,
    is_fully_managed,
)
from backup_relay_sandbox.emit import emit

SUCCESS = "SUCCESS"
JobT = TypeVar("JobT", bound=Job)


@dataclass(frozen=True)
class EmittedEvent:
    kind: str  # "BACKUP" or "COPY"
    job_id: str
    state: str
    account: str
    region: str
    event: dict[str, Any]


class Simulator:
    def __init__(self, seed: int = 0) -> None:
        self.clock = VirtualClock()
        self.settings = Settings()
        self.faults = Faults(seed=seed)
        self.ids = Ids(seed)
        self.resources: dict[str, Resource] = {}
        self.recovery_points: dict[str, RecoveryPoint] = {}
        self.backup_jobs: dict[str, BackupJob] = {}
        self.copy_jobs: dict[str, CopyJob] = {}
        self.options: dict[tuple[str, str], set[str]] = {}  # (account, region) -> RDS options
        self.emitted: list[EmittedEvent] = []  # every delivery (a duplicate appears twice)
        self.lost: list[EmittedEvent] = []
        self._tokens: dict[tuple[str, str, str], str] = {}
        self._waiting: dict[str, list[Job]] = {}  # resource ARN -> jobs in CREATED, oldest first
        self._holder: dict[str, Job] = {}  # resource ARN -> the one job using it
        self._timers: dict[str, Timer] = {}  # job id -> its next transition
        # Step Functions executions call the API from their own threads while the sandbox
        # moves the clock: every API call and every clock move holds this lock.
        self.lock = threading.RLock()

    # -- the clock ------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now

    def advance(self, delta: timedelta) -> int:
        with self.lock:
            return self.clock.advance(delta)

    def run_until_idle(self) -> int:
        with self.lock:
            return self.clock.run_until_idle()

    # -- scenario helpers -----------------------------------------------------------------------

    def create_vault(self, account: str, region: str, name: str, key_arn: str | None = None) -> str:
        """A vault in moto's backup backend; without a key it uses `aws/backup`, as in AWS."""
        return str(moto_state.create_vault(account, region, name, key_arn).backup_vault_arn)

    def put_vault_access_policy(
        self, account: str, region: str, name: str, policy: str | Mapping[str, Any]
    ) -> None:
        vault = self._vault(account, region, name)
        vault.access_policy = policy if isinstance(policy, str) else json.dumps(policy)

    def allow_copy_into(
        self, account: str, region: str, name: str, *, from_accounts: Iterable[str] = ()
    ) -> None:
        """The usual destination vault policy: `backup:CopyIntoBackupVault` for the given
        accounts, or for the whole organization when none is given."""
        policy = policies.copy_into_vault(self.settings.organization_id, from_accounts)
        self.put_vault_access_policy(account, region, name, policy)

    def create_key(
        self,
        account: str,
        region: str,
        *,
        aws_managed_alias: str | None = None,
        grant_accounts: Iterable[str] = (),
    ) -> str:
        """A KMS key ARN: the AWS managed key of `aws_managed_alias` (for example "aws/rds"),
        or a customer managed key whose policy shares it with `grant_accounts`."""
        if aws_managed_alias is not None:
            return str(moto_state.aws_managed_key(account, region, aws_managed_alias).arn)
        policy = policies.shared_key(account, grant_accounts)
        return str(moto_state.create_customer_key(account, region, policy).arn)

    def register_resource(
        self,
        account: str,
        region: str,
        resource_type: str,
        resource_arn: str,
        kms_key_arn: str | None,
        *,
        multi_az_cluster: bool = False,
        option_groups: Iterable[str] = (),
        size_bytes: int = 3_221_225_472,
    ) -> Resource:
        """A resource AWS Backup can back up. `option_groups`: the options of an RDS
        instance's option group, which a cross-region copy needs in the destination."""
        if resource_type not in RESOURCE_TYPES:
            raise ValueError(f"unknown resource type {resource_type!r}: {sorted(RESOURCE_TYPES)}")
        resource = Resource(
            account,
            region,
            resource_type,
            resource_arn,
            kms_key_arn,
            multi_az_cluster=multi_az_cluster,
            option_groups=tuple(option_groups),
            size_bytes=size_bytes,
        )
        self.resources[resource_arn] = resource
        return resource

    def add_option_group(self, account: str, region: str, *options: str) -> None:
        """Make an option group with `options` available in `account`/`region`."""
        self.options.setdefault((account, region), set()).update(options)

    def put_recovery_point(
        self,
        vault_arn: str,
        resource_arn: str,
        *,
        lifecycle: Mapping[str, Any] | None = None,
        created_by: CreatedBy | None = None,
    ) -> str:
        """A completed recovery point of a registered resource, without running a backup job."""
        resource = self.resources[resource_arn]
        vault = moto_state.vault_by_arn(vault_arn)
        if vault is None:
            raise ValueError(f"no vault {vault_arn}")
        account, region = vault_arn.split(":")[4], vault_arn.split(":")[3]
        point = RecoveryPoint(
            arn=self.ids.recovery_point_arn(resource.resource_type, account, region),
            account=account,
            region=region,
            vault_name=vault.backup_vault_name,
            vault_arn=vault_arn,
            resource_arn=resource.arn,
            resource_type=resource.resource_type,
            encryption_key_arn=self._backup_key(resource, vault),
            iam_role_arn=f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
            creation=self.now,
            completion=self.now,
            size_bytes=resource.size_bytes,
            lifecycle=dict(lifecycle) if lifecycle else None,
            created_by=created_by,
        )
        self._store(point)
        return point.arn

    def plan(self, account: str, region: str) -> CreatedBy:
        """A `createdBy` for jobs that a backup plan starts."""
        return CreatedBy.plan(self.ids, account, region)

    def delay_completion(self, job_id: str, duration: timedelta) -> None:
        """Make a job run for `duration` (from when it starts running) instead of the default."""
        self.faults.job_durations[job_id] = duration
        job = self._job(job_id)
        if job.state is JobState.RUNNING and job.failure is None:
            assert job.started is not None
            self._timers[job_id].cancel()
            job.expected_completion = job.started + duration
            self._timers[job_id] = self.clock.call_at(
                job.expected_completion, lambda: self._finish(job)
            )

    def events(self, kind: str | None = None, job_id: str | None = None) -> list[dict[str, Any]]:
        return [
            e.event
            for e in self.emitted
            if (kind is None or e.kind == kind) and (job_id is None or e.job_id == job_id)
        ]

    # -- operations -----------------------------------------------------------------------------

    def start_backup_job(
        self,
        account: str,
        region: str,
        *,
        vault_name: str,
        resource_arn: str,
        iam_role_arn: str,
        idempotency_token: str | None = None,
        lifecycle: Mapping[str, Any] | None = None,
        start_window: timedelta | None = None,
        created_by: CreatedBy | None = None,
    ) -> BackupJob:
        limits.check_lifecycle(lifecycle)
        existing = self._idempotent("BACKUP", account, idempotency_token)
        if existing is not None:
            return self.backup_jobs[existing]
        resource = self.resources.get(resource_arn)
        if resource is None or (resource.account, resource.region) != (account, region):
            raise invalid_parameter(  # SYNTHESIZED message
                f"Resource {resource_arn} is not a resource AWS Backup knows in account "
                f"{account} and Region {region}."
            )
        vault = moto_state.vault(account, region, vault_name)
        job = BackupJob(
            job_id=self.ids.uuid(),
            account=account,
            region=region,
            resource=resource,
            iam_role_arn=iam_role_arn,
            creation=self.now,
            created_by=created_by,
            vault_name=vault_name,
            vault_arn=moto_state.vault_arn(account, region, vault_name),
            recovery_point_arn=self.ids.recovery_point_arn(resource.resource_type, account, region),
            lifecycle=dict(lifecycle) if lifecycle else None,
            start_by=self.now + (start_window or self.settings.durations.start_window),
            encryption_key_arn=self._backup_key(resource, vault) if vault else None,
        )
        self.backup_jobs[job.job_id] = job
        self._remember("BACKUP", account, idempotency_token, job.job_id)
        self._announce(job)
        expiry = job.start_by
        assert expiry is not None
        self._timers[job.job_id] = self.clock.call_at(expiry, lambda: self._expire(job))
        self._enqueue(job)
        return job

    def start_copy_job(
        self,
        account: str,
        region: str,
        *,
        recovery_point_arn: str,
        source_vault_name: str,
        destination_vault_arn: str,
        iam_role_arn: str,
        idempotency_token: str | None = None,
        lifecycle: Mapping[str, Any] | None = None,
        created_by: CreatedBy | None = None,
    ) -> CopyJob:
        if self.faults.throttles_next_call():
            error = self.faults.throttle_error
            raise BackupApiError(error, "Rate exceeded")
        limits.check_lifecycle(lifecycle)
        existing = self._idempotent("COPY", account, idempotency_token)
        if existing is not None:
            return self.copy_jobs[existing]
        source_vault = self._vault(account, region, source_vault_name)
        source = self.recovery_points.get(recovery_point_arn)
        if source is None or source.vault_arn != source_vault.backup_vault_arn:
            raise not_found(  # SYNTHESIZED message
                f"Recovery point {recovery_point_arn} not found in backup vault "
                f"{source_vault_name}."
            )
        if not limits.is_vault_arn(destination_vault_arn):  # SYNTHESIZED message
            raise invalid_parameter(f"Invalid destination backup vault ARN {destination_vault_arn}")
        resource = self._resource_of(source)
        limits.check_copy_quota(
            self.settings,
            self.copy_jobs.values(),
            account=account,
            region=region,
            resource_type=resource.resource_type,
            destination_vault_arn=destination_vault_arn,
        )
        job = CopyJob(
            job_id=self.ids.uuid().upper(),
            account=account,
            region=region,
            resource=resource,
            iam_role_arn=iam_role_arn,
            creation=self.now,
            created_by=created_by,
            source_vault_arn=source_vault.backup_vault_arn,
            source_recovery_point_arn=source.arn,
            destination_vault_arn=destination_vault_arn,
            lifecycle=dict(lifecycle) if lifecycle else source.lifecycle,
        )
        self.copy_jobs[job.job_id] = job
        self._remember("COPY", account, idempotency_token, job.job_id)
        self._announce(job)
        self._enqueue(job)
        return job

    def backup_job(self, account: str, region: str, job_id: str) -> BackupJob:
        job = self.backup_jobs.get(job_id)
        if job is None or (job.account, job.region) != (account, region):
            raise not_found(f"Backup job {job_id} not found.")  # SYNTHESIZED message
        return job

    def copy_job(self, account: str, region: str, job_id: str) -> CopyJob:
        job = self.copy_jobs.get(job_id)
        if job is None or (job.account, job.region) != (account, region):
            raise not_found(f"Copy job {job_id} not found.")  # SYNTHESIZED message
        return job

    def visible_jobs(
        self, jobs: Iterable[JobT], account: str, region: str, by_account: str | None
    ) -> list[JobT]:
        """The caller's own jobs, newest first; the management account may ask for another
        account's or, with `*`, the whole organization's (the List*Jobs ByAccountId filter)."""
        if by_account is None or by_account == account:
            owners = {account}
        elif account == self.settings.management_account:
            owners = self.settings.member_accounts if by_account == "*" else {by_account}
        else:
            owners = set()
        mine = [j for j in jobs if j.region == region and j.account in owners]
        return sorted(mine, key=lambda j: (j.creation, j.job_id), reverse=True)

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
        self._vault(account, region, vault_name)
        points = [
            p
            for p in self.recovery_points.values()
            if (p.account, p.region, p.vault_name) == (account, region, vault_name)
        ]
        return sorted(points, key=lambda p: (p.creation, p.arn), reverse=True)

    def update_recovery_point_lifecycle(
        self,
        account: str,
        region: str,
        vault_name: str,
        arn: str,
        lifecycle: Mapping[str, Any] | None,
    ) -> RecoveryPoint:
        point = self.recovery_point(account, region, vault_name, arn)
        limits.check_lifecycle(lifecycle)
        point.lifecycle = dict(lifecycle) if lifecycle else None
        return point

    def vault_access_policy(self, account: str, region: str, name: str) -> str:
        policy = getattr(self._vault(account, region, name), "access_policy", None)
        if policy is None:
            raise not_found(f"Backup vault {name} has no access policy.")  # SYNTHESIZED
        return str(policy)

    def delete_vault_access_policy(self, account: str, region: str, name: str) -> None:
        self._vault(account, region, name).access_policy = None

    def global_settings(self, account: str) -> dict[str, str]:
        if not self.settings.in_organization(account):
            # facts §5: "api error ERROR_9601: Your account is not a member of an organization."
            raise invalid_request("ERROR_9601: Your account is not a member of an organization.")
        enabled = self.settings.cross_account_backup_enabled
        return {"isCrossAccountBackupEnabled": "true" if enabled else "false"}

    def update_global_settings(self, account: str, values: Mapping[str, str]) -> None:
        if account != self.settings.management_account:
            raise invalid_request(  # SYNTHESIZED message; the rule is the model's doc
                "Global settings can only be updated by the organization's management account."
            )
        if "isCrossAccountBackupEnabled" in values:
            enabled = str(values["isCrossAccountBackupEnabled"]).lower() == "true"
            self.settings.cross_account_backup_enabled = enabled
        self.settings.global_settings_updated = self.now

    # -- job lifecycle --------------------------------------------------------------------------

    def _announce(self, job: Job) -> None:
        """Deliver the CREATED event when the clock next runs, as it was at creation."""
        kind, event = self._event(job)
        self.clock.call_at(self.now, lambda: self._deliver(kind, job, event))

    def _enqueue(self, job: Job) -> None:
        self._waiting.setdefault(job.resource.arn, []).append(job)
        self._dispatch(job.resource.arn)

    def _dispatch(self, resource_arn: str) -> None:
        """Only one backup or copy job runs per resource; the others wait in CREATED."""
        queue = self._waiting.get(resource_arn, [])
        if resource_arn in self._holder or not queue:
            return
        job = queue.pop(0)
        job.holds_resource = True
        self._holder[resource_arn] = job
        if job.job_id in self._timers:
            self._timers[job.job_id].cancel()  # a backup job that no longer expires
        durations = self.settings.durations
        if isinstance(job, BackupJob) and durations.backup_pending > timedelta(0):
            self._timers[job.job_id] = self.clock.call_later(
                durations.start, lambda: self._pend(job)
            )
        else:
            self._timers[job.job_id] = self.clock.call_later(
                durations.start, lambda: self._run(job)
            )

    def _pend(self, job: Job) -> None:
        job.state = JobState.PENDING
        self._publish(job)
        pending = self.settings.durations.backup_pending
        self._timers[job.job_id] = self.clock.call_later(pending, lambda: self._run(job))

    def _run(self, job: Job) -> None:
        job.state = JobState.RUNNING
        job.started = self.now
        job.failure = self._failure_of(job)
        durations = self.settings.durations
        if job.failure is not None:
            duration = durations.failure
        else:
            default = durations.backup if isinstance(job, BackupJob) else durations.copy
            duration = self.faults.job_durations.get(job.job_id, default)
        job.expected_completion = self.now + duration
        self._publish(job)
        self._timers[job.job_id] = self.clock.call_later(duration, lambda: self._finish(job))

    def _finish(self, job: Job) -> None:
        job.completion = self.now
        if job.failure is not None:
            job.state = JobState.FAILED
            job.status_message = job.failure.message
            job.message_category = job.failure.category
        else:
            job.state = JobState.COMPLETED
            job.message_category = SUCCESS
            self._complete(job)
        self._publish(job)
        self._release(job)

    def _expire(self, job: BackupJob) -> None:
        if job.holds_resource or job.is_final:
            return
        self._waiting[job.resource.arn].remove(job)
        job.state = JobState.EXPIRED
        job.completion = self.now
        job.status_message = BACKUP_EXPIRED
        self._publish(job)

    def _release(self, job: Job) -> None:
        job.holds_resource = False
        self._timers.pop(job.job_id, None)
        if self._holder.get(job.resource.arn) is job:
            del self._holder[job.resource.arn]
        self._dispatch(job.resource.arn)

    def _failure_of(self, job: Job) -> Failure | None:
        if isinstance(job, BackupJob):
            if moto_state.vault(job.account, job.region, job.vault_name) is None:
                return Failure(
                    BACKUP_VAULT_MISSING.format(vault_arn=job.vault_arn), INVALID_PARAMETERS
                )
            return None
        assert isinstance(job, CopyJob)
        context = CopyContext(
            job=job,
            source=self.recovery_points[job.source_recovery_point_arn],
            resource=job.resource,
            settings=self.settings,
            destination_vault=moto_state.vault_by_arn(job.destination_vault_arn),
            destination_options=frozenset(
                self.options.get((job.destination_account, job.destination_region), set())
            ),
        )
        return copy_failure(context)

    def _complete(self, job: Job) -> None:
        if isinstance(job, BackupJob):
            vault = self._vault(job.account, job.region, job.vault_name)
            job.encryption_key_arn = self._backup_key(job.resource, vault)
            self._store(
                RecoveryPoint(
                    arn=job.recovery_point_arn,
                    account=job.account,
                    region=job.region,
                    vault_name=job.vault_name,
                    vault_arn=job.vault_arn,
                    resource_arn=job.resource.arn,
                    resource_type=job.resource.resource_type,
                    encryption_key_arn=job.encryption_key_arn,
                    iam_role_arn=job.iam_role_arn,
                    creation=job.creation,
                    completion=self.now,
                    size_bytes=job.resource.size_bytes,
                    lifecycle=job.lifecycle,
                    created_by=job.created_by,
                )
            )
            return
        assert isinstance(job, CopyJob)
        source = self.recovery_points[job.source_recovery_point_arn]
        destination = moto_state.vault_by_arn(job.destination_vault_arn)
        assert destination is not None  # checked when the job started running
        moved = job.account != job.destination_account or job.region != job.destination_region
        if is_fully_managed(source.resource_type) or moved:
            # Fully managed types take the vault's key (encryption.md). Other types keep their
            # source's key in place; INFERRED: in another account or Region that key cannot be
            # used, so the copy is re-encrypted with the destination vault's key.
            job.destination_encryption_key_arn = destination.encryption_key_arn
        else:
            job.destination_encryption_key_arn = source.encryption_key_arn
        point = RecoveryPoint(
            arn=self.ids.recovery_point_arn(
                source.resource_type, job.destination_account, job.destination_region
            ),
            account=job.destination_account,
            region=job.destination_region,
            vault_name=job.destination_vault_name,
            vault_arn=job.destination_vault_arn,
            resource_arn=source.resource_arn,
            resource_type=source.resource_type,
            encryption_key_arn=job.destination_encryption_key_arn,
            iam_role_arn=job.iam_role_arn,
            creation=self.now,
            completion=self.now,
            size_bytes=source.size_bytes,
            lifecycle=job.lifecycle,
            source_vault_arn=job.source_vault_arn,
            created_by=job.created_by,
        )
        self._store(point)
        job.destination_recovery_point_arn = point.arn

    # -- events ---------------------------------------------------------------------------------

    def _event(self, job: Job) -> tuple[str, dict[str, Any]]:
        if isinstance(job, BackupJob):
            return "BACKUP", backup_event(job, self.now)
        assert isinstance(job, CopyJob)
        return "COPY", copy_event(job, self.now)

    def _publish(self, job: Job) -> None:
        kind, event = self._event(job)
        self._deliver(kind, job, event)

    def _deliver(self, kind: str, job: Job, event: dict[str, Any]) -> None:
        state = event["detail"]["state"]
        record = EmittedEvent(kind, job.job_id, state, event["account"], event["region"], event)
        delivery = self.faults.delivery(job.job_id, state)
        if delivery is Delivery.LOSE:
            self.lost.append(record)
            return
        for _ in range(2 if delivery is Delivery.DUPLICATE else 1):
            emit(event, account=record.account, region=record.region)
            self.emitted.append(record)

    # -- internals ------------------------------------------------------------------------------

    def _vault(self, account: str, region: str, name: str) -> Any:
        vault = moto_state.vault(account, region, name)
        if vault is None:
            raise not_found(f"Backup vault {name} not found.")  # SYNTHESIZED message
        return vault

    def _job(self, job_id: str) -> Job:
        job: Job | None = self.backup_jobs.get(job_id) or self.copy_jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def _backup_key(self, resource: Resource, vault: Any) -> str | None:
        """Fully managed types are encrypted with the vault's key; others inherit the
        resource's encryption (encryption.md)."""
        if is_fully_managed(resource.resource_type):
            return str(vault.encryption_key_arn)
        return resource.kms_key_arn

    def _store(self, point: RecoveryPoint) -> None:
        self.recovery_points[point.arn] = point
        vault = moto_state.vault(point.account, point.region, point.vault_name)
        if vault is not None:
            vault.num_of_recovery_points += 1

    def _resource_of(self, point: RecoveryPoint) -> Resource:
        known = self.resources.get(point.resource_arn)
        if known is not None:
            return known
        account, region = point.resource_arn.split(":")[4], point.resource_arn.split(":")[3]
        return Resource(
            account,
            region,
            point.resource_type,
            point.resource_arn,
            point.encryption_key_arn,
            size_bytes=point.size_bytes,
        )

    def _idempotent(self, kind: str, account: str, token: str | None) -> str | None:
        return self._tokens.get((kind, account, token)) if token else None

    def _remember(self, kind: str, account: str, token: str | None, job_id: str) -> None:
        if token:
            self._tokens[(kind, account, token)] = job_id
