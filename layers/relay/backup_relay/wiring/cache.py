"""The builders' cache: each built once per Lambda sandbox, all forgotten by reset()."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

T = TypeVar("T")
_BUILT: list[Callable[[], object]] = []


def once(builder: Callable[[], T]) -> Callable[[], T]:
    cached = cache(builder)
    _BUILT.append(cached)
    return cached


def reset() -> None:
    """Forget built use cases, loaded settings and AWS clients."""
    from backup_relay.adapters import aws

    for built in _BUILT:
        built.cache_clear()  # type: ignore[attr-defined]
    aws.reset()
