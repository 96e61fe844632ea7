"""Plug the simulator into moto: handlers on moto's BackupResponse, routes in its url_paths.

moto picks the operation from botocore's model (method + requestUri), so a method named like the
operation (`start_copy_job` for `PUT /copy-jobs`) is called for it, from boto3 clients and from
Step Functions `aws-sdk:backup:*` tasks alike. Touches moto internals: moto is pinned (5.2.5).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore import xform_name
from moto.backup import urls
from moto.backup.responses import BackupResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

from backup_relay_sandbox import moto_ram
from backup_relay_sandbox.backup_sim import (
    moto_state,
    requests,
    responses,
    restore_metadata,
    restore_testing_api,
)
from backup_relay_sandbox.backup_sim.errors import (
    COMMON_ERRORS,
    THROTTLED,
    UNAVAILABLE,
    BackupApiError,
    invalid_parameter,
    not_found,
)
from backup_relay_sandbox.backup_sim.jobs import JobRequest, JobT
from backup_relay_sandbox.backup_sim.model import (
    BackupJob,
    CopyJob,
    Job,
    RecoveryPoint,
    RestoreJob,
)
from backup_relay_sandbox.backup_sim.restores import api_status as restore_status
from backup_relay_sandbox.backup_sim.restores import restore_job
from backup_relay_sandbox.backup_sim.scan_api import (
    describe_scan_job,
    list_scan_jobs,
    start_scan_job,
)
from backup_relay_sandbox.backup_sim.service import Simulator

#: "/?$" matches in-process; moto's server (werkzeug) drops "/?", so the routes botocore calls
#: with a trailing slash ("/backup-vaults/{name}/recovery-points/") have a "/$" twin.
ROUTES = (
    "{0}/backup-jobs/?$",
    "{0}/backup-jobs/$",
    "{0}/copy-jobs/$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$",
    "{0}/backup-jobs/(?P<backup_job_id>[^/]+)$",
    "{0}/copy-jobs/?$",
    "{0}/copy-jobs/(?P<copy_job_id>[^/]+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/?$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$",
    "{0}/global-settings$",
    "{0}/account-settings$",
    "{0}/restore-jobs/?$",
    "{0}/restore-jobs/$",
    "{0}/restore-jobs/(?P<restore_job_id>[^/]+)$",
    "{0}/logically-air-gapped-backup-vaults/(?P<backupVaultName>[^/]+)$",
    "{0}/scan/job$",  # scan_api.py
    "{0}/scan/jobs/?$",
    "{0}/scan/jobs/(?P<ScanJobId>[^/]+)$",
)
#: MaxResults' largest value in botocore's model for the list calls the simulator answers.
MAX_RESULTS: int = requests.member("ListCopyJobs", "MaxResults").metadata["max"]


@dataclass(frozen=True)
class Call:
    """One API request, as the simulator needs it."""

    account: str
    region: str
    body: Mapping[str, Any]
    query: Mapping[str, str]
    uri: Mapping[str, str]

    @property
    def key(self) -> str:
        """The request, as one string (which call of an operation this is)."""
        return json.dumps(
            [self.account, self.region, self.uri, self.query, self.body], sort_keys=True
        )

    def timestamp(self, name: str) -> datetime | None:
        raw = self.query.get(name)
        if raw is None:
            return None
        try:
            moment = datetime.fromtimestamp(float(raw), UTC)
        except ValueError:
            moment = datetime.fromisoformat(raw)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Operation = Callable[[Call, Simulator], object]


def _call(response: Any) -> Call:
    body = json.loads(response.body) if response.body else {}
    query = {k: v[0] for k, v in parse_qs(response.parsed_url.query).items()}
    return Call(response.current_account, response.region, body, query, dict(response.uri_match))


class ModelledError(JsonRESTError):
    """A BackupApiError as AWS sends it: its HTTP status and the model's members in the body."""

    def __init__(self, error: BackupApiError) -> None:
        super().__init__(error.code, error.message)
        self.code = error.status
        self.description = json.dumps(error.body())


@cache
def modelled_errors(operation: str) -> frozenset[str]:
    """The error shapes botocore's backup model lists for `operation` (boto3's method name)."""
    model = botocore.session.get_session().get_service_model("backup")
    name = next(n for n in model.operation_names if xform_name(n) == operation)
    return frozenset(shape.name for shape in model.operation_model(name).error_shapes)


def _method(operation: Operation, provider: Callable[[], Simulator]) -> Callable[[Any], Any]:
    def handle(self: Any) -> Any:
        sim = provider()
        name = operation.__name__
        call = _call(self)
        try:
            with sim.lock:
                if code := sim.faults.api_error(name, call.key):
                    raise BackupApiError(code, THROTTLED if code in COMMON_ERRORS else UNAVAILABLE)
                result = operation(call, sim)
        except BackupApiError as error:
            if error.code not in modelled_errors(name) | COMMON_ERRORS:
                raise RuntimeError(f"simulator bug: {name} cannot raise {error.code}") from error
            raise ModelledError(error) from None
        return EmptyResult() if result is None else ActionResult(result)

    handle.__name__ = operation.__name__
    return handle


# -- jobs -----------------------------------------------------------------------------------------


def start_backup_job(call: Call, sim: Simulator) -> object:
    body = call.body
    window = body.get("StartWindowMinutes")
    job = sim.start_backup_job(
        call.account,
        call.region,
        vault_name=body["BackupVaultName"],
        resource_arn=body["ResourceArn"],
        start_window=timedelta(minutes=window) if window else None,
        **_job_request(body),
    )
    return {
        "BackupJobId": job.job_id,
        "RecoveryPointArn": job.recovery_point_arn,
        "CreationDate": job.creation,
        "IsParent": False,
    }


def describe_backup_job(call: Call, sim: Simulator) -> object:
    job = sim.backup_job(call.account, call.region, call.uri["backupJobId"])
    return responses.backup_job(job, sim.now)


def list_backup_jobs(call: Call, sim: Simulator) -> object:
    def present(job: BackupJob) -> dict[str, Any]:
        return responses.backup_job(job, sim.now)

    return _list_jobs(call, sim, sim.backup_jobs.values(), "BackupJobs", present)


def stop_backup_job(call: Call, sim: Simulator) -> object:
    sim.stop_backup_job(call.account, call.region, call.uri["backupJobId"])
    return None


def start_copy_job(call: Call, sim: Simulator) -> object:
    body = call.body
    job = sim.start_copy_job(
        call.account,
        call.region,
        recovery_point_arn=body["RecoveryPointArn"],
        source_vault_name=body["SourceBackupVaultName"],
        destination_vault_arn=body["DestinationBackupVaultArn"],
        **_job_request(body),
    )
    return {"CopyJobId": job.job_id, "CreationDate": job.creation, "IsParent": False}


def describe_copy_job(call: Call, sim: Simulator) -> object:
    job = sim.copy_job(call.account, call.region, call.uri["copyJobId"])
    return {"CopyJob": responses.copy_job(job)}


def list_copy_jobs(call: Call, sim: Simulator) -> object:
    return _list_jobs(call, sim, sim.copy_jobs.values(), "CopyJobs", responses.copy_job)


def start_restore_job(call: Call, sim: Simulator) -> object:
    body = call.body
    job = sim.start_restore_job(
        call.account,
        call.region,
        body["RecoveryPointArn"],
        body.get("Metadata") or {},
        iam_role_arn=body.get("IamRoleArn"),
        idempotency_token=body.get("IdempotencyToken"),
    )
    return {"RestoreJobId": job.job_id}


def describe_restore_job(call: Call, sim: Simulator) -> object:
    job = sim.restore_job(call.account, call.region, call.uri["restoreJobId"])
    return restore_job(job, sim.recovery_points.get(job.recovery_point_arn))


def list_restore_jobs(call: Call, sim: Simulator) -> object:
    def present(job: RestoreJob) -> dict[str, Any]:
        return restore_job(job, sim.recovery_points.get(job.recovery_point_arn))

    return _list_jobs(call, sim, sim.restore_jobs.values(), "RestoreJobs", present)


def get_recovery_point_restore_metadata(call: Call, sim: Simulator) -> object:
    """Its own account's recovery point, one of a vault whose access policy lets the caller read
    it, or one of a LAG vault shared with the caller through RAM (`restore_metadata.py`)."""
    arn = _rp_arn(call)
    owner = call.query.get("backupVaultAccountId", call.account)
    shared = sim.recovery_points.get(arn)
    if owner == call.account or not (
        shared and restore_metadata.shared_with(shared, call.account, call.region)
    ):
        owner = _vault_account(call, sim, "backup:GetRecoveryPointRestoreMetadata")
    point = sim.recovery_point(owner, call.region, call.uri["backupVaultName"], arn)
    return {
        "BackupVaultArn": point.vault_arn,
        "RecoveryPointArn": point.arn,
        "ResourceType": point.resource_type,
        "RestoreMetadata": restore_metadata.restore_metadata(point, sim.resource_of(point)),
    }


def _job_request(body: Mapping[str, Any]) -> JobRequest:
    """The members StartBackupJob and StartCopyJob share."""
    return {
        "iam_role_arn": body["IamRoleArn"],
        "idempotency_token": body.get("IdempotencyToken"),
        "lifecycle": body.get("Lifecycle"),
    }


def _list_jobs(
    call: Call,
    sim: Simulator,
    jobs: Iterable[JobT],
    key: str,
    present: Callable[[JobT], dict[str, Any]],
) -> object:
    """List*Jobs: the jobs the caller may see, filtered, a page at a time."""
    visible = sim.visible_jobs(jobs, call.account, call.region, call.query.get("accountId"))
    chosen = [j for j in visible if _matches(call, j)]
    page, token = _page(call, sim, chosen)
    return _present({key: [present(j) for j in page], "NextToken": token})


#: ListCopyJobs / ListBackupJobs filters: query-string name -> test of a job against its value.
_FILTERS: dict[str, Callable[[Job, str], bool]] = {
    "resourceArn": lambda job, value: job.resource.arn == value,
    "state": lambda job, value: job.state.value == value,
    "status": lambda job, value: (  # ListRestoreJobs' ByStatus: the API's status
        isinstance(job, RestoreJob) and restore_status(job) == value
    ),
    "resourceType": lambda job, value: job.resource.resource_type == value,
    "messageCategory": lambda job, value: job.message_category == value,
    "parentJobId": lambda job, value: False,  # the simulator has no composite jobs
    "destinationVaultArn": lambda job, value: (
        isinstance(job, CopyJob) and job.destination_vault_arn == value
    ),
    "sourceRecoveryPointArn": lambda job, value: (
        isinstance(job, CopyJob) and job.source_recovery_point_arn == value
    ),
    "backupVaultName": lambda job, value: isinstance(job, BackupJob) and job.vault_name == value,
}


def _matches(call: Call, job: Job) -> bool:
    query = call.query
    if not all(test(job, query[name]) for name, test in _FILTERS.items() if name in query):
        return False
    created = _within(job.creation, call.timestamp("createdAfter"), call.timestamp("createdBefore"))
    completed = _within(
        job.completion, call.timestamp("completeAfter"), call.timestamp("completeBefore")
    )
    return created and completed


def _within(moment: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    if after is None and before is None:
        return True
    if moment is None:
        return False
    return (after is None or moment > after) and (before is None or moment < before)


# -- recovery points ------------------------------------------------------------------------------


def describe_recovery_point(call: Call, sim: Simulator) -> object:
    account = _vault_account(call, sim, "backup:DescribeRecoveryPoint")
    point = sim.recovery_point(account, call.region, call.uri["backupVaultName"], _rp_arn(call))
    return responses.recovery_point(point, sim.resources.get(point.resource_arn))


def list_recovery_points_by_backup_vault(call: Call, sim: Simulator) -> object:
    account = _vault_account(call, sim, "backup:ListRecoveryPointsByBackupVault")
    points = sim.recovery_points_in(account, call.region, call.uri["backupVaultName"])
    query = call.query
    chosen = [
        p
        for p in points
        if query.get("resourceArn", p.resource_arn) == p.resource_arn
        and query.get("resourceType", p.resource_type) == p.resource_type
        and _plan_matches(p, query.get("backupPlanId"))
        and "parentRecoveryPointArn" not in query
        and _within(p.creation, call.timestamp("createdAfter"), call.timestamp("createdBefore"))
    ]
    page, token = _page(call, sim, chosen)
    items = [responses.recovery_point_in_list(p, sim.resources.get(p.resource_arn)) for p in page]
    return _present({"RecoveryPoints": items, "NextToken": token})


def _vault_account(call: Call, sim: Simulator, action: str) -> str:
    """`BackupVaultAccountId`, once the vault's access policy lets the caller read it."""
    account = call.query.get("backupVaultAccountId", call.account)
    sim.check_cross_account_read(
        call.account, account, call.region, call.uri["backupVaultName"], action
    )
    return account


def _plan_matches(point: RecoveryPoint, plan_id: str | None) -> bool:
    if plan_id is None:
        return True
    return point.created_by is not None and point.created_by.backup_plan_id == plan_id


def update_recovery_point_lifecycle(call: Call, sim: Simulator) -> object:
    point = sim.update_recovery_point_lifecycle(
        call.account,
        call.region,
        call.uri["backupVaultName"],
        _rp_arn(call),
        call.body.get("Lifecycle"),
    )
    return _present(
        {
            "BackupVaultArn": point.vault_arn,
            "RecoveryPointArn": point.arn,
            "Lifecycle": point.lifecycle,
            "CalculatedLifecycle": responses.calculated_lifecycle(point.lifecycle, point.creation),
        }
    )


def delete_recovery_point(call: Call, sim: Simulator) -> object:
    sim.delete_recovery_point(call.account, call.region, call.uri["backupVaultName"], _rp_arn(call))
    return None


def _rp_arn(call: Call) -> str:
    return call.uri["recoveryPointArn"]


# -- vault access policies and settings -----------------------------------------------------------


def describe_backup_vault(call: Call, sim: Simulator) -> object:
    """moto's answer, but for a vault that does not exist: AWS's AccessDeniedException (403)
    instead of moto's ResourceNotFoundException (`accounts.vault`)."""
    return sim.vault(call.account, call.region, call.uri["backupVaultName"])


def create_logically_air_gapped_backup_vault(call: Call, sim: Simulator) -> object:
    """A logically air-gapped vault (moto has none): its range, its key (an AWS owned one
    unless EncryptionKeyArn names a customer managed key), AWS's answer's members."""
    body = call.body
    vault = sim.create_lag_vault(
        call.account,
        call.region,
        call.uri["backupVaultName"],
        min_days=int(body["MinRetentionDays"]),
        max_days=int(body["MaxRetentionDays"]),
        key_arn=body.get("EncryptionKeyArn"),
    )
    return {
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "CreationDate": vault.creation_date,
        "VaultState": vault.vault_state,
    }


def list_backup_vaults(call: Call, sim: Simulator) -> object:
    """moto's list, each vault with its VaultType, ByVaultType filtering (paging as moto's:
    none)."""
    wanted = call.query.get("vaultType")
    listed = []
    for vault in moto_state.vaults(call.account, call.region):
        kind = moto_state.vault_type(vault)
        if wanted and kind != wanted:
            continue
        item = vault.to_list_dict() | {"VaultType": kind}
        if moto_state.is_air_gapped(vault):
            item |= {
                "VaultState": vault.vault_state,
                "EncryptionKeyType": vault.encryption_key_type,
            }
        listed.append(item)
    return {"BackupVaultList": listed}


def get_backup_vault_access_policy(call: Call, sim: Simulator) -> object:
    name = call.uri["backupVaultName"]
    policy = sim.vault_access_policy(call.account, call.region, name)
    arn = moto_state.vault_arn(call.account, call.region, name)
    return {"BackupVaultName": name, "BackupVaultArn": arn, "Policy": policy}


def put_backup_vault_access_policy(call: Call, sim: Simulator) -> object:
    policy = call.body.get("Policy")
    if not policy:
        raise invalid_parameter("Policy is required.")  # INFERRED message
    sim.put_vault_access_policy(call.account, call.region, call.uri["backupVaultName"], policy)
    return None


def delete_backup_vault_access_policy(call: Call, sim: Simulator) -> object:
    sim.delete_vault_access_policy(call.account, call.region, call.uri["backupVaultName"])
    return None


def describe_global_settings(call: Call, sim: Simulator) -> object:
    settings = sim.global_settings(call.account)
    return _present(
        {"GlobalSettings": settings, "LastUpdateTime": sim.settings.global_settings_updated}
    )


def update_global_settings(call: Call, sim: Simulator) -> object:
    sim.update_global_settings(call.account, call.body.get("GlobalSettings") or {})
    return None


def describe_region_settings(call: Call, sim: Simulator) -> object:
    """The caller's own settings in the Region it asks (each account's, each Region's)."""
    return {
        "ResourceTypeOptInPreference": sim.settings.opted_in(call.account, call.region),
        "ResourceTypeManagementPreference": sim.region_settings(call.account, call.region),
    }


def update_region_settings(call: Call, sim: Simulator) -> object:
    management = call.body.get("ResourceTypeManagementPreference") or {}
    opt_in = call.body.get("ResourceTypeOptInPreference") or {}
    sim.update_region_settings(call.account, call.region, management, opt_in)
    return None


# -- backup selections (moto keeps plans, not their selections) -----------------------------------


#: "<plan id>/selections/<selection id>" as moto's plan route captures it: a plan id may hold
#: a "/" (a backup policy's plan, "orgs/<uuid>"), a selection id may not.
_PLAN_PATH = re.compile(r"^(?P<plan>.+?)(?:/selections(?:/(?P<selection>[^/]*))?)?/?$")


def _plan_path(call: Call) -> tuple[str, str]:
    """The model's {backupPlanId} and {selectionId} ("" when the call has none), however moto's
    routes captured them."""
    if "backupPlanId" in call.uri:
        return unquote(call.uri["backupPlanId"]), unquote(call.uri.get("selectionId", ""))
    matched = _PLAN_PATH.match(unquote(str(call.uri.get("name", ""))))
    if matched is None:
        return "", ""
    return matched["plan"], matched["selection"] or ""


def _plan_id(call: Call) -> str:
    return _plan_path(call)[0]


def _whole_plan_id(response: Any) -> str:
    return unquote(str(response.path).split("/backup/plans/", 1)[-1]).rstrip("/")


def get_backup_plan(self: Any) -> str:
    """moto's GetBackupPlan, reading the plan's whole id: moto removes every "/" of it, so a
    backup policy's plan ("orgs/<uuid>") or AWS's own EFS plan ("aws/efs/<uuid>") is not found."""
    version = self._get_params().get("versionId")
    found = self.backup_backend.get_backup_plan(
        backup_plan_id=_whole_plan_id(self), version_id=version
    )
    return json.dumps(dict(found.to_get_dict()))


def delete_backup_plan(self: Any) -> str:
    """moto's DeleteBackupPlan, reading the plan's whole id (moto reads its last segment)."""
    deleted = self.backup_backend.delete_backup_plan(backup_plan_id=_whole_plan_id(self))
    names = ("BackupPlanId", "BackupPlanArn", "DeletionDate", "VersionId")
    return json.dumps(dict(zip(names, deleted, strict=True)))


def create_backup_selection(call: Call, sim: Simulator) -> object:
    plan_id = _plan_id(call)
    selection = call.body.get("BackupSelection") or {}
    selection_id = sim.create_selection(call.account, call.region, plan_id, selection)
    return {"SelectionId": selection_id, "BackupPlanId": plan_id}


def list_backup_selections(call: Call, sim: Simulator) -> object:
    plan_id = _plan_id(call)
    selections = sim.selections.get((call.account, call.region, plan_id), [])
    return {
        "BackupSelectionsList": [
            {
                "SelectionId": s["SelectionId"],
                "SelectionName": s.get("SelectionName"),
                "BackupPlanId": plan_id,
                "IamRoleArn": s.get("IamRoleArn"),
            }
            for s in selections
        ]
    }


def get_backup_selection(call: Call, sim: Simulator) -> object:
    plan_id = _plan_id(call)
    selection_id = _plan_path(call)[1]
    for selection in sim.selections.get((call.account, call.region, plan_id), []):
        if selection["SelectionId"] == selection_id:
            body = {k: v for k, v in selection.items() if k != "SelectionId"}
            return {"BackupSelection": body, "SelectionId": selection_id, "BackupPlanId": plan_id}
    raise not_found(f"Selection {selection_id} of plan {plan_id} not found.")  # INFERRED


# -- plumbing -------------------------------------------------------------------------------------


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _page(call: Call, sim: Simulator, items: list[Any]) -> tuple[list[Any], str | None]:
    """One page: at most MaxResults items and never more than the scenario's page size (AWS may
    return fewer than MaxResults with a NextToken), so every reader must follow NextToken."""
    asked = call.query.get("maxResults")  # within the model's range (`requests.check`)
    size = min(int(asked or MAX_RESULTS), sim.settings.page_size)
    start = 0
    token = call.query.get("nextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise invalid_parameter("Invalid NextToken.") from None  # INFERRED
    end = start + size
    next_token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], next_token


OPERATIONS: tuple[Operation, ...] = (
    start_backup_job,
    describe_backup_job,
    list_backup_jobs,
    stop_backup_job,
    start_copy_job,
    describe_copy_job,
    list_copy_jobs,
    start_restore_job,
    describe_restore_job,
    list_restore_jobs,
    get_recovery_point_restore_metadata,
    describe_recovery_point,
    list_recovery_points_by_backup_vault,
    update_recovery_point_lifecycle,
    delete_recovery_point,
    describe_backup_vault,
    create_logically_air_gapped_backup_vault,
    list_backup_vaults,
    get_backup_vault_access_policy,
    put_backup_vault_access_policy,
    delete_backup_vault_access_policy,
    describe_global_settings,
    update_global_settings,
    describe_region_settings,
    update_region_settings,
    create_backup_selection,
    list_backup_selections,
    get_backup_selection,
    start_scan_job,
    describe_scan_job,
    list_scan_jobs,
    *restore_testing_api.OPERATIONS,
)


def request_error(response: Any) -> BackupApiError | None:
    """What AWS answers a request that its operation's model refuses (`requests.check`), or
    None: every backup request, the simulator's operations and moto's own alike."""
    operation = response._get_action()  # also sets `uri_match`, the URI's members
    if not operation:
        return None
    try:
        response.parse_parameters(response.normalized_request)
    except (ValueError, TypeError, AttributeError) as error:  # a member unreadable as its type
        return requests.parse_error(operation, str(error))
    return requests.check(operation, response.params)


def _validating(call_action: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def call(self: Any) -> Any:
        error = request_error(self)
        if error is None:
            return call_action(self)
        refused = ModelledError(error)
        headers: dict[str, Any] = dict(refused.get_headers())
        headers["status"] = refused.code
        status, headers, body = self._transform_response(
            self.response_headers, (refused.description, headers)
        )
        return (status, *self._enrich_response(headers, body))

    return call


_installed: list[bool] = []


def install(provider: Callable[[], Simulator]) -> None:
    """Route the operations above to the simulator `provider()` returns, every request held to
    the model first (idempotent)."""
    if _installed:
        return
    moto_ram.install()  # moto's RAM shares backup vaults, as AWS's shares LAG vaults
    setattr(BackupResponse, "call_action", _validating(BackupResponse.call_action))  # noqa: B010
    setattr(BackupResponse, "get_backup_plan", get_backup_plan)  # noqa: B010
    setattr(BackupResponse, "delete_backup_plan", delete_backup_plan)  # noqa: B010
    for operation in OPERATIONS:
        setattr(BackupResponse, operation.__name__, _method(operation, provider))
    for route in (*ROUTES, *restore_testing_api.ROUTES):
        urls.url_paths.setdefault(route, BackupResponse.dispatch)
    _installed.append(True)
