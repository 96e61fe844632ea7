"""Deploy member/template.yaml (the forwarding stack) into a moto member account, and
vaults/template.yaml (the central and DR vaults) into the central account."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, iam_backends

from backup_relay_sandbox import deploy, deploy_ram
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, ORGANIZATION_ID, REGION, client
from backup_relay_sandbox.deployment import Deployment, Queue
from backup_relay_sandbox.template import MEMBER_TEMPLATE, VAULTS_TEMPLATE, load_template

#: The StackSet member/template.yaml is deployed with (its header's create-stack-set command).
STACK_SET_NAME = "backup-relay-member"


def stack_instance_name(stack_set_name: str, account: str, region: str) -> str:
    """The name of a service-managed StackSet's stack in `account` and `region`:
    `StackSet-<stack set name>-<uuid>` (INFERRED from public stack and role names, see
    docs/testing.md). The uuid is derived from the account and region: runs are reproducible."""
    digest = hashlib.sha256(f"{stack_set_name}|{account}|{region}".encode()).digest()
    return f"StackSet-{stack_set_name}-{uuid.UUID(bytes=digest[:16], version=4)}"


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
        stack_instance_name(STACK_SET_NAME, account, region),
        load_template(MEMBER_TEMPLATE),
        account=account,
        region=region,
        parameters={
            "CentralAccountId": central_account,
            "CentralEventBusName": central_bus_name,
            **(plan if with_backup_plan else {}),
        },
    )
    deploy.create_roles(stack, with_policies=False)  # the plan's selection names its role
    deploy.create_keys(stack)
    deploy.create_backup_vaults(stack)
    deploy.create_backup_plans(stack)
    queues = deploy.create_queues(stack)
    deploy.create_rules(stack)
    deploy.apply_queue_policies(stack)
    deploy.put_role_policies(stack)  # the DoctorRole's names the dead-letter queue
    for logical_id in stack.of_type("AWS::IAM::Role"):
        arns = stack.resolved(logical_id, only=("ManagedPolicyArns",)).get("ManagedPolicyArns", [])
        for arn in arns:
            attach_aws_managed_policy(account, stack.names[logical_id], arn)
    return MemberStack(stack, queues["ForwardDeadLetterQueue"])


def deploy_vaults(
    region: str,
    *,
    account: str = CENTRAL_ACCOUNT,
    dr_region: str = DR_REGION,
    **parameters: str,
) -> Deployment:
    """The vaults stack of one region: its central vault (and the DR vault in the DR region),
    on the region's customer managed key; in the DR region with DrEventsHomeRegion, the rule
    that forwards its copy job events to that region's default bus (and its role)."""
    stack = Deployment.of(
        "backup-relay-vaults",
        load_template(VAULTS_TEMPLATE),
        account=account,
        region=region,
        parameters={"OrganizationId": ORGANIZATION_ID, "DrRegion": dr_region, **parameters},
    )
    deploy.create_keys(stack)
    deploy.create_backup_vaults(stack)
    deploy.create_lag_vaults(stack)
    deploy_ram.create_resource_shares(stack)  # the LAG vault's, when LagShared
    deploy.create_roles(stack)  # DrEventsRole, with DrEventsHomeRegion in the DR region
    deploy.create_rules(stack)  # DrEventsRule: moto_fidelity forwards it whole, across regions
    return stack


@cache
def _aws_managed_policies() -> dict[str, Any]:
    """moto's copy of AWS's managed policies, parsed once per process (a few MB of JSON: a
    quarter of a second per parse, once per role of every sandbox otherwise)."""
    documents: dict[str, Any] = json.loads(aws_managed_policies_data)
    return documents


def attach_aws_managed_policy(account: str, role_name: str, policy_arn: str) -> None:
    """Attach AWS's managed policy (arn:aws:iam::aws:policy/...) to a role of `account`. moto
    knows AWS's managed policies (its copy of their documents) but loads them only when
    MOTO_IAM_LOAD_MANAGED_POLICIES is set, all of them in every account (slow): the sandbox adds
    the ones its roles name, from moto's copy, as AWS has them in every account."""
    backend: Any = iam_backends[account]["global"]
    if policy_arn not in backend.managed_policies:
        name = policy_arn.rsplit("/", 1)[-1]
        data = _aws_managed_policies()[name]
        policy = AWSManagedPolicy.from_data(name, account, "us-east-1", data)
        backend.managed_policies[policy.arn] = policy
    client("iam", REGION, account).attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)


def create_service_linked_role(account: str) -> None:
    """AWSServiceRoleForBackup, as AWS Backup creates it on first use in an account (moto's
    CreateServiceLinkedRole names it AWSServiceRoleForbackup: made here with AWS's name, path
    and trust)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    client("iam", REGION, account).create_role(
        Path="/aws-service-role/backup.amazonaws.com/",
        RoleName="AWSServiceRoleForBackup",
        AssumeRolePolicyDocument=json.dumps(trust),
    )
