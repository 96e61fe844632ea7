"""How a command ends: its exit codes, and the error that ends it in one line.

Exit codes: 0 done, 1 the operation failed (AWS refused, a setting is wrong, a route AWS has no
copy for: a fact about AWS, not bad usage), 2 bad usage or input (UsageError: an unknown, missing
or malformed argument; an event that is not a job event), 130 interrupted (Ctrl-C), as a shell
reports a process that SIGINT ended. main.py prints the one line (or, with --json, one JSON object).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """What went wrong, in one line for stderr, and the exit code it means."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CommandError):
    """The command line itself is wrong (an unknown, missing or malformed argument): exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_BAD_INPUT)
