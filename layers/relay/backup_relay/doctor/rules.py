"""What a doctor rule is: a pure function over facts that yields findings, tagged with the
categories it can report (so a test can show every checkable catalogue category has a rule)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from backup_relay.doctor.report import Finding
from backup_relay.domain.categories import Category

F = TypeVar("F", bound=Callable[..., Iterable[Finding]])

#: Every rule, central and member, by name: filled by @rule.
ALL_RULES: dict[str, Any] = {}


def rule(*categories: Category) -> Callable[[F], F]:
    def register(function: F) -> F:
        function.categories = frozenset(categories)  # type: ignore[attr-defined]
        ALL_RULES[function.__name__] = function
        return function

    return register


def categories_of(function: Any) -> frozenset[Category]:
    found: frozenset[Category] = function.categories
    return found
