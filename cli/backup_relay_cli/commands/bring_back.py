"""`backup-relay bring-back`: copy a DR recovery point back to a member vault, for a restore."""

from __future__ import annotations

import argparse
import json
from typing import Any

from backup_relay.domain.routes import RouteError
from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_OK, CommandError
from backup_relay_cli.options import (
    ACCOUNT_ID,
    RECOVERY_POINT_ARN,
    REGION,
    VAULT_NAME,
    command,
    stack_environment,
    stack_options,
)


def register(commands: Any) -> None:
    parser = command(
        commands,
        "bring-back",
        run,
        "copy a DR recovery point back to a member vault for restore (reverse chain)",
        "backup-relay bring-back arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:"
        "job-1 --to-account 222222222222 --to-region us-west-2 --to-vault member-vault --dry-run",
    )
    parser.add_argument("recovery_point_arn", type=RECOVERY_POINT_ARN, help="the DR copy's ARN")
    parser.add_argument("--to-account", type=ACCOUNT_ID, required=True, help="member account")
    parser.add_argument("--to-region", type=REGION, required=True, help="its region")
    parser.add_argument("--to-vault", type=VAULT_NAME, required=True, help="its vault (name)")
    stack_options(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the plan, start nothing")


def run(args: argparse.Namespace) -> int:
    from backup_relay import wiring
    from backup_relay.copy_chain.bring_back import BringBackRequest, TargetNotAllowed

    request = BringBackRequest(
        recovery_point_arn=args.recovery_point_arn,
        to_account=args.to_account,
        to_region=args.to_region,
        to_vault=args.to_vault,
        dry_run=args.dry_run,
    )
    env = stack_environment(args.stack, args.region)
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
