"""The `Simulator`: AWS Backup's jobs, recovery points and settings, as the sandbox drives them.

It composes the parts and offers the public operations, for the moto plugin (the API) and for
scenarios (the helpers). Jobs change state only when the clock runs (`advance`,
`run_until_idle`), never inside an API call; even a job's CREATED event is delivered by the next
`advance` (`advance(timedelta(0))` delivers it at once).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Unpack

from backup_relay.domain.backup_policies import made_by_backup_policy
from backup_relay_sandbox.backup_sim import accounts, limits, moto_state, policies, selections
from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.emitter import EmittedEvent, Emitter
from backup_relay_sandbox.backup_sim.endings import stop_refusal
from backup_relay_sandbox.backup_sim.errors import (
    BackupApiError,
    invalid_parameter,
    invalid_request,
)
from backup_relay_sandbox.backup_sim.inventory import Inventory
from backup_relay_sandbox.backup_sim.jobs import (
    BackupJobRequest,
    CopyJobRequest,
    Jobs,
    JobT,
    visible,
)
from backup_relay_sandbox.backup_sim.lifecycle import JobLifecycle
from backup_relay_sandbox.backup_sim.model import (
    BackupJob,
    CopyJob,
    CreatedBy,
    RecoveryPoint,
    RecoveryPointStatus,
    Resource,
    RestoreJob,
    resource_types,
)
from backup_relay_sandbox.backup_sim.restore_testing import RestoreTesting
from backup_relay_sandbox.backup_sim.restores import Restores
from backup_relay_sandbox.backup_sim.scans import Scans


class Simulator(Context):
    def __init__(self, seed: int = 0, *, exact_delivery: bool = False) -> None:
        super().__init__(seed, exact_delivery=exact_delivery)
        self._inventory = Inventory(self)
        self.management: dict[tuple[str, str], dict[str, bool]] = {}
        self.selections: dict[tuple[str, str, str], list[dict[str, object]]] = {}
        self._emitter = Emitter(self)
        self._lifecycle = JobLifecycle(self, self._inventory, self._emitter)
        self._jobs = Jobs(self, self._inventory, self._lifecycle)
        self._restores = Restores(self, self._inventory, self._emitter)
        self.scans = Scans(self, self._inventory, self._emitter)  # malware scans (scans.py)
        self.restore_testing = RestoreTesting(self, self._inventory, self._restores)
        # Step Functions executions call the API from their own threads while the sandbox
        # moves the clock: every API call and every clock move holds this lock.
        self.lock = threading.RLock()

    # -- what happened --------------------------------------------------------------------------

    @property
    def resources(self) -> dict[str, Resource]:
        return self._inventory.resources

    @property
    def recovery_points(self) -> dict[str, RecoveryPoint]:
        return self._inventory.recovery_points

    def resource_of(self, point: RecoveryPoint) -> Resource:
        """What `point` backed up (as its backup recorded it, once the resource is gone)."""
        return self._inventory.resource_of(point)

    @property
    def backup_jobs(self) -> dict[str, BackupJob]:
        return self._jobs.backups.by_id

    @property
    def copy_jobs(self) -> dict[str, CopyJob]:
        return self._jobs.copies.by_id

    @property
    def restore_jobs(self) -> dict[str, RestoreJob]:
        return self._restores.by_id

    @property
    def emitted(self) -> list[EmittedEvent]:
        return self._emitter.emitted  # every delivery (a duplicate appears twice)

    @property
    def lost(self) -> list[EmittedEvent]:
        return self._emitter.lost

    def events(self, kind: str | None = None, job_id: str | None = None) -> list[dict[str, Any]]:
        return self._emitter.events(kind, job_id)

    # -- the clock ------------------------------------------------------------------------------

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

    def create_lag_vault(
        self,
        account: str,
        region: str,
        name: str,
        *,
        min_days: int,
        max_days: int,
        key_arn: str | None = None,
    ) -> Any:
        """A logically air-gapped vault (`moto_state.create_lag_vault`). AWS accepts a minimum
        of 7 days or more (CreateLogicallyAirGappedBackupVault's MinRetentionDays) and a
        maximum no shorter; the refusals' texts are INFERRED."""
        if min_days < limits.LAG_MIN_RETENTION_DAYS:
            raise invalid_parameter(
                f"MinRetentionDays must be at least {limits.LAG_MIN_RETENTION_DAYS}."
            )
        if max_days < min_days:
            raise invalid_parameter("MaxRetentionDays must not be less than MinRetentionDays.")
        if moto_state.vault(account, region, name) is not None:
            raise BackupApiError(  # moto's text for CreateBackupVault's
                "AlreadyExistsException", "Backup vault with the same name already exists"
            )
        return moto_state.create_lag_vault(
            account, region, name, min_days=min_days, max_days=max_days, key_arn=key_arn
        )

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
        instance_profile: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Resource:
        """A resource AWS Backup can back up. `option_groups`: the options of an RDS
        instance's option group, which a cross-region copy needs in the destination;
        `instance_profile`: the one an EC2 instance's backups record (restores keep it);
        `tags`: what a backup plan's selection by tags reads (`plan_resources`)."""
        if resource_type not in resource_types():
            raise ValueError(f"unknown resource type {resource_type!r}: {sorted(resource_types())}")
        resource = Resource(
            account,
            region,
            resource_type,
            resource_arn,
            kms_key_arn,
            multi_az_cluster=multi_az_cluster,
            option_groups=tuple(option_groups),
            size_bytes=size_bytes,
            instance_profile=instance_profile,
            tags=dict(tags or {}),
        )
        self.resources[resource_arn] = resource
        return resource

    def add_option_group(self, account: str, region: str, *options: str) -> str:
        """An RDS option group with `options` in `account`/`region` (in moto's RDS); its name."""
        name = f"backup-relay-options-{len(moto_state.rds_options(account, region))}"
        return moto_state.create_option_group(account, region, name, options)

    def put_recovery_point(
        self,
        vault_arn: str,
        resource_arn: str,
        *,
        lifecycle: Mapping[str, Any] | None = None,
        created_by: CreatedBy | None = None,
    ) -> str:
        """A completed recovery point of a registered resource, without running a backup job
        (its lifecycle runs: it is deleted when DeleteAfterDays have passed)."""
        return self._inventory.put_recovery_point(vault_arn, resource_arn, lifecycle, created_by)

    def plan(self, account: str, region: str) -> CreatedBy:
        """A `createdBy` for jobs that a backup plan starts."""
        return CreatedBy.plan(self.ids, account, region)

    def delay_completion(self, job_id: str, duration: timedelta) -> None:
        """Make a job run for `duration` (from when it starts running) instead of the default."""
        self.faults.job_durations[job_id] = duration
        self._lifecycle.run_for(self._jobs.job(job_id), duration)

    # -- operations -----------------------------------------------------------------------------

    def start_backup_job(
        self, account: str, region: str, **request: Unpack[BackupJobRequest]
    ) -> BackupJob:
        return self._jobs.start_backup(account, region, request)

    def start_copy_job(
        self, account: str, region: str, **request: Unpack[CopyJobRequest]
    ) -> CopyJob:
        return self._jobs.start_copy(account, region, request)

    def backup_job(self, account: str, region: str, job_id: str) -> BackupJob:
        return self._jobs.backups.owned(account, region, job_id)

    def stop_backup_job(self, account: str, region: str, job_id: str) -> BackupJob:
        """StopBackupJob: ResourceNotFoundException for a job the caller does not own,
        InvalidRequestException for one it cannot stop (`endings.stop_refusal`)."""
        job = self.backup_job(account, region, job_id)
        refusal = stop_refusal(job)
        if refusal is not None:
            raise invalid_request(refusal)
        self._lifecycle.stop(job)
        return job

    def start_restore_job(
        self,
        account: str,
        region: str,
        recovery_point_arn: str,
        metadata: Mapping[str, str],
        *,
        iam_role_arn: str | None = None,
        idempotency_token: str | None = None,
    ) -> RestoreJob:
        """StartRestoreJob, in the recovery point's own account and Region (`restores.py`)."""
        return self._restores.start(
            account,
            region,
            recovery_point_arn,
            metadata,
            iam_role_arn=iam_role_arn,
            token=idempotency_token,
        )

    def restore_job(self, account: str, region: str, job_id: str) -> RestoreJob:
        return self._restores.owned(account, region, job_id)

    def copy_job(self, account: str, region: str, job_id: str) -> CopyJob:
        return self._jobs.copies.owned(account, region, job_id)

    def visible_jobs(
        self, jobs: Iterable[JobT], account: str, region: str, by_account: str | None
    ) -> list[JobT]:
        return visible(self.settings, jobs, account, region, by_account)

    def check_cross_account_read(
        self, caller: str, account: str, region: str, vault_name: str, action: str
    ) -> None:
        """AccessDeniedException when `caller` reads another account's vault (never allowed)."""
        accounts.check_cross_account_read(caller, account, region, vault_name, action)

    def recovery_point(self, account: str, region: str, vault_name: str, arn: str) -> RecoveryPoint:
        return self._inventory.recovery_point(account, region, vault_name, arn)

    def recovery_points_in(self, account: str, region: str, vault_name: str) -> list[RecoveryPoint]:
        return self._inventory.recovery_points_in(account, region, vault_name)

    def update_recovery_point_lifecycle(
        self,
        account: str,
        region: str,
        vault_name: str,
        arn: str,
        lifecycle: Mapping[str, Any] | None,
    ) -> RecoveryPoint:
        """The lifecycle checked (`limits.check_lifecycle`), then against the vault's lock
        (`limits.lifecycle_lock_refusal`: InvalidRequestException)."""
        point = self.recovery_point(account, region, vault_name, arn)
        limits.check_lifecycle(lifecycle)
        vault = moto_state.vault(account, region, vault_name)
        refusal = limits.lifecycle_lock_refusal(vault, point.arn, point.lifecycle, lifecycle)
        if refusal is not None:
            raise invalid_request(refusal)
        self._inventory.update_lifecycle(point, lifecycle)
        return point

    def delete_recovery_point(self, account: str, region: str, vault_name: str, arn: str) -> None:
        """DeleteRecoveryPoint: DELETING, then gone (or EXPIRED when AWS Backup may not delete
        it, `endings.Retention.delete`); a locked vault refuses it until the point's lifecycle
        ended (`limits.delete_lock_refusal`: InvalidRequestException)."""
        point = self.recovery_point(account, region, vault_name, arn)
        vault = moto_state.vault(account, region, vault_name)
        ended = point.status is RecoveryPointStatus.EXPIRED
        refusal = limits.delete_lock_refusal(vault, point.arn, lifecycle_ended=ended)
        if refusal is not None:
            raise invalid_request(refusal)
        self._inventory.retention.delete(point)

    def vault(self, account: str, region: str, name: str) -> Any:
        """moto's vault; AccessDeniedException (403) when it does not exist, as AWS answers."""
        return accounts.vault(account, region, name)

    def put_vault_access_policy(
        self, account: str, region: str, name: str, policy: str | Mapping[str, Any]
    ) -> None:
        accounts.put_access_policy(account, region, name, policy)

    def vault_access_policy(self, account: str, region: str, name: str) -> str:
        return accounts.access_policy(account, region, name)

    def delete_vault_access_policy(self, account: str, region: str, name: str) -> None:
        accounts.delete_access_policy(account, region, name)

    def region_settings(self, account: str, region: str) -> dict[str, bool]:
        """ResourceTypeManagementPreference: DynamoDB's advanced features and EFS's full
        management, on unless the account turned them off."""
        return {"DynamoDB": True, "EFS": True} | self.management.get((account, region), {})

    def update_region_settings(
        self,
        account: str,
        region: str,
        management: Mapping[str, bool],
        opt_in: Mapping[str, bool] | None = None,
    ) -> None:
        """The caller's own settings in `region`: another account's stay as they are."""
        self.management.setdefault((account, region), {}).update(management)
        self.settings.opt_in(account, region, opt_in or {})

    def plan_resources(self, account: str, region: str, plan_id: str) -> list[str]:
        """The registered resources of `account`/`region` the plan's selections back up, with
        the opt-ins AWS applies to that plan (`selections.backed_up`): the account's own for its
        own plans; the management account's for a plan a backup policy made, "but only for that
        backup plan" (https://docs.aws.amazon.com/aws-backup/latest/devguide/manage-cross-account.html)."""
        decides = self.settings.management_account if made_by_backup_policy(plan_id) else account
        return selections.backed_up(
            self.selections.get((account, region, plan_id), []),
            [r for r in self.resources.values() if (r.account, r.region) == (account, region)],
            self.settings.opted_in(decides, region),
        )

    def create_policy_plan(
        self,
        account: str,
        region: str,
        plan: Mapping[str, Any],
        selections: Iterable[Mapping[str, object]] = (),
    ) -> str:
        """A backup plan and its selections as an organization's backup policy makes them in
        `account` (`moto_state.create_policy_plan`); returns the plan's id ("orgs/...")."""
        plan_id = moto_state.create_policy_plan(account, region, dict(plan))
        for selection in selections:
            self.create_selection(account, region, plan_id, selection)
        return plan_id

    def create_selection(
        self, account: str, region: str, plan_id: str, selection: Mapping[str, object]
    ) -> str:
        """A backup plan's resource selection (moto keeps plans but not their selections)."""
        selections = self.selections.setdefault((account, region, plan_id), [])
        selection_id = f"{plan_id.rsplit('/', 1)[-1][:8]}-selection-{len(selections) + 1}"
        selections.append({"SelectionId": selection_id, **selection})
        return selection_id

    def global_settings(self, account: str) -> dict[str, str]:
        return accounts.global_settings(self.settings, account)

    def update_global_settings(self, account: str, values: Mapping[str, str]) -> None:
        accounts.update_global_settings(self.settings, account, values, self.now)
