"""Deploy member/template.yaml (the forwarding stack) into a moto member account."""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay_sandbox import deploy
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION
from backup_relay_sandbox.deploy import Deployment, Queue
from backup_relay_sandbox.template import MEMBER_TEMPLATE, load_template


@dataclass
class MemberStack:
    stack: Deployment
    dead_letter_queue: Queue

    @property
    def account(self) -> str:
        return self.stack.account


def deploy_member(
    account: str,
    *,
    region: str = REGION,
    central_account: str = CENTRAL_ACCOUNT,
    central_bus_name: str = "backup-relay",
) -> MemberStack:
    stack = Deployment.of(
        "backup-relay-member",
        load_template(MEMBER_TEMPLATE),
        account=account,
        region=region,
        parameters={"CentralAccountId": central_account, "CentralEventBusName": central_bus_name},
    )
    deploy.create_roles(stack)
    queues = deploy.create_queues(stack)
    deploy.create_rules(stack)
    deploy.apply_queue_policies(stack)
    return MemberStack(stack, queues["ForwardDeadLetterQueue"])
