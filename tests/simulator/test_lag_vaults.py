"""Logically air-gapped vaults as the simulator models them (issue #25 item 3): created through
CreateLogicallyAirGappedBackupVault (moto has none), typed in DescribeBackupVault and
ListBackupVaults, copies into one get AWS Backup's `recovery-point:` ARN, and AWS's failures for
a retention outside its range and for the types and keys it refuses (the route table's facts,
domain/route_table.py), each with its copy events.
https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay.domain import route_table
from backup_relay.domain.categories import Category
from backup_relay.domain.diagnosis import diagnose
from backup_relay_sandbox.backup_sim import limits
from backup_relay_sandbox.backup_sim.failures import LAG_REFUSES_KEY, LAG_REFUSES_TYPE
from backup_relay_sandbox.cloud import REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, EventTap, StartCopy, Topology

pytestmark = pytest.mark.exact_delivery  # the tests read a job's events, once each, in order

LAG_TYPE = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def _lag_vault(api: Api, name: str = "lag", min_days: int = 7, max_days: int = 365) -> str:
    created = api(CENTRAL).create_logically_air_gapped_backup_vault(
        BackupVaultName=name, MinRetentionDays=min_days, MaxRetentionDays=max_days
    )
    api(CENTRAL).put_backup_vault_access_policy(
        BackupVaultName=name,
        Policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
        '{"AWS": "*"}, "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]}',
    )
    return str(created["BackupVaultArn"])


def _copy(
    topology: Topology, start_copy: StartCopy, api: Api, resource: str, **extra: Any
) -> dict[str, Any]:
    point = topology.recovery_point(resource)
    job_id = start_copy(point, **extra)
    topology.sim.run_until_idle()
    job: dict[str, Any] = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    return job


def test_a_lag_vault_is_created_typed_and_listed(api: Api, topology: Topology) -> None:
    # GIVEN a logically air-gapped vault created through AWS Backup's API
    arn = _lag_vault(api)
    # THEN it has a vault's ARN, and DescribeBackupVault gives its type, lock and range
    assert arn == f"arn:aws:backup:{REGION}:{CENTRAL}:backup-vault:lag"
    described = api(CENTRAL).describe_backup_vault(BackupVaultName="lag")
    assert described["VaultType"] == LAG_TYPE
    assert (described["Locked"], described["MinRetentionDays"], described["MaxRetentionDays"]) == (
        True, 7, 365,
    )  # fmt: skip
    # AND ListBackupVaults types every vault, and filters by type
    listed = api(CENTRAL).list_backup_vaults()["BackupVaultList"]
    types = {v["BackupVaultName"]: v.get("VaultType") for v in listed}
    assert types["lag"] == LAG_TYPE
    assert types["central-vault"] == "BACKUP_VAULT"
    only = api(CENTRAL).list_backup_vaults(ByVaultType=LAG_TYPE)["BackupVaultList"]
    assert [v["BackupVaultName"] for v in only] == ["lag"]
    assert only[0]["EncryptionKeyType"] == "AWS_OWNED_KMS_KEY"


def test_a_lag_vault_refuses_a_minimum_under_seven_days(api: Api, topology: Topology) -> None:
    with pytest.raises(ClientError, match="at least 7"):
        _lag_vault(api, min_days=3)


def test_the_request_is_held_to_botocores_model(api: Api, topology: Topology) -> None:
    # GIVEN a request without the required MaxRetentionDays, sent past botocore's own check
    client = api(CENTRAL)
    with pytest.raises(Exception, match="MaxRetentionDays"):
        client.create_logically_air_gapped_backup_vault(BackupVaultName="lag", MinRetentionDays=7)


@pytest.mark.parametrize("resource_type", ["Aurora", "EBS"])
def test_a_copy_into_a_lag_vault_gets_aws_backups_recovery_point_arn(
    resource_type: str, api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN a LAG vault and a member recovery point on a customer managed key
    vault = _lag_vault(api)
    # WHEN it is copied in with a retention inside the vault's range
    job = _copy(topology, start_copy, api, topology.resource(resource_type),
                destination=vault, Lifecycle={"DeleteAfterDays": 35})  # fmt: skip
    # THEN the copy lands with AWS Backup's ARN form, not the type's own
    assert job["State"] == "COMPLETED"
    arn = job["DestinationRecoveryPointArn"]
    assert arn.startswith(f"arn:aws:backup:{REGION}:{CENTRAL}:recovery-point:")
    # AND the copy's COMPLETED event carries it
    completed = [e for e in tap.drain() if e["detail"].get("state") == "COMPLETED"]
    assert completed[-1]["detail"]["destinationRecoveryPointArn"] == arn


@pytest.mark.parametrize("lifecycle", [{"DeleteAfterDays": 3}, {"DeleteAfterDays": 400}, None])
def test_a_copy_outside_the_lag_vaults_range_fails_with_aws_text(
    lifecycle: dict[str, int] | None,
    api: Api,
    topology: Topology,
    start_copy: StartCopy,
    tap: EventTap,
) -> None:
    # GIVEN a LAG vault keeping 7 to 365 days
    vault = _lag_vault(api)
    extra = {"Lifecycle": lifecycle} if lifecycle else {}
    # WHEN a copy kept 3 days, 400 days or for ever goes in
    job = _copy(topology, start_copy, api, topology.resource("Aurora"), destination=vault, **extra)
    # THEN it fails with AWS's text, and its FAILED event says so
    assert (job["State"], job["StatusMessage"]) == ("FAILED", limits.LAG_COPY_RETENTION)
    failed = [e for e in tap.drain() if e["detail"].get("state") == "FAILED"]
    assert failed[-1]["detail"]["statusMessage"] == limits.LAG_COPY_RETENTION
    # AND the catalogue diagnoses it as the vault's retention range
    diagnosis = diagnose(limits.LAG_COPY_RETENTION, kind="COPY", state="FAILED")
    assert diagnosis.category == Category.VAULT_LOCK_RETENTION


def test_a_lag_vault_refuses_rds_instances_as_the_route_table_says(
    api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    vault = _lag_vault(api)
    # GIVEN the route table's fact: a LAG vault does not take RDS DB instances
    lag = route_table.VaultType.LOGICALLY_AIR_GAPPED
    case = route_table.case_of("RDS", (MEMBER, REGION), (CENTRAL, REGION), destination_vault=lag)
    assert route_table.decide(case).family == "lag-refuses-type"
    # WHEN an RDS snapshot is copied into one, THEN the job fails with AWS's text, with events
    job = _copy(topology, start_copy, api, topology.resource("RDS"), destination=vault,
                Lifecycle={"DeleteAfterDays": 35})  # fmt: skip
    assert (job["State"], job["StatusMessage"]) == ("FAILED", LAG_REFUSES_TYPE)
    states = [e["detail"]["state"] for e in tap.drain()
              if e["detail-type"] == "Copy Job State Change"]  # fmt: skip
    assert states == ["CREATED", "RUNNING", "FAILED"]


def test_a_lag_vault_refuses_a_cluster_on_an_aws_managed_key(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    vault = _lag_vault(api)
    key = topology.sim.create_key(MEMBER, REGION, aws_managed_alias="aws/rds")
    job = _copy(topology, start_copy, api, topology.resource("Neptune", key_arn=key),
                destination=vault, Lifecycle={"DeleteAfterDays": 35})  # fmt: skip
    assert (job["State"], job["StatusMessage"]) == ("FAILED", LAG_REFUSES_KEY)
