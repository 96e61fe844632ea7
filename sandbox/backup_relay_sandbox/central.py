"""Deploy the central stack's collection path (bus, policy, rules, queues, tables) into moto.

Every property that shapes behaviour (patterns, InputTransformers, redrive, key schemas, the
function's environment) is read from template.yaml, so the sandbox runs what `sam deploy` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backup_relay_sandbox import deploy
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, ORGANIZATION_ID, REGION
from backup_relay_sandbox.deploy import Deployment, Queue
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template, resolve

__all__ = ["CentralStack", "Queue", "deploy_central"]


@dataclass
class CentralStack:
    stack: Deployment
    bus_name: str
    ingest_queue: Queue
    dead_letter_queue: Queue
    tables: dict[str, str]
    rules: dict[str, str]  # logical id -> bus name
    logs: list[str] = field(default_factory=list)  # what the handlers printed (CloudWatch Logs)

    @property
    def region(self) -> str:
        return self.stack.region

    def function_environment(self, logical_id: str) -> dict[str, str]:
        template = self.stack.template
        variables = {
            **template.get("Globals", {})
            .get("Function", {})
            .get("Environment", {})
            .get("Variables", {}),
            **template["Resources"][logical_id]["Properties"]
            .get("Environment", {})
            .get("Variables", {}),
        }
        return {name: str(resolve(value, self.stack.values)) for name, value in variables.items()}


def deploy_central(
    *,
    region: str = REGION,
    organization_id: str = ORGANIZATION_ID,
    allowed_source_accounts: str = "",
) -> CentralStack:
    stack = Deployment.of(
        "backup-relay",
        load_template(CENTRAL_TEMPLATE),
        account=CENTRAL_ACCOUNT,
        region=region,
        parameters={
            "OrganizationId": organization_id,
            "AllowedSourceAccounts": allowed_source_accounts,
        },
    )
    deploy.create_event_buses(stack)
    queues = deploy.create_queues(stack)
    tables = deploy.create_tables(stack)
    deploy.apply_bus_policies(stack)
    rules = deploy.create_rules(stack)
    deploy.apply_queue_policies(stack)
    return CentralStack(
        stack=stack,
        bus_name=stack.values["EventBus"],
        ingest_queue=queues["IngestQueue"],
        dead_letter_queue=queues["DeadLetterQueue"],
        tables=tables,
        rules=rules,
    )
