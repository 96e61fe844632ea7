"""Lifecycles are held to AWS's rules: the days' values, cold storage's 90 days, and a locked
vault's minimum and maximum retention, which fail the backup or copy job that breaks them
(PutBackupVaultLockConfiguration)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.simulator import CENTRAL, MEMBER, Api, StartCopy, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


def _lock(api: Api, account: str, vault: str, **days: int) -> None:
    api(account).put_backup_vault_lock_configuration(BackupVaultName=vault, **days)


def _backup(api: Api, topology: Topology, lifecycle: dict[str, int] | None) -> dict[str, Any]:
    extra: dict[str, Any] = {"Lifecycle": lifecycle} if lifecycle else {}
    job_id = api(MEMBER).start_backup_job(
        BackupVaultName="member-vault",
        ResourceArn=topology.resource("EBS"),
        IamRoleArn=ROLE,
        **extra,
    )["BackupJobId"]
    topology.sim.run_until_idle()
    job: dict[str, Any] = api(MEMBER).describe_backup_job(BackupJobId=job_id)
    return job


@pytest.mark.parametrize(
    ("lock", "lifecycle", "state"),
    [
        ({"MinRetentionDays": 30}, {"DeleteAfterDays": 7}, "FAILED"),
        ({"MinRetentionDays": 30}, {"DeleteAfterDays": 30}, "COMPLETED"),
        ({"MinRetentionDays": 30}, None, "COMPLETED"),
        ({"MaxRetentionDays": 100}, {"DeleteAfterDays": 365}, "FAILED"),
        ({"MaxRetentionDays": 100}, None, "FAILED"),
        ({"MaxRetentionDays": 100}, {"DeleteAfterDays": 100}, "COMPLETED"),
    ],
    ids=["under min", "at min", "kept forever, min", "over max", "kept forever, max", "at max"],
)
def test_a_locked_vault_fails_backups_outside_its_retention(
    lock: dict[str, int],
    lifecycle: dict[str, int] | None,
    state: str,
    api: Api,
    topology: Topology,
) -> None:
    # GIVEN the member vault under a vault lock
    _lock(api, MEMBER, "member-vault", **lock)

    # WHEN a backup job with that retention runs into it
    job = _backup(api, topology, lifecycle)

    # THEN it ends as the lock says, naming the vault when it fails
    assert job["State"] == state
    if state == "FAILED":
        assert topology.member_vault in job["StatusMessage"]
        assert "locked backup vault" in job["StatusMessage"]


def test_a_locked_central_vault_fails_a_copy_kept_too_briefly(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN the central vault locked at 30 days at least
    _lock(api, CENTRAL, "central-vault", MinRetentionDays=30)
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN the member copies a recovery point there to keep for 7 days, then for 35
    brief = start_copy(point, Lifecycle={"DeleteAfterDays": 7})
    topology.sim.run_until_idle()
    kept = start_copy(point, Lifecycle={"DeleteAfterDays": 35})
    topology.sim.run_until_idle()

    # THEN the first fails, the second lands
    member = api(MEMBER)
    assert member.describe_copy_job(CopyJobId=brief)["CopyJob"]["State"] == "FAILED"
    assert member.describe_copy_job(CopyJobId=kept)["CopyJob"]["State"] == "COMPLETED"


@pytest.mark.parametrize(
    "lifecycle",
    [
        {"DeleteAfterDays": 0},
        {"DeleteAfterDays": -5},
        {"MoveToColdStorageAfterDays": 0, "DeleteAfterDays": 120},
        {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100},
    ],
    ids=["zero days", "negative days", "cold at zero", "delete before cold + 90"],
)
def test_lifecycles_aws_refuses_are_refused(
    lifecycle: dict[str, int], api: Api, topology: Topology
) -> None:
    # GIVEN a lifecycle whose days AWS does not accept
    # WHEN a backup job is started with it
    with pytest.raises(ClientError) as refused:
        api(MEMBER).start_backup_job(
            BackupVaultName="member-vault",
            ResourceArn=topology.resource("EBS"),
            IamRoleArn=ROLE,
            Lifecycle=lifecycle,
        )

    # THEN the call is refused and no job is created
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert api(MEMBER).list_backup_jobs()["BackupJobs"] == []
