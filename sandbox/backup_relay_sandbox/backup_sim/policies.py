"""Key and vault policies: the usual ones, and an evaluation of whether one principal may do an
action under a policy, with the request context AWS would give it.

A statement applies to a principal when its Principal is `*`, the principal's account (its id or
`arn:aws:iam::<account>:root`), or the principal's own ARN (a named role). Its Condition block
is evaluated against the request's context keys (`Request.context`): `aws:PrincipalOrgID`,
`aws:PrincipalOrgPaths`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `kms:CallerAccount`, and
per action any extra key (`kms:GrantIsForAWSResource` on CreateGrant...), with IAM's condition
operators (String*, Arn*, Bool, Null; `ForAnyValue:`/`ForAllValues:`; `...IfExists`): "IAM JSON
policy elements: Condition operators",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
A key the request does not carry makes a condition false, except for negated operators,
`ForAllValues:`, `...IfExists` and `Null`, as that page says; an operator the simulator does not
know (Numeric*, Date*, IpAddress...) makes it false: INFERRED, failing closed rather than
allowing what AWS might refuse. An explicit Deny wins over an Allow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

KEY_USERS_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
]


@dataclass(frozen=True)
class Request:
    """Who asks (an IAM principal ARN) and the context keys AWS puts in its request."""

    principal_arn: str
    organization_id: str | None = None  # None: the principal's account is outside it
    organization_paths: tuple[str, ...] = ()
    #: action (lower-case, `kms:creategrant`) -> context keys only that action carries
    per_action: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def account(self) -> str:
        return self.principal_arn.split(":")[4]

    def context(self, action: str) -> dict[str, tuple[str, ...]]:
        keys: dict[str, tuple[str, ...]] = {
            "aws:principalarn": (self.principal_arn,),
            "aws:principalaccount": (self.account,),
            "kms:calleraccount": (self.account,),
        }
        if self.organization_id is not None:
            keys["aws:principalorgid"] = (self.organization_id,)
            keys["aws:principalorgpaths"] = self.organization_paths
        for key, values in self.per_action.get(action.lower(), {}).items():
            keys[key.lower()] = values
        return keys


def service_linked_role(account: str) -> str:
    """AWSServiceRoleForBackup's ARN in `account` ("Using service-linked roles for AWS Backup":
    https://docs.aws.amazon.com/aws-backup/latest/devguide/using-service-linked-roles.html)."""
    path = "aws-service-role/backup.amazonaws.com"
    return f"arn:aws:iam::{account}:role/{path}/AWSServiceRoleForBackup"


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
    policy: str | Mapping[str, Any] | None, request: Request, actions: Iterable[str]
) -> bool:
    """Does `policy` allow `request`'s principal every one of `actions`?"""
    document = _load(policy)
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    for action in actions:
        context = request.context(action)
        effects = {
            s.get("Effect")
            for s in statements
            if isinstance(s, Mapping)
            and _covers(s.get("Action"), action)
            and _names(s.get("Principal"), request)
            and _conditions_hold(s.get("Condition", {}), context)
        }
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


def _names(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for name in _as_list(principal.get("AWS")):
        if not isinstance(name, str):
            continue
        if name in ("*", request.account, f"arn:aws:iam::{request.account}:root"):
            return True
        if name == request.principal_arn:
            return True
    return False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}


def _like(value: str, pattern: str) -> bool:
    """IAM's wildcards: `*` any run of characters, `?` one character (nothing else special)."""
    escaped = pattern.replace("[", "[[]")
    return fnmatchcase(value, escaped)


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda value, expected: value == expected,
    "stringequalsignorecase": lambda value, expected: value.lower() == expected.lower(),
    "stringlike": _like,
    "arnequals": lambda value, expected: value == expected,
    "arnlike": _like,
    "bool": lambda value, expected: value.lower() == expected.lower(),
}


def _conditions_hold(conditions: Any, context: Mapping[str, tuple[str, ...]]) -> bool:
    if not isinstance(conditions, Mapping):
        return False
    for operator, block in conditions.items():
        if not isinstance(block, Mapping):
            return False
        for key, expected in block.items():
            values = [_text(v) for v in _as_list(expected)]
            if not _condition(str(operator), context.get(str(key).lower()), values):
                return False
    return True


def _condition(operator: str, present: tuple[str, ...] | None, expected: list[str]) -> bool:
    name = operator.lower()
    quantifier = ""
    if ":" in name:
        quantifier, name = name.split(":", 1)
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    if name == "null":
        return ("true" if present is None else "false") in [e.lower() for e in expected]
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    matcher = _MATCHERS.get(base)
    if matcher is None or quantifier not in ("", "foranyvalue", "forallvalues"):
        return False  # INFERRED: an operator the simulator does not evaluate fails closed
    if present is None or not present:
        return if_exists or negated or quantifier == "forallvalues"

    def matches(value: str) -> bool:
        hit = any(matcher(value, e) for e in expected)
        return not hit if negated else hit

    if quantifier == "forallvalues":
        return all(matches(v) for v in present)
    return any(matches(v) for v in present)


def _covers(patterns: Any, action: str) -> bool:
    return any(
        isinstance(p, str) and fnmatchcase(action.lower(), p.lower()) for p in _as_list(patterns)
    )
