"""`backup-relay`: the operator's command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from backup_relay.errors import InvalidJobEvent
from backup_relay.models import JobEvent
from backup_relay.normalize import normalize_json
from backup_relay.planner import (
    DEFAULT_CHAINED_TYPES,
    ChainSettings,
    Route,
    RouteError,
    Vault,
    parse_types,
    plan_route,
)

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return int(args.run(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backup-relay",
        description="AWS Backup job events across an AWS Organization, normalized and recorded.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    normalize = commands.add_parser(
        "normalize", help="print the normalized JobEvent of an AWS Backup job event"
    )
    normalize.add_argument(
        "file", nargs="?", default="-", help="event JSON file, raw or relay envelope (- = stdin)"
    )
    normalize.add_argument("--json", action="store_true", help="machine-readable output")
    normalize.set_defaults(run=_normalize)

    plan = commands.add_parser("plan", help="print the copy hops from one vault to another")
    plan.add_argument("resource_type", help="AWS Backup resource type: RDS, Aurora, EBS, ...")
    plan.add_argument("--from", dest="source", required=True, help="ACCOUNT:REGION:VAULT or ARN")
    plan.add_argument("--to", dest="destination", required=True, help="ACCOUNT:REGION:VAULT or ARN")
    plan.add_argument(
        "--central-account", help="the central backup account (default: the --to account)"
    )
    plan.add_argument(
        "--central-vault", default="central", help="central vault name in each region"
    )
    plan.add_argument(
        "--chained-types",
        default=",".join(sorted(DEFAULT_CHAINED_TYPES)),
        help="types copied in two hops across accounts and regions (comma-separated)",
    )
    plan.add_argument(
        "--single-action-types",
        default="",
        help="chained types allowed to use AWS's single-action copy (comma-separated)",
    )
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    plan.set_defaults(run=_plan)

    back = commands.add_parser(
        "bring-back",
        help="copy a DR recovery point back to a member vault for restore (reverse chain)",
    )
    back.add_argument("recovery_point_arn")
    back.add_argument("--to-account", required=True)
    back.add_argument("--to-region", required=True)
    back.add_argument("--to-vault", required=True)
    back.add_argument("--from-vault", help="ACCOUNT:REGION:VAULT the copy is in (default: DR)")
    back.add_argument("--stack", default="backup-relay", help="the central stack's name")
    back.add_argument("--region", help="the central stack's region")
    back.add_argument("--dry-run", action="store_true", help="print the plan, start nothing")
    back.add_argument("--json", action="store_true", help="machine-readable output")
    back.set_defaults(run=_bring_back)

    demo = commands.add_parser(
        "demo", help="run the offline sandbox: documented events through the real rules and ingest"
    )
    demo.add_argument("--json", action="store_true", help="print only a JSON summary")
    demo.set_defaults(run=_demo)
    return parser


def _normalize(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    except OSError as error:
        return _fail(f"cannot read {args.file}: {error.strerror}")
    try:
        event = normalize_json(text)
    except InvalidJobEvent as invalid:
        return _fail(f"not an AWS Backup job event ({invalid})")
    if args.json:
        print(event.model_dump_json(indent=2))
    else:
        print(render_event(event))
    return EXIT_OK


def render_event(event: JobEvent) -> str:
    fields = event.model_dump(mode="json")
    width = max(len(name) for name in fields)
    lines = [f"{event.kind} job {event.job_id or '(no id yet)'} is {event.state}"]
    lines += [f"  {name:<{width}}  {'-' if v is None else v}" for name, v in fields.items()]
    return "\n".join(lines)


def _plan(args: argparse.Namespace) -> int:
    try:
        source, destination = Vault.parse(args.source), Vault.parse(args.destination)
        settings = ChainSettings(
            central_account=args.central_account or destination.account,
            default_central_vault=args.central_vault,
            chained_types=parse_types(args.chained_types),
            single_action_types=parse_types(args.single_action_types),
        )
        route = plan_route(args.resource_type, source, destination, settings)
    except RouteError as error:
        return _fail(f"no route: {error}")
    if args.json:
        print(json.dumps(route_json(route), indent=2))
    else:
        print(render_route(route))
    return EXIT_OK


def route_json(route: Route) -> dict[str, object]:
    return {
        "resource_type": route.resource_type,
        "source": route.source.arn,
        "destination": route.destination.arn,
        "hop_count": len(route.hops),
        "reason": route.reason,
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
    return "\n".join(lines)


def _bring_back(args: argparse.Namespace) -> int:
    from backup_relay.adapters.backup import stack_environment
    from backup_relay.bring_back import BringBackRequest
    from backup_relay.runtime import bring_back

    request = BringBackRequest(
        recovery_point_arn=args.recovery_point_arn,
        to_account=args.to_account,
        to_region=args.to_region,
        to_vault=args.to_vault,
        from_vault=args.from_vault,
        dry_run=args.dry_run,
    )
    try:
        chain, started = bring_back(stack_environment(args.stack, args.region))(request)
    except (RouteError, ValueError) as error:
        return _fail(f"cannot bring back: {error}")
    if args.json:
        print(json.dumps({"started": started, "chain": chain.model_dump(mode="json")}, indent=2))
        return EXIT_OK
    verb = "would start" if args.dry_run else ("started" if started else "already running:")
    print(f"{verb} {chain.chain_id}: {chain.reason}")
    for number, hop in enumerate(chain.hops, start=1):
        print(f"  {number}. {hop.kind:<24} {hop.source_vault_arn} -> {hop.destination_vault_arn}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    try:
        from backup_relay_sandbox.demo import run_demo
    except ImportError as error:
        return _fail(f"the demo needs the sandbox extra (pip install -e '.[sandbox]'): {error}")
    summary = run_demo(out=None if args.json else sys.stdout)
    if args.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK if summary["ok"] else 1


def _fail(message: str) -> int:
    print(f"backup-relay: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
