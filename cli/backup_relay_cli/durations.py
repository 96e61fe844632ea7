"""Durations and times as operators type them: `90m`, `24h`, `7d`, or an ISO 8601 time.

Two readings, each its own parser: a *duration* (`--max-age`, `sandbox advance`) is a positive
`90m`, `24h` or `7d`, never a date and never `0h`; a *since* (`--since`) is a duration back
from now or an ISO 8601 time in the past. options.py makes argparse types of both, so a bad one
is bad usage (exit 2) before anything runs, in one line naming the flag.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from backup_relay.domain.clock import utc_now
from backup_relay_cli.errors import EXIT_BAD_INPUT, CommandError

_DURATION = re.compile(r"\s*(\d+)\s*([mhd])\s*")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
DURATION_FORMS = "90m, 24h, 7d"
LONGEST = timedelta(days=36525)


class DurationError(ValueError):
    """Not a duration (or time) of the form asked; the message says which forms are."""


def parse_duration(value: str) -> timedelta:
    """A positive `90m`, `24h` or `7d`."""
    match = _DURATION.fullmatch(value)
    if not match:
        raise DurationError(f"{value!r}: give a duration ({DURATION_FORMS})")
    length = _length(value, match)
    if length <= timedelta(0):
        raise DurationError(f"{value!r}: give a duration longer than zero ({DURATION_FORMS})")
    return length


def parse_since(value: str, now: datetime | None = None, *, future: bool = False) -> datetime:
    """The time `value` names: that long before `now` (default: the clock's now), or the ISO
    8601 time itself (in now's time zone when it names none), which must not be after `now`
    unless `future` (the argument's type checks the form only: the command's clock, a
    sandbox's, may be ahead of this machine's)."""
    now = now or utc_now()
    match = _DURATION.fullmatch(value)
    if match:
        return now - _length(value, match)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DurationError(
            f"{value!r}: give a duration ({DURATION_FORMS}) or an ISO 8601 time"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)
    if moment > now and not future:
        raise DurationError(f"{value!r} is in the future: give a time in the past, or a duration")
    return moment


def _length(value: str, match: re.Match[str]) -> timedelta:
    """At most LONGEST: no ledger item, copy or clock step the CLI measures is older, and
    longer ones overflow the dates they are taken from."""
    try:
        length = timedelta(**{_UNITS[match[2]]: int(match[1])})
    except OverflowError:  # more than timedelta holds (999999999 days)
        length = LONGEST + LONGEST
    if length > LONGEST:
        raise DurationError(f"{value!r}: give at most {LONGEST.days}d (100 years)")
    return length


def since(value: str, flag: str, now: datetime | None = None) -> datetime:
    """parse_since, or bad input (exit 2) naming `flag`."""
    try:
        return parse_since(value, now)
    except DurationError as error:
        raise CommandError(f"{flag}: {error}", EXIT_BAD_INPUT) from None


def duration(value: str, flag: str) -> timedelta:
    """parse_duration, or bad input (exit 2) naming `flag`."""
    try:
        return parse_duration(value)
    except DurationError as error:
        raise CommandError(f"{flag}: {error}", EXIT_BAD_INPUT) from None
