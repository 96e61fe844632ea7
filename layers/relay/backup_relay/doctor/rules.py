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
