"""The functions in the sandbox tell the time by AWS Backup's virtual clock.

Recovery points and job events carry the simulator's virtual dates (the night starts
2026-11-21T22:00Z and hours pass in seconds). The product compares them with its own clock
(reconcile's window, a hop's SLA, intermediate retention counted from a copy's creation date), so
in the sandbox `backup_relay.domain.clock.utc_now` reads the same clock; otherwise those comparisons
would depend on the day the tests run. Step Functions' own timers still run in real seconds (see
organization.py). Outside a sandbox session (another moto session, a unit test) the clock is
the real one again.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from backup_relay.domain import clock
from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.backup_sim.state import current

_bound: list[Simulator] = []


class _SandboxDatetime(datetime):
    """`datetime` whose `now()` is the bound simulator's time while its moto session lasts."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _SandboxDatetime:
        sim = _bound[0] if _bound else None
        if sim is None or current() is not sim:
            return super().now(tz)
        moment = sim.now.astimezone(tz or UTC)
        return cls.fromtimestamp(moment.timestamp(), moment.tzinfo)


def bind(sim: Simulator) -> None:
    """From now on, and while `sim`'s moto session lasts, the product's clock is `sim`'s."""
    _bound[:] = [sim]
    setattr(clock, "datetime", _SandboxDatetime)  # noqa: B010 (the module global utc_now reads)
