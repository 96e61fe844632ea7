"""Durations and times as operators type them: `90m`, `24h`, `7d`, or an ISO 8601 time.

The CLI's own reading of `--since`, `--max-age` and `sandbox advance`; a bad one is bad input
(exit 2), in one line naming the flag.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from backup_relay.domain.clock import utc_now
from backup_relay_cli.errors import EXIT_BAD_INPUT, CommandError

_DURATION = re.compile(r"\s*(\d+)\s*([mhd])\s*")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def since(value: str, flag: str, now: datetime | None = None) -> datetime:
    """The time `value` names: that long before `now` (default: the clock's now), or the ISO
    8601 time itself (in now's time zone when it names none)."""
    now = now or utc_now()
    match = _DURATION.fullmatch(value)
    if match:
        return now - timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{flag}: since {value!r}: give a duration (90m, 24h, 7d) or an ISO 8601 time",
            EXIT_BAD_INPUT,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def duration(value: str, flag: str) -> timedelta:
    """How long `value` names (as long ago as the time, for an ISO 8601 time)."""
    now = utc_now()
    return now - since(value, flag, now)
