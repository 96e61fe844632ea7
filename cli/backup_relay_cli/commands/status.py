"""`backup-relay status`: chains and their hops by state, with age, attempt and diagnosis."""

from __future__ import annotations

import argparse
from typing import Any

from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_OK
from backup_relay_cli.options import (
    CHAIN_ID,
    RECOVERY_POINT_ARN,
    RESOURCE_ARN,
    SINCE,
    command,
    stack_environment,
    stack_options,
)
from backup_relay_cli.render import render_status


def register(commands: Any) -> None:
    parser = command(
        commands,
        "status",
        run,
        "chains and their hops by state, with age, attempt and diagnosis",
        "backup-relay status --since 24h   |   backup-relay status --chain chain-9c02e...",
    )
    parser.add_argument(
        "--since", type=SINCE, default="24h", help="chains changed since: 90m, 24h, 7d, ISO"
    )
    parser.add_argument("--chain", type=CHAIN_ID, help="only this chain")
    parser.add_argument(
        "--recovery-point",
        type=RECOVERY_POINT_ARN,
        help="only the chains of this recovery point (ARN)",
    )
    parser.add_argument(
        "--resource-arn",
        type=RESOURCE_ARN,
        help="the path one resource's copies took: its jobs and chains",
    )
    stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from backup_relay import wiring

    start = durations.since(args.since, "--since")
    env = stack_environment(args.stack, args.region)
    report = wiring.status(env)(
        start,
        chain_id=args.chain,
        recovery_point_arn=args.recovery_point,
        resource_arn=args.resource_arn,
    )
    print(report.model_dump_json(indent=2) if args.json else render_status(report))
    return EXIT_OK
