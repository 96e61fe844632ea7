"""Each copy failure rule ends the job FAILED with its documented message; a valid copy
COMPLETES with a destination recovery point that the API returns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from backup_relay_sandbox.backup_sim import RefusedBy, Simulator, failures
from backup_relay_sandbox.cloud import DR_REGION, OUTSIDER_ACCOUNT, REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, EventTap, StartCopy, Topology

#: They read each job's events in order, once each: these tests opt out of best-effort delivery.
pytestmark = pytest.mark.exact_delivery


@dataclass(frozen=True)
class Case:
    name: str
    resource_type: str
    setup: Callable[[Topology], dict[str, object]]  # register_resource options, key, ...
    message: str
    to_dr: bool = False  # copy to the central DR-region vault (cross-account + cross-region)


def _plain(top: Topology) -> dict[str, object]:
    return {}


def _outside_org(top: Topology) -> dict[str, object]:
    top.sim.settings.member_accounts.discard(MEMBER)
    return {}


def _cross_account_off(top: Topology) -> dict[str, object]:
    top.sim.settings.cross_account_backup_enabled = False
    return {}


def _single_action_off(top: Topology) -> dict[str, object]:
    top.sim.settings.single_action_copy_types.clear()
    return {}


def _no_vault_policy(top: Topology) -> dict[str, object]:
    top.sim.delete_vault_access_policy(CENTRAL, REGION, "central-vault")
    return {}


def _policy_for_someone_else(top: Topology) -> dict[str, object]:
    top.sim.allow_copy_into(CENTRAL, REGION, "central-vault", from_accounts=[OUTSIDER_ACCOUNT])
    return {}


def _default_key_vault(top: Topology) -> dict[str, object]:
    top.api(CENTRAL).delete_backup_vault(BackupVaultName="central-vault")
    top.sim.create_vault(CENTRAL, REGION, "central-vault")  # aws/backup
    top.sim.allow_copy_into(CENTRAL, REGION, "central-vault")
    return {}


def _unshared_key(top: Topology) -> dict[str, object]:
    return {"key_arn": top.sim.create_key(MEMBER, REGION)}


def _aws_managed(alias: str) -> Callable[[Topology], dict[str, object]]:
    def setup(top: Topology) -> dict[str, object]:
        return {"key_arn": top.sim.create_key(MEMBER, REGION, aws_managed_alias=alias)}

    return setup


def _multi_az_cluster(top: Topology) -> dict[str, object]:
    return {"multi_az_cluster": True}


def _option_groups(top: Topology) -> dict[str, object]:
    top.sim.add_option_group(CENTRAL, DR_REGION, "APEX")
    return {"option_groups": ("TDE", "OEM", "APEX")}


def _no_destination_vault(top: Topology) -> dict[str, object]:
    top.api(CENTRAL).delete_backup_vault(BackupVaultName="central-vault")
    return {}


CASES = [
    Case("not in the organization", "RDS", _outside_org, failures.NOT_SAME_ORGANIZATION),
    Case("cross-account backup off", "RDS", _cross_account_off, failures.CROSS_ACCOUNT_DISABLED),
    Case(
        "single action off (RDS)",
        "RDS",
        _single_action_off,
        "Copy job from us-west-2 to us-east-1 cannot be initiated for RDS resources. "
        "Feature is not supported for provided resource type.",
        to_dr=True,
    ),
    Case(
        "single action off (Aurora)",
        "Aurora",
        _single_action_off,
        "Copy job from us-west-2 to us-east-1 cannot be initiated for Aurora resources. "
        "Feature is not supported for provided resource type.",
        to_dr=True,
    ),
    Case("no vault access policy", "RDS", _no_vault_policy, failures.VAULT_ACCESS_DENIED),
    Case(
        "policy for another account",
        "EFS",
        _policy_for_someone_else,
        "Access Denied trying to call AWS Backup service",
    ),
    Case(
        "destination vault uses aws/backup",
        "Neptune",
        _default_key_vault,
        failures.DEFAULT_VAULT_KEY,
    ),
    Case(
        "source key not shared (RDS)",
        "RDS",
        _unshared_key,
        "The source snapshot KMS key does not exist, is not enabled or you do not have "
        "permissions to access it",
    ),
    Case("source key not shared (EBS)", "EBS", _unshared_key, "Given key ID is not accessible"),
    Case(
        "AWS managed key (EC2 AMI)",
        "EC2",
        _aws_managed("aws/ebs"),
        "AMI snapshot copy failed with error: Given key ID is not accessible. You must have "
        "DescribeKey permissions on the default CMK",
    ),
    Case("AWS managed key (EBS)", "EBS", _aws_managed("aws/ebs"), "Given key ID is not accessible"),
    Case(
        "Multi-AZ DB cluster",
        "RDS",
        _multi_az_cluster,
        "Copying a Multi-AZ DB cluster snapshot is not supported.",
    ),
    Case(
        "option group missing in the destination Region",
        "RDS",
        _option_groups,
        "The snapshot requires a target option group with the following options: TDE, OEM.",
        to_dr=True,
    ),
    Case(
        "destination vault missing",
        "EFS",
        _no_destination_vault,
        "Copy job failed because backup vault "
        f"arn:aws:backup:us-west-2:{CENTRAL}:backup-vault:central-vault does not exist.",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_copy_that_breaks_a_rule_fails_with_its_message(
    case: Case, api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN a member recovery point and a scenario that breaks one rule
    options = case.setup(topology)
    key_arn = options.pop("key_arn", None)
    resource = topology.resource(case.resource_type, key_arn=key_arn, **options)  # type: ignore[arg-type]
    point = topology.recovery_point(resource)

    # WHEN the member starts the copy and the clock runs
    job_id = start_copy(point, topology.dr_vault if case.to_dr else None)
    topology.sim.run_until_idle()

    # THEN the job was created, ran, and failed with the documented message
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert (job["State"], job["StatusMessage"]) == ("FAILED", case.message)
    states = [
        e["detail"]["state"] for e in tap.drain() if e["detail-type"] == "Copy Job State Change"
    ]
    assert states == ["CREATED", "RUNNING", "FAILED"]
    assert tap.received[-1]["detail"]["statusMessage"] == case.message
    assert "DestinationRecoveryPointArn" not in job


def test_aws_managed_rds_key_names_the_key(
    topology: Topology, start_copy: StartCopy, api: Api
) -> None:
    # GIVEN an RDS snapshot encrypted with the account's aws/rds key
    key = topology.sim.create_key(MEMBER, REGION, aws_managed_alias="aws/rds")
    point = topology.recovery_point(topology.resource("RDS", key_arn=key))

    # WHEN it is copied to the central account
    job_id = start_copy(point)
    topology.sim.run_until_idle()

    # THEN RDS's own message names the key
    message = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]["StatusMessage"]
    assert message == (
        f"The source snapshot KMS key [{key}] does not exist, is not enabled or you do not have "
        "permissions to access it."
    )


@pytest.mark.parametrize(
    ("resource_type", "to_dr"),
    [("RDS", False), ("RDS", True), ("Aurora", True), ("EBS", False), ("EFS", True)],
)
def test_a_valid_copy_completes_into_the_destination_vault(
    resource_type: str, to_dr: bool, api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a member recovery point and a properly configured central vault
    point = topology.recovery_point(topology.resource(resource_type))
    destination, region = (
        (topology.dr_vault, DR_REGION) if to_dr else (topology.central_vault, REGION)
    )

    # WHEN the member copies it with a lifecycle
    job_id = start_copy(point, destination, Lifecycle={"DeleteAfterDays": 35})
    topology.sim.advance(timedelta(minutes=30))

    # THEN the job COMPLETED and the central account finds the copy in its vault
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "COMPLETED"
    assert job["AccountId"] == MEMBER
    copy_arn = job["DestinationRecoveryPointArn"]
    vault_name = destination.rsplit(":", 1)[1]
    central = api(CENTRAL, region=region)
    described = central.describe_recovery_point(
        BackupVaultName=vault_name, RecoveryPointArn=copy_arn
    )
    listed = central.list_recovery_points_by_backup_vault(BackupVaultName=vault_name)
    assert [p["RecoveryPointArn"] for p in listed["RecoveryPoints"]] == [copy_arn]
    assert described["SourceBackupVaultArn"] == topology.member_vault
    assert described["ResourceType"] == resource_type
    assert described["Lifecycle"] == {"DeleteAfterDays": 35}
    vault_key = central.describe_backup_vault(BackupVaultName=vault_name)["EncryptionKeyArn"]
    assert described["EncryptionKeyArn"] == vault_key == job["DestinationEncryptionKeyArn"]
    assert f":{region}:" in copy_arn or copy_arn.startswith(f"arn:aws:ec2:{region}::")


def test_recovery_point_arns_follow_the_documented_formats(topology: Topology, api: Api) -> None:
    # GIVEN one resource of each kind of ARN
    expected = {
        "RDS": rf"arn:aws:rds:{REGION}:{MEMBER}:snapshot:awsbackup:job-[0-9a-f-]{{36}}",
        "Aurora": rf"arn:aws:rds:{REGION}:{MEMBER}:cluster-snapshot:awsbackup:job-[0-9a-f-]{{36}}",
        "DocumentDB": rf"arn:aws:rds:{REGION}:{MEMBER}:cluster-snapshot:awsbackup:job-.{{36}}",
        "EBS": rf"arn:aws:ec2:{REGION}::snapshot/snap-[0-9a-f]{{17}}",
        "EC2": rf"arn:aws:ec2:{REGION}::image/ami-[0-9a-f]{{17}}",
        "EFS": rf"arn:aws:backup:{REGION}:{MEMBER}:recovery-point:[0-9a-f-]{{36}}",
        "DynamoDB": rf"arn:aws:backup:{REGION}:{MEMBER}:recovery-point:[0-9a-f-]{{36}}",
    }
    member = api(MEMBER)
    for resource_type, pattern in expected.items():
        # WHEN a backup job runs for it
        started = member.start_backup_job(
            BackupVaultName="member-vault",
            ResourceArn=topology.resource(resource_type),
            IamRoleArn=f"arn:aws:iam::{MEMBER}:role/backup",
        )
        # THEN its recovery point ARN has the documented format
        assert re.fullmatch(pattern, started["RecoveryPointArn"]), resource_type


def test_same_account_copy_of_a_snapshot_keeps_its_key(sim: Simulator, api: Api) -> None:
    # GIVEN an EBS snapshot in a central vault, and a second vault in the same account and region
    key = sim.create_key(CENTRAL, REGION)
    sim.create_vault(CENTRAL, REGION, "intermediate", sim.create_key(CENTRAL, REGION))
    standard = sim.create_vault(CENTRAL, REGION, "standard", sim.create_key(CENTRAL, REGION))
    volume = f"arn:aws:ec2:{REGION}:{CENTRAL}:volume/vol-0123456789abcdef0"
    sim.register_resource(CENTRAL, REGION, "EBS", volume, key)
    point = sim.put_recovery_point(
        f"arn:aws:backup:{REGION}:{CENTRAL}:backup-vault:intermediate", volume
    )

    # WHEN it is copied to the other vault (no vault policy needed in one account)
    job_id = api(CENTRAL).start_copy_job(
        RecoveryPointArn=point,
        SourceBackupVaultName="intermediate",
        DestinationBackupVaultArn=standard,
        IamRoleArn=f"arn:aws:iam::{CENTRAL}:role/backup",
    )["CopyJobId"]
    sim.run_until_idle()

    # THEN the copy completed and, not being fully managed, inherits its source's key
    job = api(CENTRAL).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "COMPLETED"
    assert job["DestinationEncryptionKeyArn"] == key


def test_a_refused_single_action_copy_can_be_an_api_error(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN single-action copies unsupported, refused by StartCopyJob itself
    topology.sim.settings.single_action_copy_types.clear()
    topology.sim.settings.single_action_refused_by = RefusedBy.API
    point = topology.recovery_point(topology.resource("Aurora"))
    # WHEN the member copies across account and Region in one action
    with pytest.raises(ClientError) as refused:
        start_copy(point, topology.dr_vault)
    # THEN the call fails with the message a failed job would carry, and no job exists
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidRequestException"
    assert error["Message"] == (
        "Copy job from us-west-2 to us-east-1 cannot be initiated for Aurora resources. "
        "Feature is not supported for provided resource type."
    )
    assert api(MEMBER).list_copy_jobs()["CopyJobs"] == []


def test_a_copy_keeps_its_sources_creation_date_and_lifecycle(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a member recovery point created three days before it is copied, with a lifecycle
    resource = topology.resource("Aurora")
    point = topology.sim.put_recovery_point(
        topology.member_vault, resource, lifecycle={"DeleteAfterDays": 35}
    )
    source = api(MEMBER).describe_recovery_point(
        BackupVaultName="member-vault", RecoveryPointArn=point
    )
    topology.sim.advance(timedelta(days=3))
    # WHEN it is copied to the central vault without a lifecycle of its own
    job_id = start_copy(point)
    topology.sim.run_until_idle()
    # THEN the copy has the source's creation date and retention, counted from that date
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    copy = api(CENTRAL).describe_recovery_point(
        BackupVaultName="central-vault", RecoveryPointArn=job["DestinationRecoveryPointArn"]
    )
    assert copy["CreationDate"] == source["CreationDate"]
    assert copy["CompletionDate"] == job["CompletionDate"] > source["CreationDate"]
    assert copy["Lifecycle"] == {"DeleteAfterDays": 35}
    deletes = copy["CalculatedLifecycle"]["DeleteAt"]
    assert deletes == source["CreationDate"] + timedelta(days=35)
