"""Faults on demand: throttled StartCopyJob calls, lost and duplicated events, slow jobs.

Every choice is deterministic: shares are drawn from a generator seeded with `seed`, one draw
per StartCopyJob call or per event, so a scenario replays identically.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

ANY_JOB = "*"


class Delivery(StrEnum):
    DELIVER = "deliver"
    LOSE = "lose"
    DUPLICATE = "duplicate"


@dataclass
class Faults:
    seed: int = 0
    #: Share of StartCopyJob calls rejected (0.0-1.0), and 1-based call numbers always rejected.
    #: boto3 retries throttling errors by itself: count its retries as calls, or give the
    #: client `Config(retries={"total_max_attempts": 1})`.
    throttle_share: float = 0.0
    throttle_calls: set[int] = field(default_factory=set)
    throttle_error: str = "ThrottlingException"  # or "LimitExceededException"
    #: Share of job events never delivered, and (job id or "*", state) pairs never delivered.
    lose_share: float = 0.0
    lose: set[tuple[str, str]] = field(default_factory=set)
    #: Share of job events delivered twice, and (job id or "*", state) pairs delivered twice.
    duplicate_share: float = 0.0
    duplicate: set[tuple[str, str]] = field(default_factory=set)
    #: Job id -> how long it runs (RUNNING -> final), instead of the scenario's duration.
    job_durations: dict[str, timedelta] = field(default_factory=dict)

    start_copy_job_calls: int = field(default=0, init=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def throttles_next_call(self) -> bool:
        """Count a StartCopyJob call; should it be rejected?"""
        self.start_copy_job_calls += 1
        draw = self._rng.random()
        return self.start_copy_job_calls in self.throttle_calls or draw < self.throttle_share

    def delivery(self, job_id: str, state: str) -> Delivery:
        draw = self._rng.random()
        if _listed(self.lose, job_id, state) or draw < self.lose_share:
            return Delivery.LOSE
        if _listed(self.duplicate, job_id, state) or draw >= 1.0 - self.duplicate_share:
            return Delivery.DUPLICATE
        return Delivery.DELIVER


def _listed(pairs: set[tuple[str, str]], job_id: str, state: str) -> bool:
    return (job_id, state) in pairs or (ANY_JOB, state) in pairs
