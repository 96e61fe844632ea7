"""Deploy the central stack's collection path (bus, policy, rules, queues, tables) into moto.

Every property that shapes behaviour (patterns, InputTransformers, redrive, key schemas, the
function's environment) is read from template.yaml, so the sandbox runs what `sam deploy` would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, ORGANIZATION_ID, REGION, client
from backup_relay_sandbox.template import (
    load_template,
    parameter_defaults,
    resolve,
    resources_of_type,
)


@dataclass(frozen=True)
class Queue:
    url: str
    arn: str


@dataclass
class CentralStack:
    region: str
    bus_name: str
    ingest_queue: Queue
    dead_letter_queue: Queue
    tables: dict[str, str]
    rules: dict[str, tuple[str, str]]  # logical id -> (bus name, rule name)
    values: dict[str, Any] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)  # what the handlers printed (CloudWatch Logs)

    def function_environment(self, logical_id: str) -> dict[str, str]:
        template = load_template()
        variables = {
            **template.get("Globals", {})
            .get("Function", {})
            .get("Environment", {})
            .get("Variables", {}),
            **template["Resources"][logical_id]["Properties"]
            .get("Environment", {})
            .get("Variables", {}),
        }
        return {name: str(resolve(value, self.values)) for name, value in variables.items()}


def deploy_central(
    *,
    region: str = REGION,
    organization_id: str = ORGANIZATION_ID,
    allowed_source_accounts: str = "",
) -> CentralStack:
    template = load_template()
    values: dict[str, Any] = {
        **parameter_defaults(template),
        "OrganizationId": organization_id,
        "AllowedSourceAccounts": allowed_source_accounts,
        "AWS::AccountId": CENTRAL_ACCOUNT,
        "AWS::Region": region,
        "AWS::Partition": "aws",
    }
    events, sqs, dynamodb = (
        client("events", region),
        client("sqs", region),
        client("dynamodb", region),
    )

    bus = template["Resources"]["EventBus"]["Properties"]
    bus_name = resolve(bus["Name"], values)
    values["EventBus"] = bus_name
    values["EventBus.Arn"] = events.create_event_bus(Name=bus_name)["EventBusArn"]

    queues = _create_queues(sqs, template, values)
    tables = _create_tables(dynamodb, template, values)
    _apply_bus_policies(events, template, values)
    rules = _create_rules(events, template, values)
    return CentralStack(
        region=region,
        bus_name=bus_name,
        ingest_queue=queues["IngestQueue"],
        dead_letter_queue=queues["DeadLetterQueue"],
        tables=tables,
        rules=rules,
        values=values,
    )


def _create_queues(
    sqs: Any, template: Mapping[str, Any], values: dict[str, Any]
) -> dict[str, Queue]:
    queues: dict[str, Queue] = {}
    # queues without a redrive policy first: their ARNs are needed by the ones that redrive
    ordered = sorted(
        resources_of_type(template, "AWS::SQS::Queue").items(),
        key=lambda item: "RedrivePolicy" in item[1].get("Properties", {}),
    )
    for logical_id, resource in ordered:
        properties = resolve(resource.get("Properties", {}), values)
        attributes = {name: _queue_attribute(value) for name, value in properties.items()}
        url = sqs.create_queue(QueueName=f"backup-relay-{logical_id}", Attributes=attributes)[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        queues[logical_id] = Queue(url, arn)
        values[logical_id] = url
        values[f"{logical_id}.Arn"] = arn
        values[f"{logical_id}.QueueName"] = url.rsplit("/", 1)[-1]
    return queues


def _queue_attribute(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _create_tables(
    dynamodb: Any, template: Mapping[str, Any], values: dict[str, Any]
) -> dict[str, str]:
    tables: dict[str, str] = {}
    for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        properties = resource["Properties"]
        name = f"backup-relay-{logical_id}"
        extra = {}
        if "GlobalSecondaryIndexes" in properties:
            extra["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=properties["AttributeDefinitions"],
            KeySchema=properties["KeySchema"],
            BillingMode=properties["BillingMode"],
            **extra,
        )
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        tables[logical_id] = name
        values[logical_id] = name
        values[f"{logical_id}.Arn"] = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    return tables


def _apply_bus_policies(events: Any, template: Mapping[str, Any], values: dict[str, Any]) -> None:
    """moto CloudFormation skips AWS::Events::EventBusPolicy; the API takes the same statement."""
    for resource in resources_of_type(template, "AWS::Events::EventBusPolicy").values():
        properties = resolve(resource["Properties"], values)
        statement = {"Sid": properties["StatementId"], **properties["Statement"]}
        events.put_permission(
            EventBusName=properties["EventBusName"],
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )


def _create_rules(
    events: Any, template: Mapping[str, Any], values: dict[str, Any]
) -> dict[str, tuple[str, str]]:
    rules: dict[str, tuple[str, str]] = {}
    for logical_id, resource in resources_of_type(template, "AWS::Events::Rule").items():
        properties = resolve(resource["Properties"], values)
        bus_name = properties.get("EventBusName", "default")
        arn = events.put_rule(
            Name=logical_id,
            EventBusName=bus_name,
            EventPattern=json.dumps(properties["EventPattern"]),
            State=properties.get("State", "ENABLED"),
            Description=properties.get("Description", ""),
        )["RuleArn"]
        events.put_targets(Rule=logical_id, EventBusName=bus_name, Targets=properties["Targets"])
        rules[logical_id] = (bus_name, logical_id)
        values[f"{logical_id}.Arn"] = arn
    return rules
