"""`backup-relay diagnose`: why a backup, copy or restore job failed, and how to fix it.

`--explain` shows how: each catalogue entry tried in order, the pattern that matched (or none),
and the family AWS's MessageCategory (`--aws-category`) picked when none did, so adding a
wording is one pattern in the catalogue and one test."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from backup_relay.domain.diagnosis import explain
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_OK, CommandError
from backup_relay_cli.options import AWS_CATEGORY, RESOURCE_TYPE, command, stdin
from backup_relay_cli.render import render_diagnosis, render_explanation


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
    parser.add_argument(
        "--aws-category", type=AWS_CATEGORY, metavar="NAME",
        help="AWS's MessageCategory for the job (AccessDenied, ...): the family when no entry "
        "matches",
    )  # fmt: skip
    parser.add_argument(
        "--explain", action="store_true",
        help="show each catalogue entry tried, the pattern that matched, and AWS's fallback",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    message = stdin().read() if args.message == "-" else args.message
    if not message.strip() and args.state is None:
        raise CommandError(
            "no message to diagnose: pass the job's status message, or its --state",
            EXIT_BAD_INPUT,
        )
    explanation = explain(
        message.strip(),
        resource_type=args.resource_type,
        kind=args.kind,
        state=args.state,
        aws_category=args.aws_category,
    )
    diagnosis = explanation.diagnosis
    if not args.explain:
        print(diagnosis.model_dump_json(indent=2) if args.json else render_diagnosis(diagnosis))
    elif args.json:
        document = dataclasses.asdict(explanation) | {"diagnosis": diagnosis.model_dump()}
        print(json.dumps(document, indent=2))
    else:
        print(render_explanation(explanation))
    return EXIT_OK
