"""`backup-relay replay`: replay failed copies (chain hops and members' copies) after a fix."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_FAILED, EXIT_OK
from backup_relay_cli.options import (
    ACCOUNT_ID,
    CATEGORY,
    CHAIN_ID,
    DESTINATION,
    RESOURCE_TYPE,
    SINCE,
    command,
    stack_environment,
    stack_options,
)
from backup_relay_cli.render import render_replay


def register(commands: Any) -> None:
    parser = command(
        commands,
        "replay",
        run,
        "replay failed copies (chain hops and members' copies) after a fix",
        "backup-relay replay --since 24h --category kms_key_not_shared --dry-run",
    )
    parser.add_argument("--job-id", help="only the failed copy job with this id")
    parser.add_argument("--chain-id", type=CHAIN_ID, help="only this chain")
    parser.add_argument(
        "--destination", type=DESTINATION, metavar="TYPE:REGION:VAULT",
        help="only chains to this destination, as status names it (lag:eu-west-1:backup-relay-lag)",
    )  # fmt: skip
    parser.add_argument("--account", type=ACCOUNT_ID, help="only failures in this account")
    parser.add_argument(
        "--resource-type", type=RESOURCE_TYPE, help="only this resource type (RDS, Aurora, ...)"
    )
    parser.add_argument("--category", type=CATEGORY, metavar="CATEGORY",
                        help="only failures diagnosed so (see backup-relay diagnose)")  # fmt: skip
    parser.add_argument(
        "--since", type=SINCE, default="24h", help="failures since: 90m, 24h, 7d or ISO time"
    )
    stack_options(parser)
    parser.add_argument("--dry-run", action="store_true", help="say what it would do; do nothing")
    parser.add_argument(
        "--force", action="store_true",
        help="replay even a failure whose probe confirms its cause is still there",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from backup_relay import wiring
    from backup_relay.replay.failed_copies import ReplayRequest

    request = ReplayRequest(
        job_id=args.job_id,
        chain_id=args.chain_id,
        destination=args.destination,
        account=args.account,
        resource_type=args.resource_type,
        category=args.category,
        since=args.since,  # its form checked (SINCE); counted below, on the endpoint's clock
        dry_run=args.dry_run,
        force=args.force,
    )
    env = stack_environment(args.stack, args.region)
    since = durations.since(args.since, "--since", wiring.endpoint_now())  # the endpoint's clock
    request = request.model_copy(update={"since": since.isoformat()})
    report = wiring.replay(env)(request, progress=None if args.json else _progress)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print(render_replay(report, dry_run=args.dry_run))
    return EXIT_FAILED if report.failed else EXIT_OK


def _progress(done: int, total: int) -> None:
    if total > 1:
        end = "\n" if done == total else ""
        print(f"\rreplaying {done}/{total}", end=end, file=sys.stderr, flush=True)
