"""The acceptance line of `status`: after the night `sandbox up` runs (a member's Aurora copy
fails, its key not shared), status shows that copy with its account, resource and diagnosis and
says the night is not all well; after the operator shares the key and replays it, it shows it
replayed. The real functions, ledger and wiring on moto and the AWS Backup simulator."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backup_relay import wiring
from backup_relay.status.chains import StatusReport
from backup_relay_cli.render import render_status
from backup_relay_sandbox.backup_sim import policies
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.demo import night_with_a_failed_copy
from backup_relay_sandbox.organization import Organization

pytestmark = pytest.mark.integration


def status_now(org: Organization) -> StatusReport:
    """`backup-relay status` as the operator runs it, on the sandbox's clock."""
    env = {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}
    now = org.sim.now
    status = wiring.status(env)
    status.now = lambda: now
    return status(now - timedelta(hours=24))


def test_status_shows_the_nights_failed_aurora_copy_then_that_it_was_replayed(
    moto: None,
) -> None:
    # GIVEN the night of `sandbox up`: a member's Aurora copy FAILED (its key is not shared)
    org = night_with_a_failed_copy()
    account = MEMBER_ACCOUNTS[-1]
    aurora = org.resources[(account, "Aurora")]
    # WHEN the operator runs status
    report = status_now(org)
    # THEN it is not all well, and the failed copy is shown with account, resource, diagnosis
    assert report.summary is not None
    assert not report.summary.all_well
    assert report.summary.open_by_category == {"kms_key_not_shared": 1}
    [failure] = [f for f in report.failures if f.open]
    assert (failure.kind, failure.account, failure.resource_arn, failure.resource_type) == (
        "COPY",
        account,
        aurora,
        "Aurora",
    )
    assert failure.category == "kms_key_not_shared"
    assert failure.destination.startswith(f"backup-relay-central ({CENTRAL_ACCOUNT}, ")
    printed = render_status(report)
    assert "NOT ALL WELL" in printed
    assert "backup-relay replay --category kms_key_not_shared --dry-run" in printed
    # AND every chain row names its resource and account
    assert report.chains
    assert all(c.resource_arn and c.account in MEMBER_ACCOUNTS for c in report.chains)
    # WHEN the operator shares the key and replays the copy, and the night settles
    key = org.sim.resources[aurora].kms_key_arn or ""
    client("kms", REGION, account).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(account, [CENTRAL_ACCOUNT])),
    )
    org.central.functions["ReplayFunction"]({"since": "24h", "dry_run": False})
    org.settle()
    # THEN status shows the failure replayed (the new copy job, COMPLETED), and all is well
    after = status_now(org)
    [replayed] = [f for f in after.failures if f.job_id == failure.job_id]
    assert replayed.open is False
    assert replayed.replay_state == "COMPLETED"
    assert replayed.resolution == f"replayed: job {replayed.replay_job_id}, COMPLETED"
    assert after.summary is not None
    assert after.summary.all_well
    assert any(c.resource_arn == aurora for c in after.chains)
