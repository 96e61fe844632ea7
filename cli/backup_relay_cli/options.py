"""The options every command shares, defined once: `--json`, `--debug`, `--version`, and
`--stack` with `--region`; the one step from `--stack`/`--region` to the environment the
deployed central stack gives its functions, which the wiring takes; and the argument types every
command reads an account id, region, ARN, vault, resource type, failure category or duration
with (`type=options.ACCOUNT_ID`, ...), so each is checked the same way everywhere, before
anything reaches AWS: a bad one is bad usage (exit 2), in one line naming the flag.

Every parser here refuses what it does not know (UsageError, not argparse's exit) and shows each
option's default in --help.

`--stack` has one default, DEFAULT_STACK (the stack `sam deploy` creates from samconfig.toml);
a command whose settings can come from elsewhere when it is left out says so (plan: the
template's defaults; doctor --preflight: samconfig's stack_name).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, NoReturn, TextIO, TypeVar

from backup_relay.domain import identifiers, resource_types
from backup_relay.domain.aws_categories import category_name
from backup_relay.domain.catalogue import CATEGORIES
from backup_relay.domain.chain import CHAIN_ID as CHAIN_ID_FORM
from backup_relay.domain.chain import chain_of_execution
from backup_relay.domain.errors import AwsError, SettingsError, Unreachable
from backup_relay.domain.routes import RouteError, Vault
from backup_relay.domain.stack import DeployedStack
from backup_relay.stack_environment import from_stack
from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_BAD_INPUT, CommandError, UsageError

DEFAULT_STACK = "backup-relay"
STACK_HELP = f"the deployed central stack to read settings from (default: {DEFAULT_STACK})"

#: A command's run: the parsed arguments in, the exit code out.
Run = Callable[[argparse.Namespace], int]


#: The distribution whose version `--version` prints (pyproject.toml's, the one source).
DISTRIBUTION = "backup-relay"

T = TypeVar("T")


class HelpFormatter(argparse.HelpFormatter):
    """argparse's, with each option's default after its help, unless the help names it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help = action.help or ""
        default = action.default
        if default in (None, False, True, argparse.SUPPRESS, []) or "default" in help:
            return help
        return f"{help} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are UsageError: one line (or JSON), exit 2, as
    main() ends every error; its subcommands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """argparse's, saying which command an unknown argument was given to."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            command = getattr(parsed, "command", None)
            prog = f"{self.prog} {command}" if command else self.prog
            self._refuse(prog, f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def error(self, message: str) -> NoReturn:
        self._refuse(self.prog, message.removeprefix("argument "))

    @staticmethod
    def _refuse(prog: str, message: str) -> NoReturn:
        command = prog.partition(" ")[2]
        raise UsageError(f"{command + ': ' if command else ''}{message} (see {prog} --help)")


def top_parser(**kwargs: Any) -> argparse.ArgumentParser:
    return Parser(**kwargs)


def add_debug(parser: argparse.ArgumentParser, *, default: Any = False) -> None:
    parser.add_argument("--debug", action="store_true", default=default, help="show tracebacks")


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def stdin() -> TextIO:
    """Standard input, to read what `-` names; a usage error when it is closed (`<&-`)."""
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError("standard input is closed: pass a file, or pipe the input in")
    return sys.stdin


# ---- argument types: each reads one kind of value, or refuses it in one line ----------------


def _argument_type(name: str, read: Callable[[str], T]) -> Callable[[str], T]:
    """`read` as an argparse type: its ValueError becomes argparse's error (exit 2)."""

    def parse(text: str) -> T:
        try:
            return read(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = name
    return parse


def _resource_type(text: str) -> str:
    """The registered resource type `text` names, in any case: `aurora` is Aurora."""
    names = resource_types.REGISTRY.names()
    by_key = {_key(name): name for name in names}
    found = by_key.get(_key(text))
    if found is None:
        raise ValueError(f"{text!r} is not a resource type: give one of {', '.join(names)}")
    return found


def _category(text: str) -> str:
    """The failure category `text` names, in any case: KMS_KEY_NOT_SHARED is kms_key_not_shared."""
    if text.lower() not in CATEGORIES:
        raise ValueError(f"{text!r} is not a failure category: give one of {', '.join(CATEGORIES)}")
    return text.lower()


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _vault(text: str) -> Vault:
    """ACCOUNT:REGION:VAULT or a backup vault ARN, its account and region checked."""
    try:
        vault = Vault.parse(text)
    except RouteError as error:
        raise ValueError(f"{error}: give ACCOUNT:REGION:VAULT or a backup vault ARN") from None
    identifiers.account_id(vault.account)
    identifiers.region(vault.region)
    identifiers.vault_name(vault.name)
    return vault


def _destination(text: str) -> str:
    from backup_relay.domain.routes import Destination

    Destination.parse(text, "000000000000", "home")  # RouteError (a ValueError) says the form
    return text.strip()


def _chain_id(text: str) -> str:
    """A chain id; an attempt's execution name (`<chain id>-attempt-2`) names its chain."""
    chain_id, _ = chain_of_execution(text.strip())
    if not CHAIN_ID_FORM.fullmatch(chain_id):
        raise ValueError(f"{text!r} is not a chain id: give chain- and 40 hex digits, as status "
                         "prints it")  # fmt: skip
    return chain_id


def _stack_name(text: str) -> str:
    from backup_relay.doctor.names import stack_name_problem

    problem = stack_name_problem(text)
    if problem:
        raise ValueError(f"{text!r} is not a stack name: {problem}")
    return text


def _checked(read: Callable[[str], object]) -> Callable[[str], str]:
    """The text itself, once `read` accepts it."""

    def check(text: str) -> str:
        read(text)
        return text

    return check


ACCOUNT_ID = _argument_type("account id", identifiers.account_id)
REGION = _argument_type("region", identifiers.region)
VAULT_NAME = _argument_type("vault name", identifiers.vault_name)
STACK_NAME = _argument_type("stack name", _stack_name)
CHAIN_ID = _argument_type("chain id", _chain_id)
#: A destination as status prints it (`lag:eu-west-1:backup-relay-lag`; REGION may be `home`).
DESTINATION = _argument_type("destination", _destination)
RECOVERY_POINT_ARN = _argument_type("recovery point ARN", _checked(identifiers.recovery_point_arn))
RESOURCE_ARN = _argument_type("ARN", _checked(lambda text: identifiers.arn(text, owned=False)))
VAULT = _argument_type("vault", _vault)
RESOURCE_TYPE = _argument_type("resource type", _resource_type)
#: Resource types, comma-separated, each read as RESOURCE_TYPE: kept comma-separated.
RESOURCE_TYPES = _argument_type(
    "resource types",
    lambda text: ",".join(_resource_type(name.strip()) for name in text.split(",") if name.strip()),
)
CATEGORY = _argument_type("category", _category)
AWS_CATEGORY = _argument_type("AWS message category", category_name)
#: A positive duration (90m, 24h, 7d), kept as typed; durations.duration reads it.
DURATION = _argument_type("duration", _checked(durations.parse_duration))
#: A duration back from now, or an ISO 8601 time, kept as typed; durations.since reads it when
#: the command runs, on the command's clock (a sandbox's may be ahead), and refuses a time after
#: that clock's now.
SINCE = _argument_type("since", _checked(lambda text: durations.parse_since(text, future=True)))


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
        name, help=summary, description=summary, epilog=f"example: {example}",
        formatter_class=HelpFormatter,
    )  # fmt: skip
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
    parser.add_argument("--stack", type=STACK_NAME, help=stack_help)
    if regions is None:
        parser.add_argument(
            "--region", type=REGION, help="the stack's region (default: your AWS configuration)"
        )
    else:
        parser.add_argument(
            "--region", type=REGION, action="append", default=[], metavar="R", help=regions
        )


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
