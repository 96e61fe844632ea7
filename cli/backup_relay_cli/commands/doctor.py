"""`backup-relay doctor`: check the copy chain's prerequisites before copies fail (exit 1), in
the deployed central stack's region(s) and its members; with `--preflight`, what deploying the
central stack needs, before `sam deploy`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CommandError
from backup_relay_cli.options import (
    ACCOUNT_ID,
    DEFAULT_STACK,
    command,
    stack_environment,
    stack_options,
)
from backup_relay_cli.render import render_doctor, render_preflight


def register(commands: Any) -> None:
    parser = command(
        commands,
        "doctor",
        run,
        "check the copy chain's prerequisites before copies fail (exit 1)",
        "backup-relay doctor --json   |   before sam deploy: backup-relay doctor --preflight "
        "--config-env prod",
    )
    stack_options(
        parser,
        stack_help=f"the central stack: the deployed one to read settings from (default "
        f"{DEFAULT_STACK}); with --preflight, the one to deploy (default: samconfig's stack_name)",
        regions="a region whose central stack and members to check (repeat; default: your AWS "
        "configuration's)",
    )
    parser.add_argument(
        "--preflight", action="store_true",
        help="before sam deploy: what deploying the central stack needs, in this account and "
        "region (read-only; the stack need not exist)",
    )  # fmt: skip
    parser.add_argument(
        "--config-env", metavar="ENV",
        help="--preflight: the samconfig.toml environment sam deploy will use (default: "
        "'default', when the file exists)",
    )  # fmt: skip
    parser.add_argument(
        "--config-file", type=Path, default=Path("samconfig.toml"), metavar="FILE",
        help="--preflight: the SAM configuration file (default: ./samconfig.toml)",
    )  # fmt: skip
    parser.add_argument(
        "--parameter-overrides", nargs="+", default=[], metavar="KEY=VALUE",
        help="--preflight: as sam deploy's, replacing samconfig's whole list",
    )  # fmt: skip
    parser.add_argument(
        "--account", type=ACCOUNT_ID, action="append", default=[], metavar="ID",
        help="a member account to check too (repeat), through its member stack's DoctorRole",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
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
    report = DoctorReport()
    for region in args.region or [None]:  # each region's central stack, and its members there
        env = stack_environment(args.stack, region)
        doctor = wiring.doctor(env, tuple(args.account), (env["AWS_REGION"],))
        report.merge(doctor(progress=None if args.json else _progress))
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
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def _progress(done: int, total: int, what: str) -> None:
    if total > 1:
        end = "\n" if done == total else ""
        print(f"\rchecking {done}/{total}: {what:<48}", end=end, file=sys.stderr, flush=True)
