"""The commands of `backup-relay`, one module each: `register(commands)` adds its parser (on the
shared options, options.py), and `run(args)` runs it, returning the exit code.

`sandbox` and `demo` are registered only when the sandbox (backup_relay_sandbox) is installed:
the CLI runs without it, and the sandbox never imports the CLI.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from backup_relay_cli.commands import (
    bring_back,
    coverage,
    diagnose,
    doctor,
    normalize,
    plan,
    replay,
    restore,
    status,
)

#: In the order `backup-relay --help` lists them: look at one event, plan, act, check.
OPERATOR_COMMANDS = (
    normalize, plan, bring_back, restore, diagnose, doctor, replay, status, coverage,
)  # fmt: skip


def register(commands: Any) -> None:
    for module in OPERATOR_COMMANDS:
        module.register(commands)
    if sandbox_installed():
        from backup_relay_cli.commands import demo, sandbox

        sandbox.register(commands)
        demo.register(commands)


def sandbox_installed() -> bool:
    return importlib.util.find_spec("backup_relay_sandbox") is not None
