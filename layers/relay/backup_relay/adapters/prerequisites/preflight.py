"""The caller's account before `sam deploy` (doctor --preflight): read-only calls only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.adapters.prerequisites.central import (
    backup_role,
    cross_account_backup,
    organization,
)
from backup_relay.adapters.prerequisites.features import hub_facts
from backup_relay.adapters.prerequisites.reads import UNREADABLE, or_none
from backup_relay.doctor.facts import (
    RESERVING_FUNCTION,
    CentralFacts,
    LambdaConcurrency,
    PreflightFacts,
    StackPlan,
)


@dataclass
class AwsPreflight:
    """The caller's account, in the plan's region, before `sam deploy` (doctor --preflight):
    read-only calls only."""

    def preflight(self, plan: StackPlan) -> PreflightFacts:
        with domain_errors():
            identity = aws.client("sts", plan.region).get_caller_identity()
        account, partition = identity["Account"], identity["Arn"].split(":")[1]
        role = plan.parameters.get("BackupRoleName", "")
        role_arn = f"arn:{partition}:iam::{account}:role/{role}" if role else ""
        absent = {"backup_role_exists": False, "backup_role_trusts_backup": False}
        central = CentralFacts(
            account=account,
            organization_id=plan.parameters.get("OrganizationId", ""),
            vaults=[],
            cross_account_backup=cross_account_backup(plan.region),
            backup_role_arn=role_arn,
            organization=organization(),
            security_hub=hub_facts(plan.region)
            if plan.parameters.get("SecurityHubFindings") == "true"
            else None,
            **(backup_role(role_arn) if role else absent),
        )
        return PreflightFacts(
            plan=plan,
            central=central,
            lambda_concurrency=_lambda_concurrency(plan.region, plan.stack_name),
        )


def _lambda_concurrency(region: str, stack_name: str) -> LambdaConcurrency | None:
    lambda_ = aws.client("lambda", region)
    try:
        limit = lambda_.get_account_settings()["AccountLimit"]
    except ClientError as error:
        if code_of(error) in UNREADABLE:
            return None
        raise translated(error) from error
    return LambdaConcurrency(
        limit=limit["ConcurrentExecutions"],
        unreserved=limit["UnreservedConcurrentExecutions"],
        stack_reserves=_stack_reserves(lambda_, region, stack_name),
    )


def _stack_reserves(lambda_: Any, region: str, stack_name: str) -> int:
    """What the deployed stack's function reserves now: 0 before the first deploy."""
    try:
        resource = aws.cloudformation(region).describe_stack_resource(
            StackName=stack_name, LogicalResourceId=RESERVING_FUNCTION
        )["StackResourceDetail"]
    except ClientError as error:
        if code_of(error) == "ValidationError":  # no such stack, or no such resource in it
            return 0
        raise translated(error) from error
    function = resource.get("PhysicalResourceId")
    found = or_none(lambda: lambda_.get_function_concurrency(FunctionName=function))
    return int((found or {}).get("ReservedConcurrentExecutions") or 0) if function else 0
