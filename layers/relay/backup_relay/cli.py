"""`backup-relay`: the operator's command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from backup_relay.errors import InvalidJobEvent
from backup_relay.models import JobEvent
from backup_relay.normalize import normalize_json

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return int(args.run(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backup-relay",
        description="AWS Backup job events across an AWS Organization, normalized and recorded.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    normalize = commands.add_parser(
        "normalize", help="print the normalized JobEvent of an AWS Backup job event"
    )
    normalize.add_argument(
        "file", nargs="?", default="-", help="event JSON file, raw or relay envelope (- = stdin)"
    )
    normalize.add_argument("--json", action="store_true", help="machine-readable output")
    normalize.set_defaults(run=_normalize)

    demo = commands.add_parser(
        "demo", help="run the offline sandbox: documented events through the real rules and ingest"
    )
    demo.add_argument("--json", action="store_true", help="print only a JSON summary")
    demo.set_defaults(run=_demo)
    return parser


def _normalize(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    except OSError as error:
        return _fail(f"cannot read {args.file}: {error.strerror}")
    try:
        event = normalize_json(text)
    except InvalidJobEvent as invalid:
        return _fail(f"not an AWS Backup job event ({invalid})")
    if args.json:
        print(event.model_dump_json(indent=2))
    else:
        print(render_event(event))
    return EXIT_OK


def render_event(event: JobEvent) -> str:
    fields = event.model_dump(mode="json")
    width = max(len(name) for name in fields)
    lines = [f"{event.kind} job {event.job_id or '(no id yet)'} is {event.state}"]
    lines += [f"  {name:<{width}}  {'-' if v is None else v}" for name, v in fields.items()]
    return "\n".join(lines)


def _demo(args: argparse.Namespace) -> int:
    try:
        from backup_relay_sandbox.demo import run_demo
    except ImportError as error:
        return _fail(f"the demo needs the sandbox extra (pip install -e '.[sandbox]'): {error}")
    summary = run_demo(out=None if args.json else sys.stdout)
    if args.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK if summary["ok"] else 1


def _fail(message: str) -> int:
    print(f"backup-relay: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
