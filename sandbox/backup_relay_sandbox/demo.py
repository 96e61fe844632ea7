"""`backup-relay demo`: a night in a small organization, offline, printed as a timeline."""

from __future__ import annotations

import os
import time
from typing import Any, TextIO

from moto import mock_aws

from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    MEMBER_ACCOUNTS,
    REGION,
    SANDBOX_MOTO_CONFIG,
    use_fake_credentials,
)
from backup_relay_sandbox.night import StepResult, run_night

#: What NIGHT must come to; the demo says so when it does not.
EXPECTED = {
    "events_seen": 15,
    "recorded": 12,
    "duplicates": 1,
    "quarantined": 2,
    "not_matched_by_rules": 1,
    "dead_lettered": 0,
}


def run_demo(out: TextIO | None) -> dict[str, Any]:
    """Run the night; print the timeline to `out` (if any) and return the summary."""
    use_fake_credentials()
    started = time.perf_counter()
    _print(
        out,
        _HEADER.format(central=CENTRAL_ACCOUNT, members=", ".join(MEMBER_ACCOUNTS), region=REGION),
    )
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would drown the timeline
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        report = run_night(on_step=lambda result: _print(out, _line(result)))
    summary = report.summary() | {"seconds": round(time.perf_counter() - started, 2)}
    summary["ok"] = all(summary[key] == value for key, value in EXPECTED.items())
    _print(out, _render_summary(summary))
    return summary


_HEADER = """backup-relay demo: one night of AWS Backup in a small organization, offline.
Member accounts forward their events with the real member/template.yaml rule; the real
template.yaml rules and InputTransformers run in moto's EventBridge and deliver to the ingest
queue; the real ingest handler normalizes and records each event in the ledger.

  central account {central}   members {members}   region {region}

time   account       job     state      resource                           outcome"""


def _line(result: StepResult) -> str:
    resource = "-"
    if result.event is not None:
        arn = result.event.resource_arn or result.event.source_recovery_point_arn
        short = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1] if arn else ""
        resource = f"{result.event.resource_type or ''} {short}".strip()[:34] or "-"
    note = f"  ({result.note})" if result.note else ""
    return (
        f"{result.time:%H:%M}  {result.account}  {result.label:<17}  {resource:<34} "
        f"{result.outcome}{note}"
    )


def _render_summary(summary: dict[str, Any]) -> str:
    reasons = ", ".join(f"{code} {count}" for code, count in summary["quarantine_reasons"].items())
    rows = [
        ("events emitted by AWS Backup", summary["events_seen"]),
        ("delivered by the rules", summary["delivered_by_rules"]),
        ("normalized", summary["normalized"]),
        ("recorded in the ledger", summary["recorded"]),
        ("duplicate deliveries ignored", summary["duplicates"]),
        ("quarantined (with reason)", f"{summary['quarantined']}  [{reasons}]"),
        ("not matched by any rule", summary["not_matched_by_rules"]),
        ("dead-lettered", summary["dead_lettered"]),
    ]
    width = max(len(name) for name, _ in rows)
    verdict = "all as expected" if summary["ok"] else "UNEXPECTED: see the counts above"
    lines = ["", "summary"] + [f"  {name:<{width}}  {value}" for name, value in rows]
    lines.append(f"\n{verdict} in {summary['seconds']} s")
    return "\n".join(lines)


def _print(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)
