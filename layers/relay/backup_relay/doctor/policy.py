"""Just enough IAM policy reading for the doctor: who an Allow statement lets do what.

Deny statements and conditions other than the organization's (and, for a key's grant
statement, `kms:GrantIsForAWSResource`) are not evaluated: the doctor asks "is the grant a copy
needs there?", and an answer of yes can still be undone by a Deny.

A statement names an account when its principal is the account's id, its root, or an ARN in it
(a role such as AWSServiceRoleForBackup or a backup role): AWS's least-privilege examples name
the source accounts' roots (https://docs.aws.amazon.com/aws-backup/latest/devguide/
create-a-vault-access-policy.html) and, for keys, the accounts or their roles
(https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
INFERRED: a role ARN of an account counts for the account; the doctor does not check that it is
the role AWS Backup copies with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
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


def accounts_allowed(
    policy: str | None, action: str, accounts: Iterable[str], organization_id: str
) -> set[str]:
    """Which of `accounts` an Allow statement grants `action`: by name (their root, id, or an
    ARN in them), or as the organization (or everyone)."""
    wanted = set(accounts)
    found: set[str] = set()
    for statement in _allowing(policy, action):
        found |= _accounts_of(statement, wanted, organization_id)
    return found


def named_accounts(policy: str | None, action: str, organization_id: str) -> set[str]:
    """The accounts Allow statements grant `action` by name ("*" when one grants everyone or
    the organization)."""
    found: set[str] = set()
    for statement in _allowing(policy, action):
        org = _condition(statement, "aws:PrincipalOrgID")
        if org is not None and organization_id not in as_list(org):
            continue
        for name in principals(statement):
            parts = name.split(":")
            if name == "*":
                found.add("*")
            elif name.isdigit():
                found.add(name)
            elif name.startswith("arn:") and len(parts) > 4 and parts[4].isdigit():
                found.add(parts[4])
    return found


def lets_account_grant(policy: str | None, account: str, organization_id: str) -> bool:
    """Does an Allow statement grant kms:CreateGrant to the account (or the organization) for
    AWS resources, as AWS's cross-account key policy does ("Allow attachment of persistent
    resources": kms:CreateGrant, kms:ListGrants, kms:RevokeGrant under
    "kms:GrantIsForAWSResource": "true")? A grant without that condition allows more, so it
    counts. INFERRED: kms:CreateGrant is the one a copy needs; ListGrants and RevokeGrant are
    not looked for."""
    for statement in _allowing(policy, "kms:CreateGrant"):
        for_aws = _condition(statement, "kms:GrantIsForAWSResource")
        if for_aws is not None and "true" not in [str(v).lower() for v in as_list(for_aws)]:
            continue
        if _accounts_of(statement, {account}, organization_id):
            return True
    return False


def _accounts_of(statement: dict[str, Any], accounts: set[str], organization_id: str) -> set[str]:
    org = _condition(statement, "aws:PrincipalOrgID")
    if org is not None and organization_id not in as_list(org):
        return set()
    names = principals(statement)
    return {a for a in accounts if any(names_account(n, a) for n in names)}


def principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    names = as_list(principal.get("AWS") if isinstance(principal, dict) else principal)
    return [str(name) for name in names]


def names_account(name: str, account: str) -> bool:
    """`name` is the account: `*`, its id, its root, or an ARN in it."""
    if name in ("*", account):
        return True
    parts = name.split(":")
    return name.startswith("arn:") and len(parts) > 4 and parts[4] == account


def _allowing(policy: str | None, action: str) -> list[dict[str, Any]]:
    """Allow statements whose Action covers `action`, wildcards included (kms:*, kms:Create*)."""
    return [
        statement
        for statement in _allow_statements(policy)
        if any(
            isinstance(pattern, str) and fnmatchcase(action.lower(), pattern.lower())
            for pattern in as_list(statement.get("Action"))
        )
    ]


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
