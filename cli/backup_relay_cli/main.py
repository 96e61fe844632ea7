"""`backup-relay`: the operator's command line.

Exit codes: 0 done, 1 the operation failed (AWS refused, a setting is wrong), 2 bad usage or
input (argparse's own errors, an event that is not a job event, a route that cannot exist).
Errors are one line on stderr; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from backup_relay import stack_environment as environment
from backup_relay.collect.normalize import normalize_json
from backup_relay.domain.catalogue import CATEGORIES
from backup_relay.domain.clock import utc_now
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.errors import AwsError, InvalidJobEvent, SettingsError
from backup_relay.domain.routes import RouteError, Vault, plan_route
from backup_relay.domain.stack import DeployedStack
from backup_relay.settings import RouteSettings
from backup_relay_cli.render import (
    render_coverage,
    render_diagnosis,
    render_doctor,
    render_event,
    render_preflight,
    render_replay,
    render_route,
    render_status,
    route_json,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class CommandError(Exception):
    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except Exception as error:
        if args.debug:
            raise
        if isinstance(error, CommandError):
            return _fail(str(error), error.exit_code)
        if isinstance(error, AwsError | SettingsError):
            return _fail(str(error))
        return _fail(f"{type(error).__name__}: {error} (run again with --debug for details)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backup-relay",
        description="AWS Backup job events across an AWS Organization: normalized, chained.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    normalize = _command(
        commands, _normalize, "print the normalized JobEvent of an AWS Backup job event",
        "backup-relay normalize events/copy_job_failed.json --json",
    )  # fmt: skip
    normalize.add_argument(
        "file", nargs="?", default="-", help="event JSON file, raw or relay envelope (- = stdin)"
    )

    plan = _command(
        commands, _plan, "print the copy hops from one vault to another",
        "backup-relay plan Aurora --from 222222222222:us-west-2:member "
        "--to 123456789012:us-east-1:backup-relay-dr   (settings: the template's defaults, or a "
        "deployed stack's with --stack; flags override either)",
    )  # fmt: skip
    plan.add_argument("resource_type", help="AWS Backup resource type: RDS, Aurora, EBS, ...")
    plan.add_argument("--from", dest="source", required=True, help="ACCOUNT:REGION:VAULT or ARN")
    plan.add_argument("--to", dest="destination", required=True, help="ACCOUNT:REGION:VAULT or ARN")
    _stack_options(plan, default=None)
    plan.add_argument(
        "--central-account", help="the central backup account (default: the --to account)"
    )
    plan.add_argument("--central-vault", help="central vault name in each region")
    plan.add_argument("--chained-types", help="types copied in two hops (comma-separated)")
    plan.add_argument(
        "--single-action-types", help="chained types allowed a single-action copy (comma-sep.)"
    )

    back = _command(
        commands, _bring_back,
        "copy a DR recovery point back to a member vault for restore (reverse chain)",
        "backup-relay bring-back arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:"
        "job-1 --to-account 222222222222 --to-region us-west-2 --to-vault member-vault --dry-run",
    )  # fmt: skip
    back.add_argument("recovery_point_arn")
    back.add_argument("--to-account", required=True)
    back.add_argument("--to-region", required=True)
    back.add_argument("--to-vault", required=True)
    _stack_options(back, default="backup-relay")
    back.add_argument("--dry-run", action="store_true", help="print the plan, start nothing")

    diagnose = _command(
        commands, _diagnose, "say why a backup, copy or restore job failed and how to fix it",
        'backup-relay diagnose "Access Denied trying to call AWS Backup service" --kind COPY '
        "--resource-type Aurora --json",
    )  # fmt: skip
    diagnose.add_argument("message", help="the job's status message (- = stdin)")
    diagnose.add_argument("--resource-type", help="AWS Backup resource type: RDS, Aurora, EBS, ...")
    diagnose.add_argument(
        "--kind", type=str.upper, choices=["COPY", "BACKUP", "RESTORE"], help="the job's kind"
    )
    diagnose.add_argument(
        "--state", type=str.upper, choices=["FAILED", "ABORTED", "EXPIRED", "PARTIAL"],
        help="the job's final state (it decides when there is no message)",
    )  # fmt: skip

    _operator_commands(commands)

    _command(
        commands, _demo, "run the offline sandbox: a simulated night of backups, chained to DR",
        "backup-relay demo --json", json_help="print only a JSON summary",
    )  # fmt: skip
    return parser


def _operator_commands(commands: Any) -> None:
    """replay, status, coverage, doctor and sandbox: what operators run after a deployment."""
    doctor = _command(
        commands, _doctor, "check the copy chain's prerequisites before copies fail (exit 1)",
        "backup-relay doctor --json   |   before sam deploy: backup-relay doctor --preflight "
        "--config-env prod",
    )  # fmt: skip
    doctor.add_argument(
        "--stack", help="the central stack: the deployed one to read settings from (default "
        "backup-relay); with --preflight, the one to deploy (default: samconfig's stack_name)",
    )  # fmt: skip
    doctor.add_argument(
        "--preflight", action="store_true",
        help="before sam deploy: what deploying the central stack needs, in this account and "
        "region (read-only; the stack need not exist)",
    )  # fmt: skip
    doctor.add_argument(
        "--config-env", metavar="ENV",
        help="--preflight: the samconfig.toml environment sam deploy will use (default: "
        "'default', when the file exists)",
    )  # fmt: skip
    doctor.add_argument(
        "--config-file", type=Path, default=Path("samconfig.toml"), metavar="FILE",
        help="--preflight: the SAM configuration file (default: ./samconfig.toml)",
    )  # fmt: skip
    doctor.add_argument(
        "--parameter-overrides", nargs="+", default=[], metavar="KEY=VALUE",
        help="--preflight: as sam deploy's, replacing samconfig's whole list",
    )  # fmt: skip
    doctor.add_argument(
        "--region", action="append", default=[], metavar="R",
        help="a region whose central stack and members to check (repeat; default: your AWS "
        "configuration's)",
    )  # fmt: skip
    doctor.add_argument(
        "--account", action="append", default=[], metavar="ID",
        help="a member account to check too (repeat), through its member stack's DoctorRole",
    )  # fmt: skip
    replay = _command(
        commands, _replay, "replay failed copies (chain hops and members' copies) after a fix",
        "backup-relay replay --since 24h --category kms_key_not_shared --dry-run",
    )  # fmt: skip
    replay.add_argument("--job-id", help="only the failed copy job with this id")
    replay.add_argument("--chain-id", help="only this chain")
    replay.add_argument("--account", help="only failures in this account")
    replay.add_argument("--resource-type", help="only this resource type (RDS, Aurora, ...)")
    replay.add_argument("--category", choices=CATEGORIES, metavar="CATEGORY",
                        help="only failures diagnosed so (see backup-relay diagnose)")  # fmt: skip
    replay.add_argument("--since", default="24h", help="failures since: 90m, 24h, 7d or ISO time")
    _stack_options(replay, default="backup-relay")
    replay.add_argument("--dry-run", action="store_true", help="say what it would do; do nothing")

    status = _command(
        commands, _status, "chains and their hops by state, with age, attempt and diagnosis",
        "backup-relay status --since 24h   |   backup-relay status --chain chain-9c02e...",
    )  # fmt: skip
    status.add_argument("--since", default="24h", help="chains changed since: 90m, 24h, 7d, ISO")
    status.add_argument("--chain", help="only this chain")
    status.add_argument("--recovery-point", help="only the chains of this recovery point (ARN)")
    status.add_argument(
        "--resource-arn", help="the path one resource's copies took: its jobs and chains"
    )
    _stack_options(status, default="backup-relay")

    coverage = _command(
        commands, _coverage, "is every chained resource's DR copy current? (exit 1 if not)",
        "backup-relay coverage --max-age 26h --json",
    )  # fmt: skip
    coverage.add_argument("--max-age", default="26h", help="a DR copy older is stale: 26h, 2d")
    _stack_options(coverage, default="backup-relay")

    sandbox = _command(
        commands, _sandbox, "run the sandbox organization as a local AWS endpoint, or stop it",
        "backup-relay sandbox up   (then eval the exports it prints; backup-relay sandbox down)",
    )  # fmt: skip
    sandbox.add_argument("action", choices=["up", "down", "advance"])
    sandbox.add_argument("duration", nargs="?", help="advance: how far (90m, 24h, 7d)")
    sandbox.add_argument("--no-night", action="store_true", help="up: no night of backups")
    sandbox.add_argument("--port", type=int, default=5055, help="the endpoint's port (up)")
    sandbox.add_argument(
        "--dir", type=Path, default=Path("~/.backup-relay-sandbox"),
        help="where it keeps its pid and log",
    )  # fmt: skip


def _command(
    commands: Any,
    run: Callable[[argparse.Namespace], int],
    summary: str,
    example: str,
    json_help: str = "machine-readable output",
) -> argparse.ArgumentParser:
    """A subcommand named after `run` (`_bring_back` -> bring-back), with --json."""
    name = run.__name__.strip("_").replace("_", "-")
    command: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=summary, epilog=f"example: {example}"
    )
    command.add_argument("--json", action="store_true", help=json_help)
    command.set_defaults(run=run)
    return command


def _stack_options(command: argparse.ArgumentParser, default: str | None) -> None:
    command.add_argument(
        "--stack", default=default, help="the deployed central stack to read settings from"
    )
    command.add_argument("--region", help="the stack's region (default: your AWS configuration)")


def _normalize(args: argparse.Namespace) -> int:
    if args.file == "-" and sys.stdin.isatty():
        print("reading an event from standard input (end with Ctrl-D; or pass a file)",
              file=sys.stderr)  # fmt: skip
    try:  # bytes: normalize_json says when they are not UTF-8
        text = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}", EXIT_BAD_INPUT) from None
    try:
        event = normalize_json(text)
    except InvalidJobEvent as invalid:
        raise CommandError(f"not an AWS Backup job event ({invalid})", EXIT_BAD_INPUT) from None
    print(event.model_dump_json(indent=2) if args.json else render_event(event))
    return EXIT_OK


#: plan's flags, and the function environment variable each one overrides
_PLAN_OVERRIDES = {
    "central_account": "CENTRAL_ACCOUNT_ID",
    "central_vault": "CENTRAL_VAULT_NAME",
    "chained_types": "CHAINED_RESOURCE_TYPES",
    "single_action_types": "SINGLE_ACTION_RESOURCE_TYPES",
}


def _plan(args: argparse.Namespace) -> int:
    try:
        source, destination = Vault.parse(args.source), Vault.parse(args.destination)
    except RouteError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT) from None
    if args.stack:
        env = environment.from_stack(_deployed(args.stack, args.region))
        origin = f"stack {args.stack}"
    else:
        env = environment.from_template_defaults(
            central_account=destination.account, region=destination.region
        )
        origin = "template defaults"
    env |= {
        var: getattr(args, flag) for flag, var in _PLAN_OVERRIDES.items() if getattr(args, flag)
    }
    settings = RouteSettings.load(env)
    try:
        route = plan_route(args.resource_type, source, destination, settings.chain)
    except RouteError as error:
        raise CommandError(f"no route: {error}", EXIT_BAD_INPUT) from None
    if args.json:
        print(json.dumps(route_json(route) | {"settings": origin}, indent=2))
    else:
        print(render_route(route))
        print(f"  (settings: {origin}; flags override them)")
    return EXIT_OK


def _diagnose(args: argparse.Namespace) -> int:
    message = sys.stdin.read() if args.message == "-" else args.message
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


def _replay(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from backup_relay import wiring
    from backup_relay.replay.failed_copies import ReplayRequest

    try:
        request = ReplayRequest(
            job_id=args.job_id,
            chain_id=args.chain_id,
            account=args.account,
            resource_type=args.resource_type,
            category=args.category,
            since=args.since,
            dry_run=args.dry_run,
        )
    except ValidationError as invalid:
        reason = invalid.errors()[0]["msg"].removeprefix("Value error, ")
        raise CommandError(f"--since: {reason}", EXIT_BAD_INPUT) from None
    env = environment.from_stack(_deployed(args.stack, args.region))
    report = wiring.replay(env)(request, progress=None if args.json else _progress)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print(render_replay(report, dry_run=args.dry_run))
    return EXIT_FAILED if report.failed else EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from backup_relay import wiring

    start = _since(args.since, "--since")
    env = environment.from_stack(_deployed(args.stack, args.region))
    report = wiring.status(env)(
        start,
        chain_id=args.chain,
        recovery_point_arn=args.recovery_point,
        resource_arn=args.resource_arn,
    )
    print(report.model_dump_json(indent=2) if args.json else render_status(report))
    return EXIT_OK


def _coverage(args: argparse.Namespace) -> int:
    from backup_relay import wiring

    max_age = utc_now() - _since(args.max_age, "--max-age")
    env = environment.from_stack(_deployed(args.stack, args.region))
    report = wiring.coverage(env)(max_age)
    if args.json:
        print(json.dumps(report.model_dump() | {"stale": len(report.stale)}, indent=2))
    else:
        print(render_coverage(report))
    return EXIT_FAILED if report.stale else EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from backup_relay import wiring
    from backup_relay.doctor.report import DoctorReport

    if args.preflight:
        return _preflight(args)
    only_preflight = [
        flag
        for flag, given in (
            ("--config-env", args.config_env),
            ("--parameter-overrides", args.parameter_overrides),
        )
        if given
    ]
    if only_preflight:
        raise CommandError(
            f"{only_preflight[0]} is for --preflight: add --preflight, or leave it out",
            EXIT_BAD_INPUT,
        )
    bad = [a for a in args.account if not (a.isdigit() and len(a) == 12)]
    if bad:
        raise CommandError(f"--account {bad[0]}: give a 12-digit account id", EXIT_BAD_INPUT)
    report = DoctorReport()
    for region in args.region or [None]:  # each region's central stack, and its members there
        stack = _deployed(args.stack or "backup-relay", region)
        doctor = wiring.doctor(environment.from_stack(stack), tuple(args.account), (stack.region,))
        report.merge(doctor(progress=None if args.json else _doctor_progress))
    print(report.model_dump_json(indent=2) if args.json else render_doctor(report))
    return EXIT_FAILED if report.failed else EXIT_OK


def _preflight(args: argparse.Namespace) -> int:
    """doctor --preflight: the plan samconfig.toml and the flags make, checked."""
    from backup_relay import wiring
    from backup_relay_cli import samconfig

    if args.account:
        raise CommandError(
            "--preflight checks the central account you deploy from: leave out --account "
            "(check members with doctor once the stacks are deployed)",
            EXIT_BAD_INPUT,
        )
    if len(args.region) > 1:
        raise CommandError(
            "--preflight checks one region: run it once per --region you deploy to",
            EXIT_BAD_INPUT,
        )
    try:
        config = samconfig.DeployConfig()
        if args.config_env or args.config_file.exists():
            config = samconfig.read(args.config_file, args.config_env or "default")
        overrides = samconfig.overrides(args.parameter_overrides, "--parameter-overrides")
    except samconfig.ConfigError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT) from None
    region = (args.region or [None])[0] or config.region or _default_region()
    if not region:
        raise CommandError(
            "no region: pass --region (or set region in samconfig.toml, or AWS_REGION)",
            EXIT_BAD_INPUT,
        )
    plan = samconfig.plan(config, stack_name=args.stack, region=region, overrides=overrides)
    if not args.json:
        print(f"preflight of stack {plan.stack_name} in {region} ({plan.source})...",
              file=sys.stderr)  # fmt: skip
    report = wiring.preflight()(plan)
    print(report.model_dump_json(indent=2) if args.json else render_preflight(report))
    return EXIT_FAILED if report.failed else EXIT_OK


def _default_region() -> str | None:
    import os

    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def _doctor_progress(done: int, total: int, what: str) -> None:
    if total > 1:
        end = "\n" if done == total else ""
        print(f"\rchecking {done}/{total}: {what:<48}", end=end, file=sys.stderr, flush=True)


def _since(value: str, flag: str) -> datetime:
    from backup_relay.replay.failed_copies import since

    try:
        return since(value, utc_now())
    except ValueError as invalid:
        raise CommandError(f"{flag}: {invalid}", EXIT_BAD_INPUT) from None


def _progress(done: int, total: int) -> None:
    if total > 1:
        end = "\n" if done == total else ""
        print(f"\rreplaying {done}/{total}", end=end, file=sys.stderr, flush=True)


def _bring_back(args: argparse.Namespace) -> int:
    from backup_relay import wiring
    from backup_relay.copy_chain.bring_back import BringBackRequest, TargetNotAllowed

    request = BringBackRequest(
        recovery_point_arn=args.recovery_point_arn,
        to_account=args.to_account,
        to_region=args.to_region,
        to_vault=args.to_vault,
        dry_run=args.dry_run,
    )
    env = environment.from_stack(_deployed(args.stack, args.region))
    try:
        chain, started = wiring.bring_back(env)(request)
    except RouteError as error:
        raise CommandError(f"cannot bring back: {error}", EXIT_BAD_INPUT) from None
    except TargetNotAllowed as error:
        raise CommandError(f"cannot bring back: {error}") from None
    if args.json:
        print(json.dumps({"started": started, "chain": chain.model_dump(mode="json")}, indent=2))
        return EXIT_OK
    verb = "would start" if args.dry_run else ("started" if started else "already running:")
    print(f"{verb} {chain.chain_id}: {chain.reason}")
    for number, hop in enumerate(chain.hops, start=1):
        print(f"  {number}. {hop.kind:<24} {hop.source_vault_arn} -> {hop.destination_vault_arn}")
    return EXIT_OK


def _deployed(stack: str, region: str | None) -> DeployedStack:
    from backup_relay import wiring

    try:
        return wiring.deployed_stack(stack, region)
    except SettingsError as missing:
        raise CommandError(str(missing), EXIT_BAD_INPUT) from None
    except AwsError as error:
        where = f" in {region}" if region else ""
        raise CommandError(
            f"cannot read stack {stack}{where} ({error.message}): pass --stack and --region "
            "of the deployed central stack"
        ) from error


def _sandbox(args: argparse.Namespace) -> int:
    from backup_relay_sandbox import server

    directory = args.dir.expanduser()
    if args.action == "advance":
        if not args.duration:
            raise CommandError(
                "advance how far? e.g. backup-relay sandbox advance 6h", EXIT_BAD_INPUT
            )
        now = utc_now()
        by = now - _since(args.duration, "advance")
        try:
            server.advance(directory, by)
        except RuntimeError as failed:
            raise CommandError(str(failed)) from None
        print(f"the sandbox's AWS Backup clock moved {args.duration}", file=sys.stderr)
        return EXIT_OK
    if args.action == "down":
        stopped = server.stop(directory)
        print("stopped the sandbox" if stopped else "no sandbox was running", file=sys.stderr)
        return EXIT_OK
    if not 1024 <= args.port <= 65535:
        raise CommandError(f"--port {args.port}: give a port from 1024 to 65535", EXIT_BAD_INPUT)
    print("starting the sandbox (the night of backups runs first, about 10 s)...", file=sys.stderr)
    try:
        env = server.start(args.port, directory, night=not args.no_night)
    except RuntimeError as failed:
        raise CommandError(str(failed)) from None
    if args.json:
        print(json.dumps({"environment": env, "stack": server.STACK_NAME}, indent=2))
        return EXIT_OK
    for name, value in env.items():
        print(f"export {name}={value}")
    print(
        f"# the stack is {server.STACK_NAME!r}; try: backup-relay status, replay --dry-run, "
        "coverage; stop it with: backup-relay sandbox down",
        file=sys.stderr,
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    try:
        from backup_relay_sandbox.demo import run_demo
    except ImportError as error:
        raise CommandError(
            f"the demo needs the sandbox (pip install -e '.[sandbox]'): {error}"
        ) from None
    from backup_relay_cli import render

    summary = run_demo(out=None if args.json else sys.stdout, render=render)
    if args.json:
        print(json.dumps(summary, indent=2))
    return EXIT_OK if summary["ok"] else EXIT_FAILED


def _fail(message: str, exit_code: int = EXIT_FAILED) -> int:
    print(f"backup-relay: {message}", file=sys.stderr)
    return exit_code
