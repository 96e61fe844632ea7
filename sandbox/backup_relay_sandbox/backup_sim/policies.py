"""Key and vault policies: the usual ones, and just enough evaluation to say whether an account
may use a key or copy into a vault.

A statement applies to an account when its Principal is `*`, the account id, or an ARN in that
account (its root, or a role such as AWSServiceRoleForBackup). Conditions on
`aws:PrincipalOrgID`, `aws:PrincipalAccount` and `kms:CallerAccount` are evaluated; any other
condition is taken as met. An explicit Deny wins over an Allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

_ACCOUNT_CONDITIONS = {"aws:principalaccount", "kms:calleraccount"}
KEY_USERS_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
]


def shared_key(account: str, grant_accounts: Iterable[str]) -> dict[str, Any]:
    """A key policy: the owning account administers the key; `grant_accounts` may use it."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if grantees := [f"arn:aws:iam::{a}:root" for a in grant_accounts]:
        statements.append(
            {
                "Sid": "Allow use of the key by other accounts",
                "Effect": "Allow",
                "Principal": {"AWS": grantees},
                "Action": KEY_USERS_ACTIONS,
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def copy_into_vault(organization_id: str, from_accounts: Iterable[str]) -> dict[str, Any]:
    """A vault access policy allowing `backup:CopyIntoBackupVault` to the given accounts, or to
    the whole organization when none is given."""
    statement: dict[str, Any] = {
        "Sid": "AllowCopyIntoVault",
        "Effect": "Allow",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    if accounts := [f"arn:aws:iam::{a}:root" for a in from_accounts]:
        statement["Principal"] = {"AWS": accounts}
    else:
        statement["Principal"] = {"AWS": "*"}
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def allows(
    policy: str | Mapping[str, Any] | None,
    *,
    account: str,
    actions: Iterable[str],
    organization_id: str | None,
) -> bool:
    """Does `policy` allow principals of `account` every one of `actions`?"""
    document = _load(policy)
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    matching = [
        s for s in statements if _applies(s, account=account, organization_id=organization_id)
    ]
    for action in actions:
        effects = {s.get("Effect") for s in matching if _covers(s.get("Action"), action)}
        if "Deny" in effects or "Allow" not in effects:
            return False
    return True


def _load(policy: str | Mapping[str, Any] | None) -> Mapping[str, Any]:
    if policy is None:
        return {}
    if isinstance(policy, Mapping):
        return policy
    loaded = json.loads(policy)
    return loaded if isinstance(loaded, Mapping) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _applies(statement: Mapping[str, Any], *, account: str, organization_id: str | None) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        names = ["*"]
    elif isinstance(principal, Mapping):
        names = _as_list(principal.get("AWS"))
    else:
        names = []
    if not any(_names_account(name, account) for name in names):
        return False
    return _conditions_hold(statement.get("Condition", {}), account, organization_id)


def _names_account(name: Any, account: str) -> bool:
    if not isinstance(name, str):
        return False
    return name in ("*", account) or (name.startswith("arn:") and name.split(":")[4] == account)


def _conditions_hold(
    conditions: Mapping[str, Any], account: str, organization_id: str | None
) -> bool:
    for block in conditions.values():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            expected = [str(v) for v in _as_list(values)]
            if key.lower() == "aws:principalorgid" and organization_id not in expected:
                return False
            if key.lower() in _ACCOUNT_CONDITIONS and account not in expected:
                return False
    return True


def _covers(patterns: Any, action: str) -> bool:
    return any(
        isinstance(p, str) and fnmatchcase(action.lower(), p.lower()) for p in _as_list(patterns)
    )
