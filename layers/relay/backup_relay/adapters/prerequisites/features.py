"""The facts of the central stack's opt-in features: the DR region's restore drills
(RestoreDrills: the vaults stack's plan, selections, role and forwarding rule) and Security Hub
(SecurityHubFindings: enabled where the stack publishes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, translated
from backup_relay.adapters.prerequisites.reads import UNREADABLE, or_none, pages
from backup_relay.doctor.facts import BusRuleFacts, DrillFacts, DrillRoleFacts, HubFacts
from backup_relay.doctor.policy import as_list

#: The restore job events the vaults stack's rule forwards (its EventPattern's detail-type).
_RESTORE_EVENTS = "Restore Job State Change"


def drill_plan_name(dr_vault_name: str) -> str:
    """vaults/template.yaml's RestoreTestingPlanName: `<DrVaultName>_drills`, with `-` as `_`
    (a plan's name takes letters, digits and underscores)."""
    return f"{dr_vault_name}_drills".replace("-", "_")


def drill_facts(
    role: Callable[[str], dict[str, Any]],
    region: str,
    dr_vault_name: str,
    bus_arn: str,
    chained_types: tuple[str, ...],
) -> DrillFacts:
    """`role`: central.backup_role, which reads a role as the doctor reads the backup role."""
    backup = aws.backup(region)
    name = drill_plan_name(dr_vault_name)
    plans = {p["RestoreTestingPlanName"] for p in pages(backup, *_PLANS)}
    selections = (
        list(pages(backup, *_SELECTIONS, RestoreTestingPlanName=name)) if name in plans else []
    )
    role_arns = sorted({s["IamRoleArn"] for s in selections if s.get("IamRoleArn")})
    return DrillFacts(
        region=region,
        plan_name=name,
        plan_exists=name in plans,
        selected_types=sorted({s["ProtectedResourceType"] for s in selections}),
        roles=[_role(arn, role(arn)) for arn in role_arns],
        chained_types=list(chained_types),
        bus_arn=bus_arn,
        rules=_restore_event_rules(aws.client("events", region)),
    )


_PLANS = ("list_restore_testing_plans", "RestoreTestingPlans")
_SELECTIONS = ("list_restore_testing_selections", "RestoreTestingSelections")


def _role(arn: str, found: dict[str, Any]) -> DrillRoleFacts:
    return DrillRoleFacts(
        arn=arn,
        exists=found["backup_role_exists"],
        trusts_backup=found["backup_role_trusts_backup"],
        policies=found.get("backup_role_policies"),
    )


def _restore_event_rules(events: Any) -> list[BusRuleFacts]:
    """The default bus's rules that take AWS Backup's restore job events, with their targets."""
    found: list[BusRuleFacts] = []
    for rule in pages(events, "list_rules", "Rules"):
        pattern = json.loads(rule.get("EventPattern") or "{}")
        kinds = as_list(pattern.get("detail-type"))
        if "aws.backup" not in as_list(pattern.get("source")) or (
            kinds and _RESTORE_EVENTS not in kinds
        ):
            continue
        name: str = rule["Name"]
        targets = or_none(
            lambda: list(pages(events, "list_targets_by_rule", "Targets", Rule=name))  # noqa: B023
        )
        found.append(
            BusRuleFacts(
                name=rule["Name"],
                enabled=rule.get("State") == "ENABLED",
                sources=["aws.backup"],
                targets=[t["Arn"] for t in targets or []],
            )
        )
    return found


def hub_facts(region: str) -> HubFacts:
    """DescribeHub: InvalidAccessException when Security Hub is not enabled (or the account
    may not call it), https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html."""
    try:
        aws.client("securityhub", region).describe_hub()
    except ClientError as error:
        code = code_of(error)
        if code == "InvalidAccessException":
            return HubFacts(region=region, enabled=False)
        if code in UNREADABLE:
            return HubFacts(region=region, enabled=None)
        raise translated(error) from error
    return HubFacts(region=region, enabled=True)
