"""Restore testing: CreateRestoreTestingPlan / Selection, their Get, List and Delete, the
drills a plan starts on its schedule in virtual time, and PutRestoreValidationResult.

A plan (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html) names its
schedule (a cron expression), its start window and which recovery points it picks
(RecoveryPointSelection: Algorithm LATEST_WITHIN_WINDOW or RANDOM_WITHIN_WINDOW, IncludeVaults,
ExcludeVaults, SelectionWindowDays); a selection names one ProtectedResourceType, the resources
(ProtectedResourceArns, "*" for all) and its RestoreMetadataOverrides. When the plan runs, it
starts one restore job per selected resource, from that resource's recovery point in the
included vaults (here: the newest within the window, also for RANDOM, INFERRED), with the
selection's role and overrides; the jobs' events carry `restoreTestingPlanArn`
(https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html). The plan runs at its
cron's minute and hour (daily; a named day of the week: weekly), the start window's delay
INFERRED as none.

Refusals, checked in this order:
- a plan name that is not alphanumeric and underscores (AWS: "it must consist of only
  alphanumeric characters and underscores", CreateRestoreTestingPlan):
  InvalidParameterValueException; a name in use: AlreadyExistsException (texts INFERRED);
- a schedule that is not a cron expression: InvalidParameterValueException (INFERRED text);
- a selection of a plan that does not exist: ResourceNotFoundException; of an unsupported type
  (RestoreTestingSelectionForCreate's list) or with more than 30 ARNs: InvalidParameterValue;
- DeleteRestoreTestingPlan while selections remain: InvalidRequestException ("Deletion can only
  successfully occur if all associated restore testing selections are deleted first",
  DeleteRestoreTestingPlan);
- PutRestoreValidationResult for a job not of the account and Region: ResourceNotFound; for a
  restore that no restore testing plan started, or that has not COMPLETED: InvalidRequest
  (INFERRED: AWS validates restore tests only, once they have restored something).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from backup_relay_sandbox.backup_sim.context import Context
from backup_relay_sandbox.backup_sim.errors import (
    BackupApiError,
    invalid_parameter,
    invalid_request,
    not_found,
)
from backup_relay_sandbox.backup_sim.inventory import Inventory
from backup_relay_sandbox.backup_sim.model import JobState, RecoveryPoint, RestoreJob
from backup_relay_sandbox.backup_sim.restore_metadata import IDENTIFIERS
from backup_relay_sandbox.backup_sim.restores import RESTORABLE, Restores

#: RestoreTestingSelectionForCreate's ProtectedResourceType values.
PROTECTED_TYPES = frozenset(
    {"Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"}
)
MAX_ARNS = 30  # "up to 30 specific protected resource ARNs in ProtectedResourceArns"
VALIDATION_STATUSES = frozenset({"FAILED", "SUCCESSFUL", "TIMED_OUT", "VALIDATING"})
_NAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+)(?: (\S+))?\)$")
_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass
class Plan:
    name: str
    arn: str
    account: str
    region: str
    schedule: str
    start_window_hours: int
    selection: dict[str, Any]
    creation: datetime
    creator_request_id: str | None = None
    last_execution: datetime | None = None
    selections: dict[str, Selection] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """RestoreTestingPlanForGet."""
        values = {
            "RestoreTestingPlanName": self.name,
            "RestoreTestingPlanArn": self.arn,
            "ScheduleExpression": self.schedule,
            "ScheduleExpressionTimezone": "Etc/UTC",
            "StartWindowHours": self.start_window_hours,
            "RecoveryPointSelection": self.selection,
            "CreationTime": self.creation,
            "CreatorRequestId": self.creator_request_id,
            "LastExecutionTime": self.last_execution,
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class Selection:
    plan: str
    name: str
    resource_type: str
    iam_role_arn: str
    arns: list[str]
    overrides: dict[str, str]
    validation_window_hours: int
    creation: datetime

    def body(self) -> dict[str, Any]:
        """RestoreTestingSelectionForGet."""
        return {
            "RestoreTestingPlanName": self.plan,
            "RestoreTestingSelectionName": self.name,
            "ProtectedResourceType": self.resource_type,
            "IamRoleArn": self.iam_role_arn,
            "ProtectedResourceArns": self.arns,
            "RestoreMetadataOverrides": self.overrides,
            "ValidationWindowHours": self.validation_window_hours,
            "CreationTime": self.creation,
        }


def next_run(schedule: str, after: datetime) -> datetime:
    """The first time after `after` that a daily (or weekly, on a named day) cron fires."""
    match = _CRON.match(schedule)
    if match is None or not (match[1].isdigit() and match[2].isdigit()):
        raise invalid_parameter(f"Invalid ScheduleExpression: {schedule}")  # INFERRED text
    minute, hour, day_of_week = int(match[1]), int(match[2]), match[5].upper()
    weekday = _DAYS.index(day_of_week[:3]) if day_of_week[:3] in _DAYS else None
    moment = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while moment <= after or (weekday is not None and moment.weekday() != weekday):
        moment += timedelta(days=1)
    return moment


class RestoreTesting:
    def __init__(self, context: Context, inventory: Inventory, restores: Restores) -> None:
        self._context = context
        self._inventory = inventory
        self._restores = restores
        self.plans: dict[tuple[str, str, str], Plan] = {}
        #: called with each drill's restore job when it ends (the sandbox makes what it restored)
        self.on_restored: list[Callable[[RestoreJob], None]] = []
        restores.finished.append(self._ended)

    # -- plans ------------------------------------------------------------------------------------

    def create_plan(
        self, account: str, region: str, plan: Mapping[str, Any], request_id: str | None
    ) -> Plan:
        name = plan["RestoreTestingPlanName"]
        if not _NAME.match(name):
            raise invalid_parameter(
                f"RestoreTestingPlanName {name} must consist of only alphanumeric characters "
                "and underscores."
            )
        if (account, region, name) in self.plans:
            raise BackupApiError("AlreadyExistsException", f"Restore testing plan {name} exists.")
        now = self._context.now
        created = Plan(
            name=name,
            arn=f"arn:aws:backup:{region}:{account}:restore-testing-plan:{name}-"
            f"{self._context.ids.hex17()[:6]}",
            account=account,
            region=region,
            schedule=plan["ScheduleExpression"],
            start_window_hours=int(plan.get("StartWindowHours", 24)),
            selection=dict(plan["RecoveryPointSelection"]),
            creation=now,
            creator_request_id=request_id,
        )
        first = next_run(created.schedule, now)
        self.plans[(account, region, name)] = created
        self._context.clock.call_at(first, lambda: self._scheduled(created), background=True)
        return created

    def plan(self, account: str, region: str, name: str) -> Plan:
        found = self.plans.get((account, region, name))
        if found is None:
            raise not_found(f"Restore testing plan {name} not found.")  # INFERRED text
        return found

    def in_region(self, account: str, region: str) -> list[Plan]:
        return [p for (a, r, _), p in self.plans.items() if (a, r) == (account, region)]

    def delete_plan(self, account: str, region: str, name: str) -> None:
        plan = self.plans.get((account, region, name))
        if plan is None:
            raise invalid_request(f"Restore testing plan {name} not found.")  # INFERRED
        if plan.selections:
            raise invalid_request(
                "Deletion can only successfully occur if all associated restore testing "
                "selections are deleted first."
            )
        del self.plans[(account, region, name)]

    # -- selections -------------------------------------------------------------------------------

    def create_selection(
        self, account: str, region: str, plan_name: str, body: Mapping[str, Any]
    ) -> Selection:
        plan = self.plan(account, region, plan_name)
        name = body["RestoreTestingSelectionName"]
        resource_type = body["ProtectedResourceType"]
        if resource_type not in PROTECTED_TYPES:
            raise invalid_parameter(f"Unsupported ProtectedResourceType {resource_type}.")
        arns = list(body.get("ProtectedResourceArns") or ["*"])
        if len(arns) > MAX_ARNS:
            raise invalid_parameter(f"At most {MAX_ARNS} ProtectedResourceArns.")  # INFERRED
        if name in plan.selections:
            raise BackupApiError("AlreadyExistsException", f"Selection {name} exists.")
        selection = Selection(
            plan=plan_name,
            name=name,
            resource_type=resource_type,
            iam_role_arn=body["IamRoleArn"],
            arns=arns,
            overrides=dict(body.get("RestoreMetadataOverrides") or {}),
            validation_window_hours=int(body.get("ValidationWindowHours", 0)),
            creation=self._context.now,
        )
        plan.selections[name] = selection
        return selection

    def selection(self, account: str, region: str, plan_name: str, name: str) -> Selection:
        found = self.plan(account, region, plan_name).selections.get(name)
        if found is None:
            raise not_found(f"Restore testing selection {name} not found.")  # INFERRED text
        return found

    def delete_selection(self, account: str, region: str, plan_name: str, name: str) -> None:
        plan = self.plan(account, region, plan_name)
        if plan.selections.pop(name, None) is None:
            raise not_found(f"Restore testing selection {name} not found.")  # INFERRED text

    # -- the drills -------------------------------------------------------------------------------

    def run(self, plan: Plan) -> list[RestoreJob]:
        """What the plan starts when it fires: one restore job per selected resource."""
        plan.last_execution = self._context.now
        jobs = []
        for selection in plan.selections.values():
            for point in self._picked(plan, selection):
                jobs.append(
                    self._restores.start(
                        plan.account,
                        plan.region,
                        point.arn,
                        self._inferred(point) | selection.overrides,
                        iam_role_arn=selection.iam_role_arn,
                        token=None,
                        restore_testing_plan_arn=plan.arn,
                    )
                )
        return jobs

    def _inferred(self, point: RecoveryPoint) -> dict[str, str]:
        """What restore testing infers of a restore's metadata that the selection does not
        override: here, the new resource's identifier, which StartRestoreJob requires of the
        RDS family (restore_metadata.IDENTIFIERS). AWS infers the metadata
        (GetRestoreTestingInferredMetadata); the name it gives is INFERRED."""
        key = IDENTIFIERS.get(point.resource_type)
        if key is None:
            return {}
        return {key: f"awsbackup-restore-test-{self._context.ids.hex17()[:8]}"}

    def _scheduled(self, plan: Plan) -> None:
        if self.plans.get((plan.account, plan.region, plan.name)) is not plan:
            return  # deleted since
        self.run(plan)
        following = next_run(plan.schedule, self._context.now)
        self._context.clock.call_at(following, lambda: self._scheduled(plan), background=True)

    def _picked(self, plan: Plan, selection: Selection) -> list[RecoveryPoint]:
        """Per resource, its newest recovery point in the included vaults within the window."""
        window = timedelta(days=int(plan.selection.get("SelectionWindowDays", 30)))
        include = plan.selection.get("IncludeVaults") or ["*"]
        exclude = plan.selection.get("ExcludeVaults") or []
        since = self._context.now - window
        newest: dict[str, RecoveryPoint] = {}
        for point in self._inventory.recovery_points.values():
            if (point.account, point.region) != (plan.account, plan.region):
                continue
            if point.status not in RESTORABLE or point.creation < since:
                continue
            if point.resource_type != selection.resource_type:
                continue
            if "*" not in selection.arns and point.resource_arn not in selection.arns:
                continue
            if ("*" not in include and point.vault_arn not in include) or (
                point.vault_arn in exclude
            ):
                continue
            known = newest.get(point.resource_arn)
            if known is None or point.creation > known.creation:
                newest[point.resource_arn] = point
        return [newest[arn] for arn in sorted(newest)]

    def _ended(self, job: RestoreJob) -> None:
        if job.restore_testing_plan_arn:
            for listener in self.on_restored:
                listener(job)

    # -- validation -------------------------------------------------------------------------------

    def put_validation(self, job: RestoreJob, status: str, message: str | None) -> None:
        if status not in VALIDATION_STATUSES:
            raise invalid_parameter(f"Invalid ValidationStatus {status}.")  # INFERRED text
        if not job.restore_testing_plan_arn:
            raise invalid_request(
                f"Restore job {job.job_id} was not started by a restore testing plan."
            )
        if job.state is not JobState.COMPLETED:
            raise invalid_request(f"Restore job {job.job_id} is {job.state.value}, not COMPLETED.")
        job.validation_status, job.validation_message = status, message
