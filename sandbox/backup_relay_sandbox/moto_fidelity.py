"""Small, documented corrections where moto differs from AWS (see docs/testing.md).

Each patch is idempotent and only makes moto behave as AWS documents; none changes what our code
under test sees beyond that.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from datetime import datetime
from typing import Any

from moto.events import models
from moto.events import utils as moto_events_utils

from backup_relay_sandbox import moto_organizations, moto_ram, moto_securityhub

events_models: Any = models  # moto's types describe its own calls, not patches of them
events_utils: Any = moto_events_utils

_applied: set[str] = set()


def apply() -> None:
    for name, patch in (
        ("iso-event-times", _keep_iso_event_times),
        ("forward-whole-events", _forward_whole_events),
        ("whole-events-without-transformer", _whole_events_without_transformer),
        ("task-failure-cause", _keep_task_failure_cause),
        ("atomic-conditional-writes", _atomic_conditional_writes),
        ("documentdb-clusters", _documentdb_clusters),
        ("backup-delegated-administrator", _backup_delegated_administrator),
        ("list-accounts-management-only", _list_accounts_management_only),
        ("no-option-groups", _no_option_groups),
        ("snapshot-option-group", _snapshot_option_group),
        ("stop-is-immediate", _stop_is_immediate),
        ("lambda-account-settings", _lambda_account_settings),
        ("organizations-resource-policy", moto_organizations.install),
        ("securityhub-findings", moto_securityhub.install),
        ("ram-backup-vaults", moto_ram.install),
    ):
        if name not in _applied:
            patch()
            _applied.add(name)


def _keep_iso_event_times() -> None:
    """AWS events carry `time` as ISO 8601. moto stores it as epoch seconds and, when it delivers
    to SQS, converts a top-level `time` with float(), which fails on an ISO string. Events emitted
    in AWS's shape keep ISO times; this hands moto the epoch it expects for that conversion, which
    turns it back into the same second-precision ISO string."""
    deliver = events_models.Rule._send_to_sqs_queue

    def send_to_sqs_queue(
        self: Any, resource_id: str, event: dict[str, Any], group_id: str | None = None
    ) -> None:
        time = event.get("time")
        if isinstance(time, str):
            event = {**event, "time": datetime.fromisoformat(time).timestamp()}
        deliver(self, resource_id, event, group_id)

    events_models.Rule._send_to_sqs_queue = send_to_sqs_queue


def _forward_whole_events() -> None:
    """A rule whose target is another event bus forwards the event itself: EventBridge keeps its
    source, account, region, id, time and resources (the AWS cross-account guide; receivers match
    `account` to tell member events apart). moto re-puts only source, detail-type and detail, so
    the receiver would see its own account. Event-bus targets are delivered here, whole; every
    other target still goes through moto."""
    send = events_models.Rule.send_to_targets

    def send_to_targets(self: Any, event: dict[str, Any], transform_input: bool = True) -> None:
        buses = [t for t in self.targets if _is_event_bus(t["Arn"])]
        if buses and self.event_pattern.matches_event(event):
            for target in buses:
                _deliver_to_bus(target["Arn"], event)
        if len(buses) < len(self.targets):
            others, self.targets = self.targets, [t for t in self.targets if t not in buses]
            try:
                send(self, event, transform_input)
            finally:
                self.targets = others

    events_models.Rule.send_to_targets = send_to_targets


def _is_event_bus(arn: str) -> bool:
    return arn.split(":")[2] == "events" and arn.split(":", 5)[5].startswith("event-bus/")


def _deliver_to_bus(arn: str, event: dict[str, Any]) -> None:
    _, _, _, region, account, resource = arn.split(":", 5)
    bus = events_models.events_backends[account][region].describe_event_bus(
        resource.removeprefix("event-bus/")
    )
    for rule in list(bus.rules.values()):
        if rule.state == "ENABLED":
            rule.send_to_targets(copy.deepcopy(event))


def _whole_events_without_transformer() -> None:
    """Without an InputTransformer, EventBridge delivers the event itself. moto rebuilds it from
    a template that drops `account` and writes `time` unquoted (invalid JSON with an ISO time)."""
    parse = events_utils.EventTemplateParser.parse

    def parse_whole(input_template: Any, input_paths_map: Any, event: Any) -> Any:
        if not input_template and not input_paths_map:
            return {key: value for key, value in event.items() if key != "ingestion-time"}
        return parse(input_template=input_template, input_paths_map=input_paths_map, event=event)

    events_utils.EventTemplateParser.parse = staticmethod(parse_whole)


def _keep_task_failure_cause() -> None:
    """SendTaskFailure's `cause` becomes the Catch's `Cause`; moto's response handler drops it
    (it passes only `error`), so a failed hop would lose AWS's status message."""
    from moto.core.responses import EmptyResult
    from moto.stepfunctions import responses

    handler: Any = responses.StepFunctionResponse

    def send_task_failure(self: Any) -> Any:
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    handler.send_task_failure = send_task_failure


def _atomic_conditional_writes() -> None:
    """DynamoDB evaluates a write's condition and applies it atomically. moto checks, then
    writes, unguarded: two Step Functions threads taking the last concurrency slot at once both
    got it. One lock around moto's item writes restores DynamoDB's guarantee."""
    from moto.dynamodb.models import DynamoDBBackend

    backend: Any = DynamoDBBackend
    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item"):
        original = getattr(backend, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        setattr(backend, name, locked)


def _documentdb_clusters() -> None:
    """DocumentDB's API is RDS's (its clients call rds.amazonaws.com); moto's RDS refuses the
    engine "docdb". https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html"""
    from moto.rds import models as rds_models
    from moto.rds import utils as rds_utils

    engines: Any = rds_utils.ClusterEngine
    known = engines.list_cluster_engines()
    engines.list_cluster_engines = classmethod(lambda cls: sorted({*known, "docdb"}))
    cluster: Any = rds_models.DBCluster
    own = {"default_engine_version": "5.0.0", "default_port": 27017}
    for name in ("default_engine_version", "default_port", "default_allocated_storage"):
        original = getattr(cluster, name)

        def default(
            engine: str, *rest: Any, _name: str = name, _original: Any = original, **named: Any
        ) -> Any:
            if engine != "docdb":
                return _original(engine, *rest, **named)
            return own[_name] if _name in own else _original("aurora-postgresql", *rest, **named)

        setattr(cluster, name, staticmethod(default))


def _backup_delegated_administrator() -> None:
    """AWS Backup supports a delegated administrator; moto's list of services does not have it.
    https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-backup.html"""
    from moto.organizations.models import FakeDelegatedAdministrator

    services: Any = FakeDelegatedAdministrator.SUPPORTED_SERVICES
    if "backup.amazonaws.com" not in services:
        services.append("backup.amazonaws.com")


def _list_accounts_management_only() -> None:
    """ListAccounts "can be called only from the organization's management account or by a
    member account that is a delegated administrator"; moto answers any account (a member, or
    one outside any organization, with an empty list).
    https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html"""
    from moto.core.exceptions import JsonRESTError
    from moto.organizations.exceptions import AWSOrganizationsNotInUseException
    from moto.organizations.models import organizations_backends
    from moto.organizations.responses import OrganizationsResponse

    responses: Any = OrganizationsResponse
    original = responses.list_accounts

    def list_accounts(self: Any) -> str:
        caller = self.current_account
        if self.organizations_backend.org is not None:
            return str(original(self))  # the management account's own organization
        if caller not in organizations_backends.master_accounts:
            raise AWSOrganizationsNotInUseException()
        management, partition = organizations_backends.master_accounts[caller]
        backend = organizations_backends[management][partition]
        if caller not in {admin.account.id for admin in backend.admins}:
            raise JsonRESTError(  # INFERRED: the message AWS gives such a member account
                "AccessDeniedException", "You don't have permissions to access this resource."
            )
        accounts, _ = backend.list_accounts()  # a delegated administrator: the whole list
        return json.dumps({"Accounts": accounts})

    responses.list_accounts = list_accounts


def _no_option_groups() -> None:
    """DescribeOptionGroups without a name lists what there is, possibly nothing; moto raises
    a KeyError when the request names none."""
    from moto.rds.models import RDSBackend

    backend: Any = RDSBackend
    original = backend.describe_option_groups

    def describe(self: Any, option_group_kwargs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if not option_group_kwargs.get("option_group_name") and not self.option_groups:
            return []
        query = {"option_group_name": None, **option_group_kwargs}
        return original(self, query, *args, **kwargs)

    backend.describe_option_groups = describe


def _snapshot_option_group() -> None:
    """A DB snapshot names the option group it was taken with (DBSnapshot.OptionGroupName,
    "Provides the option group name for the DB snapshot": https://docs.aws.amazon.com/
    sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-db-snapshot/
    option-group-name.html); moto's DescribeDBSnapshots answer names none. It is its instance's."""
    from moto.rds.models import DBSnapshot

    snapshot: Any = DBSnapshot
    snapshot.option_group_name = property(
        lambda self: getattr(self.database, "option_group_name", None)
    )


def _stop_is_immediate() -> None:
    """StopExecution ends an execution ABORTED at once. moto's interpreter notices the stop
    only when the task it waits on returns, and an error that task then raises could end the
    execution FAILED: keep ABORTED, from the moment of the stop."""
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend import execution as parser_execution

    run: Any = parser_execution.Execution
    communication: Any = parser_execution.BaseExecutionWorkerCommunication
    stop, reflect = run.stop, communication._reflect_execution_status

    def stopped(self: Any, stop_date: Any, error: Any, cause: Any) -> None:
        stop(self, stop_date, error, cause)
        self.exec_status, self.stop_date = ExecutionStatus.ABORTED, stop_date

    def reflected(self: Any) -> None:
        if self.execution.exec_status == ExecutionStatus.ABORTED:
            return
        reflect(self)

    run.stop = stopped
    communication._reflect_execution_status = reflected


#: Lambda's default concurrency quota per account and region (new accounts start lower).
#: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
DEFAULT_CONCURRENCY_QUOTA = 1000


def _lambda_account_settings() -> None:
    """GetAccountSettings: moto 5.2.5 answers 404. It answers here with the quota moto itself
    enforces on PutFunctionConcurrency (MOTO_LAMBDA_CONCURRENCY_QUOTA, else AWS's default of
    1,000) and, unreserved, that quota less the reservations of the account's functions in the
    region. https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html"""
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    handler: Any = LambdaResponse

    def get_account_settings(self: Any) -> Any:
        quota = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", DEFAULT_CONCURRENCY_QUOTA))
        reserved = sum(
            int(function.reserved_concurrency or 0) for function in self.backend.list_functions()
        )
        limit = {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": quota,
            "UnreservedConcurrentExecutions": quota - reserved,
        }
        usage = {"TotalCodeSize": 0, "FunctionCount": len(self.backend.list_functions())}
        return 200, {}, json.dumps({"AccountLimit": limit, "AccountUsage": usage})

    handler.get_account_settings = get_account_settings
    urls.url_paths.setdefault(
        r"{0}/(?P<api_version>[^/]+)/account-settings/?$", LambdaResponse.dispatch
    )
