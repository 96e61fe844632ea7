"""Deploy the central stack's collection path (bus, policy, rules, queues, tables) into moto.

Every property that shapes behaviour (patterns, InputTransformers, redrive, key schemas, the
function's environment) is read from template.yaml, so the sandbox runs what `sam deploy` would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from backup_relay_sandbox import deploy, moto_fidelity, moto_speed
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, ORGANIZATION_ID, REGION, client
from backup_relay_sandbox.deployment import Deployment, Queue
from backup_relay_sandbox.functions import Function, deploy_functions, set_environments
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template

__all__ = ["CentralStack", "Queue", "deploy_central", "received_alerts", "subscribe_inbox"]


@dataclass
class CentralStack:
    stack: Deployment
    bus_name: str
    ingest_queue: Queue
    dead_letter_queue: Queue
    alerts_queue: Queue
    alerts_dead_letter_queue: Queue
    alerts_topic: str  # ARN
    tables: dict[str, str]
    rules: dict[str, str]  # logical id -> bus name
    functions: dict[str, Function]  # logical id -> the real handler, callable
    state_machines: dict[str, str]  # logical id -> ARN

    @property
    def region(self) -> str:
        return self.stack.region

    @property
    def ingest(self) -> Function:
        return self.functions["IngestFunction"]


def deploy_central(
    *,
    region: str = REGION,
    organization_id: str = ORGANIZATION_ID,
    allowed_source_accounts: str = "",
    **parameters: str,
) -> CentralStack:
    """`parameters`: any other template parameter (DrRegion="us-east-1", ...)."""
    moto_fidelity.apply()
    moto_speed.apply()
    stack = Deployment.of(
        "backup-relay",
        load_template(CENTRAL_TEMPLATE),
        account=CENTRAL_ACCOUNT,
        region=region,
        parameters={
            "OrganizationId": organization_id,
            "AllowedSourceAccounts": allowed_source_accounts,
            **parameters,
        },
    )
    deploy.create_event_buses(stack)
    queues = deploy.create_queues(stack)
    tables = deploy.create_tables(stack)
    deploy.create_keys(stack)
    topics = deploy.create_topics(stack)
    deploy.apply_bus_policies(stack)
    rules = deploy.create_rules(stack)
    deploy.apply_queue_policies(stack)
    # in CloudFormation's order: roles (their policies name what comes later), log groups
    # (each function's LoggingConfig names its own), functions, the state machine that
    # invokes one, then what names the state machine (environments, policies)
    deploy.create_roles(stack, with_policies=False)
    deploy.create_log_groups(stack)
    functions = deploy_functions(stack)
    deploy.create_log_groups(stack)  # those named after a function
    machines = deploy.create_state_machines(stack)
    set_environments(stack, functions)
    deploy.put_role_policies(stack)
    return CentralStack(
        stack=stack,
        bus_name=stack.values["EventBus"],
        ingest_queue=queues["IngestQueue"],
        dead_letter_queue=queues["DeadLetterQueue"],
        alerts_queue=queues["AlertsQueue"],
        alerts_dead_letter_queue=queues["AlertsDeadLetterQueue"],
        alerts_topic=topics["AlertsTopic"],
        tables=tables,
        rules=rules,
        functions=functions,
        state_machines=machines,
    )


def subscribe_inbox(central: CentralStack, name: str = "operator-inbox") -> Queue:
    """An SQS queue subscribed to the Alerts topic, as an operator's tooling would subscribe one
    (not part of the template): what it receives is what subscribers get."""
    sqs = client("sqs", central.region)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    client("sns", central.region).subscribe(
        TopicArn=central.alerts_topic, Protocol="sqs", Endpoint=arn
    )
    return Queue(url, arn)


def received_alerts(inbox: Queue, region: str) -> list[dict[str, Any]]:
    """Every notification the inbox holds, taken off it: SNS's envelope with its Subject, its
    MessageAttributes (name -> value) and its Message (the subscriber's JSON document)."""
    sqs = client("sqs", region)
    received: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=inbox.url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            envelope = json.loads(message["Body"])
            received.append(
                {
                    "subject": envelope.get("Subject"),
                    "attributes": {
                        k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()
                    },
                    "document": json.loads(envelope["Message"]),
                }
            )
            sqs.delete_message(QueueUrl=inbox.url, ReceiptHandle=message["ReceiptHandle"])
    return received
