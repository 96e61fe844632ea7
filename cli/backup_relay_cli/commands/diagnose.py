"""`backup-relay diagnose`: why a backup, copy or restore job failed, and how to fix it."""

from __future__ import annotations

import argparse
from typing import Any

from backup_relay.domain.diagnosis import diagnose
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_OK, CommandError
from backup_relay_cli.options import RESOURCE_TYPE, command, stdin
from backup_relay_cli.render import render_diagnosis


def register(commands: Any) -> None:
    parser = command(
        commands,
        "diagnose",
        run,
        "say why a backup, copy or restore job failed and how to fix it",
        'backup-relay diagnose "Access Denied trying to call AWS Backup service" --kind COPY '
        "--resource-type Aurora --json",
    )
    parser.add_argument("message", help="the job's status message (- = stdin)")
    parser.add_argument(
        "--resource-type",
        type=RESOURCE_TYPE,
        help="AWS Backup resource type: RDS, Aurora, EBS, ...",
    )
    parser.add_argument(
        "--kind", type=str.upper, choices=["COPY", "BACKUP", "RESTORE"], help="the job's kind"
    )
    parser.add_argument(
        "--state", type=str.upper, choices=["FAILED", "ABORTED", "EXPIRED", "PARTIAL"],
        help="the job's final state (it decides when there is no message)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    message = stdin().read() if args.message == "-" else args.message
    if not message.strip() and args.state is None:
        raise CommandError(
            "no message to diagnose: pass the job's status message, or its --state",
            EXIT_BAD_INPUT,
        )
    diagnosis = diagnose(
        message.strip(), resource_type=args.resource_type, kind=args.kind, state=args.state
    )
    print(diagnosis.model_dump_json(indent=2) if args.json else render_diagnosis(diagnosis))
    return EXIT_OK
