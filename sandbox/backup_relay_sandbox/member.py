"""Deploy member/template.yaml (the forwarding stack) into a moto member account, and
vaults/template.yaml (the central and DR vaults) into the central account."""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay_sandbox import deploy
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, ORGANIZATION_ID, REGION
from backup_relay_sandbox.deploy import Deployment, Queue
from backup_relay_sandbox.template import MEMBER_TEMPLATE, VAULTS_TEMPLATE, load_template


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
    with_backup_plan: str | None = None,
) -> MemberStack:
    """`with_backup_plan`: the vault name of CreateBackupPlan (None: no vault, no plan)."""
    plan = {"CreateBackupPlan": "true", "MemberVaultName": with_backup_plan or ""}
    stack = Deployment.of(
        "backup-relay-member",
        load_template(MEMBER_TEMPLATE),
        account=account,
        region=region,
        parameters={
            "CentralAccountId": central_account,
            "CentralEventBusName": central_bus_name,
            **(plan if with_backup_plan else {}),
        },
    )
    deploy.create_keys(stack)
    deploy.create_backup_vaults(stack)
    deploy.create_backup_plans(stack)
    deploy.create_roles(stack)
    queues = deploy.create_queues(stack)
    deploy.create_rules(stack)
    deploy.apply_queue_policies(stack)
    return MemberStack(stack, queues["ForwardDeadLetterQueue"])


def deploy_vaults(
    region: str,
    *,
    account: str = CENTRAL_ACCOUNT,
    dr_region: str = DR_REGION,
    **parameters: str,
) -> Deployment:
    """The vaults stack of one region: its central vault (and the DR vault in the DR region),
    on the region's customer managed key."""
    stack = Deployment.of(
        "backup-relay-vaults",
        load_template(VAULTS_TEMPLATE),
        account=account,
        region=region,
        parameters={"OrganizationId": ORGANIZATION_ID, "DrRegion": dr_region, **parameters},
    )
    deploy.create_keys(stack)
    deploy.create_backup_vaults(stack)
    return stack
