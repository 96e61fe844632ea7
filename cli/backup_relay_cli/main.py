"""`backup-relay`: the operator's command line; its commands are in commands/, one module each.

How every command ends (errors.py has the codes): 0 done, 1 the operation failed, 2 bad usage or
input, 130 interrupted (Ctrl-C). An error is one line on stderr, `backup-relay: what; the fix`,
or with `--json` one JSON object, `{"error": "...", "exit_code": 2}`; `--debug` prints the
traceback before that line and keeps the exit code. A reader that closes the pipe early
(`| head`) ends the command quietly: exit 0, or the command's own code when it had finished.

This module imports nothing heavy before main() runs, so that Ctrl-C while the commands load is
caught like Ctrl-C anywhere else.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

from backup_relay_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, CommandError, UsageError

if TYPE_CHECKING:
    import argparse


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command `argv` names (default: the process's arguments) and return its exit
    code; as a process of its own (no `argv`), an interrupted command ends the process."""
    program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    flags = argv[: argv.index("--")] if "--" in argv else argv
    as_json, debug = "--json" in flags, "--debug" in flags
    code: int | None = None
    try:
        code = _run(argv)
        _flush()  # a closed pipe shows here, while it can still be handled
        return code
    except SystemExit as exited:  # --help and --version print, then exit 0
        _flush()
        return exited.code if isinstance(exited.code, int) else EXIT_OK
    except BrokenPipeError as error:
        if not _stdout_is_closed():  # another pipe (a socket): a failure like any other
            return _fail(*_message(error), as_json=as_json)
        _quiet_stdout()
        return EXIT_OK if code is None else code
    except (KeyboardInterrupt, Exception) as error:
        if not isinstance(error, Exception) or _caused_by_ctrl_c(error):
            return _interrupted(program, as_json=as_json, debug=debug)
        return _failed(error, as_json=as_json, debug=debug)


def _failed(error: Exception, *, as_json: bool, debug: bool) -> int:
    if debug and not isinstance(error, UsageError):
        traceback.print_exc()
    return _fail(*_message(error), as_json=as_json)


def _interrupted(program: bool, *, as_json: bool, debug: bool) -> int:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C ends it at once
    if debug:
        traceback.print_exc()
    _fail("interrupted", EXIT_INTERRUPTED, as_json=as_json)
    if program:
        _end_now(EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED


def _caused_by_ctrl_c(error: BaseException) -> bool:
    """Ctrl-C that Python re-raised as another error: Python 3.11 wraps what a descriptor's
    __set_name__ raises, KeyboardInterrupt too, in "RuntimeError: Error calling __set_name__"
    (a Ctrl-C while a module defining dataclasses or models loads)."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


def parser() -> argparse.ArgumentParser:
    from backup_relay_cli import commands
    from backup_relay_cli.options import add_debug, add_version, top_parser

    top = top_parser(
        prog="backup-relay",
        description="AWS Backup job events across an AWS Organization: normalized, chained.",
    )
    add_debug(top)
    add_version(top)
    commands.register(top.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return top


def _message(error: Exception) -> tuple[str, int]:
    from backup_relay.domain.errors import AwsError, SettingsError

    if isinstance(error, CommandError):
        return str(error), error.exit_code
    if isinstance(error, AwsError | SettingsError):
        return str(error), EXIT_FAILED
    return f"{type(error).__name__}: {error} (run again with --debug for details)", EXIT_FAILED


def _fail(message: str, exit_code: int = EXIT_FAILED, *, as_json: bool = False) -> int:
    line = json.dumps({"error": message, "exit_code": exit_code}) if as_json else message
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr closed: the code says
        print(line if as_json else f"backup-relay: {line}", file=sys.stderr, flush=True)
    return exit_code


def _flush() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _stdout_is_closed() -> bool:
    """Has stdout's reader gone away? (A pipe without a reader polls as an error.)"""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # not a stream of the system's: take it so
        return True


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit finds no closed pipe
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _end_now(exit_code: int) -> None:
    """End the process with `exit_code`, its output flushed, now: not after threads a command
    left running, nor as Python ends one whose Ctrl-C landed in code it ran through exec()
    (CPython 3.11 then re-raises SIGINT at exit, which drops the exit code)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(exit_code)
