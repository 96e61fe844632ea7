"""Create a template's resources in moto, in one account and region, through the AWS APIs.

Only the resource types the sandbox needs, each with every property that shapes behaviour.
moto's CloudFormation is not used: it skips EventBusPolicy and its state machines are not
visible to the executing interpreter (docs/testing.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from backup_relay_sandbox.deployment import Deployment, Queue
from backup_relay_sandbox.template import (
    REPO_ROOT,
)


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


def create_lag_vaults(stack: Deployment) -> dict[str, str]:
    """Logically air-gapped vaults (the simulator's CreateLogicallyAirGappedBackupVault), with
    their access policies. Their AWS RAM shares: deploy_ram.create_resource_shares."""
    backup = stack.client("backup")
    vaults: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::Backup::LogicallyAirGappedBackupVault"):
        properties = stack.resolved(logical_id)
        name = properties["BackupVaultName"]
        key = {"EncryptionKeyArn": k} if (k := properties.get("EncryptionKeyArn")) else {}
        arn = backup.create_logically_air_gapped_backup_vault(
            BackupVaultName=name,
            MinRetentionDays=int(properties["MinRetentionDays"]),
            MaxRetentionDays=int(properties["MaxRetentionDays"]),
            **key,
        )["BackupVaultArn"]
        if "AccessPolicy" in properties:
            backup.put_backup_vault_access_policy(
                BackupVaultName=name, Policy=json.dumps(properties["AccessPolicy"])
            )
        vaults[logical_id] = arn
        stack.values |= {logical_id: name, f"{logical_id}.BackupVaultArn": arn}
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
