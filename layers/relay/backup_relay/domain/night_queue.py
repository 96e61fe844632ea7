"""When will tonight's queue of hops finish? `backup-relay status`'s forecast, from the ledger.

The open hops of the copy chain, per concurrency slot (domain/quotas.py: source account,
destination region, quota group; its cap, what the state machine's TakeSlot lets copy at once):
those copying (their copy job started) and those waiting for the slot. Each slot drains in the
order hops take it: a copying hop ends a typical duration after it started (one already past it
is taken to end now), a waiting one takes the first place that frees and holds it a typical
duration. The typical duration is the median of the night's completed hops (INFERRED: AWS gives
none, "AWS Backup does not provide any service-level agreements (SLAs) for copy job completion
times"; a copy's own size decides). The night's window (NightWindowHours) counts from its oldest
open hop. A slot of a member account (not the central account's) is a single-action copy from
the member (domain/night_capacity.py): its copies are the overflow's share.
"""

from __future__ import annotations

import heapq
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from backup_relay.domain.night_capacity import RouteKind
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, GROUPS


@dataclass(frozen=True)
class OpenHop:
    """A hop not ended: `started_at` None while it waits for its slot."""

    slot: str  # SLOT#<account>#<region>#<group> (an older hop's: without the group)
    cap: int | None  # its slot's cap, as NextHop set it (None: recorded before hops kept it)
    started_at: datetime | None
    opened_at: datetime


class SlotForecast(BaseModel):
    slot: str
    route: str  # RouteKind: whose slot it is
    account: str
    region: str
    group: str
    cap: int
    copying: int
    waiting: int
    finish: str  # ISO 8601


class QueueForecast(BaseModel):
    """Tonight's open hops, and when they are expected to be done."""

    open_hops: int
    #: the median duration of the night's completed hops, in hours (None: none completed yet,
    #: so no finish time can be told)
    typical_hop_hours: float | None
    completed_hops_measured: int
    window_hours: float
    window_start: str | None  # the oldest open hop's opening (ISO 8601)
    window_end: str | None
    finish: str | None  # when the last open hop is expected to end (None: not known)
    inside_window: bool | None
    #: open hops per route (RouteKind's value): "central", and "single-action" when the overflow
    #: runs copies from the members' own slots
    share: dict[str, int]
    slots: list[SlotForecast]


def typical_duration(durations: Iterable[timedelta]) -> timedelta | None:
    found = [d for d in durations if d > timedelta(0)]
    return statistics.median_low(found) if found else None


def slot_parts(key: str) -> tuple[str, str, str]:
    """(account, region, group) of a slot's key; group "" for a hop older than quota groups."""
    parts = key.split("#")
    account, region = parts[1:3] if len(parts) >= 3 else ("", "")
    return account, region, parts[3] if len(parts) >= 4 else ""


def _cap(hops: list[OpenHop], group: str) -> int:
    """The cap NextHop gave the slot; else its group's AWS quota; else (a hop older than both)
    the lowest group's (INFERRED: the forecast then errs late, not early)."""
    recorded = [hop.cap for hop in hops if hop.cap]
    if recorded:
        return max(1, min(recorded))
    known = {g.name: g.cap for g in GROUPS}
    return known.get(group, CLUSTER_SNAPSHOTS.cap)


def drain(
    starts: Iterable[datetime], waiting: int, cap: int, now: datetime, duration: timedelta
) -> datetime:
    """When a slot of `cap` places is empty: its copying hops (started at `starts`) end a
    `duration` after they started (now, if that is past), then its `waiting` hops one after
    another in the places that free."""
    places = sorted(max(now, start + duration) for start in starts)
    places += [now] * max(0, cap - len(places))
    heapq.heapify(places)
    for _ in range(waiting):
        heapq.heappush(places, heapq.heappop(places) + duration)
    return max(places, default=now)


def forecast(
    hops: Iterable[OpenHop],
    completed: Iterable[timedelta],
    central_account: str,
    now: datetime,
    window: timedelta,
) -> QueueForecast:
    measured = [d for d in completed if d > timedelta(0)]
    duration = typical_duration(measured)
    by_slot: dict[str, list[OpenHop]] = defaultdict(list)
    for hop in hops:
        by_slot[hop.slot].append(hop)
    start = min((h.opened_at for hops_ in by_slot.values() for h in hops_), default=None)
    slots, finishes = [], []
    share: dict[str, int] = defaultdict(int)
    for key, held in sorted(by_slot.items()):
        account, region, group = slot_parts(key)
        route = RouteKind.CENTRAL if account == central_account else RouteKind.SINGLE_ACTION
        share[route.value] += len(held)
        cap = _cap(held, group)
        starts = [h.started_at for h in held if h.started_at is not None]
        waiting = len(held) - len(starts)
        ends = drain(starts, waiting, cap, now, duration) if duration else None
        finishes += [ends] if ends else []
        slots.append(
            SlotForecast(
                slot=key,
                route=route.value,
                account=account,
                region=region,
                group=group,
                cap=cap,
                copying=len(starts),
                waiting=waiting,
                finish=ends.isoformat() if ends else "",
            )
        )
    finish = max(finishes, default=now) if duration is not None else None
    end = start + window if start is not None else None
    return QueueForecast(
        open_hops=sum(len(held) for held in by_slot.values()),
        typical_hop_hours=round(duration.total_seconds() / 3600, 2) if duration else None,
        completed_hops_measured=len(measured),
        window_hours=window.total_seconds() / 3600,
        window_start=start.isoformat() if start else None,
        window_end=end.isoformat() if end else None,
        finish=finish.isoformat() if finish else None,
        inside_window=(finish <= end) if finish is not None and end is not None else None,
        share=dict(share),
        slots=slots,
    )
