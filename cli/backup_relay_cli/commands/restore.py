"""`backup-relay restore`: a DR copy into a member account, in one command (docs/restore.md)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CommandError, UsageError
from backup_relay_cli.options import (
    ACCOUNT_ID,
    REGION,
    RESOURCE_ARN,
    STACK_HELP,
    STACK_NAME,
    VAULT_NAME,
    command,
    stack_environment,
)


def register(commands: Any) -> None:
    parser = command(
        commands,
        "restore",
        run,
        "restore a resource's newest DR copy (or a DR recovery point) into a member account",
        "backup-relay restore arn:aws:rds:us-west-2:222222222222:cluster:orders --account "
        "222222222222 --region us-west-2 --vault member-vault --db-instance-identifier "
        "orders-restored --subnet-group app-db --security-group sg-0abc --dry-run",
    )
    parser.add_argument(
        "target", type=RESOURCE_ARN, metavar="RESOURCE_OR_RECOVERY_POINT",
        help="the resource's ARN (its newest DR copy), or a DR recovery point's ARN",
    )  # fmt: skip
    parser.add_argument("--account", type=ACCOUNT_ID, required=True, help="the member account")
    parser.add_argument("--region", type=REGION, required=True, help="its region to restore in")
    parser.add_argument(
        "--point-in-time", metavar="T", type=_moment,
        help="the newest DR copy at or before T (ISO 8601, UTC unless it says)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", metavar="FILE", type=Path,
        help="overrides as YAML or JSON: identifier, subnet_group, security_groups, kms_key, "
        "iam_role, vault (a flag wins)",
    )  # fmt: skip
    parser.add_argument(
        "--db-instance-identifier", metavar="NAME", help="the restored database's new name"
    )
    parser.add_argument("--subnet-group", metavar="NAME", help="a DB subnet group of the target")
    parser.add_argument(
        "--security-group", metavar="SG", action="append", default=[],
        help="a VPC security group of the target (repeat for more)",
    )  # fmt: skip
    parser.add_argument("--kms-key", metavar="KEY", help="the key to encrypt the restore with")
    parser.add_argument(
        "--vault", type=VAULT_NAME,
        help="the member vault a DR copy is brought back into (not needed from a LAG vault "
        "shared with the account)",
    )  # fmt: skip
    parser.add_argument(
        "--restore-role", metavar="ROLE",
        help="the role AWS Backup restores with in the member (default: "
        "service-role/AWSBackupDefaultServiceRole; the member's RestoreServiceRoleName)",
    )  # fmt: skip
    parser.add_argument("--stack", type=STACK_NAME, help=STACK_HELP)
    parser.add_argument(
        "--stack-region", type=REGION, metavar="R",
        help="the central stack's region (default: your AWS configuration)",
    )  # fmt: skip
    parser.add_argument(
        "--dry-run", action="store_true", help="print each step and the metadata; start nothing"
    )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _profile(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        text = path.read_text()
    except OSError as error:
        raise UsageError(f"cannot read --profile {path}: {error.strerror}") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(
                f"--profile {path}: not JSON ({error.msg}, line {error.lineno})"
            ) from None
    try:
        yaml: Any = importlib.import_module("yaml")  # PyYAML: YAML profiles only
    except ImportError:
        raise UsageError(f"--profile {path}: YAML needs PyYAML; write it as .json") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UsageError(f"--profile {path}: not YAML ({error})".splitlines()[0]) from None


def run(args: argparse.Namespace) -> int:
    from backup_relay import wiring
    from backup_relay.domain.errors import AwsError
    from backup_relay.restore.overrides import OverridesError, RestoreOverrides
    from backup_relay.restore.restore import RestoreFailed, RestoreRefused, RestoreRequest

    try:
        profile = RestoreOverrides.from_profile(_profile(args.profile))
    except OverridesError as error:
        raise UsageError(f"--profile {args.profile}: {error}") from None
    flags = RestoreOverrides(
        db_instance_identifier=args.db_instance_identifier,
        subnet_group=args.subnet_group,
        security_groups=tuple(args.security_group),
        kms_key=args.kms_key,
        iam_role=args.restore_role,
        vault=args.vault,
    )
    request = RestoreRequest(
        target=args.target,
        account=args.account,
        region=args.region,
        point_in_time=args.point_in_time,
        overrides=flags.over(profile),
        dry_run=args.dry_run,
    )
    env = stack_environment(args.stack, args.stack_region)
    progress = (lambda line: None) if args.json else _progress
    try:
        outcome = wiring.restore(env)(request, progress)
    except RestoreRefused as refused:
        raise CommandError(
            f"cannot restore: {refused}", EXIT_BAD_INPUT if refused.usage else EXIT_FAILED
        ) from None
    except RestoreFailed as failed:
        raise CommandError(f"restore failed: {failed}") from None
    except AwsError as error:
        raise CommandError(f"cannot restore: {error}") from None
    report = outcome.report
    ok = args.dry_run or (report is not None and report.status == "COMPLETED")
    if args.json:
        print(json.dumps(outcome.model_dump(mode="json"), indent=2))
        return EXIT_OK if ok else EXIT_FAILED
    if args.dry_run:
        print(f"would restore {outcome.copy_arn} ({outcome.resource_type}) into "
              f"{args.account} {args.region}, via {outcome.via}, with this metadata:")  # fmt: skip
        for key, value in sorted(outcome.metadata.items()):
            print(f"  {key} = {value}")
        return EXIT_OK
    assert report is not None  # a real run follows its job to the end
    if report.status == "COMPLETED":
        print(f"restored {outcome.copy_arn} into {args.account} {args.region}: "
              f"{report.created_resource_arn}")  # fmt: skip
        return EXIT_OK
    message = report.status_message or "no message"
    ended = f"restore job {outcome.restore_job_id} ended {report.status}: {message}"
    print(f"{ended} (its alert diagnoses it; so does `backup-relay diagnose`)", file=sys.stderr)
    return EXIT_FAILED


def _progress(line: str) -> None:
    print(f"- {line}", flush=True)
