"""One simulator per moto session.

The simulator lives on a moto backend object, so it vanishes whenever moto resets (every
`mock_aws()` start): a new session starts from a fresh simulator without anyone calling
`reset()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto.backup.models import backup_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from backup_relay_sandbox.backup_sim import moto_plugin
from backup_relay_sandbox.backup_sim.service import Simulator

_ATTRIBUTE = "backup_relay_simulator"
_ANCHOR_REGION = "us-east-1"
#: Whether new simulators deliver events exactly (once, at once, in order): `exact_delivery()`.
_EXACT: list[bool] = [False]


@contextmanager
def exact_delivery() -> Iterator[None]:
    """Inside the block, new simulators start with `Faults.exact()` instead of best-effort
    delivery (tests opt out with the `exact_delivery` marker: tests/support/sandbox_fixtures)."""
    saved = _EXACT[0]
    _EXACT[0] = True
    try:
        yield
    finally:
        _EXACT[0] = saved


def simulator() -> Simulator:
    """The simulator of the current moto session (created, and plugged into moto, on first use)."""
    moto_plugin.install(simulator)
    anchor = backup_backends[DEFAULT_ACCOUNT_ID][_ANCHOR_REGION]
    current = getattr(anchor, _ATTRIBUTE, None)
    if not isinstance(current, Simulator):
        current = Simulator(exact_delivery=_EXACT[0])
        setattr(anchor, _ATTRIBUTE, current)
    return current


def current() -> Simulator | None:
    """The current moto session's simulator, if one was created (never creates one)."""
    found = getattr(backup_backends[DEFAULT_ACCOUNT_ID][_ANCHOR_REGION], _ATTRIBUTE, None)
    return found if isinstance(found, Simulator) else None


def reset(seed: int = 0) -> Simulator:
    """Start over with a fresh simulator (ids and faults drawn from `seed`)."""
    moto_plugin.install(simulator)
    fresh = Simulator(seed=seed, exact_delivery=_EXACT[0])
    setattr(backup_backends[DEFAULT_ACCOUNT_ID][_ANCHOR_REGION], _ATTRIBUTE, fresh)
    return fresh
