"""A night of AWS Backup activity in the sandbox organization, run through the real collection path.

Each step emits one event where AWS would, on the default bus of the account that ran the job:
a member's event then travels through the member stack's forwarding rule to the relay bus, the
central account's own is caught by the central default-bus rules. The ingest queue is drained
through the real handler, and the step reports what became of the event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from backup_relay.adapters import ledger_schema
from backup_relay.domain.jobs import JobEvent
from backup_relay_sandbox.central import CentralStack, deploy_central
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    MEMBER_ACCOUNTS,
    REGION,
    client,
    reset,
)
from backup_relay_sandbox.emit import as_member_event, emit
from backup_relay_sandbox.event_source import drain
from backup_relay_sandbox.member import deploy_member
from backup_relay_sandbox.template import REPO_ROOT

EVENTS_DIR = REPO_ROOT / "events"
NOT_ALLOWED_ACCOUNT = "444444444444"  # in the organization, but not in AllowedSourceAccounts
NIGHT_STARTS = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    """One thing that happens during the night."""

    account: str
    example: str | None  # a documented event in events/, re-homed in `account`
    note: str = ""
    duplicate: bool = False  # EventBridge delivers it twice
    raw_body: str | None = None  # a message put straight on the queue instead of an event


NIGHT: tuple[Step, ...] = (
    Step(MEMBER_ACCOUNTS[0], "backup_job_created.json"),
    Step(MEMBER_ACCOUNTS[0], "backup_job_running.json"),
    Step(MEMBER_ACCOUNTS[0], "backup_job_completed.json"),
    Step(MEMBER_ACCOUNTS[1], "backup_job_pending.json"),
    Step(MEMBER_ACCOUNTS[1], "backup_job_expired.json", "quoted status message"),
    Step(MEMBER_ACCOUNTS[0], "copy_job_created.json", "no copy job id yet"),
    Step(MEMBER_ACCOUNTS[0], "copy_job_running.json", "destination is {}"),
    Step(MEMBER_ACCOUNTS[0], "copy_job_completed.json", "delivered twice", duplicate=True),
    Step(MEMBER_ACCOUNTS[1], "copy_job_failed.json"),
    Step(CENTRAL_ACCOUNT, "copy_job_completed.json", "central account's own job"),
    Step(MEMBER_ACCOUNTS[1], "restore_job_pending.json"),
    Step(MEMBER_ACCOUNTS[1], "restore_job_completed.json", "status, not state"),
    Step(MEMBER_ACCOUNTS[0], "scan_job_completed.json", "a malware scan found threats"),
    Step(MEMBER_ACCOUNTS[0], "backup_vault_created.json", "not a job event we collect"),
    Step(NOT_ALLOWED_ACCOUNT, "copy_job_completed.json", "account not allowed"),
    Step(
        MEMBER_ACCOUNTS[1], None, "malformed message", raw_body='{"source": "aws.backup", "detail'
    ),
)


@dataclass
class StepResult:
    time: datetime
    account: str
    label: str
    note: str
    emitted: int  # events AWS emitted (a duplicate delivery counts twice)
    delivered: int  # messages the rules put on the ingest queue and ingest consumed
    recorded: int
    quarantined: Counter[str]
    event: JobEvent | None = None

    @property
    def duplicates(self) -> int:
        return self.delivered - self.recorded - sum(self.quarantined.values())

    @property
    def outcome(self) -> str:
        if self.quarantined:
            return "quarantined: " + ", ".join(self.quarantined)
        if self.recorded:
            extra = f", {self.duplicates} duplicate ignored" if self.duplicates else ""
            return f"recorded{extra}"
        return "duplicate ignored" if self.delivered else "not matched by any rule"


@dataclass
class NightReport:
    results: list[StepResult] = field(default_factory=list)
    dead_lettered: int = 0
    ledger_events: int = 0

    def summary(self) -> dict[str, Any]:
        reasons: Counter[str] = sum((r.quarantined for r in self.results), Counter())
        recorded = sum(r.recorded for r in self.results)
        duplicates = sum(r.duplicates for r in self.results)
        return {
            "events_seen": sum(r.emitted for r in self.results),
            "delivered_by_rules": sum(r.delivered for r in self.results if r.emitted),
            "normalized": recorded + duplicates,
            "recorded": recorded,
            "duplicates": duplicates,
            "quarantined": sum(reasons.values()),
            "quarantine_reasons": dict(sorted(reasons.items())),
            "not_matched_by_rules": sum(1 for r in self.results if r.emitted and not r.delivered),
            "dead_lettered": self.dead_lettered,
            "ledger_events": self.ledger_events,
        }


def run_night(on_step: Callable[[StepResult], None] = lambda result: None) -> NightReport:
    """Run NIGHT in a moto account that must already be active (inside `mock_aws`)."""
    reset()
    central = deploy_central(allowed_source_accounts=",".join((CENTRAL_ACCOUNT, *MEMBER_ACCOUNTS)))
    for account in (*MEMBER_ACCOUNTS, NOT_ALLOWED_ACCOUNT):
        deploy_member(account, central_bus_name=central.bus_name)
    ingest = central.ingest
    sqs = client("sqs")
    report = NightReport()
    for minute, step in zip(_minutes(), NIGHT, strict=False):
        result = _run_step(step, NIGHT_STARTS + timedelta(minutes=minute), central, ingest, sqs)
        report.results.append(result)
        on_step(result)
    report.dead_lettered = int(
        sqs.get_queue_attributes(
            QueueUrl=central.dead_letter_queue.url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    )
    report.ledger_events = _events(central)
    return report


def _minutes() -> Iterator[int]:
    minute = 0
    while True:
        yield minute
        minute += 7


def _run_step(
    step: Step,
    time: datetime,
    central: CentralStack,
    ingest: Callable[[dict[str, Any]], Any],
    sqs: Any,
) -> StepResult:
    before_events, before_quarantine = _events(central), _quarantine(central)
    label, emitted = "(not an event)", 0
    if step.raw_body is not None:
        sqs.send_message(QueueUrl=central.ingest_queue.url, MessageBody=step.raw_body)
    else:
        assert step.example is not None
        documented = json.loads((EVENTS_DIR / step.example).read_text())
        raw = as_member_event(documented, account=step.account, region=REGION, time=time)
        emitted = 2 if step.duplicate else 1
        for _ in range(emitted):
            emit(raw, account=step.account, region=REGION)
        label = f"{raw['detail-type'].split()[0].upper():<7} {_state_of(raw)}"
    drained = drain(sqs, central.ingest_queue, ingest, region=REGION)
    recorded = _events(central) - before_events
    return StepResult(
        time=time,
        account=step.account,
        label=label,
        note=step.note,
        emitted=emitted,
        delivered=drained.delivered,
        recorded=recorded,
        quarantined=_quarantine(central) - before_quarantine,
        event=_latest_event(central) if recorded else None,
    )


def _state_of(raw: dict[str, Any]) -> str:
    detail = raw.get("detail", {})
    return str(detail.get("state") or detail.get("status") or "?")


def _ledger_items(central: CentralStack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client("dynamodb").scan(TableName=central.tables["LedgerTable"])[
        "Items"
    ]
    return items


def _of_kind(central: CentralStack, kind: ledger_schema.ItemKind) -> list[dict[str, Any]]:
    return [
        item
        for item in _ledger_items(central)
        if ledger_schema.kind_of(item["pk"]["S"], item["sk"]["S"]) is kind
    ]


def _events(central: CentralStack) -> int:
    """The job events in the ledger (not the jobs' state items)."""
    return len(_of_kind(central, ledger_schema.JOB_EVENT))


def _quarantine(central: CentralStack) -> Counter[str]:
    return Counter(
        item["reason_code"]["S"] for item in _of_kind(central, ledger_schema.QUARANTINED)
    )


def _latest_event(central: CentralStack) -> JobEvent:
    items = _of_kind(central, ledger_schema.JOB_EVENT)
    newest = max(items, key=lambda item: item["sk"]["S"])
    return JobEvent.model_validate_json(newest["event"]["S"])
