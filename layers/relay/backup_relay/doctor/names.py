"""The physical names the central stack gives its resources, from its name, its region and its
parameters, each with AWS's limit for that kind of name: the one table `doctor --preflight`
checks before `sam deploy` (a name over its limit fails the deploy halfway, and rolls it back).

Only names the template builds itself are here: the state machine, the schedules and the
stack's own replay role have names CloudFormation generates (it truncates them to fit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, computed_field

from backup_relay.doctor.facts import StackPlan

#: CloudFormation's stack-name rule (CreateStack's StackName).
STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
STACK_NAME_LIMIT = 128
STACK_NAME_DOCS = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html"
)

#: The template's functions (their logical ids name their log groups). tests/unit holds this
#: list to template.yaml's AWS::Serverless::Function resources.
FUNCTIONS = (
    "IngestFunction",
    "ChainStepsFunction",
    "ReconcileFunction",
    "BringBackFunction",
    "ReplayFunction",
    "DoctorFunction",
    "ChainEndedFunction",
    "AlertsFunction",
    "DrillsFunction",
)

#: The property that names each kind of resource the stacks name, and AWS's limit on that
#: name, with its page: tests/integration/test_deploy_rules.py holds every name the three
#: templates give, for the longest stack name, region and parameters, to these.
_AWS_BACKUP = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
NAME_LIMITS: dict[str, tuple[str, int, str]] = {
    "AWS::IAM::Role": (
        "RoleName",
        64,
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    ),
    "AWS::Lambda::Function": (
        "FunctionName",
        64,
        "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    ),
    "AWS::Lambda::LayerVersion": (
        "LayerName",
        140,
        "https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html",
    ),
    "AWS::StepFunctions::StateMachine": (
        "StateMachineName",
        80,
        "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html",
    ),
    "AWS::Scheduler::Schedule": (
        "Name",
        64,
        "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html",
    ),
    "AWS::Events::EventBus": (
        "Name",
        256,
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateEventBus.html",
    ),
    "AWS::Events::Rule": (
        "Name",
        64,
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    ),
    "AWS::SNS::Topic": (
        "TopicName",
        256,
        "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    ),
    "AWS::SQS::Queue": (
        "QueueName",
        80,
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
    ),
    "AWS::DynamoDB::Table": (
        "TableName",
        255,
        "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html",
    ),
    "AWS::Logs::LogGroup": (
        "LogGroupName",
        512,
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    ),
    "AWS::CloudWatch::Dashboard": (
        "DashboardName",
        255,
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
    ),
    "AWS::CloudWatch::Alarm": (
        "AlarmName",
        255,
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    ),
    "AWS::Backup::BackupVault": (
        "BackupVaultName",
        50,
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CreateBackupVault.html",
    ),
    "AWS::Backup::LogicallyAirGappedBackupVault": (
        "BackupVaultName",
        50,
        f"{_AWS_BACKUP}/API_CreateLogicallyAirGappedBackupVault.html",
    ),
}

_API = "https://docs.aws.amazon.com"


def _limit(kind: str) -> int:
    return NAME_LIMITS[kind][1]


_IAM_ROLE = (_limit("AWS::IAM::Role"), r"[\w+=,.@-]+", NAME_LIMITS["AWS::IAM::Role"][2])
_LOG_GROUP = (
    _limit("AWS::Logs::LogGroup"),
    r"[.\-_/#A-Za-z0-9]+",
    NAME_LIMITS["AWS::Logs::LogGroup"][2],
)


@dataclass(frozen=True)
class NameRule:
    what: str
    expression: str  # in terms of <stack>, <region> and parameters
    limit: int  # AWS's maximum length
    pattern: str  # AWS's allowed characters (the whole name)
    docs: str
    build: Callable[[StackPlan], str]


def _parameter(plan: StackPlan, name: str) -> str:
    return plan.parameters.get(name, "")


def _longest_log_group(plan: StackPlan) -> str:
    return max((f"/aws/lambda/{plan.stack_name}/{f}" for f in FUNCTIONS), key=len)


#: What the stack names, and how: the one table of the stack's physical names.
NAMES: tuple[NameRule, ...] = (
    NameRule(
        "relay event bus",
        "EventBusName, or <stack>",
        _limit("AWS::Events::EventBus"),
        r"[/.\-_A-Za-z0-9]+",
        f"{_API}/eventbridge/latest/APIReference/API_CreateEventBus.html",
        lambda plan: _parameter(plan, "EventBusName") or plan.stack_name,
    ),
    NameRule(
        "Alerts topic",
        "<stack>-alerts",
        _limit("AWS::SNS::Topic"),
        r"[A-Za-z0-9_-]+",
        f"{_API}/sns/latest/api/API_CreateTopic.html",
        lambda plan: f"{plan.stack_name}-alerts",
    ),
    NameRule(
        "dashboard (global: one per region)",
        "<stack>-<region>",
        _limit("AWS::CloudWatch::Dashboard"),
        r"[A-Za-z0-9_-]+",
        f"{_API}/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
        lambda plan: f"{plan.stack_name}-{plan.region}",
    ),
    NameRule(
        "relay layer",
        "<stack>-relay",
        _limit("AWS::Lambda::LayerVersion"),
        r"[a-zA-Z0-9_-]+",
        f"{_API}/lambda/latest/api/API_PublishLayerVersion.html",
        lambda plan: f"{plan.stack_name}-relay",
    ),
    NameRule(
        "function log groups (the longest)",
        "/aws/lambda/<stack>/<function logical id>",
        *_LOG_GROUP,
        _longest_log_group,
    ),
    NameRule(
        "state machine log group",
        "/aws/vendedlogs/states/<stack>-copy-chain",
        *_LOG_GROUP,
        lambda plan: f"/aws/vendedlogs/states/{plan.stack_name}-copy-chain",
    ),
    NameRule(
        "member stacks' replay role",
        "<MemberReplayRoleName>-<region>",
        *_IAM_ROLE,
        lambda plan: f"{_parameter(plan, 'MemberReplayRoleName')}-{plan.region}",
    ),
    NameRule(
        "member stacks' doctor role",
        "<MemberDoctorRoleName>-<region>",
        *_IAM_ROLE,
        lambda plan: f"{_parameter(plan, 'MemberDoctorRoleName')}-{plan.region}",
    ),
    NameRule(
        "member stacks' restore role",
        "<MemberRestoreRoleName>-<region>",
        *_IAM_ROLE,
        lambda plan: f"{_parameter(plan, 'MemberRestoreRoleName')}-{plan.region}",
    ),
)


class PhysicalName(BaseModel):
    what: str
    expression: str
    name: str
    limit: int
    docs: str
    valid_characters: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def length(self) -> int:
        return len(self.name)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fits(self) -> bool:
        return self.valid_characters and 0 < self.length <= self.limit


def physical_names(plan: StackPlan) -> list[PhysicalName]:
    """Each name of the table, as this plan makes it."""
    named = []
    for entry in NAMES:
        name = entry.build(plan)
        named.append(
            PhysicalName(
                what=entry.what,
                expression=entry.expression,
                name=name,
                limit=entry.limit,
                docs=entry.docs,
                valid_characters=re.fullmatch(entry.pattern, name) is not None,
            )
        )
    return named


def stack_name_problem(name: str) -> str | None:
    """Why CloudFormation refuses this stack name, or None."""
    if len(name) > STACK_NAME_LIMIT:
        return f"it has {len(name)} characters; CloudFormation allows {STACK_NAME_LIMIT}"
    if STACK_NAME.fullmatch(name) is None:
        return (
            "a stack name starts with a letter and holds only letters, digits and hyphens "
            f"({STACK_NAME.pattern})"
        )
    return None
