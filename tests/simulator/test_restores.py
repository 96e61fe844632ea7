"""Restore jobs: StartRestoreJob, DescribeRestoreJob and ListRestoreJobs through boto3, and the
"Restore Job State Change" events in exactly the documented shapes, which backup-relay reads
(raw, and as the template's rule maps them)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay.collect.normalize import normalize
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay_sandbox.backup_sim import restores
from backup_relay_sandbox.cloud import REGION
from tests.support.events import documented, envelope_of
from tests.support.simulator import CENTRAL, MEMBER, Api, EventTap, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


def _restores(tap: EventTap) -> list[dict[str, Any]]:
    return [e for e in tap.drain() if e["detail-type"] == "Restore Job State Change"]


@pytest.mark.exact_delivery  # it reads the job's events in order, once each
def test_a_restore_runs_to_completion_with_the_documented_events(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN an RDS recovery point in the member vault
    db = topology.resource("RDS")
    point = topology.recovery_point(db)

    # WHEN the member restores it as a new instance and the clock runs
    job_id = api(MEMBER).start_restore_job(
        RecoveryPointArn=point, Metadata={"DBInstanceIdentifier": "restored-db"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    pending = api(MEMBER).describe_restore_job(RestoreJobId=job_id)
    topology.sim.run_until_idle()

    # THEN the API shows it PENDING, then COMPLETED with the instance it created
    job = api(MEMBER).describe_restore_job(RestoreJobId=job_id)
    assert pending["Status"] == "PENDING"
    created = f"arn:aws:rds:{REGION}:{MEMBER}:db:restored-db"
    assert (job["Status"], job["CreatedResourceArn"]) == ("COMPLETED", created)
    assert (job["RecoveryPointArn"], job["SourceResourceArn"]) == (point, db)
    assert job["BackupVaultArn"] == topology.member_vault
    # AND each state change was announced with the documented example's keys, in its order
    events = _restores(tap)
    assert [e["detail"].get("status", e["detail"].get("state")) for e in events] == [
        "CREATED",
        "PENDING",
        "RUNNING",
        "COMPLETED",
    ]
    for event in events:
        status = event["detail"].get("status", event["detail"].get("state")).lower()
        example = documented(f"restore_job_{status}.json")
        assert list(event["detail"]) == list(example["detail"])
        assert list(event) == list(example)
        assert event["resources"] == [point]
        assert event["account"] == MEMBER
    # AND backup-relay reads them, raw and through its rule's mapping
    completed = events[-1]
    for payload in (completed, envelope_of(completed)):
        read = normalize(payload)
        assert (read.kind, read.state, read.job_id) == (
            JobKind.RESTORE,
            JobState.COMPLETED,
            job_id,
        )
        assert (read.created_resource_arn, read.resource_arn) == (created, db)
    assert normalize(events[0]).state is JobState.CREATED


def test_an_ec2_restore_with_a_new_instance_profile_fails_as_documented(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN an EC2 instance whose backup recorded its instance profile
    instance = topology.resource("EC2", instance_profile="app-profile")
    point = topology.recovery_point(instance)

    # WHEN the member restores it with another instance profile
    job_id = api(MEMBER).start_restore_job(
        RecoveryPointArn=point, Metadata={"IamInstanceProfileName": "other"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    topology.sim.run_until_idle()

    # THEN it fails with AWS's documented message and event
    job = api(MEMBER).describe_restore_job(RestoreJobId=job_id)
    assert (job["Status"], job["StatusMessage"]) == ("FAILED", restores.NEW_INSTANCE_PROFILE)
    failed = _restores(tap)[-1]
    assert list(failed["detail"]) == list(documented("restore_job_failed.json")["detail"])
    assert failed["detail"]["statusMessage"] == restores.NEW_INSTANCE_PROFILE
    assert normalize(failed).state is JobState.FAILED


def test_a_restore_of_another_accounts_recovery_point_is_refused(
    api: Api, topology: Topology
) -> None:
    # GIVEN a recovery point in the member account
    point = topology.recovery_point(topology.resource("EBS"))

    # WHEN the central account asks to restore it
    with pytest.raises(ClientError) as refused:
        api(CENTRAL).start_restore_job(RecoveryPointArn=point, Metadata={}, IamRoleArn=ROLE)

    # THEN AWS's answer: restores stay in the recovery point's account
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert api(CENTRAL).list_restore_jobs()["RestoreJobs"] == []


def test_restore_jobs_are_listed_by_status(api: Api, topology: Topology) -> None:
    # GIVEN one restore that completed and one that is still pending
    done = api(MEMBER).start_restore_job(
        RecoveryPointArn=topology.recovery_point(topology.resource("EBS")), Metadata={}
    )["RestoreJobId"]
    topology.sim.run_until_idle()
    waiting = api(MEMBER).start_restore_job(
        RecoveryPointArn=topology.recovery_point(topology.resource("EBS")), Metadata={}
    )["RestoreJobId"]

    # WHEN the member lists its restore jobs by status
    member = api(MEMBER)
    completed = member.list_restore_jobs(ByStatus="COMPLETED")["RestoreJobs"]
    pending = member.list_restore_jobs(ByStatus="PENDING")["RestoreJobs"]

    # THEN each list holds its own
    assert [j["RestoreJobId"] for j in completed] == [done]
    assert [j["RestoreJobId"] for j in pending] == [waiting]
