"""The Organizations delegation policy a delegated administrator of AWS Backup needs to manage
the organization's backup policies: without it, only the management account may create, change
or attach them.

AWS's pages:
- [delegation] Delegated administrator for AWS Organizations: a resource-based delegation
  policy, put in the management account (PutResourcePolicy), lets member accounts perform
  policy actions "that are by default available only to the management account":
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies.html
- [example] Consolidated permissions to manage an organization's backup policies (the policy
  this rule accepts): https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies_example_consolidate_permissions.html
- [describe] DescribeResourcePolicy: "You can only call this operation from the management
  account or a member account that is a delegated administrator."
  https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeResourcePolicy.html

What the rule asks of each delegated administrator (not the management account): the policy
actions of AWS's example on a backup policy (`organizations:PolicyType` BACKUP_POLICY):
create, update, delete, attach, detach, describe and list. Enabling or disabling the policy
type, which the example also delegates, is left out: the management account does it once.
INFERRED: a statement with a condition on any key but `organizations:PolicyType` is not taken
to grant (the doctor cannot evaluate it); a Deny is evaluated like an Allow, conditions alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

from backup_relay.doctor.facts import CentralFacts
from backup_relay.doctor.policy import as_list, names_account, principals
from backup_relay.doctor.report import Finding
from backup_relay.doctor.rules import rule
from backup_relay.domain.categories import Category
from backup_relay.domain.failures import Severity

EXAMPLE_PAGE = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/"
    "orgs_delegate_policies_example_consolidate_permissions.html"
)
#: The actions a delegated administrator needs on BACKUP_POLICY policies [example].
BACKUP_POLICY_ACTIONS = (
    "organizations:CreatePolicy",
    "organizations:UpdatePolicy",
    "organizations:DeletePolicy",
    "organizations:AttachPolicy",
    "organizations:DetachPolicy",
    "organizations:DescribePolicy",
    "organizations:ListPolicies",
)
POLICY_TYPE = "BACKUP_POLICY"
_TYPE_KEY = "organizations:policytype"


def backup_policy_arn(management: str, organization_id: str) -> str:
    """A backup policy's ARN, as the example's Resource patterns name them."""
    return f"arn:aws:organizations::{management}:policy/{organization_id}/backup_policy/p-any"


def missing_actions(policy: str | None, account: str, resource: str) -> list[str]:
    """The BACKUP_POLICY_ACTIONS the delegation policy does not allow `account` on `resource`."""
    statements = _statements(policy)
    return [
        action
        for action in BACKUP_POLICY_ACTIONS
        if not any(_applies(s, action, account, resource) for s in statements if _is(s, "Allow"))
        or any(_applies(s, action, account, resource) for s in statements if _is(s, "Deny"))
    ]


def _statements(policy: str | None) -> list[dict[str, Any]]:
    try:
        found = json.loads(policy or "").get("Statement", [])
    except (ValueError, AttributeError):
        return []
    return [s for s in as_list(found) if isinstance(s, dict)]


def _is(statement: dict[str, Any], effect: str) -> bool:
    return statement.get("Effect") == effect


def _applies(statement: dict[str, Any], action: str, account: str, resource: str) -> bool:
    actions = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
    resources = [r for r in as_list(statement.get("Resource")) if isinstance(r, str)]
    return (
        any(fnmatchcase(action.lower(), a.lower()) for a in actions)
        and any(names_account(name, account) for name in principals(statement))
        and any(fnmatchcase(resource, r) for r in resources)
        and _conditions_hold(statement.get("Condition") or {})
    )


def _conditions_hold(conditions: dict[str, Any]) -> bool:
    for operator, block in conditions.items():
        for key, values in (block if isinstance(block, dict) else {}).items():
            if key.lower() != _TYPE_KEY:
                return False  # INFERRED: a condition the doctor cannot evaluate
            base = operator.removesuffix("IfExists")
            matched = any(fnmatchcase(POLICY_TYPE, str(v)) for v in as_list(values))
            if base in ("StringEquals", "StringLike") and not matched:
                return False
            if base in ("StringNotEquals", "StringNotLike") and matched:
                return False
    return True


def needs_checking(central: CentralFacts) -> list[str]:
    """The delegated administrators of AWS Backup the delegation policy must allow (the
    management account needs none)."""
    org = central.organization
    return [a for a in org.delegated_administrators or [] if a != org.management_account]


@rule(Category.ORGANIZATION_SETUP)
def delegated_administrators_may_manage_backup_policies(
    central: CentralFacts,
) -> Iterable[Finding]:
    """[delegation] [example]: each delegated administrator of AWS Backup is allowed the policy
    actions on BACKUP_POLICY policies, when the doctor could read the policy [describe] and
    backup policies are not off."""
    org = central.organization
    if not org.delegation_policy_read or org.backup_policies_enabled is False:
        return
    management = org.management_account or central.account
    resource = backup_policy_arn(management, org.organization_id or central.organization_id)
    for admin in needs_checking(central):
        missing = missing_actions(org.delegation_policy, admin, resource)
        if not missing:
            continue
        why = (
            "the organization has no delegation policy"
            if org.delegation_policy is None
            else f"the delegation policy does not allow it {', '.join(missing)} on them"
        )
        yield Finding(
            severity=Severity.WARNING,
            category=Category.ORGANIZATION_SETUP,
            account=management,
            region="-",
            resource=f"the Organizations delegation policy, for delegated administrator {admin}",
            problem=f"account {admin} is AWS Backup's delegated administrator but cannot manage "
            f"the organization's backup policies: {why}",
            fix=f"in account {management}: aws organizations put-resource-policy --content "
            "file://delegation.json, with AWS's example 'Consolidated permissions to manage an "
            f"organization's backup policies' (principal arn:aws:iam::{admin}:root); it allows "
            f"{', '.join(BACKUP_POLICY_ACTIONS)} on BACKUP_POLICY policies",
            docs=EXAMPLE_PAGE,
        )
