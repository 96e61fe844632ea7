"""`backup-relay`: the operator's command line; its commands are in commands/, one module each.

Exit codes (errors.py): 0 done, 1 the operation failed (AWS refused, a setting is wrong), 2 bad
usage or input (argparse's own errors, an event that is not a job event, a route that cannot
exist), 130 interrupted. Errors are one line on stderr; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backup_relay.domain.errors import AwsError, SettingsError
from backup_relay_cli import commands
from backup_relay_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, CommandError
from backup_relay_cli.options import add_debug


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        if args.debug:
            raise
        return _fail("interrupted", EXIT_INTERRUPTED)
    except Exception as error:
        if args.debug:
            raise
        if isinstance(error, CommandError):
            return _fail(str(error), error.exit_code)
        if isinstance(error, AwsError | SettingsError):
            return _fail(str(error))
        return _fail(f"{type(error).__name__}: {error} (run again with --debug for details)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="backup-relay",
        description="AWS Backup job events across an AWS Organization: normalized, chained.",
    )
    add_debug(top)
    commands.register(top.add_subparsers(required=True, metavar="COMMAND"))
    return top


def _fail(message: str, exit_code: int = EXIT_FAILED) -> int:
    print(f"backup-relay: {message}", file=sys.stderr)
    return exit_code
