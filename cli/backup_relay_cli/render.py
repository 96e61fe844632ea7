"""What the CLI prints: tables for people, and the JSON shapes for machines."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from backup_relay.doctor.report import DoctorReport
from backup_relay.domain.failures import Diagnosis, Severity

if TYPE_CHECKING:
    from backup_relay.doctor.preflight import PreflightReport
from backup_relay.coverage.resources import CoverageReport, ResourceCoverage
from backup_relay.domain.diagnosis import Explanation
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.routes import Route
from backup_relay.replay.report import ReplayOutcome, ReplayReport
from backup_relay.status.chains import StatusReport
from backup_relay.status.views import NightSummary


def render_event(event: JobEvent) -> str:
    fields = event.model_dump(mode="json")
    width = max(len(name) for name in fields)
    lines = [f"{event.kind} job {event.job_id or '(no id yet)'} is {event.state}"]
    lines += [f"  {name:<{width}}  {'-' if v is None else v}" for name, v in fields.items()]
    return "\n".join(lines)


def route_json(route: Route) -> dict[str, object]:
    return {
        "resource_type": route.resource_type,
        "source": route.source.arn,
        "destination": route.destination.arn,
        "destination_vault_type": str(route.destination_vault_type),
        "action": route.action,
        "hop_count": len(route.hops),
        "reason": route.reason,
        "route_table_row": route.family,
        "aws_page": route.page,
        "inferred": route.inferred,
        "condition": route.condition or None,
        "hops": [
            {
                "kind": str(hop.kind),
                "source_vault_arn": hop.source.arn,
                "destination_vault_arn": hop.destination.arn,
                "lifecycle": hop.lifecycle.as_api(),
            }
            for hop in route.hops
        ],
    }


def render_route(route: Route) -> str:
    hops = "hop" if len(route.hops) == 1 else "hops"
    lines = [f"{route.resource_type}: {len(route.hops)} {hops} ({route.reason})"]
    lines += [
        f"  {number}. {hop.kind:<24} {hop.source} -> {hop.destination}"
        for number, hop in enumerate(route.hops, start=1)
    ]
    if route.condition:
        lines.append(f"  needs: {route.condition}")
    if route.family:
        inferred = ", INFERRED" if route.inferred else ""
        lines.append(f"  (route table: {route.family}, {route.action}{inferred}; {route.page})")
    return "\n".join(lines)


def render_diagnosis(diagnosis: Diagnosis) -> str:
    def block(label: str, text: str) -> str:
        wrapped = textwrap.wrap(text, 88, break_long_words=False, break_on_hyphens=False) or [""]
        return "\n".join([f"{label:<11}{wrapped[0]}", *(" " * 11 + line for line in wrapped[1:])])

    retry = "yes, once the cause is fixed" if diagnosis.retryable else "no: it would fail again"
    return "\n".join(
        [
            block("category", diagnosis.category),
            block("why", diagnosis.title),
            block("fix", diagnosis.remediation),
            block("replay", retry),
            block("docs", diagnosis.docs),
            *([block("aws", diagnosis.aws_category)] if diagnosis.aws_category else []),
        ]
    )


def render_explanation(explanation: Explanation) -> str:
    """`diagnose --explain`: the entries tried in order, what matched, then the diagnosis."""
    rows = [
        (
            str(t.index),
            t.category,
            f"matched {t.matched!r}" if t.matched is not None else (t.skipped or "no match"),
            t.title,
        )
        for t in explanation.trials
    ]
    lines = [f"message    {explanation.text!r}", ""]
    lines += _table(("#", "category", "tried", "entry"), rows)
    if explanation.fallback:
        lines += ["", f"no entry matched: AWS's category {explanation.aws_category!r} picked "
                  f"{explanation.fallback}"]  # fmt: skip
    elif not any(t.matched is not None for t in explanation.trials):
        aws = explanation.aws_category
        why = f"AWS's category {aws!r} picks no family" if aws else "no AWS category given"
        lines += ["", f"no entry matched, and {why}: unknown"]
    return "\n".join([*lines, "", render_diagnosis(explanation.diagnosis)])


def render_replay(report: ReplayReport, *, dry_run: bool) -> str:
    if not report.items:
        return "nothing failed that matches: nothing to replay"
    rows = [
        (str(i.outcome), i.kind, i.id, i.account, i.resource_type,
         _diagnosis(i.category, i.message_category), i.why)
        for i in report.items
    ]  # fmt: skip
    header = ("outcome", "kind", "id", "account", "type", "diagnosis", "why")
    lines = _table(header, rows)
    counts = ", ".join(
        f"{report.count(outcome)} {outcome}" for outcome in ReplayOutcome if report.count(outcome)
    )
    probed = [f"  {i.id}  {i.proof}" for i in report.items if i.proof]
    lines += ["", "the probe of each cause (docs/alerts.md#proof):", *probed] if probed else []
    lines += ["", counts + (" (dry run: nothing changed)" if dry_run else "")]
    return "\n".join(lines)


def _diagnosis(category: str, aws_category: str | None) -> str:
    """Our category, then AWS's MessageCategory when the job has one: `iam_role_permissions
    (AWS: AccessDenied)`."""
    return f"{category} (AWS: {aws_category})" if aws_category else category


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Columns as wide as their widest cell; the last one as long as it is."""
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header) - 1)]
    return [
        "  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths, strict=False))
        + f"  {row[-1]}"
        for row in [header, *rows]
    ]


def render_status(report: StatusReport) -> str:
    """The night's summary and failures first (the window's view), then the chains; one
    resource's jobs before its chains."""
    lines = _render_jobs(report) if report.jobs else []
    if report.summary is not None:
        lines += [*_render_summary(report.summary), ""]
        lines += [*_render_failures(report), ""] if report.failures else []
    if not report.chains:
        return "\n".join([*lines, "no chain changed in that time"])
    rows = []
    for chain in report.chains:
        hops = " ".join(f"{h.index + 1}:{h.state}" for h in chain.hops) or "-"
        age = f"{chain.age_hours:.1f}h" if chain.age_hours is not None else "-"
        rows.append((chain.state, chain.account or "-", chain.resource_name or "-",
                     chain.resource_type, str(chain.attempt), age, hops, chain.chain_id,
                     chain.category or ""))  # fmt: skip
    counts = ", ".join(
        f"{report.count(state)} {state}" for state in ("RUNNING", "FAILED", "COMPLETED")
    )
    header = ("state", "account", "resource", "type", "attempt", "age", "hops", "chain",
              "diagnosis")  # fmt: skip
    threats = _threats_found(
        f"  {c.chain_id}: its copies are of {c.threats_found_in}, which a malware scan found "
        "threats in"
        for c in report.chains
        if c.threats_found_in
    )
    return "\n".join([*lines, *_table(header, rows), "", f"chains: {counts}", *threats])


def _render_summary(summary: NightSummary) -> list[str]:
    def states(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {state}" for state, n in counts.items()) or "none"

    categories = ", ".join(f"{c} {n}" for c, n in summary.failures_by_category.items())
    failures = f"{summary.failures} ({summary.open_failures} open)" if summary.failures else "none"
    if summary.stale_resources is None:
        stale = summary.stale_note
    else:
        stale = f"{len(summary.stale_resources)} ({summary.stale_note})"
    only = " ".join(f"--{flag} {value}" for flag, value in summary.filters.items())
    lines = [
        f"since {summary.since[:16].replace('T', ' ')} until {summary.now[:16].replace('T', ' ')}"
        + (f", only {only}" if only else "")
        + f": {summary.verdict}",
        f"  backups   {states(summary.backups)}",
        f"  copies    {states(summary.copies)}",
        f"  restores  {states(summary.restores)}",
        f"  chains    {states(summary.chains)}",
        f"  failures  {failures}" + (f": {categories}" if categories else ""),
        f"  stale     {stale}",
    ]
    if summary.actions:
        lines += ["next:", *(f"  {action}" for action in summary.actions)]
    return lines


def _render_failures(report: StatusReport) -> list[str]:
    rows = [
        (f.state, f.kind, f.account, f.resource_name or "-", f.resource_type or "-",
         f.destination, f"{f.age_hours:.1f}h" if f.age_hours is not None else "-",
         _diagnosis(f.category, f.message_category), f.resolution or f"open: {f.action}")
        for f in report.failures
    ]  # fmt: skip
    header = ("failed", "job", "account", "resource", "type", "into", "age", "diagnosis",
              "made good since, or what to run")  # fmt: skip
    return _table(header, rows)


def _render_jobs(report: StatusReport) -> list[str]:
    rows = []
    for job in report.jobs:
        where = job.destination_vault_arn or job.created_resource_arn or "-"
        rows.append((job.time[:16], job.kind, job.state, job.account, job.region,
                     job.category or "", where.rsplit(":", 1)[-1] if job.destination_vault_arn
                     else where))  # fmt: skip
    header = ("time", "job", "state", "account", "region", "diagnosis", "into (vault, or created)")
    return [*_table(header, rows), ""]


def render_coverage(report: CoverageReport) -> str:
    if not report.resources:
        return "no resource of a chained type backed up in the ledger's window"
    rows = [
        (
            "pending" if r.pending else "current" if r.current else "STALE",
            r.account,
            r.resource_type,
            f"{r.age_hours:.1f}h" if r.age_hours is not None else "no DR copy",
            r.resource_arn,
            "event lost; found in the DR vault" if r.verified_in_vault else r.why,
        )
        for r in report.resources
    ]
    header: tuple[str, ...] = ("state", "account", "type", "DR copy age", "resource", "why")
    table: list[tuple[str, ...]] = list(rows)
    if any(r.last_proven_restore for r in report.resources):  # restore drills (RestoreDrills)
        header = (*header[:4], "last proven restore", *header[4:])
        table = [
            (*row[:4], _proven(r), *row[4:]) for row, r in zip(table, report.resources, strict=True)
        ]
    if not any(row[-1] for row in table):  # all current: no reason to give
        header, table = header[:-1], [row[:-1] for row in table]
    stale = len(report.stale)
    summary = (
        f"{len(report.resources) - stale} current, {stale} stale "
        f"(DR copy older than {report.max_age_hours:g} h, none, or a copy failed since)"
    )
    if report.pending:
        summary += (
            f"; pending: first backed up less than {report.max_age_hours:g} h ago, "
            "no DR copy yet, no copy failed"
        )
    threats = _threats_found(
        f"  {r.resource_arn}: DR copy {r.dr_recovery_point_arn} is of {r.threats_found_in}, "
        "which a malware scan found threats in"
        for r in report.resources
        if r.threats_found_in
    )
    return "\n".join([*_table(header, table), "", summary, *threats])


def _proven(resource: ResourceCoverage) -> str:
    proof = resource.last_proven_restore
    return proof.proven_at.isoformat(timespec="minutes")[:16] if proof else "never"


def _threats_found(lines: Iterable[str]) -> list[str]:
    """The THREATS FOUND section under a table (status, coverage), when it has lines."""
    listed = list(lines)
    return ["", "THREATS FOUND (docs/alerts.md):", *listed] if listed else []


#: What a finding of each severity says of its check: an error fails it, a warning warns.
_VERDICT = {Severity.ERROR: "FAIL", Severity.WARNING: "WARN"}


def render_doctor(report: DoctorReport) -> str:
    """By account and region, failures first; a group's passed checks collapse to a count."""
    lines = []
    for (account, region), findings, checks in report.groups():
        severities = {f.severity for f in findings}
        verdict = "FAIL" if Severity.ERROR in severities else "WARN" if severities else "ok"
        where = "global" if region == "-" else region
        counted = f"{len(checks)} check{'' if len(checks) == 1 else 's'}"
        lines.append(f"{verdict:<4}  {account}  {where}  ({counted})")
        for finding in findings:
            lines += [
                f"  {_VERDICT[finding.severity]:<4}  {finding.category}  {finding.resource}",
                f"        {finding.problem}",
                f"        fix: {finding.fix}",
                *([f"        docs: {finding.docs}"] if finding.docs else []),
            ]
    lines += [f"skipped: {what}" for what in report.skipped]
    fails = sum(f.severity is Severity.ERROR for f in report.findings)
    warns = len(report.findings) - fails
    verdict = "all passed" if not report.findings else f"{fails} failed, {warns} warnings"
    lines.append(f"{len(report.checked)} checks: {verdict}")
    return "\n".join(lines)


def render_preflight(report: PreflightReport) -> str:
    """The names the stack would create (length against AWS's limit), then the doctor's
    report of the checks."""
    rows = [
        ("ok" if n.fits else "TOO LONG" if n.valid_characters else "INVALID", n.what,
         f"{n.length}/{n.limit}", n.name)
        for n in report.names
    ]  # fmt: skip
    return "\n".join(
        [
            f"stack {report.stack_name} in {report.region}, parameters from {report.source}",
            "",
            *_table(("", "physical name", "length", "name"), rows),
            "",
            render_doctor(report),
        ]
    )
