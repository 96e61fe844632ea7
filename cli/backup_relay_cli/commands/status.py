"""`backup-relay status`: the night at a glance (jobs and chains by state, every failure with its
resource and diagnosis, stale resources, what to run), then the chains with their resource."""

from __future__ import annotations

import argparse
from typing import Any

from backup_relay.domain.jobs import JobState
from backup_relay_cli import durations
from backup_relay_cli.errors import EXIT_OK
from backup_relay_cli.options import (
    ACCOUNT_ID,
    CHAIN_ID,
    RECOVERY_POINT_ARN,
    RESOURCE_ARN,
    RESOURCE_TYPE,
    SINCE,
    command,
    stack_environment,
    stack_options,
)
from backup_relay_cli.render import render_status

#: What --state takes: a job's states (a chain's, RUNNING, FAILED and COMPLETED, are among them).
STATES = tuple(map(str, JobState))


def register(commands: Any) -> None:
    parser = command(
        commands,
        "status",
        run,
        "the night at a glance: jobs, failures (with resource and diagnosis), chains, what to run",
        "backup-relay status --since 24h --account 222222222222 --state failed",
    )
    parser.add_argument(
        "--since", type=SINCE, default="24h", help="jobs and chains since: 90m, 24h, 7d, ISO"
    )
    parser.add_argument("--account", type=ACCOUNT_ID, help="only this account's resources")
    parser.add_argument("--resource", help="only this resource (its ARN or name)")
    parser.add_argument(
        "--resource-type", type=RESOURCE_TYPE, help="only this resource type (Aurora, RDS, ...)"
    )
    parser.add_argument(
        "--state",
        type=str.upper,
        choices=STATES,
        metavar="STATE",
        help=f"only failures and chains in this state ({', '.join(STATES)})",
    )
    parser.add_argument("--chain", type=CHAIN_ID, help="only this chain")
    parser.add_argument(
        "--recovery-point",
        type=RECOVERY_POINT_ARN,
        help="only the chains of this recovery point (ARN)",
    )
    parser.add_argument(
        "--resource-arn",
        type=RESOURCE_ARN,
        help="the path one resource's copies took: its jobs and chains",
    )
    stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from backup_relay import wiring
    from backup_relay.status.views import Filters

    filters = Filters(
        account=args.account,
        resource=args.resource,
        resource_type=args.resource_type,
        state=args.state,
    )
    env = stack_environment(args.stack, args.region)
    start = durations.since(args.since, "--since", wiring.endpoint_now())  # the endpoint's clock
    report = wiring.status(env)(
        start,
        chain_id=args.chain,
        recovery_point_arn=args.recovery_point,
        resource_arn=args.resource_arn,
        filters=filters,
    )
    print(report.model_dump_json(indent=2) if args.json else render_status(report))
    return EXIT_OK
