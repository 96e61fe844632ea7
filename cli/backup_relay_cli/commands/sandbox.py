"""`backup-relay sandbox up|down|advance|night`: the sandbox organization as a local AWS endpoint
(registered only when the sandbox is installed).

Its state (pid, log) is kept per checkout, under ~/.backup-relay-sandbox/<checkout>-<hash of its
path>, so two clones never share (or stop) each other's sandbox; `--dir` names another place."""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, CommandError
from backup_relay_cli.options import DURATION, command

STATE_ROOT = Path("~/.backup-relay-sandbox")
MAX_ADVANCE = timedelta(days=3650)


def register(commands: Any) -> None:
    parser = command(
        commands,
        "sandbox",
        run,
        "run the sandbox organization as a local AWS endpoint, or stop it",
        "backup-relay sandbox up   (then eval the exports it prints; backup-relay sandbox down)",
    )
    parser.add_argument(
        "action", choices=["up", "down", "advance", "night"],
        help="up (again: its exports again), down, advance DURATION (its AWS Backup clock), "
        "night (another night of backups and copies)",
    )  # fmt: skip
    parser.add_argument(
        "duration", nargs="?", type=DURATION, help="advance: how far (90m, 24h, 7d)"
    )
    parser.add_argument("--no-night", action="store_true", help="up: no night of backups")
    parser.add_argument("--port", type=int, default=5055, help="the endpoint's port (up)")
    parser.add_argument(
        "--dir", type=Path, default=None,
        help=f"where it keeps its pid and log (default: {default_directory()})",
    )  # fmt: skip


def default_directory() -> Path:
    """The state directory of this checkout's sandbox (keyed by where the sandbox is installed
    from: one per clone)."""
    spec = importlib.util.find_spec("backup_relay_sandbox")  # found, not imported
    origin = Path(spec.origin if spec and spec.origin else __file__).resolve()
    checkout = origin.parents[2]  # <checkout>/sandbox/backup_relay_sandbox/__init__.py
    key = hashlib.sha1(str(checkout).encode(), usedforsecurity=False).hexdigest()[:8]
    return STATE_ROOT / f"{checkout.name}-{key}"


def run(args: argparse.Namespace) -> int:
    directory = (args.dir or default_directory()).expanduser()
    by = _checked(args)  # every argument, before the sandbox is loaded
    from backup_relay_sandbox import server

    try:
        if args.action == "advance" and by is not None:
            server.advance(directory, by, _progress(by))
            print(f"the sandbox's AWS Backup clock moved {args.duration}", file=sys.stderr)
            return EXIT_OK
        if args.action == "night":
            print("another night of backups and copies...", file=sys.stderr)
            server.night(directory)
            print("the night ran: try backup-relay status, replay --dry-run", file=sys.stderr)
            return EXIT_OK
        if args.action == "down":
            stopped = server.stop(directory)
            print("stopped the sandbox" if stopped else "no sandbox was running", file=sys.stderr)
            return EXIT_OK
        return _up(args, directory, server)
    except RuntimeError as failed:
        raise CommandError(str(failed)) from None


def _up(args: argparse.Namespace, directory: Path, server: Any) -> int:
    if not server.running(directory):
        server.check_port(args.port)  # a busy port fails now, not after the night
        print("starting the sandbox (its night of backups runs first, 20-40 s)...", file=sys.stderr)
    try:
        env, started = server.up(args.port, directory, night=not args.no_night)
    except KeyboardInterrupt:
        raise CommandError(
            "interrupted: the sandbox it was starting is stopped", EXIT_INTERRUPTED
        ) from None
    if not started:
        print(
            f"a sandbox already runs from {directory} (port "
            f"{env['AWS_ENDPOINT_URL'].rsplit(':', 1)[1]}): its exports again",
            file=sys.stderr,
        )
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


def _progress(by: timedelta) -> Any:
    """Prints how far a long advance got, every tenth of the way (short ones stay quiet)."""
    shown = [0]

    def show(done: float, now: str) -> None:
        tenth = int(done * 10)
        if by > timedelta(days=2) and tenth > shown[0]:
            shown[0] = tenth
            print(f"  {done:4.0%}: the sandbox's clock is at {now}", file=sys.stderr)

    return show


def _checked(args: argparse.Namespace) -> timedelta | None:
    """How far to advance (advance), after checking the arguments of every action."""
    if args.action == "advance":
        if not args.duration:
            raise CommandError(
                "advance how far? e.g. backup-relay sandbox advance 6h", EXIT_BAD_INPUT
            )
        by = durations.duration(args.duration, "advance")
        if by > MAX_ADVANCE:
            raise CommandError(
                f"advance {args.duration}: at most {MAX_ADVANCE.days}d at a time (the longest "
                "retention the sandbox keeps is years; ten years take about a minute)",
                EXIT_BAD_INPUT,
            )
        return by
    if args.duration is not None:
        raise CommandError(
            f"sandbox {args.action} takes no duration ({args.duration!r}): only advance does",
            EXIT_BAD_INPUT,
        )
    if args.action == "up" and not 1024 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: give a port from 1024 to 65535", EXIT_BAD_INPUT)
    return None
