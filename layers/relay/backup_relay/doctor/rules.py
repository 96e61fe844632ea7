"""What a doctor rule is: a pure function over facts that yields findings, tagged with the
categories it can report (so a test can show every checkable catalogue category has a rule)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from backup_relay.doctor.report import Finding

F = TypeVar("F", bound=Callable[..., Iterable[Finding]])

#: Every rule, central and member, by name: filled by @rule.
ALL_RULES: dict[str, Any] = {}


def rule(*categories: str) -> Callable[[F], F]:
    def register(function: F) -> F:
        function.categories = frozenset(categories)  # type: ignore[attr-defined]
        ALL_RULES[function.__name__] = function
        return function

    return register


def categories_of(function: Any) -> frozenset[str]:
    found: frozenset[str] = function.categories
    return found


def service_role(account: str) -> str:
    return (
        f"arn:aws:iam::{account}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup"
    )


KEY_STATEMENTS_FIX = (
    "the two statements of AWS's cross-account copy guidance: allow {principal} kms:Encrypt, "
    "kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey* and kms:DescribeKey; and kms:CreateGrant, "
    'kms:ListGrants and kms:RevokeGrant under "Bool": {{"kms:GrantIsForAWSResource": "true"}}'
)
