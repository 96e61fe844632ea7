"""`backup-relay sandbox up|down|advance`: the sandbox organization as a local AWS endpoint
(registered only when the sandbox is installed)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_OK, CommandError
from backup_relay_cli.options import DURATION, command


def register(commands: Any) -> None:
    parser = command(
        commands,
        "sandbox",
        run,
        "run the sandbox organization as a local AWS endpoint, or stop it",
        "backup-relay sandbox up   (then eval the exports it prints; backup-relay sandbox down)",
    )
    parser.add_argument("action", choices=["up", "down", "advance"])
    parser.add_argument(
        "duration", nargs="?", type=DURATION, help="advance: how far (90m, 24h, 7d)"
    )
    parser.add_argument("--no-night", action="store_true", help="up: no night of backups")
    parser.add_argument("--port", type=int, default=5055, help="the endpoint's port (up)")
    parser.add_argument(
        "--dir", type=Path, default=Path("~/.backup-relay-sandbox"),
        help="where it keeps its pid and log",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    directory = args.dir.expanduser()
    by = _checked(args)  # every argument, before the sandbox is loaded
    from backup_relay_sandbox import server

    if by is not None:
        try:
            server.advance(directory, by)
        except RuntimeError as failed:
            raise CommandError(str(failed)) from None
        print(f"the sandbox's AWS Backup clock moved {args.duration}", file=sys.stderr)
        return EXIT_OK
    if args.action == "down":
        stopped = server.stop(directory)
        print("stopped the sandbox" if stopped else "no sandbox was running", file=sys.stderr)
        return EXIT_OK
    print("starting the sandbox (the night of backups runs first, about 10 s)...", file=sys.stderr)
    try:
        env = server.start(args.port, directory, night=not args.no_night)
    except RuntimeError as failed:
        raise CommandError(str(failed)) from None
    if args.json:
        print(json.dumps({"environment": env, "stack": server.STACK_NAME}, indent=2))
        return EXIT_OK
    for name, value in env.items():
        print(f"export {name}={value}")
    print(
        f"# the stack is {server.STACK_NAME!r}; try: backup-relay status, replay --dry-run, "
        "coverage; stop it with: backup-relay sandbox down",
        file=sys.stderr,
    )
    return EXIT_OK


def _checked(args: argparse.Namespace) -> timedelta | None:
    """How far to advance (advance), after checking the arguments of every action."""
    if args.action == "advance":
        if not args.duration:
            raise CommandError(
                "advance how far? e.g. backup-relay sandbox advance 6h", EXIT_BAD_INPUT
            )
        return durations.duration(args.duration, "advance")
    if args.duration:
        raise CommandError(
            f"{args.action} takes no duration ({args.duration!r}): only advance does",
            EXIT_BAD_INPUT,
        )
    if args.action == "up" and not 1024 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: give a port from 1024 to 65535", EXIT_BAD_INPUT)
    return None
