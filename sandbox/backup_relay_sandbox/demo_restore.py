"""The demo's last act: the operator restores a member's RDS instance from its DR copy into the
member account (`backup-relay restore`, docs/restore.md), as the CLI would print it."""

from __future__ import annotations

import time
from typing import TextIO

from backup_relay import wiring
from backup_relay.restore.overrides import RestoreOverrides
from backup_relay.restore.restore import RestoreRequest
from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.demo_timeline import section
from backup_relay_sandbox.organization import MEMBER_VAULT, Organization

#: The restored instance's name, and the member's subnet group to restore into ("default": the
#: default VPC's, which the simulator takes to exist).
RESTORED_NAME = "restored-from-dr"
SUBNET_GROUP = "default"


def restore_one(org: Organization, out: TextIO | None) -> str:
    """Restore the first member's RDS instance from its newest DR copy, in its own account and
    region; print the command, its progress and what it created. Returns the job's status."""
    account = MEMBER_ACCOUNTS[0]
    resource = org.resources[(account, "RDS")]
    env = {**org.central.functions["BringBackFunction"].variables, "AWS_REGION": REGION}
    request = RestoreRequest(
        target=resource,
        account=account,
        region=REGION,
        overrides=RestoreOverrides(
            db_instance_identifier=RESTORED_NAME, subnet_group=SUBNET_GROUP, vault=MEMBER_VAULT
        ),
    )
    _print(out, section("9. The restore: a DR copy back into the member account"))
    _print(
        out,
        f"$ backup-relay restore {resource} --account {account} --region {REGION} "
        f"--vault {MEMBER_VAULT} --db-instance-identifier {RESTORED_NAME} "
        f"--subnet-group {SUBNET_GROUP}",
    )

    def pause(_: float) -> None:  # AWS Backup's time passes; a hop polling DescribeCopyJob polls
        org.settle(while_executions_wait=True)
        time.sleep(0.2)

    outcome = wiring.restore(env, pause=pause)(request, lambda line: _print(out, f"- {line}"))
    report = outcome.report
    status = report.status if report else "NOT STARTED"
    if report is not None and status == "COMPLETED":
        _print(out, f"restored {outcome.copy_arn} into {account} {REGION}: "
               f"{report.created_resource_arn}")  # fmt: skip
    else:
        _print(out, f"restore ended {status}: {report.status_message if report else ''}")
    return status


def _print(out: TextIO | None, text: str) -> None:
    if out is not None:
        print(text, file=out, flush=True)
