"""`backup-relay demo`: the offline sandbox's night of backups, chained to DR, as a timeline
(registered only when the sandbox is installed). The sandbox runs it; the commands the operator
runs in it print as this CLI prints them (render.py, which the demo is given)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from backup_relay_cli import render
from backup_relay_cli.errors import EXIT_FAILED, EXIT_OK, CommandError
from backup_relay_cli.options import command


def register(commands: Any) -> None:
    command(
        commands,
        "demo",
        run,
        "run the offline sandbox: a simulated night of backups, chained to DR",
        "backup-relay demo --json",
        json_help="print only a JSON summary",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from backup_relay_sandbox.cloud import use_fake_credentials

        use_fake_credentials()  # first: importing moto reads AWS_PROFILE (a missing one fails)
        from backup_relay_sandbox.demo import run_demo
    except ImportError as error:
        raise CommandError(
            f"the demo needs the sandbox (pip install -e '.[sandbox]'): {error}"
        ) from None
    summary = run_demo(out=None if args.json else sys.stdout, render=render)
    if args.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK if summary["ok"] else EXIT_FAILED
