"""`backup-relay demo [--verbose]`: the offline sandbox's night of backups, chained to DR, told
in sections (registered only when the sandbox is installed). The sandbox runs it; the commands
the operator runs in it print as this CLI prints them (render.py, which the demo is given)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from backup_relay_cli import render
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CommandError
from backup_relay_cli.options import command


def register(commands: Any) -> None:
    parser = command(
        commands,
        "demo",
        run,
        "run the offline sandbox: a simulated night of backups, chained to DR",
        "backup-relay demo --verbose",
        json_help="print only a JSON summary",
    )
    parser.add_argument(
        "--verbose", action="store_true",
        help="print every event of the night (default: counts by phase, and the notable events)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.json and args.verbose:
        raise CommandError(
            "--json prints only the summary, --verbose every event: choose one", EXIT_BAD_INPUT
        )
    try:
        from backup_relay_sandbox.cloud import use_fake_credentials

        use_fake_credentials()  # first: importing moto reads AWS_PROFILE (a missing one fails)
        from backup_relay_sandbox.demo import run_demo
    except ImportError as error:
        raise CommandError(
            f"the demo needs the sandbox (pip install -e '.[sandbox]'): {error}"
        ) from None
    summary = run_demo(out=None if args.json else sys.stdout, render=render, verbose=args.verbose)
    if args.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK if summary["ok"] else EXIT_FAILED
