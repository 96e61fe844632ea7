"""`backup-relay coverage`: is every chained resource's DR copy current? (exit 1 if not)"""

from __future__ import annotations

import argparse
import json
from typing import Any

from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_FAILED, EXIT_OK
from backup_relay_cli.options import DURATION, command, stack_environment, stack_options
from backup_relay_cli.render import render_coverage


def register(commands: Any) -> None:
    parser = command(
        commands,
        "coverage",
        run,
        "is every chained resource's DR copy current? (exit 1 if not)",
        "backup-relay coverage --max-age 26h --json",
    )
    parser.add_argument(
        "--max-age", type=DURATION, default="26h", help="a DR copy older is stale: 26h, 2d"
    )
    stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from backup_relay import wiring

    max_age = durations.duration(args.max_age, "--max-age")
    env = stack_environment(args.stack, args.region)
    report = wiring.coverage(env)(max_age)
    if args.json:
        print(json.dumps(report.model_dump(mode="json") | {"stale": len(report.stale)}, indent=2))
    else:
        print(render_coverage(report))
    return EXIT_FAILED if report.stale else EXIT_OK
