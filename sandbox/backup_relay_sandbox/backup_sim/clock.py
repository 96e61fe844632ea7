"""A virtual clock: scheduled actions run in time order, only when the clock is advanced.

A background action (a recovery point's deletion when its lifecycle ends, days away) runs when
the clock passes its time, but is not work to wait for: `run_until_idle` stops once only
background actions remain, and `pending` does not count them."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)


@dataclass(order=True)
class Timer:
    when: datetime
    seq: int
    action: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)
    background: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or START  # START is read now: the sandbox server moves it
        self._timers: list[Timer] = []
        self._seq = itertools.count()

    def call_at(
        self, when: datetime, action: Callable[[], None], *, background: bool = False
    ) -> Timer:
        timer = Timer(max(when, self.now), next(self._seq), action, background=background)
        heapq.heappush(self._timers, timer)
        return timer

    def call_later(self, delay: timedelta, action: Callable[[], None]) -> Timer:
        return self.call_at(self.now + delay, action)

    def advance(self, delta: timedelta) -> int:
        """Move `delta` forward, running every action due on the way at its own time."""
        target = self.now + delta
        ran = self._run(until=target)
        self.now = target
        return ran

    def run_until_idle(self, max_actions: int = 100_000) -> int:
        """Run every scheduled action (and those they schedule) up to the last one that is not
        background; the clock stops there."""
        return self._run(until=None, max_actions=max_actions)

    @property
    def pending(self) -> int:
        return sum(not timer.cancelled and not timer.background for timer in self._timers)

    def next_due(self) -> datetime | None:
        """When the next action that is not background runs."""
        due = (t.when for t in self._timers if not t.cancelled and not t.background)
        return min(due, default=None)

    def _run(self, until: datetime | None, max_actions: int = 100_000) -> int:
        ran = 0
        while self._drop_cancelled() and (
            self._timers[0].when <= until if until is not None else self.pending > 0
        ):
            timer = heapq.heappop(self._timers)
            self.now = timer.when
            timer.action()
            ran += 1
            if ran >= max_actions:
                raise RuntimeError(f"more than {max_actions} scheduled actions: a loop?")
        return ran

    def _drop_cancelled(self) -> bool:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return bool(self._timers)
