"""`backup-relay demo`: a night of AWS Backup in a small organization, offline, as a timeline.

Two member accounts back up an RDS instance, Aurora, DocumentDB and Neptune clusters and an EBS
volume; their backup plans copy the databases into the central vault of their region and EBS
straight to the DR vault. backup-relay collects every job event and chains each database copy
on to the DR region, and each cluster's (Aurora, DocumentDB, Neptune) into the central account's
logically air-gapped vault too: its second destination (AdditionalDestinations), a chain of its
own; an RDS instance has no route into one (the route table's reason: `backup-relay plan`).
One member's Aurora cluster is encrypted with a key the central account may not use: its copy
fails, the alert it raises says why and how to fix it, the operator shares the key and replays
the copy, and it reaches DR too. Last, the operator restores a member's RDS instance from its DR
copy into the member account (demo_restore.py).

It prints its story in sections (the night's backups; the doctor, before the copies; the copies
and chains; the alert; the fix and replay; status; coverage; plan into a logically air-gapped
vault, where an RDS instance has no route; the restore; the summary) after a short legend.
The events come from the functions' own log lines (demo_timeline.py), condensed by phase unless
`verbose`, in AWS Backup's virtual time.

The commands the operator runs in it (doctor, replay, status, coverage, plan) print as the CLI
prints them: the CLI passes its renderers in (`Renderers`), so the sandbox does not import the
CLI.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol, TextIO

from moto import mock_aws

from backup_relay import wiring
from backup_relay.alerts.message import email_text
from backup_relay.coverage.resources import CoverageReport
from backup_relay.doctor.report import DoctorReport
from backup_relay.domain.alert import Alert
from backup_relay.domain.routes import Route, RouteError
from backup_relay.replay.report import ReplayOutcome, ReplayReport
from backup_relay.status.chains import StatusReport
from backup_relay_sandbox.backup_sim import Faults, policies
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    MEMBER_ACCOUNTS,
    REGION,
    SANDBOX_MOTO_CONFIG,
    client,
    use_fake_credentials,
)
from backup_relay_sandbox.demo_plan import plan_where_aws_has_no_route
from backup_relay_sandbox.demo_restore import restore_one
from backup_relay_sandbox.demo_timeline import LEGEND, Timeline, section
from backup_relay_sandbox.drills import drill_the_dr_copies, render_drills, weekly_drills
from backup_relay_sandbox.organization import (
    CENTRAL_VAULT_ARN,
    DATABASE_TYPES,
    DR_VAULT_ARN,
    LAG_VAULT_ARN,
    Organization,
)

CENTRAL, DR = CENTRAL_VAULT_ARN, DR_VAULT_ARN
#: The types a logically air-gapped vault takes, of the demo's: its second destination.
LAG_TYPES = ("Aurora", "DocumentDB", "Neptune")
MALFORMED = '{"source": "aws.backup", "detail-type": "Copy Job State Change", "detail"'


class Renderers(Protocol):
    """How the CLI prints the reports of the commands the demo runs (backup_relay_cli.render)."""

    def render_doctor(self, report: DoctorReport) -> str: ...
    def render_replay(self, report: ReplayReport, *, dry_run: bool) -> str: ...
    def render_status(self, report: StatusReport) -> str: ...
    def render_coverage(self, report: CoverageReport) -> str: ...
    def render_route(self, route: Route) -> str: ...
    def render_no_route(self, error: RouteError) -> str: ...


def run_demo(out: TextIO | None, render: Renderers, *, verbose: bool = False) -> dict[str, Any]:
    """Run the night; print its story to `out` (if any): the events condensed by phase (every
    one if `verbose`), the operator's commands as `render` prints them; return the summary."""
    use_fake_credentials()
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would drown the timeline
    started = time.perf_counter()
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        _print(out, _HEADER.format(central=CENTRAL_ACCOUNT, members=", ".join(MEMBER_ACCOUNTS)))
        _print(out, LEGEND)
        _print(out, section("1. The night: every member backs up its resources"))
        timeline = Timeline(out, verbose=verbose)
        doctor: list[DoctorReport] = []

        def before_copies(org: Organization) -> None:
            timeline.flush("the backups")
            _print(out, section("2. The doctor, before the copies: what will fail, and why"))
            doctor.append(_doctor(org, out, render))
            _print(out, section("3. The night: copies to the central vault, chains on to DR"))

        org = night_with_a_failed_copy(timeline, before_copies)
        timeline.flush("the copies and chains")
        unshared = org.resources[(MEMBER_ACCOUNTS[-1], "Aurora")]
        key = org.sim.resources[unshared].kms_key_arn or ""
        alerts = org.alerts()
        _print(out, section("4. The alert: what broke, why, how to fix it"))
        _print(out, _render_alerts(alerts))
        _print(out, section("5. The fix: the operator shares the key, then replays"))
        replayed = _the_operator_fixes_and_replays(
            org, out, render, account=MEMBER_ACCOUNTS[-1], key=key, timeline=timeline
        )
        _print(
            out, section("Drill: the DR region restores each DR copy, then checks what it restored")
        )
        drills = drill_the_dr_copies(org, on_step=timeline.show_new)
        timeline.flush("the drill")
        _print(out, render_drills(drills))
        coverage = _status_and_coverage(org, out, render)
        no_route = plan_where_aws_has_no_route(org, out, render)
        summary = _summary(org, timeline, alerts, unshared, replayed)
        summary["coverage"] = {
            "current": len(coverage.resources) - len(coverage.stale),
            "stale": len(coverage.stale),
        }
        summary["doctor"] = dict(Counter(f.category for f in doctor[0].findings))
        summary["no_route"] = no_route
        summary["drills"] = dict(Counter(j.get("ValidationStatus", "none") for j in drills))
        summary["ok"] = (
            summary["ok"]
            and not coverage.stale
            and summary["doctor"] == summary["alerts"]
            and no_route.startswith("no route: a logically air-gapped vault does not take RDS")
            and set(summary["drills"]) == {"SUCCESSFUL"}
        )
        summary["restored"] = restore_one(org, out)  # 9. the restore (demo_restore.py)
        summary["ok"] = summary["ok"] and summary["restored"] == "COMPLETED"
    summary["seconds"] = round(time.perf_counter() - started, 2)
    _print(out, _render_summary(org_rows=summary.pop("rows"), summary=summary))
    return summary


def night_with_a_failed_copy(
    timeline: Timeline | None = None,
    before_copies: Callable[[Organization], None] = lambda org: None,
) -> Organization:
    """Inside an active moto mock: the organization, its night of backups and copies (one
    member's Aurora copy failing: its key is not shared), with AWS Backup's delivery faults; the
    central account's LAG vault in the DR region is every chained copy's second destination, and
    the vaults stack in the DR region runs restore drills of the DR copies."""
    org = Organization.build(wait_timeout_seconds=5, lag_destination=True, RestoreDrills="true")
    weekly_drills(org)  # the DR region's vaults stack with RestoreDrills, as the doctor expects
    # AWS Backup delivers events best effort, "every 5 minutes": in batches, now and then
    # out of order, and EventBridge at least once (twice at once, or again much later): the
    # simulator's default delivery, from a fresh draw
    org.sim.faults = Faults()
    _aurora_whose_key_is_not_shared(org, MEMBER_ACCOUNTS[-1])
    show = timeline.start(org) if timeline is not None else (lambda: None)
    backups_and_copies(org, show, before_copies, malformed=True)
    return org


def sandbox_organization(*, night: bool = True) -> Organization:
    """`sandbox up`'s organization: the demo's night run, then its DR copies drilled (coverage's
    last proven restore, as the demo shows it); without the night, its drills on all the same."""
    if not night:
        org = Organization.build(wait_timeout_seconds=5, lag_destination=True, RestoreDrills="true")
        weekly_drills(org)
        return org
    org = night_with_a_failed_copy()
    drill_the_dr_copies(org)
    return org


def backups_and_copies(
    org: Organization,
    show: Callable[[], None] = lambda: None,
    before_copies: Callable[[Organization], None] = lambda org: None,
    *,
    malformed: bool = False,
) -> None:
    """A night of the members' plans: a backup of every resource, then its copy (into the
    central vault, EBS into the DR vault), as `sandbox night` runs it again."""
    points = {key: org.backup(*key) for key in org.resources}
    org.settle(on_step=show)
    before_copies(org)  # the backups are in the member vaults; their copies not yet started
    for (account, resource_type), point in points.items():
        org.plan_copy(account, point, DR if resource_type == "EBS" else CENTRAL)
    if malformed:
        client("sqs").send_message(QueueUrl=org.central.ingest_queue.url, MessageBody=MALFORMED)
    org.settle(on_step=show)


def _the_operator_fixes_and_replays(
    org: Organization,
    out: TextIO | None,
    render: Renderers,
    *,
    account: str,
    key: str,
    timeline: Timeline,
) -> int:
    """What the alert says to do: share the key with the central account (its key policy, in
    the member account), then `backup-relay replay` — a dry run first."""
    _print(out, f"the operator shares key {key} with {CENTRAL_ACCOUNT} (its key policy)")
    client("kms", REGION, account).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(account, [CENTRAL_ACCOUNT])),
    )
    replay = org.central.functions["ReplayFunction"]
    for dry_run in (True, False):
        report = ReplayReport.model_validate(replay({"since": "24h", "dry_run": dry_run}))
        flag = " --dry-run" if dry_run else ""
        _print(
            out,
            f"\n$ backup-relay replay --since 24h{flag}\n"
            f"{render.render_replay(report, dry_run=dry_run)}",
        )
    org.settle(on_step=timeline.show_new)
    timeline.flush("the replayed copy and its chain")
    return report.count(ReplayOutcome.REPLAYED)


def _doctor(org: Organization, out: TextIO | None, render: Renderers) -> DoctorReport:
    """`backup-relay doctor --account ...` before the copies run: what will fail, and why."""
    env = {**org.central.functions["DoctorFunction"].variables, "AWS_REGION": REGION}
    report = wiring.doctor(env, tuple(MEMBER_ACCOUNTS))()
    accounts = " ".join(f"--account {a}" for a in MEMBER_ACCOUNTS)
    _print(out, f"$ backup-relay doctor {accounts}\n{render.render_doctor(report)}")
    return report


def _status_and_coverage(
    org: Organization, out: TextIO | None, render: Renderers
) -> CoverageReport:
    """`backup-relay status` and `coverage` as the operator runs them next, on the stack's ledger
    (the functions' environment is what the CLI rebuilds from the deployed stack)."""
    env = {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}
    now = org.sim.now
    status = wiring.status(env)
    status.now = lambda: now
    coverage = wiring.coverage(env)
    coverage.now = lambda: now
    report = coverage(timedelta(hours=26))
    _print(out, section("6. Status: where every chain stands"))
    _print(
        out,
        f"$ backup-relay status --since 24h\n"
        f"{render.render_status(status(now - timedelta(hours=24)))}",
    )
    _print(
        out,
        section(
            "7. Coverage: every chained resource's newest copy, per destination, and its last "
            "proven restore"
        ),
    )
    _print(out, f"$ backup-relay coverage --max-age 26h\n{render.render_coverage(report)}")
    return report


def _aurora_whose_key_is_not_shared(org: Organization, account: str) -> tuple[str, str]:
    """The night's one misconfiguration: this member's Aurora cluster is encrypted with a
    customer managed key whose policy does not let the central account use it, so its copy
    into the central vault fails (and raises an alert saying so)."""
    return org.add_resource(account, "Aurora", "ledger", key_shared_with=())


def _render_alerts(alerts: list[dict[str, Any]]) -> str:
    """Each error alert as its email reads (the topic's `email` rendering of the same alert)."""
    lines = [f"alerts published on the Alerts topic: {len(alerts)}"]
    for received in alerts:
        if received["attributes"].get("severity") != "error":
            continue
        alert = Alert.model_validate(received["document"])
        lines += ["", f"Subject: {received['subject']}", "", email_text(alert).rstrip()]
    return "\n".join(lines)


_HEADER = """backup-relay demo: one night of AWS Backup in a small organization, offline (moto + the
AWS Backup simulator). Member accounts forward their job events with member/template.yaml; the
real template.yaml rules, ingest and chain-steps functions and copy-chain state machine do the rest.

  central account {central}: vault backup-relay-central (us-west-2), backup-relay-dr (us-east-1),
    backup-relay-lag (us-east-1, logically air-gapped: the clusters' second destination)
  member accounts {members}: RDS, Aurora, DocumentDB, Neptune and EBS each
"""


def _summary(
    org: Organization,
    timeline: Timeline,
    alerts: list[dict[str, Any]],
    unshared: str,
    replayed: int,
) -> dict[str, Any]:
    statuses = Counter(e["status"] for e in org.executions())
    at_dr = org.completed_copies_into(DR)
    at_lag = org.completed_copies_into(LAG_VAULT_ARN)
    rows = []
    for (account, resource_type), resource_arn in sorted(org.resources.items()):
        reached = [job for job in at_dr if job.resource.arn == resource_arn]
        hops = 2 if reached and reached[0].account == CENTRAL_ACCOUNT else len(reached)
        in_lag = "yes" if any(job.resource.arn == resource_arn for job in at_lag) else "NO"
        # an RDS instance: no route into a LAG vault; EBS: not chained, its plan copies it to DR
        lag = in_lag if resource_type in LAG_TYPES else "-"
        lag = "no route" if resource_type in DATABASE_TYPES and lag == "-" else lag
        rows.append((account, resource_type, "yes" if reached else "NO", hops, lag))
    delivered = sum(timeline.outcomes.values()) + sum(timeline.quarantine.values())
    summary: dict[str, Any] = {
        "events_seen": len(org.sim.emitted),
        "delivered": delivered,
        "normalized": timeline.outcomes["recorded"] + timeline.outcomes["duplicate"],
        "recorded": timeline.outcomes["recorded"],
        "duplicates": timeline.outcomes["duplicate"],
        "quarantined": sum(timeline.quarantine.values()),
        "quarantine_reasons": dict(timeline.quarantine),
        "chains_started": sum(statuses.values()),
        "chains_completed": statuses["SUCCEEDED"],
        "chains_failed": statuses["FAILED"],
        "recovery_points_at_dr": len(at_dr),
        "recovery_points_at_lag": len(at_lag),
        "alerts": dict(Counter(a["attributes"]["category"] for a in alerts)),
        "replayed": replayed,
        "rows": rows,
    }
    # every database chained to DR, every cluster to the LAG vault too; the one whose key was not
    # shared only after the alert said why, the operator shared it and replayed its copy
    clusters = sum(1 for _, kind in org.resources if kind in LAG_TYPES)
    expected_chains = sum(1 for _, kind in org.resources if kind in DATABASE_TYPES) + clusters
    summary["ok"] = (
        summary["chains_completed"] == expected_chains
        and summary["chains_failed"] == 0
        and summary["recovery_points_at_dr"] == len(org.resources)
        and summary["recovery_points_at_lag"] == clusters
        and any(job.resource.arn == unshared for job in at_dr)
        and summary["quarantined"] == 1
        and summary["alerts"] == {"kms_key_not_shared": 1}
        and replayed == 1
    )
    return summary


def _render_summary(org_rows: list[tuple[str, str, str, int, str]], summary: dict[str, Any]) -> str:
    lines = [
        section("Summary"),
        "where each backup ended up",
        "  account       resource    at DR  hops  in the LAG vault",
    ]
    lines += [f"  {a}  {t:<10}  {r:<5}  {h:<4}  {g}" for a, t, r, h, g in org_rows]
    reasons = ", ".join(f"{k} {v}" for k, v in summary["quarantine_reasons"].items()) or "-"
    counts = [
        ("job events AWS Backup delivered (repeats included)", summary["events_seen"]),
        ("delivered to ingest (duplicates included)", summary["delivered"]),
        ("normalized", summary["normalized"]),
        ("recorded once in the ledger", summary["recorded"]),
        ("duplicate deliveries ignored", summary["duplicates"]),
        ("quarantined (with reason)", f"{summary['quarantined']}  [{reasons}]"),
        ("copy chains started / completed / failed", " / ".join(
            str(summary[key]) for key in ("chains_started", "chains_completed", "chains_failed"))),
        ("recovery points in the DR vault", summary["recovery_points_at_dr"]),
        ("recovery points in the LAG vault", summary["recovery_points_at_lag"]),
        ("doctor's findings before the copies, by category", ", ".join(
            f"{k} {v}" for k, v in summary["doctor"].items()) or "-"),
        ("failed copies replayed after the fix", summary["replayed"]),
        ("chained resources with a current DR copy (26 h)", "{current} current, {stale} stale"
            .format(**summary["coverage"])),
        ("plan RDS into a LAG vault (an expected answer)",
            "no route" if summary["no_route"] else "-"),
        ("alerts published, by diagnosis", ", ".join(
            f"{k} {v}" for k, v in summary["alerts"].items()) or "-"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in counts)
    lines += ["", "summary"] + [f"  {name:<{width}}  {value}" for name, value in counts]
    verdict = "all as expected" if summary["ok"] else "UNEXPECTED: see the counts above"
    lines.append(f"\n{verdict} in {summary['seconds']} s")
    return "\n".join(lines)


def _print(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)
