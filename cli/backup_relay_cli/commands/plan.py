"""`backup-relay plan`: the copy hops from one vault to another, with the template's defaults or
a deployed stack's settings; flags override either. The route table (domain/route_table.py)
decides; a route AWS cannot make is a fact about AWS, not bad usage: its reason, exit 1."""

from __future__ import annotations

import argparse
import json
from typing import Any

from backup_relay.domain.route_table import Encryption, VaultType
from backup_relay.domain.routes import RouteError, plan_route
from backup_relay.settings import RouteSettings
from backup_relay.stack_environment import from_template_defaults
from backup_relay_cli.errors import EXIT_FAILED, EXIT_OK, CommandError
from backup_relay_cli.options import (
    ACCOUNT_ID,
    RESOURCE_TYPE,
    RESOURCE_TYPES,
    VAULT,
    VAULT_NAME,
    command,
    stack_environment,
    stack_options,
)
from backup_relay_cli.render import render_no_route, render_route, route_json

#: plan's flags, and the function environment variable each one overrides
OVERRIDES = {
    "central_account": "CENTRAL_ACCOUNT_ID",
    "central_vault": "CENTRAL_VAULT_NAME",
    "chained_types": "CHAINED_RESOURCE_TYPES",
    "single_action_types": "SINGLE_ACTION_RESOURCE_TYPES",
    "retention_days": "DR_DELETE_AFTER_DAYS",
    "lag_min_retention_days": "LAG_MIN_RETENTION_DAYS",
    "lag_max_retention_days": "LAG_MAX_RETENTION_DAYS",
}


def _days(text: str) -> str:
    """A whole number of days, 0 or more (argparse's type: bad usage, exit 2, otherwise)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days: give e.g. 35")
    return str(int(text))


def register(commands: Any) -> None:
    parser = command(
        commands,
        "plan",
        run,
        "print the copy hops from one vault to another, or why AWS has no route (exit 1)",
        "backup-relay plan Aurora --from 222222222222:us-west-2:member "
        "--to 123456789012:us-east-1:backup-relay-dr   (settings: the template's defaults, or a "
        "deployed stack's with --stack; flags override either). Exit 0: the route; 1: AWS "
        "cannot copy it (the reason, in one line: a fact about AWS, not bad usage); 2: bad "
        "arguments",
    )
    parser.add_argument(
        "resource_type", type=RESOURCE_TYPE, help="AWS Backup resource type: RDS, Aurora, EBS, ..."
    )
    parser.add_argument(
        "--from", dest="source", type=VAULT, required=True, help="ACCOUNT:REGION:VAULT or ARN"
    )
    parser.add_argument(
        "--to", dest="destination", type=VAULT, required=True, help="ACCOUNT:REGION:VAULT or ARN"
    )
    vault_types = [str(t) for t in VaultType]
    parser.add_argument(
        "--destination-vault-type",
        choices=vault_types,
        default=str(VaultType.STANDARD),
        help="the --to vault's type (default: standard)",
    )
    parser.add_argument(
        "--source-vault-type",
        choices=vault_types,
        default=str(VaultType.STANDARD),
        help="the --from vault's type (default: standard)",
    )
    parser.add_argument(
        "--encryption",
        choices=[str(e) for e in Encryption],
        help="the resource's key, where the route depends on it (into a logically air-gapped "
        "vault); default: not known, the route says what it needs",
    )
    stack_options(
        parser,
        stack_help="a deployed central stack to read settings from (default: the template's "
        "defaults)",
    )
    parser.add_argument(
        "--central-account",
        type=ACCOUNT_ID,
        help="the central backup account (default: the --to account)",
    )
    parser.add_argument(
        "--central-vault", type=VAULT_NAME, help="central vault name in each region"
    )
    parser.add_argument(
        "--chained-types", type=RESOURCE_TYPES, help="types copied in two hops (comma-separated)"
    )
    parser.add_argument(
        "--single-action-types",
        type=RESOURCE_TYPES,
        help="chained types allowed a single-action copy (comma-sep.)",
    )
    parser.add_argument(
        "--retention-days",
        type=_days,
        help="the copy's DeleteAfterDays into --to (default: DrRetentionDays; 0: no expiry)",
    )
    parser.add_argument(
        "--lag-min-retention-days",
        type=_days,
        help="a logically air-gapped --to vault's minimum retention (default: LagMinRetentionDays)",
    )
    parser.add_argument(
        "--lag-max-retention-days",
        type=_days,
        help="... and its maximum (default: LagMaxRetentionDays)",
    )


def run(args: argparse.Namespace) -> int:
    source, destination = args.source, args.destination  # options.VAULT read them
    if args.stack:
        env = stack_environment(args.stack, args.region)
        origin = f"stack {args.stack}"
    else:
        env = from_template_defaults(central_account=destination.account, region=destination.region)
        origin = "template defaults"
    env |= {
        var: getattr(args, flag)
        for flag, var in OVERRIDES.items()
        if getattr(args, flag) is not None
    }
    settings = RouteSettings.load(env)
    try:
        route = plan_route(
            args.resource_type,
            source,
            destination,
            settings.routes,
            destination_vault_type=VaultType(args.destination_vault_type),
            source_vault_type=VaultType(args.source_vault_type),
            encryption=Encryption(args.encryption) if args.encryption else None,
        )
    except RouteError as error:  # AWS has no such copy: the operation fails, the usage was fine
        raise CommandError(render_no_route(error), EXIT_FAILED) from None
    if args.json:
        print(json.dumps(route_json(route) | {"settings": origin}, indent=2))
    else:
        print(render_route(route))
        print(f"  (settings: {origin}; flags override them)")
    return EXIT_OK
