"""Restores fail as AWS documents (restores.py lists the rules and their sources): a restore role
without the permission, a key the restore cannot use, an RDS family identifier that exists, a
subnet group that does not; each as a FAILED job whose event carries the message, and each
on demand through `Faults.restore_failures`. A recovery point not in a state to restore is
refused at StartRestoreJob."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay.collect.normalize import normalize
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.jobs import JobState
from backup_relay_sandbox.backup_sim import RestoreFault, restores
from backup_relay_sandbox.backup_sim.failures import (
    EC2_KEY_NOT_ACCESSIBLE,
    RDS_KEY_NOT_ACCESSIBLE,
)
from tests.support.events import documented
from tests.support.simulator import MEMBER, Api, EventTap, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


def _restore(api: Api, topology: Topology, point: str, **metadata: str) -> dict[str, Any]:
    job_id = api(MEMBER).start_restore_job(
        RecoveryPointArn=point, Metadata=metadata, IamRoleArn=ROLE
    )["RestoreJobId"]
    topology.sim.run_until_idle()
    job: dict[str, Any] = api(MEMBER).describe_restore_job(RestoreJobId=job_id)
    return job


def _failed_event(tap: EventTap, job_id: str) -> dict[str, Any]:
    [event] = [
        e
        for e in tap.drain()
        if e["detail-type"] == "Restore Job State Change"
        and e["detail"]["restoreJobId"] == job_id
        and e["detail"].get("status") == "FAILED"
    ]
    return event


@pytest.mark.exact_delivery  # one FAILED event per job
def test_an_rds_restore_onto_an_existing_identifier_fails_with_rds_message(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN an RDS instance db-0 and an Aurora cluster, each with a recovery point
    db, cluster = topology.resource("RDS"), topology.resource("Aurora")
    db_point, cluster_point = topology.recovery_point(db), topology.recovery_point(cluster)
    # WHEN each is restored under the name of the resource that still exists
    db_job = _restore(api, topology, db_point, DBInstanceIdentifier=db.rsplit(":", 1)[1])
    cluster_job = _restore(
        api, topology, cluster_point, DBClusterIdentifier=cluster.rsplit(":", 1)[1]
    )
    # THEN both fail with RDS's text, and the FAILED event carries it in the documented shape
    assert (db_job["Status"], db_job["StatusMessage"]) == ("FAILED", restores.DB_INSTANCE_EXISTS)
    assert cluster_job["StatusMessage"] == restores.DB_CLUSTER_EXISTS
    assert "CreatedResourceArn" not in db_job
    event = _failed_event(tap, db_job["RestoreJobId"])
    assert list(event["detail"]) == list(documented("restore_job_failed.json")["detail"])
    assert event["detail"]["statusMessage"] == restores.DB_INSTANCE_EXISTS
    assert normalize(event).state is JobState.FAILED


def test_a_second_restore_to_the_same_identifier_fails(api: Api, topology: Topology) -> None:
    # GIVEN a restore that created the instance "restored"
    point = topology.recovery_point(topology.resource("RDS"))
    first = _restore(api, topology, point, DBInstanceIdentifier="restored")
    # WHEN the same point is restored to the same identifier again
    second = _restore(api, topology, point, DBInstanceIdentifier="restored")
    # THEN the first completed and the second fails: the instance exists now
    assert first["Status"] == "COMPLETED"
    assert (second["Status"], second["StatusMessage"]) == ("FAILED", restores.DB_INSTANCE_EXISTS)


def test_a_subnet_group_the_account_does_not_have_fails_the_restore(
    api: Api, topology: Topology
) -> None:
    # GIVEN an Aurora recovery point
    point = topology.recovery_point(topology.resource("Aurora"))
    # WHEN it is restored into a subnet group the account does not have, then into "default"
    missing = _restore(api, topology, point, DBClusterIdentifier="a", DBSubnetGroupName="nope")
    default = _restore(api, topology, point, DBClusterIdentifier="b", DBSubnetGroupName="default")
    # THEN the first fails naming it; the default VPC's group is there
    expected = restores.SUBNET_GROUP_MISSING.format(name="nope")
    assert (missing["Status"], missing["StatusMessage"]) == ("FAILED", expected)
    assert default["Status"] == "COMPLETED"


def test_a_restore_whose_key_is_disabled_fails_with_the_key_message(
    api: Api, topology: Topology
) -> None:
    # GIVEN an RDS and an EBS recovery point on the member's key, then the key disabled
    rds = topology.recovery_point(topology.resource("RDS"))
    ebs = topology.recovery_point(topology.resource("EBS"))
    api(MEMBER, "kms").disable_key(KeyId=topology.member_key.rsplit("/", 1)[1])
    # WHEN both are restored
    rds_job = _restore(api, topology, rds, DBInstanceIdentifier="from-disabled-key")
    ebs_job = _restore(api, topology, ebs)
    # THEN each fails with its type's key message
    assert rds_job["StatusMessage"] == RDS_KEY_NOT_ACCESSIBLE
    assert ebs_job["StatusMessage"] == EC2_KEY_NOT_ACCESSIBLE


@pytest.mark.parametrize(
    ("fault", "resource_type", "expected"),
    [
        (RestoreFault.ROLE_NOT_AUTHORIZED, "EBS", "You are not authorized to perform this"),
        (RestoreFault.KEY_NOT_ACCESSIBLE, "Neptune", RDS_KEY_NOT_ACCESSIBLE),
        (RestoreFault.TARGET_EXISTS, "DocumentDB", restores.DB_CLUSTER_EXISTS),
        (RestoreFault.SUBNET_GROUP_MISSING, "RDS", "DB subnet group 'default' does not exist."),
        (RestoreFault.SUBNET_GROUP_REQUIRED, "RDS", restores.SUBNET_GROUP_REQUIRED),
    ],
    ids=["role", "key", "target exists", "subnet group missing", "subnet group required"],
)
def test_a_fault_asks_for_each_restore_failure(
    fault: RestoreFault, resource_type: str, expected: str, api: Api, topology: Topology
) -> None:
    # GIVEN a recovery point whose restores the scenario fails with `fault`
    point = topology.recovery_point(topology.resource(resource_type))
    topology.sim.faults.restore_failures[point] = fault
    # WHEN it is restored
    identifier = "DBInstanceIdentifier" if resource_type == "RDS" else "DBClusterIdentifier"
    job = _restore(api, topology, point, **{identifier: "asked"})
    # THEN the job fails with that failure's message
    assert job["Status"] == "FAILED"
    assert job["StatusMessage"].startswith(expected)


def test_a_recovery_point_being_deleted_cannot_be_restored(api: Api, topology: Topology) -> None:
    # GIVEN a recovery point being deleted
    point = topology.recovery_point(topology.resource("EBS"))
    api(MEMBER).delete_recovery_point(BackupVaultName="member-vault", RecoveryPointArn=point)
    # WHEN it is restored
    with pytest.raises(ClientError) as refused:
        api(MEMBER).start_restore_job(RecoveryPointArn=point, Metadata={}, IamRoleArn=ROLE)
    # THEN the call is refused, saying why, and no job is made
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "DELETING" in refused.value.response["Error"]["Message"]
    assert api(MEMBER).list_restore_jobs()["RestoreJobs"] == []


@pytest.mark.parametrize(
    ("message", "resource_type", "category"),
    [
        (restores.NEW_INSTANCE_PROFILE, "EC2", "iam_role_permissions"),
        (restores.ROLE_NOT_AUTHORIZED.format(encoded="AbC123"), "EBS", "iam_role_permissions"),
        (RDS_KEY_NOT_ACCESSIBLE, "Aurora", "kms_key_not_shared"),
        (EC2_KEY_NOT_ACCESSIBLE, "EBS", "kms_key_not_shared"),
        (restores.DB_INSTANCE_EXISTS, "RDS", "restore_settings"),
        (restores.DB_CLUSTER_EXISTS, "Aurora", "restore_settings"),
        (restores.SUBNET_GROUP_MISSING.format(name="dr-subnets"), "RDS", "restore_settings"),
        (restores.SUBNET_GROUP_REQUIRED, "RDS", "restore_settings"),
    ],
    ids=[
        "instance profile",
        "restore role",
        "rds key",
        "key",
        "instance exists",
        "cluster exists",
        "subnet group",
        "no subnet group",
    ],
)
def test_the_restore_failures_the_catalogue_knows_are_diagnosed(
    message: str, resource_type: str, category: str
) -> None:
    # GIVEN a restore job's failure message WHEN it is diagnosed
    diagnosis = diagnose(message, resource_type=resource_type, kind="RESTORE", state="FAILED")
    # THEN it gets the catalogue's category, not "unknown"
    assert diagnosis.category == category
