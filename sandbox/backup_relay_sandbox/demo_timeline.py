"""The demo's story of a night: the ingest and chain-steps log lines that tell it, read once each
(the functions' CloudWatch Logs), as the event timeline.

Condensed (the default), each stretch of the night prints as counts by phase (backups, the
members' copies, the chain's hops), kind and state, then its notable events: failures,
duplicates, quarantined messages. `verbose` prints every event as it comes instead.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from backup_relay_sandbox import functions
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT

WIDTH = 100
COLUMNS = "time   account       job     state      resource      what backup-relay did"
#: job states that mean a job did not end well
FAILURES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})
#: states in the order a job goes through them (others after, as they come)
STATE_ORDER = ("CREATED", "PENDING", "RUNNING", "COMPLETED", "PARTIAL", "FAILED", "ABORTED")

LEGEND = """\
How to read it
  duplicate     EventBridge delivers an event at least once: a repeat is recognized and ignored
                (the ledger holds each event once)
  out of order  AWS Backup sends its events in 5-minute batches, now and then out of order: an
                event can come after a later one (a job's CREATED after its RUNNING); it is
                recorded all the same, once
  quarantined   a message that is not a usable job event (here one malformed on purpose) is kept
                in the ledger with its reason instead of failing the batch
  times         AWS Backup's virtual time in the simulator: the night takes seconds"""


def section(title: str) -> str:
    """A section's header, to stand out in a terminal and in a log."""
    return f"\n== {title} ".ljust(WIDTH, "=")


@dataclass
class Row:
    """One event (or quarantined message) as backup-relay handled it."""

    phase: str
    kind: str
    state: str
    outcome: str  # recorded, duplicate, quarantined
    when: datetime | None
    text: str
    actions: list[str] = field(default_factory=list)
    out_of_order: bool = False

    @property
    def notable(self) -> bool:
        return self.outcome != "recorded" or self.state in FAILURES


class Timeline:
    """The night's events as backup-relay handled them, printed to `out` by phase (condensed)
    or one by one (`verbose`); counted for the summary either way."""

    def __init__(self, out: TextIO | None, *, verbose: bool = False) -> None:
        self.out = out
        self.verbose = verbose
        self.seen = len(functions.LOGS)
        self.outcomes: Counter[str] = Counter()
        self.quarantine: Counter[str] = Counter()
        self.rows: list[Row] = []  # every event so far
        self.pending: list[Row] = []  # those not yet told (condensed: told by flush)
        self.latest: datetime | None = None
        self.printed_columns = False

    def start(self, org: object) -> Callable[[], None]:
        """From now on (the organization's deployment logs nothing the timeline tells)."""
        self.seen = len(functions.LOGS)
        return self.show_new

    def show_new(self) -> None:
        lines, self.seen = functions.LOGS[self.seen :], len(functions.LOGS)
        for line in lines:
            record = _json(line)
            row = self._row(record) if record is not None else None
            if row is None:
                continue
            self.rows.append(row)
            self.pending.append(row)
            if self.verbose:
                if not self.printed_columns:
                    self._print(COLUMNS)
                    self.printed_columns = True
                self._print(_marked(row))

    def flush(self, title: str = "the events, by phase") -> None:
        """End of a stretch of the night: condensed, print its phases and notable events."""
        rows, self.pending = self.pending, []
        self.printed_columns = False
        if self.verbose or not rows:
            return
        self._print(condensed(rows, title))

    def _print(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def _row(self, record: dict[str, Any]) -> Row | None:
        if record.get("outcome") == "quarantined":
            self.quarantine[str(record.get("reason_code"))] += 1
            text = f"{'':5}  {'-':12}  {'(message)':<17}  {'':12}  quarantined: {record['reason']}"
            return Row("messages that are not job events", "-", "-", "quarantined", None, text)
        if "job_key" not in record:
            return None
        outcome, kind, state = (str(record[key]) for key in ("outcome", "kind", "state"))
        self.outcomes[outcome] += 1
        when = datetime.fromisoformat(str(record["event_time"]))
        actions = [str(action) for action in record.get("actions") or []]
        what = outcome
        for action in actions:
            what += "; " + action.replace("resumed hop of copy job", "resumed the hop waiting for")
        destination = str(record.get("destination_vault_arn") or "")
        if kind == "COPY" and destination:
            what += f"  [to {destination.rsplit(':', 1)[-1]}, {destination.split(':')[3]}]"
        text = (
            f"{when:%H:%M}  {record['account']}  {kind:<7} {state:<9}  "
            f"{record.get('resource_type') or '-'!s:<12}  {what}"
        )
        late = self.latest is not None and when < self.latest
        self.latest = when if self.latest is None else max(self.latest, when)
        phase = _phase(kind, str(record["account"]))
        return Row(phase, kind, state, outcome, when, text, actions, late)


def _phase(kind: str, account: str) -> str:
    if kind == "BACKUP":
        return "backups, in the member accounts' vaults"
    if kind == "COPY" and account == CENTRAL_ACCOUNT:
        return "the chain's hops, central vault to DR"
    if kind == "COPY":
        return "member copies: databases to the central vault, EBS to DR"
    return f"{kind.lower()} jobs"


def _marked(row: Row) -> str:
    return row.text + ("  (out of order)" if row.out_of_order else "")


def condensed(rows: list[Row], title: str) -> str:
    """`rows` by phase (in the order phases began): time span, counts by outcome and by state,
    what backup-relay did; then the notable rows."""
    phases: dict[str, list[Row]] = {}
    for row in rows:
        phases.setdefault(row.phase, []).append(row)
    lines = [f"{title}, by phase (backup-relay demo --verbose prints every event)"]
    for phase, members in phases.items():
        times = sorted(row.when for row in members if row.when is not None)
        span = f", {times[0]:%H:%M}-{times[-1]:%H:%M}" if times else ""
        noun = ("event", "events") if times else ("message", "messages")
        lines.append(f"  {phase}{span}: {_count(len(members), *noun)}")
        if times:
            lines.append(f"      {_outcomes(members)}")
            by_state = Counter((row.kind, row.state) for row in members)
            for kind in dict.fromkeys(row.kind for row in members):
                states = sorted((s for k, s in by_state if k == kind), key=_state_rank)
                told = ", ".join(f"{state} {by_state[kind, state]}" for state in states)
                lines.append(f"      {kind:<7} {told}")
        if did := _did(members):
            lines.append(f"      backup-relay {did}")
    notable = [row for row in rows if row.notable]
    if notable:
        lines += ["", f"notable: failures, duplicates, quarantined ({len(notable)} of {len(rows)})"]
        lines += [f"  {COLUMNS}"] + [f"  {_marked(row)}" for row in notable]
    return "\n".join(lines)


def _outcomes(rows: list[Row]) -> str:
    outcomes = Counter(row.outcome for row in rows)
    late = sum(row.out_of_order for row in rows)
    counts = [
        _count(outcomes["recorded"], "recorded", "recorded"),
        _count(outcomes["duplicate"], "duplicate", "duplicates"),
        f"{late} out of order",
    ]
    return ", ".join(count for count in counts if not count.startswith("0 "))


def _did(rows: list[Row]) -> str:
    started = sum(a.startswith("started chain") for row in rows for a in row.actions)
    resumed = sum(a.startswith("resumed hop") for row in rows for a in row.actions)
    quarantined = sum(row.outcome == "quarantined" for row in rows)
    done = [f"started {_count(started, 'chain', 'chains')}"] if started else []
    done += [f"resumed {_count(resumed, 'waiting hop', 'waiting hops')}"] if resumed else []
    done += [f"quarantined {quarantined}, each with its reason"] if quarantined else []
    return ", ".join(done)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _state_rank(state: str) -> int:
    return STATE_ORDER.index(state) if state in STATE_ORDER else len(STATE_ORDER)


def _json(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None
