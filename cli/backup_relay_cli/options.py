"""The options every command shares, defined once: `--json`, `--debug`, and `--stack` with
`--region`; and the one step from `--stack`/`--region` to the environment the deployed central
stack gives its functions, which the wiring takes.

`--stack` has one default, DEFAULT_STACK (the stack `sam deploy` creates from samconfig.toml);
a command whose settings can come from elsewhere when it is left out says so (plan: the
template's defaults; doctor --preflight: samconfig's stack_name).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from backup_relay.domain.errors import AwsError, SettingsError, Unreachable
from backup_relay.domain.stack import DeployedStack
from backup_relay.stack_environment import from_stack
from backup_relay_cli.errors import EXIT_BAD_INPUT, CommandError

DEFAULT_STACK = "backup-relay"
STACK_HELP = f"the deployed central stack to read settings from (default: {DEFAULT_STACK})"

#: A command's run: the parsed arguments in, the exit code out.
Run = Callable[[argparse.Namespace], int]


def add_debug(parser: argparse.ArgumentParser, *, default: Any = False) -> None:
    parser.add_argument("--debug", action="store_true", default=default, help="show tracebacks")


def command(
    commands: Any,
    name: str,
    run: Run,
    summary: str,
    example: str,
    *,
    json_help: str = "machine-readable output",
) -> argparse.ArgumentParser:
    """A subcommand with the shared --json and --debug (before or after its name)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary, epilog=f"example: {example}"
    )
    parser.add_argument("--json", action="store_true", help=json_help)
    add_debug(parser, default=argparse.SUPPRESS)  # absent here: `--debug COMMAND` still counts
    parser.set_defaults(run=run)
    return parser


def stack_options(
    parser: argparse.ArgumentParser,
    *,
    stack_help: str = STACK_HELP,
    regions: str | None = None,
) -> None:
    """--stack and --region; `regions`: the help of a --region given once per region instead."""
    parser.add_argument("--stack", help=stack_help)
    if regions is None:
        parser.add_argument("--region", help="the stack's region (default: your AWS configuration)")
    else:
        parser.add_argument("--region", action="append", default=[], metavar="R", help=regions)


def stack_environment(stack: str | None, region: str | None) -> dict[str, str]:
    """The environment the deployed central stack gives its functions (its AWS_REGION: the
    stack's region), read from CloudFormation."""
    return from_stack(_deployed(stack or DEFAULT_STACK, region))


def _deployed(stack: str, region: str | None) -> DeployedStack:
    from backup_relay import wiring

    try:
        return wiring.deployed_stack(stack, region)
    except SettingsError as missing:
        raise CommandError(str(missing), EXIT_BAD_INPUT) from None
    except Unreachable as error:  # no stack to blame: the endpoint (a sandbox that is down)
        raise CommandError(error.message) from None
    except AwsError as error:
        where = f" in {region}" if region else ""
        raise CommandError(
            f"cannot read stack {stack}{where} ({error.message}): pass --stack and --region "
            "of the deployed central stack"
        ) from error
