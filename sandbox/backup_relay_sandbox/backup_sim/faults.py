"""Faults on demand: throttled StartCopyJob calls, lost, duplicated, late, batched and reordered
events, slow jobs, restore and copy jobs that fail.

Delivery is best effort by default, as AWS's is: AWS Backup sends its events to EventBridge
"on a best effort basis ... every 5 minutes" ([eventbridge]), the event reference calls their
delivery "Best effort" ([eb-delivery]), and EventBridge delivers at least once, in no promised
order. So a `Faults()` batches events every 5 minutes, delivers 10 % twice at once and 5 % again
much later, and holds back 10 % of non-final events until after the job's next one: the
profile the demo has always used. Losing events stays opt-in (AWS: "in some rare cases").
`Faults.exact()` delivers each event once, at once, in order: a scenario (or a test, with the
`exact_delivery` marker) opts out of best effort, not into it.

Every choice is deterministic: shares are drawn from generators seeded with `seed`, one draw
per event (and, only when a timing fault is on, a second generator's draws for the event's
timing); a StartCopyJob call's draw depends on the seed and the call's number only. A scenario
replays identically.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

ANY_JOB = "*"


class RestoreFault(StrEnum):
    """A restore failure a test asks for (`Faults.restore_failures`; texts: restores.py)."""

    ROLE_NOT_AUTHORIZED = "role_not_authorized"  # the restore role lacks a permission
    KEY_NOT_ACCESSIBLE = "key_not_accessible"  # the restore may not use the point's key
    TARGET_EXISTS = "target_exists"  # RDS family: the identifier names an existing resource
    SUBNET_GROUP_MISSING = "subnet_group_missing"  # RDS family: DBSubnetGroupName names none
    SUBNET_GROUP_REQUIRED = "subnet_group_required"  # RDS family: none given, no default VPC


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
    duplicate_share: float = 0.1
    duplicate: set[tuple[str, str]] = field(default_factory=set)
    #: Job id -> how long it runs (RUNNING -> final), instead of the scenario's duration.
    job_durations: dict[str, timedelta] = field(default_factory=dict)
    #: Share of events delivered late, by a delay drawn up to `max_delay`.
    delay_share: float = 0.0
    max_delay: timedelta = timedelta(minutes=30)
    #: (job id or "*", state) -> delivered exactly this much later.
    delay: dict[tuple[str, str], timedelta] = field(default_factory=dict)
    #: Deliver events in batches: at the next multiple of this on the clock (AWS: "every 5
    #: minutes"), None delivers each at once.
    batch_every: timedelta | None = timedelta(minutes=5)
    #: Share of non-final events (CREATED, PENDING, RUNNING) held back and delivered just after
    #: the job's next event: a RUNNING after its COMPLETED.
    reorder_share: float = 0.1
    #: Share of events delivered a second time, far apart: a drawn time in `late_duplicate_after`.
    late_duplicate_share: float = 0.05
    late_duplicate_after: tuple[timedelta, timedelta] = (timedelta(minutes=30), timedelta(hours=2))

    #: Operation (as boto3 names it: "describe_copy_job") -> share of its calls refused with
    #: ThrottlingException (a common error, HTTP 400), and with ServiceUnavailableException
    #: (modelled for every Backup operation, HTTP 500), before the operation runs.
    api_throttle_share: dict[str, float] = field(default_factory=dict)
    api_unavailable_share: dict[str, float] = field(default_factory=dict)

    #: Recovery point ARN (or "*") -> the failure its restore jobs end with, when no rule
    #: fails them first (restores.py lists the rules, in order).
    restore_failures: dict[str, RestoreFault] = field(default_factory=dict)
    #: Destination vault ARN (or "*") -> (StatusMessage, MessageCategory) its copy jobs fail
    #: with, when no rule (failures.py) fails them first: a wording no entry knows, say.
    copy_failures: dict[str, tuple[str, str]] = field(default_factory=dict)

    start_copy_job_calls: int = field(default=0, init=False)
    start_copy_job_throttled: int = field(default=0, init=False)
    _rng: random.Random = field(init=False, repr=False)
    _timing: random.Random = field(init=False, repr=False)
    _api_calls: dict[tuple[str, str], int] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def exact(cls, **faults: Any) -> Faults:
        """Each event delivered once, at once, in order, unless `faults` ask otherwise."""
        return cls(**(EXACT_DELIVERY | faults))

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._timing = random.Random(f"timing-{self.seed}")

    def api_error(self, operation: str, request: str) -> str | None:
        """The error code that refuses this call of `operation`, if a fault says so. The draw
        depends on the seed, the request and how often it was made, not on the order in which
        Step Functions' threads call: a seeded run refuses the same calls every time."""
        throttled = self.api_throttle_share.get(operation, 0.0)
        unavailable = self.api_unavailable_share.get(operation, 0.0)
        if not (throttled or unavailable):
            return None
        nth = self._api_calls[(operation, request)] = (
            self._api_calls.get((operation, request), 0) + 1
        )
        draw = random.Random(f"api-{self.seed}-{operation}-{request}-{nth}").random()
        if draw < throttled:
            return "ThrottlingException"
        if draw < throttled + unavailable:
            return "ServiceUnavailableException"
        return None

    def restore_fault(self, recovery_point_arn: str) -> RestoreFault | None:
        chosen = self.restore_failures.get(recovery_point_arn)
        return chosen if chosen is not None else self.restore_failures.get(ANY_JOB)

    def copy_fault(self, destination_vault_arn: str) -> tuple[str, str] | None:
        chosen = self.copy_failures.get(destination_vault_arn)
        return chosen if chosen is not None else self.copy_failures.get(ANY_JOB)

    def throttles_next_call(self) -> bool:
        """Count a StartCopyJob call; should it be rejected? The nth call's draw depends on the
        seed and n only, not on the other draws: Step Functions' threads interleave calls and
        event deliveries differently from run to run."""
        self.start_copy_job_calls += 1
        draw = random.Random(f"start-copy-job-{self.seed}-{self.start_copy_job_calls}").random()
        throttled = self.start_copy_job_calls in self.throttle_calls or draw < self.throttle_share
        self.start_copy_job_throttled += throttled
        return throttled

    def delivery(self, job_id: str, state: str) -> Delivery:
        draw = self._rng.random()
        if _listed(self.lose, job_id, state) or draw < self.lose_share:
            return Delivery.LOSE
        if _listed(self.duplicate, job_id, state) or draw >= 1.0 - self.duplicate_share:
            return Delivery.DUPLICATE
        return Delivery.DELIVER

    @property
    def timing_faults(self) -> bool:
        return bool(
            self.delay_share
            or self.delay
            or self.batch_every
            or self.reorder_share
            or self.late_duplicate_share
        )

    def timing(self, job_id: str, state: str, now: datetime, *, final: bool) -> Timing:
        """When an event emitted `now` is delivered (drawn only when a timing fault is on)."""
        if not self.timing_faults:
            return Timing(deliver_at=now)
        delay_draw, reorder_draw, late_draw, span_draw = (self._timing.random() for _ in range(4))
        deliver_at = now
        chosen = self.delay.get((job_id, state), self.delay.get((ANY_JOB, state)))
        if chosen is not None:
            deliver_at += chosen
        elif delay_draw < self.delay_share:
            deliver_at += self.max_delay * (delay_draw / self.delay_share)
        deliver_at = self._batched(deliver_at)
        late = None
        if late_draw < self.late_duplicate_share:
            low, high = self.late_duplicate_after
            late = self._batched(deliver_at + low + (high - low) * span_draw)
        hold = not final and reorder_draw < self.reorder_share
        return Timing(deliver_at=deliver_at, hold_for_next=hold, late_duplicate_at=late)

    def _batched(self, moment: datetime) -> datetime:
        if not self.batch_every:
            return moment
        since = moment - _EPOCH
        periods = -(-since // self.batch_every)  # ceiling
        return _EPOCH + periods * self.batch_every


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: The best-effort delivery fields turned off (`Faults.exact`).
EXACT_DELIVERY: dict[str, Any] = {
    "duplicate_share": 0.0,
    "batch_every": None,
    "reorder_share": 0.0,
    "late_duplicate_share": 0.0,
}


@dataclass(frozen=True)
class Timing:
    """When one event reaches the buses."""

    deliver_at: datetime
    hold_for_next: bool = False  # after the same job's next event instead
    late_duplicate_at: datetime | None = None  # a second delivery of the same event


def _listed(pairs: set[tuple[str, str]], job_id: str, state: str) -> bool:
    return (job_id, state) in pairs or (ANY_JOB, state) in pairs
