"""A night at a glance: every job of a window by kind and state, every failure (backups, members'
copies, chain hops, restores) with whose resource it was, where it went, its diagnosis and
whether something made it good since; and the commands to act on what is still open.

A failure is *open* until something made it good: a replay (the ledger's replay item names the
new copy job; its own events give its state), a later COMPLETED copy of the same recovery point
into the same vault, a later COMPLETED backup of the same resource, or, for a chain's hop, a
later attempt of its chain. A failure is never left out because it was made good: it is shown
with what made it good, so the night reads as it happened.
"""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from backup_relay.domain.chain import ChainRecord, HopRecord, LedgerState
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.jobs import DATA_JOB_KINDS, JobEvent, JobKind, JobState
from backup_relay.status.ports import JobStates
from backup_relay.status.views import (
    FailureView,
    Filters,
    NightSummary,
    arn_account,
    hours,
    resource_name,
    where,
)

#: The chain states status counts, in the order it shows them.
CHAIN_STATES = (LedgerState.RUNNING, LedgerState.FAILED, LedgerState.COMPLETED)


@dataclass(frozen=True)
class ChainFacts:
    record: ChainRecord
    hops: Sequence[HopRecord]


@dataclass
class Night:
    """The failures and counts of one window, from the ledger's job events and chains."""

    events: list[JobEvent]  # the latest event of each job in the window
    chains: list[ChainFacts]
    jobs: JobStates
    since: datetime
    now: datetime

    def failures(self) -> list[FailureView]:
        views = []
        matched: set[str] = set()
        for event in self.events:
            if not event.is_failure or event.kind not in DATA_JOB_KINDS:
                continue  # a failed scan or index moved no data: it is no job failure
            chain = self._chain_of(event)
            if chain is not None:
                matched.add(chain.record.chain_id)
            views.append(self._failure(event, chain))
        for chain in self.chains:
            if chain.record.state == LedgerState.FAILED and chain.record.chain_id not in matched:
                views.append(self._chain_failure(chain))
        views.sort(key=lambda view: (not view.open, view.time, view.resource_arn or ""))
        return views

    def summary(
        self,
        failures: Sequence[FailureView],
        chains: Iterable[str],
        stale: list[str] | None,
        stale_note: str,
        filters: Filters | None = None,
    ) -> NightSummary:
        by_kind: dict[JobKind, Counter[str]] = {kind: Counter() for kind in JobKind}
        for event in self.events:
            by_kind[event.kind][str(event.state)] += 1
        opened = [f for f in failures if f.open]
        given = filters.given() if filters is not None else {}
        empty = not (self.events or failures or self.chains)
        problems = []
        if empty and not given:  # a night with no job at all is no good night
            problems.append(
                "no backup, copy, restore or chain recorded in this window (backup-relay "
                "doctor checks that the members forward their events)"
            )
        if opened:
            problems.append(f"{len(opened)} failure{_s(len(opened))} not made good")
        if stale:
            problems.append(f"{len(stale)} stale resource{_s(len(stale))}")
        if problems:
            verdict = "NOT ALL WELL: " + ", ".join(problems)
        elif empty:
            shown = ", ".join(f"--{flag} {value}" for flag, value in given.items())
            verdict = f"nothing in this window matches {shown}"
        else:
            verdict = "all well: no open failure" + (
                ", no stale resource" if stale is not None else " (coverage not checked)"
            )
        return NightSummary(
            since=self.since.isoformat(),
            now=self.now.isoformat(),
            backups=_ordered(by_kind[JobKind.BACKUP]),
            copies=_ordered(by_kind[JobKind.COPY]),
            restores=_ordered(by_kind[JobKind.RESTORE]),
            chains=_ordered(Counter(chains)),
            failures=len(failures),
            open_failures=len(opened),
            failures_by_category=dict(sorted(Counter(f.category for f in failures).items())),
            open_by_category=dict(sorted(Counter(f.category for f in opened).items())),
            stale_resources=stale,
            stale_note=stale_note,
            all_well=not problems,
            verdict=verdict,
            actions=self._actions(opened, stale),
            filters=given,
        )

    # ---- one failure -----------------------------------------------------------------------

    def _failure(self, event: JobEvent, chain: ChainFacts | None) -> FailureView:
        resolution, replay_job, replay_state = self._resolution(event, chain)
        aws = event.message_category or _hop_category(event, chain)
        diagnosis = diagnose(
            event.status_message,
            resource_type=event.resource_type,
            kind=str(event.kind),
            state=str(event.state),
            aws_category=aws,
        )
        destination = (
            where(event.destination_vault_arn)
            if event.kind is not JobKind.RESTORE
            else event.created_resource_arn or "(a new resource)"
        )
        view = FailureView(
            kind=str(event.kind),
            job_id=event.job_id,
            chain_id=chain.record.chain_id if chain else None,
            state=str(event.state),
            account=arn_account(event.resource_arn) or event.account,
            job_account=event.account,
            region=event.region,
            resource_arn=event.resource_arn,
            resource_name=resource_name(event.resource_arn),
            resource_type=event.resource_type or "",
            destination=destination,
            destination_vault_arn=event.destination_vault_arn,
            time=event.time.isoformat(),
            age_hours=hours(self.now - event.time),
            category=diagnosis.category,
            status_message=event.status_message,
            message_category=aws,
            open=resolution is None,
            resolution=resolution,
            replay_job_id=replay_job,
            replay_state=replay_state,
            action=None,
        )
        return view.model_copy(update={"action": self._action(view) if view.open else None})

    def _chain_failure(self, chain: ChainFacts) -> FailureView:
        record = chain.record
        failed = next((h for h in chain.hops if h.state == LedgerState.FAILED), None)
        message = (failed.status_message if failed else None) or record.reason
        aws = failed.message_category if failed else None
        origin = self._origin(record)
        resource_arn = origin.resource_arn if origin else None
        view = FailureView(
            kind="CHAIN",
            job_id=failed.copy_job_id if failed else None,
            chain_id=record.chain_id,
            state=str(record.state),
            account=(arn_account(resource_arn) or origin.account) if origin else "",
            job_account=failed.source_account if failed else "",
            region=failed.source_region if failed else "",
            resource_arn=resource_arn,
            resource_name=resource_name(resource_arn),
            resource_type=record.resource_type,
            destination=where(failed.destination_vault_arn if failed else None),
            destination_vault_arn=failed.destination_vault_arn if failed else None,
            time=record.updated_at,
            age_hours=_hours_since(record.updated_at, self.now),
            category=diagnose(
                message, resource_type=record.resource_type, kind="COPY", aws_category=aws
            ).category,
            status_message=message or None,
            message_category=aws,
            open=True,
            resolution=None,
            replay_job_id=None,
            replay_state=None,
            action=None,
        )
        return view.model_copy(update={"action": self._action(view)})

    def _resolution(
        self, event: JobEvent, chain: ChainFacts | None
    ) -> tuple[str | None, str | None, str | None]:
        """What made a failure good since, if anything: (what, new job, its state)."""
        if chain is not None:
            return _chain_resolution(event, chain)
        if event.kind is JobKind.COPY and event.job_id:
            new_job = self.jobs.replayed(event.job_id)
            if new_job:
                state = self._state_of(JobKind.COPY, new_job)
                shown = state or "no event of it yet"
                return f"replayed: job {new_job}, {shown}", new_job, state
        done = self._later(event, same_copy=event.kind is JobKind.COPY)
        if done is None or event.kind is JobKind.RESTORE:
            return None, None, None
        made = "copied" if event.kind is JobKind.COPY else "backed up"
        return f"{made} since: job {done.job_id}", done.job_id, str(done.state)

    def _later(self, failed: JobEvent, *, same_copy: bool) -> JobEvent | None:
        """A job of the same kind that COMPLETED after `failed` did the same work: the same
        recovery point into the same vault (a copy), or the same resource (a backup)."""
        for event in self.events:
            if event.kind is not failed.kind or event.state is not JobState.COMPLETED:
                continue
            if event.time < failed.time:
                continue
            if same_copy:
                same = (event.source_recovery_point_arn, event.destination_vault_arn) == (
                    failed.source_recovery_point_arn,
                    failed.destination_vault_arn,
                )
            else:
                same = event.resource_arn == failed.resource_arn
            if same:
                return event
        return None

    def _state_of(self, kind: JobKind, job_id: str) -> str | None:
        found = [e for e in self.events if e.kind is kind and _same_job(e.job_id, job_id)]
        return str(max(found, key=lambda e: e.time).state) if found else None

    def _chain_of(self, event: JobEvent) -> ChainFacts | None:
        """The chain whose hop this copy job was (its copy job id, else its source recovery
        point and destination vault)."""
        if event.kind is not JobKind.COPY:
            return None
        for chain in self.chains:
            for hop in chain.hops:
                if _same_job(hop.copy_job_id, event.job_id) or (
                    hop.source_recovery_point_arn
                    and hop.source_recovery_point_arn == event.source_recovery_point_arn
                    and hop.destination_vault_arn == event.destination_vault_arn
                ):
                    return chain
        return None

    def _origin(self, record: ChainRecord) -> JobEvent | None:
        return origin_of(record, self.events)

    # ---- what to do next --------------------------------------------------------------------

    def _since_flag(self, time: str | None = None) -> str:
        """`--since` for a replay that must reach back to `time` (default: the window's start):
        none within replay's default 24 h."""
        start = self.since
        if time:
            with contextlib.suppress(ValueError):
                start = datetime.fromisoformat(time)
        window = math.ceil((self.now - start).total_seconds() / 3600)
        return (
            "" if window <= 24 else f" --since {window + 1}h"
        )  # replay looks back 24 h by default

    def _action(self, failure: FailureView) -> str:
        if failure.kind == "CHAIN" or failure.chain_id:
            since = self._since_flag(failure.time)
            return f"backup-relay replay --chain-id {failure.chain_id}{since} --dry-run"
        if failure.kind == "COPY":
            since = self._since_flag(failure.time)
            return f"backup-relay replay --job-id {failure.job_id}{since} --dry-run"
        return f"backup-relay status --resource-arn {failure.resource_arn or '?'}"

    def _actions(self, opened: Sequence[FailureView], stale: list[str] | None) -> list[str]:
        copies = [f for f in opened if f.kind in ("COPY", "CHAIN")]
        since = self._since_flag(min(f.time for f in copies)) if copies else ""
        actions = [
            f"backup-relay replay --category {category}{since} --dry-run"
            for category in sorted({f.category for f in copies})
        ]
        if stale:
            actions.append("backup-relay coverage")
        actions += sorted(
            {
                f"backup-relay status --resource-arn {f.resource_arn}"
                for f in opened
                if f.resource_arn
            }
        )
        return actions


def _chain_resolution(
    event: JobEvent, chain: ChainFacts
) -> tuple[str | None, str | None, str | None]:
    """A chain hop's failed copy job is made good by a later attempt of its chain (a replay),
    or by its chain going on without it (a re-plan); it is open while it is the failed hop of
    a FAILED chain."""
    record = chain.record
    current = any(
        _same_job(h.copy_job_id, event.job_id) and h.state == LedgerState.FAILED for h in chain.hops
    )
    if record.state == LedgerState.FAILED and current:
        return None, None, None
    label = f"chain attempt {record.attempt}, {record.state}"
    if record.attempt > 1:
        return f"replayed: {label}", record.chain_id, str(record.state)
    return f"its chain went on: {label}", None, None


def origin_of(record: ChainRecord, events: Iterable[JobEvent]) -> JobEvent | None:
    """The COMPLETED copy (or backup) that landed a chain's origin recovery point: whose
    resource the chain carries."""
    for event in events:
        if (
            event.state is JobState.COMPLETED
            and event.destination_recovery_point_arn == record.origin_recovery_point_arn
        ):
            return event
    return None


def _same_job(a: str | None, b: str | None) -> bool:
    """Job ids compared case-insensitively. INFERRED: AWS does not document the case of job
    ids; one id spelled in upper and in lower case (as the sandbox's events and recovery point
    ARNs do) is taken for one job."""
    return bool(a) and bool(b) and (a or "").casefold() == (b or "").casefold()


def _hours_since(moment: str, now: datetime) -> float | None:
    try:
        then = datetime.fromisoformat(moment)
    except ValueError:
        return None
    return hours(now - then)


def _ordered(counts: Mapping[str, int]) -> dict[str, int]:
    order = [*(str(s) for s in JobState), *(str(s) for s in LedgerState)]
    return {state: counts[state] for state in sorted(counts, key=order.index) if counts[state]}


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _hop_category(event: JobEvent, chain: ChainFacts | None) -> str | None:
    """AWS's MessageCategory of a chain's copy job, as its hop's record kept it (AWS's documented
    events carry none)."""
    hops = chain.hops if chain is not None and event.job_id else ()
    return next((h.message_category for h in hops if h.copy_job_id == event.job_id), None)
