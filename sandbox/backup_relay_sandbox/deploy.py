"""Create a template's resources in moto, in one account and region, through the AWS APIs.

Only the resource types the sandbox needs, each with every property that shapes behaviour.
moto's CloudFormation is not used: it skips EventBusPolicy and its state machines are not
visible to the executing interpreter (docs/testing.md).
"""

from __future__ import annotations

import hashlib
import json
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backup_relay_sandbox.cloud import client
from backup_relay_sandbox.template import (
    CONDITION,
    REPO_ROOT,
    evaluate_conditions,
    parameter_defaults,
    resolve,
    resources_of_type,
)

#: How long a name CloudFormation may generate for each type (the type's own limit).
NAME_LIMITS = {
    "AWS::IAM::Role": 64,
    "AWS::SQS::Queue": 80,
    "AWS::Lambda::Function": 64,
    "AWS::Serverless::Function": 64,
    "AWS::StepFunctions::StateMachine": 80,
    "AWS::Serverless::StateMachine": 80,
    "AWS::DynamoDB::Table": 255,
    "AWS::SNS::Topic": 256,
    "AWS::Events::Rule": 64,
    "AWS::Logs::LogGroup": 512,
}
#: The room CloudFormation keeps for the random suffix, and the suffix itself: 13 uppercase
#: letters and digits; Lambda functions now get 12 of mixed case (INFERRED, docs/testing.md).
_SUFFIX_ROOM = 13
_SUFFIXES = {
    "AWS::Lambda::Function": (12, string.ascii_letters + string.digits),
    "AWS::Serverless::Function": (12, string.ascii_letters + string.digits),
}
_SUFFIX = (13, string.ascii_uppercase + string.digits)


def generated_name(
    stack_name: str, logical_id: str, limit: int, *, seed: str = "", type_name: str = ""
) -> str:
    """The physical name CloudFormation gives a resource the template leaves unnamed:
    `<stack name>-<logical id>-<random suffix>`, within the type's length limit `limit`.

    AWS documents the shape (the "Name type" page, aws-properties-name.html: "CloudFormation
    generates a unique physical ID to name a resource", e.g. stack123123123123-s3bucket-...),
    not the truncation. INFERRED from names AWS generated (docs/testing.md): 13 characters are
    kept for the suffix; when stack name and logical id do not fit in the rest, the logical id
    keeps at least half of it and the stack name takes what is left. The suffix is derived from
    `seed`, the stack name and the logical id, so a run is reproducible."""
    length, alphabet = _SUFFIXES.get(type_name, _SUFFIX)
    digest = int.from_bytes(hashlib.sha256(f"{seed}|{stack_name}|{logical_id}".encode()).digest())
    suffix = ""
    for _ in range(length):
        digest, index = divmod(digest, len(alphabet))
        suffix += alphabet[index]
    room = limit - _SUFFIX_ROOM - 2
    if len(stack_name) + len(logical_id) > room:
        logical_id = logical_id[: max(room - len(stack_name), room // 2)]
        stack_name = stack_name[: room - len(logical_id)]
    return f"{stack_name}-{logical_id}-{suffix}"


@dataclass(frozen=True)
class Queue:
    url: str
    arn: str


@dataclass
class Deployment:
    """The resolved names and ARNs of one stack, by logical id ("Name", "Name.Arn", ...)."""

    name: str
    account: str
    region: str
    template: Mapping[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    #: The physical name of each resource created (logical id -> name), as AWS named it.
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        name: str,
        template: Mapping[str, Any],
        *,
        account: str,
        region: str,
        parameters: Mapping[str, str],
    ) -> Deployment:
        values: dict[str, Any] = {
            **parameter_defaults(template),
            **parameters,
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::StackName": name,
            # unique to this stack: a new instance of a StackSet in an account gets a new one
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{name}/"
            + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{region}/{name}")),
        }
        evaluate_conditions(template, values)
        return cls(name, account, region, template, values)

    def client(self, service: str) -> Any:
        return client(service, self.region, self.account)

    def name_of(self, logical_id: str, given: str | None = None) -> str:
        """`given` (the template's name property, resolved), else the name CloudFormation
        generates for this stack's resource (`generated_name`)."""
        if given:
            self.names[logical_id] = given
            return given
        resource = self.template["Resources"].get(logical_id, {})
        type_name = resource.get("Type", "AWS::IAM::Role")  # the sandbox's own: SAM's roles
        name = generated_name(
            self.name,
            logical_id,
            NAME_LIMITS[type_name],
            seed=f"{self.account}:{self.region}",
            type_name=type_name,
        )
        self.names[logical_id] = name
        return name

    def resolved(self, logical_id: str, *, only: tuple[str, ...] = ()) -> dict[str, Any]:
        """The resource's properties resolved (`only` those, when given)."""
        properties = self.template["Resources"][logical_id].get("Properties", {})
        if only:
            properties = {key: properties[key] for key in only if key in properties}
        resolved: dict[str, Any] = resolve(properties, self.values)
        return resolved

    def of_type(self, type_name: str) -> list[str]:
        """The resources of that type the stack creates (their Condition, if any, holds)."""
        return [
            logical_id
            for logical_id, resource in resources_of_type(self.template, type_name).items()
            if "Condition" not in resource or self.values[CONDITION.format(resource["Condition"])]
        ]


def create_queues(stack: Deployment) -> dict[str, Queue]:
    sqs = stack.client("sqs")
    queues: dict[str, Queue] = {}
    # queues without a redrive policy first: the ones that redrive need their ARNs
    ordered = sorted(
        stack.of_type("AWS::SQS::Queue"),
        key=lambda lid: "RedrivePolicy" in stack.template["Resources"][lid].get("Properties", {}),
    )
    for logical_id in ordered:
        properties = stack.resolved(logical_id)
        name = stack.name_of(logical_id, properties.pop("QueueName", None))
        attributes = {k: _attribute(v) for k, v in properties.items()}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        queues[logical_id] = Queue(url, arn)
        stack.values |= {
            logical_id: url,
            f"{logical_id}.Arn": arn,
            f"{logical_id}.QueueName": url.rsplit("/", 1)[-1],
        }
    return queues


def apply_queue_policies(stack: Deployment) -> None:
    sqs = stack.client("sqs")
    for logical_id in stack.of_type("AWS::SQS::QueuePolicy"):
        properties = stack.resolved(logical_id)
        for url in properties["Queues"]:
            sqs.set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(properties["PolicyDocument"])}
            )


def create_tables(stack: Deployment) -> dict[str, str]:
    dynamodb = stack.client("dynamodb")
    tables: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::DynamoDB::Table"):
        properties = stack.resolved(logical_id)
        name = stack.name_of(logical_id, properties.get("TableName"))
        optional = {
            key: properties[key] for key in ("GlobalSecondaryIndexes",) if key in properties
        }
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            BillingMode=properties["BillingMode"],
            **optional,
        )
        if "TimeToLiveSpecification" in properties:
            dynamodb.update_time_to_live(
                TableName=name, TimeToLiveSpecification=properties["TimeToLiveSpecification"]
            )
        tables[logical_id] = name
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        stack.values |= {logical_id: name, f"{logical_id}.Arn": arn}
    return tables


def create_roles(stack: Deployment, *, with_policies: bool = True) -> None:
    """Each role with its name (RoleName, or the one CloudFormation generates), its Path (which
    its ARN includes: `role/<path><name>`), trust and inline policies. `with_policies=False`
    leaves the policies to `put_role_policies`: they may name resources created later."""
    iam = stack.client("iam")
    for logical_id in stack.of_type("AWS::IAM::Role"):
        properties = stack.resolved(
            logical_id, only=("RoleName", "Path", "Description", "AssumeRolePolicyDocument")
        )
        name = stack.name_of(logical_id, properties.get("RoleName"))
        arn = iam.create_role(
            RoleName=name,
            Path=properties.get("Path", "/"),
            AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"]),
            Description=properties.get("Description", ""),
        )["Role"]["Arn"]
        stack.values |= {logical_id: name, f"{logical_id}.Arn": arn}
    if with_policies:
        put_role_policies(stack)


def put_role_policies(stack: Deployment) -> None:
    """The roles' inline policies (their ManagedPolicyArns are AWS's own: not created)."""
    iam = stack.client("iam")
    for logical_id in stack.of_type("AWS::IAM::Role"):
        for policy in stack.resolved(logical_id, only=("Policies",)).get("Policies", []):
            iam.put_role_policy(
                RoleName=stack.names[logical_id],
                PolicyName=policy["PolicyName"],
                PolicyDocument=json.dumps(policy["PolicyDocument"]),
            )


def create_log_groups(stack: Deployment) -> None:
    """With their retention: those whose names are known now (a function's LoggingConfig names
    its log group, created first); call it again once the functions exist for those named after
    a function (`/aws/lambda/${Function}`)."""
    logs = stack.client("logs")
    for logical_id in stack.of_type("AWS::Logs::LogGroup"):
        if logical_id in stack.names:
            continue
        try:
            properties = stack.resolved(logical_id)
        except KeyError:  # names a resource not created yet
            continue
        name = stack.name_of(logical_id, properties.get("LogGroupName"))
        logs.create_log_group(logGroupName=name)
        logs.put_retention_policy(
            logGroupName=name, retentionInDays=int(properties["RetentionInDays"])
        )
        arn = f"arn:aws:logs:{stack.region}:{stack.account}:log-group:{name}:*"
        stack.values |= {logical_id: name, f"{logical_id}.Arn": arn}


def create_keys(stack: Deployment) -> None:
    kms = stack.client("kms")
    for logical_id in stack.of_type("AWS::KMS::Key"):
        properties = stack.resolved(logical_id)
        key = kms.create_key(
            Description=properties.get("Description", ""),
            Policy=json.dumps(properties["KeyPolicy"]),
        )["KeyMetadata"]
        stack.values |= {logical_id: key["KeyId"], f"{logical_id}.Arn": key["Arn"]}


def create_backup_vaults(stack: Deployment) -> dict[str, str]:
    """Vaults on their keys, with their access policies and vault locks (AWS Backup's API:
    the simulator answers the calls moto lacks)."""
    backup = stack.client("backup")
    vaults: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::Backup::BackupVault"):
        properties = stack.resolved(logical_id)
        name = properties["BackupVaultName"]
        arn = backup.create_backup_vault(
            BackupVaultName=name, EncryptionKeyArn=properties["EncryptionKeyArn"]
        )["BackupVaultArn"]
        if "AccessPolicy" in properties:
            backup.put_backup_vault_access_policy(
                BackupVaultName=name, Policy=json.dumps(properties["AccessPolicy"])
            )
        if lock := properties.get("LockConfiguration"):
            backup.put_backup_vault_lock_configuration(
                BackupVaultName=name,
                **{key: int(value) for key, value in lock.items()},
            )
        vaults[logical_id] = arn
        stack.values |= {
            logical_id: name,
            f"{logical_id}.BackupVaultName": name,
            f"{logical_id}.BackupVaultArn": arn,
        }
    return vaults


def create_backup_plans(stack: Deployment) -> dict[str, str]:
    """Plans (their rules, copy actions and lifecycles) and their selections."""
    backup = stack.client("backup")
    plans: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::Backup::BackupPlan"):
        plan = stack.resolved(logical_id)["BackupPlan"]
        rules = [
            {
                "RuleName": rule["RuleName"],
                "TargetBackupVaultName": rule["TargetBackupVault"],
                "ScheduleExpression": rule["ScheduleExpression"],
                "Lifecycle": _numbers(rule.get("Lifecycle", {})),
                "CopyActions": [
                    {**action, "Lifecycle": _numbers(action.get("Lifecycle", {}))}
                    for action in rule.get("CopyActions", [])
                ],
            }
            for rule in plan["BackupPlanRule"]
        ]
        plan_id = backup.create_backup_plan(
            BackupPlan={"BackupPlanName": plan["BackupPlanName"], "Rules": rules}
        )["BackupPlanId"]
        plans[logical_id] = plan_id
        stack.values[logical_id] = plan_id
    for logical_id in stack.of_type("AWS::Backup::BackupSelection"):
        properties = stack.resolved(logical_id)
        backup.create_backup_selection(
            BackupPlanId=properties["BackupPlanId"], BackupSelection=properties["BackupSelection"]
        )
    return plans


def _numbers(lifecycle: Mapping[str, Any]) -> dict[str, int]:
    return {key: int(value) for key, value in lifecycle.items()}


def create_topics(stack: Deployment) -> dict[str, str]:
    """Topics with their attributes and policies, and the subscriptions the template makes."""
    sns = stack.client("sns")
    topics: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::SNS::Topic"):
        properties = stack.resolved(logical_id)
        attributes = {
            k: str(properties[k]) for k in ("DisplayName", "KmsMasterKeyId") if k in properties
        }
        name = stack.name_of(logical_id, properties.get("TopicName"))
        arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        topics[logical_id] = arn
        stack.values |= {logical_id: arn, f"{logical_id}.TopicName": name}
    for logical_id in stack.of_type("AWS::SNS::TopicPolicy"):
        properties = stack.resolved(logical_id)
        for arn in properties["Topics"]:
            sns.set_topic_attributes(
                TopicArn=arn,
                AttributeName="Policy",
                AttributeValue=json.dumps(properties["PolicyDocument"]),
            )
    for logical_id in stack.of_type("AWS::SNS::Subscription"):
        properties = stack.resolved(logical_id)
        sns.subscribe(
            TopicArn=properties["TopicArn"],
            Protocol=properties["Protocol"],
            Endpoint=properties["Endpoint"],
        )
    return topics


def create_event_buses(stack: Deployment) -> None:
    events = stack.client("events")
    for logical_id in stack.of_type("AWS::Events::EventBus"):
        name = stack.resolved(logical_id)["Name"]
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        stack.values |= {logical_id: name, f"{logical_id}.Arn": arn, f"{logical_id}.Name": name}


def apply_bus_policies(stack: Deployment) -> None:
    events = stack.client("events")
    for logical_id in stack.of_type("AWS::Events::EventBusPolicy"):
        properties = stack.resolved(logical_id)
        statement = {"Sid": properties["StatementId"], **properties["Statement"]}
        events.put_permission(
            EventBusName=properties["EventBusName"],
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )


def create_rules(stack: Deployment) -> dict[str, str]:
    """Rules with their patterns and targets (InputTransformer, RetryPolicy, DLQ, RoleArn),
    named as CloudFormation names them: Name, or a generated name (`stack.names`)."""
    events = stack.client("events")
    rules: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::Events::Rule"):
        properties = stack.resolved(logical_id)
        bus = properties.get("EventBusName", "default")
        name = stack.name_of(logical_id, properties.get("Name"))
        arn = events.put_rule(
            Name=name,
            EventBusName=bus,
            EventPattern=json.dumps(properties["EventPattern"]),
            State=properties.get("State", "ENABLED"),
            Description=properties.get("Description", ""),
        )["RuleArn"]
        events.put_targets(Rule=name, EventBusName=bus, Targets=properties["Targets"])
        rules[logical_id] = bus
        stack.values[f"{logical_id}.Arn"] = arn
    return rules


def _attribute(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def create_state_machines(stack: Deployment, *, retry_seconds: float | None = 1) -> dict[str, str]:
    """The real ASL from DefinitionUri, with DefinitionSubstitutions applied as CloudFormation
    would. Created through the API: moto's interpreter does not see CloudFormation's.

    `retry_seconds` compresses time: moto waits real seconds between retries, so every
    Retry's IntervalSeconds becomes this (and MaxDelaySeconds twice it); attempts, backoff
    and jitter stay as written. None keeps the definition exactly as deployed."""
    sfn = stack.client("stepfunctions")
    machines: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::Serverless::StateMachine"):
        properties = stack.resolved(logical_id)
        definition = (REPO_ROOT / properties["DefinitionUri"]).read_text()
        for name, value in properties.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + name + "}", str(value))
        if retry_seconds is not None:
            definition = json.dumps(_compress_retries(json.loads(definition), retry_seconds))
        role = properties.get("Role") or service_role(
            stack, stack.name_of(f"{logical_id}Role"), "states.amazonaws.com"
        )  # SAM's generated <LogicalId>Role, which CloudFormation names
        name = stack.name_of(logical_id, properties.get("Name"))
        logging = properties.get("Logging")
        arn = sfn.create_state_machine(
            name=name,
            definition=definition,
            roleArn=role,
            type=properties.get("Type", "STANDARD"),
            **({"loggingConfiguration": _logging(logging)} if logging else {}),
        )["stateMachineArn"]
        machines[logical_id] = arn
        stack.values |= {logical_id: arn, f"{logical_id}.Name": name}
    return machines


def _logging(logging: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Logging property, in the API's loggingConfiguration shape."""
    return {
        "level": logging["Level"],
        "includeExecutionData": logging["IncludeExecutionData"],
        "destinations": [
            {"cloudWatchLogsLogGroup": {"logGroupArn": d["CloudWatchLogsLogGroup"]["LogGroupArn"]}}
            for d in logging["Destinations"]
        ],
    }


def _compress_retries(node: Any, seconds: float) -> Any:
    if isinstance(node, list):
        return [_compress_retries(item, seconds) for item in node]
    if not isinstance(node, dict):
        return node
    if "Retry" in node:
        node = {**node, "Retry": [_compress(retrier, seconds) for retrier in node["Retry"]]}
    return {key: _compress_retries(value, seconds) for key, value in node.items()}


def _compress(retrier: dict[str, Any], seconds: float) -> dict[str, Any]:
    compressed = {**retrier, "IntervalSeconds": max(1, int(seconds))}
    if "MaxDelaySeconds" in retrier:
        compressed["MaxDelaySeconds"] = max(1, int(seconds * 2))
    return compressed


def service_role(stack: Deployment, name: str, service: str, *, path: str = "/") -> str:
    """A role `service` may assume, named `name` (`stack.name_of` gives CloudFormation's name
    for a role SAM generates); the sandbox grants it no policies: moto enforces none."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }
    role = stack.client("iam").create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust)
    )
    return str(role["Role"]["Arn"])
