"""What `coverage` prints: one row per resource, one column per destination."""

from __future__ import annotations

from backup_relay.coverage.destinations import DestinationCoverage
from backup_relay.coverage.resources import CoverageReport, ResourceCoverage
from backup_relay_cli.tables import table as _table
from backup_relay_cli.tables import threats_found as _threats_found


def render_coverage(report: CoverageReport) -> str:
    """One row per resource, one column per destination (the DR vault first): its copy's age,
    pending, STALE, or no route; then why, the routes AWS does not have, the threats."""
    if not report.resources:
        return "no resource of a chained type backed up in the ledger's window"
    rows = [
        (
            "pending" if r.pending else "current" if r.current else "STALE",
            r.account,
            r.resource_type,
            r.resource_arn,
            *(_copy_cell(d) for d in r.destinations),
            "; ".join(filter(None, [r.why, _lost(r)])),
        )
        for r in report.resources
    ]
    header: tuple[str, ...] = ("state", "account", "type", "resource", *report.destinations, "why")
    table: list[tuple[str, ...]] = list(rows)
    if any(r.last_proven_restore for r in report.resources):  # restore drills (RestoreDrills)
        header = (*header[:-1], "last proven restore", header[-1])
        table = [
            (*row[:-1], _proven(r), row[-1]) for row, r in zip(table, report.resources, strict=True)
        ]
    if not any(row[-1] for row in table):  # all current: no reason to give
        header, table = header[:-1], [row[:-1] for row in table]
    stale = len(report.stale)
    summary = (
        f"{len(report.resources) - stale} current, {stale} stale (a copy older than "
        f"{report.max_age_hours:g} h, none, or a copy failed since, in a destination)"
    )
    if report.pending:
        summary += (
            f"; pending: first backed up less than {report.max_age_hours:g} h ago, "
            "no copy there yet, no copy failed"
        )
    no_route = {
        f"  {r.resource_type} into {d.destination}: {d.route_reason} ({d.route_page})"
        for r in report.resources
        for d in r.destinations
        if d.state == "no route"
    }
    routes = ["", "NO ROUTE (AWS cannot copy these; not stale):", *sorted(no_route)]
    threats = _threats_found(
        f"  {r.resource_arn}: {'DR copy' if n == 0 else f'copy in {d.destination}'} "
        f"{d.recovery_point_arn} is of {d.threats_found_in}, which a malware scan found threats in"
        for r in report.resources
        for n, d in enumerate(r.destinations)
        if d.threats_found_in
    )
    return "\n".join([*_table(header, table), "", summary, *(routes if no_route else []), *threats])


def _copy_cell(d: DestinationCoverage) -> str:
    age = f"{d.age_hours:.1f}h" if d.age_hours is not None else "none"
    if d.state in {"current", "STALE"}:
        return age if d.state == "current" else f"STALE {age}"
    return d.state  # pending, no route


def _lost(r: ResourceCoverage) -> str:
    lost = [d.destination for d in r.destinations if d.verified_in_vault]
    if not lost:
        return ""
    where = "the DR vault" if len(r.destinations) <= 1 else ", ".join(lost)
    return f"event lost; found in {where}"


def _proven(resource: ResourceCoverage) -> str:
    proof = resource.last_proven_restore
    return proof.proven_at.isoformat(timespec="minutes")[:16] if proof else "never"
