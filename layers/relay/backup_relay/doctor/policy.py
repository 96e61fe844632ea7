"""Just enough IAM policy reading for the doctor: who an Allow statement lets do what.

Deny statements and conditions other than the organization's are not evaluated: the doctor
asks "is the grant a copy needs there?", and an answer of yes can still be undone by a Deny.
"""

from __future__ import annotations

import json
from typing import Any

KEY_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
)


def allows_copy_into(policy: str | None, organization_id: str) -> bool:
    return allows_organization(policy, "backup:CopyIntoBackupVault", organization_id)


def allows_organization(policy: str | None, action: str, organization_id: str) -> bool:
    """Does an Allow statement grant `action` to the organization (or to everyone)? Accounts
    named one by one are not the organization: they do not count."""
    service = action.split(":", 1)[0]
    for statement in allows(policy, (action, f"{service}:*", "*")):
        if statement.get("Principal") not in ("*", {"AWS": "*"}):
            continue
        org = _condition(statement, "aws:PrincipalOrgID")
        if org is None or organization_id in as_list(org):
            return True
    return False


def lets_account_use(policy: str | None, account: str) -> bool:
    """Does an Allow statement grant kms:Decrypt to the account, a role of it, or everyone?"""
    for statement in allows(policy, ("kms:Decrypt", "kms:*", "*")):
        principal = statement.get("Principal")
        principals = as_list(principal.get("AWS") if isinstance(principal, dict) else principal)
        if any(p in ("*", account) or f":{account}:" in str(p) for p in principals):
            return True
    return False


def lets_organization_use(policy: str | None, organization_id: str) -> bool:
    """The key policy AWS's cross-account copy guidance gives: the organization's principals
    (its AWSServiceRoleForBackup) may use the key."""
    return allows_organization(policy, "kms:Decrypt", organization_id)


def allows(policy: str | None, actions: tuple[str, ...]) -> list[dict[str, Any]]:
    """The policy's Allow statements that name one of `actions`."""
    return [
        statement
        for statement in _allow_statements(policy)
        if any(action in actions for action in as_list(statement.get("Action")))
    ]


def open_to_anyone(policy: str | None) -> bool:
    """An Allow to every AWS principal without any condition."""
    return any(
        s.get("Principal") in ("*", {"AWS": "*"}) and not s.get("Condition")
        for s in _allow_statements(policy)
    )


def _allow_statements(policy: str | None) -> list[dict[str, Any]]:
    try:
        statements = json.loads(policy or "").get("Statement", [])
    except (ValueError, AttributeError):
        return []
    return [
        statement
        for statement in as_list(statements)
        if isinstance(statement, dict) and statement.get("Effect") == "Allow"
    ]


def _condition(statement: dict[str, Any], key: str) -> Any:
    for block in (statement.get("Condition") or {}).values():
        if isinstance(block, dict):
            for name, value in block.items():
                if name.lower() == key.lower():
                    return value
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
