"""`backup-relay normalize`: the JobEvent of an AWS Backup job event or relay envelope."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from backup_relay.collect.normalize import normalize_json
from backup_relay.domain.errors import InvalidJobEvent
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_OK, CommandError
from backup_relay_cli.options import command
from backup_relay_cli.render import render_event


def register(commands: Any) -> None:
    parser = command(
        commands,
        "normalize",
        run,
        "print the normalized JobEvent of an AWS Backup job event",
        "backup-relay normalize events/copy_job_failed.json --json",
    )
    parser.add_argument(
        "file", nargs="?", default="-", help="event JSON file, raw or relay envelope (- = stdin)"
    )


def run(args: argparse.Namespace) -> int:
    if args.file == "-" and sys.stdin.isatty():
        print("reading an event from standard input (end with Ctrl-D; or pass a file)",
              file=sys.stderr)  # fmt: skip
    try:  # bytes: normalize_json says when they are not UTF-8
        text = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}", EXIT_BAD_INPUT) from None
    try:
        event = normalize_json(text)
    except InvalidJobEvent as invalid:
        raise CommandError(f"not an AWS Backup job event ({invalid})", EXIT_BAD_INPUT) from None
    print(event.model_dump_json(indent=2) if args.json else render_event(event))
    return EXIT_OK
