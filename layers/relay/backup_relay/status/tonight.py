"""Tonight's queue in `status`: the open hops of the ledger and the night's completed ones, for
domain/night_queue.py's forecast (when the queue is expected to finish, against
NightWindowHours, and which routes carry it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from backup_relay.copy_chain.ports import ChainLedger
from backup_relay.domain.chain import HopRecord, LedgerState
from backup_relay.domain.night_queue import OpenHop, QueueForecast, forecast

#: A hop opened, waiting for its slot (NextHop recorded it, no copy job yet).
WAITING = LedgerState.STARTING
#: A hop whose copy job runs.
COPYING = (LedgerState.STARTED, LedgerState.RUNNING)


def tonight(
    ledger: ChainLedger, central_account: str, now: datetime, since: datetime, window: timedelta
) -> QueueForecast:
    """Every open hop (whenever it opened), and the durations of those completed since
    `since` (status's window), as the forecast takes them."""
    hops = [_open(hop, copying=False) for hop in ledger.hops_in_state(WAITING)]
    hops += [_open(hop, copying=True) for state in COPYING for hop in ledger.hops_in_state(state)]
    durations = [
        hop.updated_at - hop.started_at
        for hop in ledger.hops_in_state(LedgerState.COMPLETED, since)
        if hop.started_at is not None
    ]
    return forecast(hops, durations, central_account, now, window)


def _open(hop: HopRecord, *, copying: bool) -> OpenHop:
    """A copying hop recorded before hops kept their start: taken to have started when it was
    last recorded (INFERRED: the forecast then errs late)."""
    started = (hop.started_at or hop.updated_at) if copying else None
    slot = hop.slot or f"SLOT#{hop.source_account}#{hop.destination_region}"
    return OpenHop(
        slot=slot,
        cap=hop.slot_cap,
        started_at=started,
        opened_at=min(hop.updated_at, started) if started else hop.updated_at,
    )
