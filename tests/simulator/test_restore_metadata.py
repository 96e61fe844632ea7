"""GetRecoveryPointRestoreMetadata in AWS's shape, StartRestoreJob's refusal of an RDS family
restore without its identifier, and a member restoring straight from a logically air-gapped vault
that AWS RAM shares with it (restore_metadata.py)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from backup_relay_sandbox.backup_sim import restore_metadata
from backup_relay_sandbox.cloud import REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


@pytest.mark.parametrize("resource_type", ["RDS", "Aurora", "DocumentDB", "Neptune"])
def test_the_restore_metadata_is_the_sources_configuration(
    resource_type: str, api: Api, topology: Topology
) -> None:
    # GIVEN a recovery point of an RDS family database
    resource = topology.resource(resource_type)
    point = topology.recovery_point(resource)

    # WHEN its restore metadata is asked for
    answer = api(MEMBER).get_recovery_point_restore_metadata(
        BackupVaultName="member-vault", RecoveryPointArn=point
    )

    # THEN it has AWS's shape, and the type's keys with the source's values
    assert set(answer) - {"ResponseMetadata"} == {
        "BackupVaultArn", "RecoveryPointArn", "ResourceType", "RestoreMetadata",
    }  # fmt: skip
    assert (answer["BackupVaultArn"], answer["RecoveryPointArn"]) == (topology.member_vault, point)
    assert answer["ResourceType"] == resource_type
    metadata = answer["RestoreMetadata"]
    assert set(metadata) <= set(restore_metadata.METADATA_KEYS[resource_type])
    identifier = restore_metadata.IDENTIFIERS[resource_type]
    assert metadata[identifier] == resource.rsplit(":", 1)[-1]
    assert metadata["Engine"] == restore_metadata.ENGINES[resource_type]
    assert json.loads(metadata["VpcSecurityGroupIds"])[0].startswith("sg-")


def test_another_accounts_restore_metadata_is_not_found(api: Api, topology: Topology) -> None:
    # GIVEN a member's recovery point WHEN the central account asks for its metadata
    point = topology.recovery_point(topology.resource("RDS"))
    with pytest.raises(ClientError) as refused:
        api(CENTRAL).get_recovery_point_restore_metadata(
            BackupVaultName="member-vault", RecoveryPointArn=point, BackupVaultAccountId=MEMBER
        )
    # THEN it is refused, as any read of a vault its policy does not open to the caller
    assert refused.value.response["Error"]["Code"] in {
        "AccessDeniedException", "ResourceNotFoundException",
    }  # fmt: skip


@pytest.mark.parametrize("resource_type", ["RDS", "Aurora"])
def test_an_rds_family_restore_without_its_identifier_is_refused(
    resource_type: str, api: Api, topology: Topology
) -> None:
    # GIVEN a recovery point of a database
    point = topology.recovery_point(topology.resource(resource_type))
    # WHEN it is restored with Metadata that names no identifier
    with pytest.raises(ClientError) as refused:
        api(MEMBER).start_restore_job(
            RecoveryPointArn=point, Metadata={"Engine": "postgres"}, IamRoleArn=ROLE
        )
    # THEN StartRestoreJob refuses it with a modelled error naming the key, and makes no job
    error = refused.value.response["Error"]
    assert error["Code"] == "MissingParameterValueException"
    assert restore_metadata.IDENTIFIERS[resource_type] in error["Message"]
    assert api(MEMBER).list_restore_jobs()["RestoreJobs"] == []


def _lag_point(api: Api, topology: Topology, resource_type: str) -> tuple[str, str]:
    """A LAG vault of the central account holding a copy of a member database."""
    created = api(CENTRAL).create_logically_air_gapped_backup_vault(
        BackupVaultName="lag", MinRetentionDays=7, MaxRetentionDays=365
    )
    vault = str(created["BackupVaultArn"])
    point = topology.recovery_point(topology.resource(resource_type), vault_arn=vault)
    return vault, point


def test_a_member_restores_straight_from_a_lag_vault_shared_with_it(
    api: Api, topology: Topology
) -> None:
    # GIVEN an Aurora copy in the central account's LAG vault, shared with the member through RAM
    vault, point = _lag_point(api, topology, "Aurora")
    api(CENTRAL, "ram").create_resource_share(
        name="lag-restore", resourceArns=[vault], principals=[MEMBER],
        allowExternalPrincipals=False,
    )  # fmt: skip
    # WHEN the member reads its metadata and restores it, in its own account (a new name, and
    # its own subnet group: the source's is not the member's)
    metadata = api(MEMBER).get_recovery_point_restore_metadata(
        BackupVaultName="lag", RecoveryPointArn=point, BackupVaultAccountId=CENTRAL
    )["RestoreMetadata"]
    job_id = api(MEMBER).start_restore_job(
        RecoveryPointArn=point,
        Metadata={
            **metadata,
            "DBClusterIdentifier": "restored-from-lag",
            "DBSubnetGroupName": "default",
        },
        IamRoleArn=ROLE,
    )["RestoreJobId"]
    topology.sim.run_until_idle()
    # THEN the restore completes in the member account, its cluster there
    job = api(MEMBER).describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "COMPLETED"
    assert job["CreatedResourceArn"] == f"arn:aws:rds:{REGION}:{MEMBER}:cluster:restored-from-lag"
    assert job["BackupVaultArn"] == vault


def test_a_lag_vault_not_shared_with_the_member_cannot_be_restored_from(
    api: Api, topology: Topology
) -> None:
    # GIVEN a copy in a LAG vault no RAM share lists
    _, point = _lag_point(api, topology, "RDS")
    # WHEN the member restores it
    with pytest.raises(ClientError) as refused:
        api(MEMBER).start_restore_job(
            RecoveryPointArn=point, Metadata={"DBInstanceIdentifier": "x"}, IamRoleArn=ROLE
        )
    # THEN AWS's answer for another account's recovery point
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
