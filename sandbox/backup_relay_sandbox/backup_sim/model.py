"""What the simulator holds: resource types, recovery points, jobs and the scenario's settings.

Every public source cited here is also listed under "Sources" in docs/simulator.md.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from backup_relay.domain import resource_types as registry
from backup_relay.domain.resource_types import RecoveryPointArn
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, ORGANIZATION_ID


def resource_types() -> tuple[str, ...]:
    """The types the simulator backs up and copies: every type of the product's registry
    (backup_relay/domain/resource_types.py), whose facts cite AWS's pages."""
    return registry.REGISTRY.names()


def recovery_point_format(resource_type: str) -> RecoveryPointArn:
    """The ARN form a backup of the type makes ("AWS Backup resource ARNs", Access control:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/access-control.html). DynamoDB is
    taken to have advanced features on (without them it cannot be copied at all)."""
    return registry.REGISTRY[resource_type].recovery_points[0]


def rds_family() -> frozenset[str]:
    """The types whose recovery points are RDS snapshots (RDS, Aurora, DocumentDB, Neptune)."""
    return frozenset(t.name for t in registry.REGISTRY if t.recovery_points[0].service == "rds")


def is_fully_managed(resource_type: str) -> bool:
    """ "Resources that support full AWS Backup management all have recovery points in the format
    arn:aws:backup:...:recovery-point:*" (the same table)."""
    return registry.REGISTRY[resource_type].fully_managed


class Ids:
    """Deterministic ids: the same scenario produces the same job ids and ARNs."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def hex17(self) -> str:
        return f"{self._rng.getrandbits(68):017x}"[-17:]

    def recovery_point_arn(self, resource_type: str, account: str, region: str) -> str:
        return recovery_point_format(resource_type).arn(
            region, account, uuid=self.uuid(), hex17=self.hex17()
        )

    def copy_recovery_point_arn(
        self,
        resource_type: str,
        account: str,
        region: str,
        copy_job_id: str,
        *,
        air_gapped: bool = False,
    ) -> str:
        """A copy's recovery point, in the destination's account and Region. RDS-family
        snapshots that AWS Backup copies are named `awsbackup:copyjob-<copy job id>` where its
        backups are `awsbackup:job-<id>`: public records of real copies show
        `...:cluster-snapshot:awsbackup:copyjob-19704517-ecab-48c3-b10b-29ce1fa9ffcd` listed
        in a DR vault and `awsbackup:copyjob-<uuid>` RDS snapshot identifiers restored from
        (docs/simulator.md, [copy-arns]); that the uuid is the copy job's id, lower-case, is
        INFERRED. Other types get a new id of their own kind: the documented COMPLETED copy
        event lands `snap-0726fe70935586180` from `snap-03886bc8d6ef3a1f9` ([eventbridge]);
        the same for AMIs, FSx backups and fully managed recovery points is INFERRED."""
        if air_gapped:  # AWS Backup's own form in a logically air-gapped vault (the registry's)
            form = registry.REGISTRY[resource_type].recovery_point(air_gapped=True)
            return form.arn(region, account, uuid=self.uuid(), hex17=self.hex17())
        form = recovery_point_format(resource_type)
        if resource_type in rds_family():
            copied = replace(form, resource=form.resource.replace("job-{uuid}", "copyjob-{uuid}"))
            return copied.arn(region, account, uuid=copy_job_id.lower(), hex17="")
        return self.recovery_point_arn(resource_type, account, region)


class JobState(StrEnum):
    """BackupJobState and CopyJobState of botocore's model (a copy job is never PENDING,
    ABORTING, ABORTED or EXPIRED: CopyJobState has only CREATED, RUNNING, COMPLETED, FAILED and
    PARTIAL)."""

    CREATED = "CREATED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    ABORTING = "ABORTING"
    ABORTED = "ABORTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    PARTIAL = "PARTIAL"


FINAL = frozenset(
    {JobState.COMPLETED, JobState.FAILED, JobState.EXPIRED, JobState.ABORTED, JobState.PARTIAL}
)
#: Final states that leave a recovery point behind.
LANDED = frozenset({JobState.COMPLETED, JobState.PARTIAL})


class RecoveryPointStatus(StrEnum):
    """The RecoveryPointStatus values the simulator gives (the model's others: AVAILABLE, and
    STOPPED for continuous backups, are not simulated)."""

    CREATING = "CREATING"  # "an Backup job has been initiated for a resource" (the model)
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"  # "one or more nested recovery points that were not in the backup"
    DELETING = "DELETING"  # its lifecycle ended; AWS Backup is deleting it
    EXPIRED = "EXPIRED"  # "exceeded its retention period, but Backup ... is unable to delete it"


@dataclass(frozen=True)
class CreatedBy:
    """The backup plan and rule that started a job (absent for on-demand jobs)."""

    backup_plan_id: str
    backup_plan_arn: str
    backup_plan_version: str
    backup_rule_id: str

    @classmethod
    def plan(cls, ids: Ids, account: str, region: str) -> CreatedBy:
        plan_id = ids.uuid()
        return cls(
            backup_plan_id=plan_id,
            backup_plan_arn=f"arn:aws:backup:{region}:{account}:backup-plan:{plan_id}",
            backup_plan_version=ids.uuid().replace("-", "")[:48],
            backup_rule_id=ids.uuid(),
        )


@dataclass
class Resource:
    account: str
    region: str
    resource_type: str
    arn: str
    kms_key_arn: str | None
    multi_az_cluster: bool = False
    option_groups: tuple[str, ...] = ()  # options of its option group (RDS)
    size_bytes: int = 3_221_225_472
    instance_profile: str | None = None  # the instance profile its backup recorded (EC2)
    tags: dict[str, str] = field(default_factory=dict)  # what a plan's selection by tags reads

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class RecoveryPoint:
    arn: str
    account: str
    region: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    resource_type: str
    encryption_key_arn: str | None
    iam_role_arn: str
    creation: datetime
    completion: datetime | None  # None while CREATING
    size_bytes: int
    lifecycle: dict[str, Any] | None = None
    source_vault_arn: str | None = None  # set on copies
    created_by: CreatedBy | None = None
    status: RecoveryPointStatus = RecoveryPointStatus.COMPLETED
    status_message: str | None = None
    initiation: datetime | None = None  # when the backup job that made it started running
    encryption_key_type: str | None = None  # EncryptionKeyType (responses.py)


@dataclass
class Job:
    job_id: str
    account: str  # the account that owns (and emits the events of) the job
    region: str
    resource: Resource
    iam_role_arn: str
    creation: datetime
    created_by: CreatedBy | None = None
    state: JobState = JobState.CREATED
    status_message: str | None = None
    message_category: str | None = None
    started: datetime | None = None  # when it left CREATED
    expected_completion: datetime | None = None  # while RUNNING
    completion: datetime | None = None
    failure: Failure | None = None  # decided when the job runs
    partial: str | None = None  # ends PARTIAL with this message (`Faults.partial`)
    holds_resource: bool = False

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    def progress(self, now: datetime) -> float:
        """How much of the job is done, 0.0 to 1.0: in proportion of the time it has run to the
        time it runs (INFERRED: AWS publishes only that PercentDone is "an estimated percentage
        that is complete of a job at the time the job status was queried")."""
        if self.state in LANDED:
            return 1.0
        if self.started is None or self.expected_completion is None:
            return 0.0
        end = self.completion or now
        span = (self.expected_completion - self.started).total_seconds()
        done = (min(end, self.expected_completion) - self.started).total_seconds()
        return max(0.0, min(1.0, done / span)) if span > 0 else 1.0


@dataclass
class BackupJob(Job):
    vault_name: str = ""
    vault_arn: str = ""
    recovery_point_arn: str = ""
    lifecycle: dict[str, Any] | None = None
    start_by: datetime | None = None
    encryption_key_arn: str | None = None


@dataclass
class CopyJob(Job):
    source_vault_arn: str = ""
    source_recovery_point_arn: str = ""
    destination_vault_arn: str = ""
    destination_recovery_point_arn: str | None = None
    destination_encryption_key_arn: str | None = None
    lifecycle: dict[str, Any] | None = None

    @property
    def destination_account(self) -> str:
        return self.destination_vault_arn.split(":")[4]

    @property
    def destination_region(self) -> str:
        return self.destination_vault_arn.split(":")[3]

    @property
    def destination_vault_name(self) -> str:
        return self.destination_vault_arn.split(":backup-vault:", 1)[1]


@dataclass
class RestoreJob(Job):
    """A restore job (`restores.py`); its `state` goes CREATED, PENDING, RUNNING, COMPLETED or
    FAILED."""

    recovery_point_arn: str = ""
    vault_arn: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    created_resource_arn: str | None = None
    #: a restore drill's (restore_testing.py): the plan that started it, its validation
    restore_testing_plan_arn: str | None = None
    validation_status: str | None = None
    validation_message: str | None = None


@dataclass(frozen=True)
class Failure:
    message: str
    category: (
        str  # CopyJob.MessageCategory (examples in the model: AccessDenied, InvalidParameters)
    )


@dataclass
class Durations:
    """Virtual time each phase takes. AWS publishes no SLA for copy times:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/recov-point-create-a-copy.html"""

    start: timedelta = timedelta(minutes=1)  # CREATED -> RUNNING once the resource is free
    backup_pending: timedelta = timedelta(0)  # a PENDING phase before RUNNING when > 0
    backup: timedelta = timedelta(minutes=10)
    copy: timedelta = timedelta(minutes=20)
    failure: timedelta = timedelta(minutes=2)  # RUNNING -> FAILED for a job that breaks a rule
    #: StopBackupJob: ABORTING -> ABORTED. The documented ABORTED event completes 0.8 s after
    #: its creation; how long ABORTING lasts is INFERRED.
    abort: timedelta = timedelta(seconds=30)
    #: A recovery point whose lifecycle ended: DELETING -> gone (INFERRED: AWS publishes none).
    deletion: timedelta = timedelta(minutes=10)
    start_window: timedelta = timedelta(hours=8)  # StartWindowMinutes' default (startBy)
    restore: timedelta = timedelta(minutes=15)  # a restore job RUNNING (INFERRED: no SLA)


class RefusedBy(StrEnum):
    """How AWS refuses a single-action copy it does not support: public material does not say
    whether StartCopyJob raises it or the job ends FAILED with it (docs/simulator.md)."""

    JOB = "job"  # StartCopyJob succeeds; the job fails when it runs
    API = "api"  # StartCopyJob raises InvalidRequestException with the message


@dataclass
class Settings:
    """The scenario: who is in the organization and how the accounts are configured."""

    organization_id: str = ORGANIZATION_ID
    management_account: str = CENTRAL_ACCOUNT
    member_accounts: set[str] = field(
        default_factory=lambda: {CENTRAL_ACCOUNT, *MEMBER_ACCOUNTS}
    )  # every account of the organization, the management account included
    cross_account_backup_enabled: bool = True
    #: RDS-family types whose single-action cross-account AND cross-region copy works. Feature
    #: availability says all four since October 2025 (its doc history: October 23, 2025); remove a
    #: type to model the old behaviour. https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html
    single_action_copy_types: set[str] = field(
        default_factory=lambda: set(registry.REGISTRY.two_hop())
    )
    single_action_refused_by: RefusedBy = RefusedBy.JOB
    durations: Durations = field(default_factory=Durations)
    #: Concurrent copy jobs per account per destination region, and footnote 1 of the same row
    #: of AWS Backup quotas: https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html
    copy_quota: int = 100
    extra_cross_region_copies_per_vault: int = 5
    #: fn2: "Limit only apply to resource types fully managed by AWS Backup." Set False to apply
    #: the quota to every type.
    quota_fully_managed_only: bool = True
    #: AWS Backup's resource-type opt-ins (ResourceTypeOptInPreference) that differ from the
    #: default, by (account, Region): UpdateRegionSettings "Updates the current service opt-in
    #: settings for the Region" of the account that calls it, so a member's changes only its
    #: own (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html).
    #: Every type is opted in unless set here (INFERRED default: AWS publishes none per type).
    resource_type_opt_in: dict[tuple[str, str], dict[str, bool]] = field(default_factory=dict)
    global_settings_updated: datetime | None = None
    #: The most items a List* call returns in one page, whatever MaxResults asks: small, so every
    #: reader is exercised across pages.
    page_size: int = 3
    #: Jobs that end PARTIAL instead of COMPLETED (leaving a PARTIAL recovery point): job ids, or
    #: vault ARNs (a backup job's vault, a copy job's destination vault) all of whose jobs do.
    partial_jobs: set[str] = field(default_factory=set)
    #: Recovery points AWS Backup cannot delete when their lifecycle ends, which go EXPIRED
    #: instead of DELETING: recovery point ARNs, or vault ARNs all of whose points do.
    undeletable: set[str] = field(default_factory=set)

    #: The organization's root and, per account, the organizational units above it, outermost
    #: first: what `aws:PrincipalOrgPaths` holds ("o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-def0-
    #: awsbbbbb/", [cross-account]); an account not listed sits under the root.
    organization_root: str = "r-sandbox0001"
    organizational_units: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def opted_in(self, account: str, region: str) -> dict[str, bool]:
        """The account's ResourceTypeOptInPreference in `region`: every type, True unless set."""
        own = self.resource_type_opt_in.get((account, region), {})
        return dict.fromkeys(resource_types(), True) | own

    def opt_in(self, account: str, region: str, types: Mapping[str, bool]) -> None:
        """Set the account's opt-ins in `region` (as UpdateRegionSettings does), others kept."""
        self.resource_type_opt_in.setdefault((account, region), {}).update(types)

    def in_organization(self, account: str) -> bool:
        return account in self.member_accounts

    def organization_path(self, account: str) -> str:
        units = self.organizational_units.get(account, ())
        return "/".join((self.organization_id, self.organization_root, *units)) + "/"
