"""`backup-relay normalize`: the JobEvent of an AWS Backup job event or relay envelope."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

from backup_relay.collect.ingest import MAX_BODY_BYTES, check_size
from backup_relay.collect.normalize import normalize_json
from backup_relay.domain.errors import InvalidJobEvent
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_OK, CommandError
from backup_relay_cli.options import command, stdin
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
    try:  # ingest's rules: its size first, then normalize's (JSON, UTF-8, depth, fields)
        event = normalize_json(_read(args.file))
    except InvalidJobEvent as invalid:
        raise CommandError(f"not an AWS Backup job event ({invalid})", EXIT_BAD_INPUT) from None
    print(event.model_dump_json(indent=2) if args.json else render_event(event))
    return EXIT_OK


def _read(file: str) -> bytes:
    """The file's bytes (stdin's for -): no more than ingest reads, so a 60 MB event is refused
    `too_large` as ingest would quarantine it, unread. Bytes: normalize_json says when they are
    not UTF-8."""
    if file == "-":
        stream = stdin()
        if stream.isatty():
            print("reading an event from standard input (end with Ctrl-D; or pass a file)",
                  file=sys.stderr)  # fmt: skip
        return _head(stream.buffer)
    try:
        with Path(file).open("rb") as opened:
            return _head(opened)
    except OSError as error:
        raise CommandError(f"cannot read {file}: {error.strerror}", EXIT_BAD_INPUT) from None


def _head(stream: BinaryIO) -> bytes:
    """At most what ingest takes, and one byte more to tell a larger body (too_large)."""
    head = stream.read(MAX_BODY_BYTES + 1)
    if len(head) > MAX_BODY_BYTES:
        try:
            size, known = os.fstat(stream.fileno()).st_size, True
        except (OSError, ValueError):  # not a file (a pipe, a test's stream)
            size, known = 0, False
        known = known and size > MAX_BODY_BYTES
        check_size(size if known else MAX_BODY_BYTES, at_least=not known)
    return bytes(head)
