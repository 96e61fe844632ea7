"""What every part of the simulator reads: the virtual clock, the scenario, its faults, the ids."""

from __future__ import annotations

from datetime import datetime

from backup_relay_sandbox.backup_sim.clock import VirtualClock
from backup_relay_sandbox.backup_sim.faults import Faults
from backup_relay_sandbox.backup_sim.model import Ids, Settings


class Context:
    """The `Simulator` is the context it hands its parts; they read `settings` and `faults`
    through it when they need them, so a scenario that assigns `sim.faults = Faults(...)` reaches
    all of them at once."""

    def __init__(self, seed: int, *, exact_delivery: bool = False) -> None:
        self.clock = VirtualClock()
        self.settings = Settings()
        # best-effort delivery unless the scenario opts out (faults.py)
        self.faults = Faults.exact(seed=seed) if exact_delivery else Faults(seed=seed)
        self.ids = Ids(seed)

    @property
    def now(self) -> datetime:
        return self.clock.now
