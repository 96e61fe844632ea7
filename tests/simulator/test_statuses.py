"""Ends other than COMPLETED, and the details AWS returns on the way: recovery points CREATING,
PARTIAL, DELETING, EXPIRED; StopBackupJob (ABORTING, ABORTED); PARTIAL backup and copy jobs;
PercentDone that moves; StatusMessage, EncryptionKeyType, InitiationDate; copies' ARNs."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.cloud import REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, EventTap, StartCopy, Topology

#: They read each job's events in order, once each: these tests opt out of best-effort delivery.
pytestmark = pytest.mark.exact_delivery

ROLE = f"arn:aws:iam::{MEMBER}:role/backup"


def _start_backup(api: Api, resource_arn: str, vault: str = "member-vault") -> dict[str, Any]:
    answer: dict[str, Any] = api(MEMBER).start_backup_job(
        BackupVaultName=vault, ResourceArn=resource_arn, IamRoleArn=ROLE
    )
    return answer


def _point(api: Api, arn: str, vault: str = "member-vault") -> dict[str, Any]:
    answer: dict[str, Any] = api(MEMBER).describe_recovery_point(
        BackupVaultName=vault, RecoveryPointArn=arn
    )
    return answer


def _error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return str(raised.value.response["Error"]["Code"])


def test_a_backups_recovery_point_is_creating_while_the_job_runs(
    api: Api, topology: Topology
) -> None:
    # GIVEN a member volume and a backup job for it
    started = _start_backup(api, topology.resource("EBS"))
    arn = started["RecoveryPointArn"]
    # (not in the vault before the job runs)
    assert _error(api(MEMBER).describe_recovery_point, BackupVaultName="member-vault",
                  RecoveryPointArn=arn) == "ResourceNotFoundException"  # fmt: skip

    # WHEN the job runs
    topology.sim.advance(timedelta(minutes=1))
    creating = _point(api, arn)
    listed = api(MEMBER).list_recovery_points_by_backup_vault(BackupVaultName="member-vault")
    topology.sim.advance(timedelta(minutes=10))
    completed = _point(api, arn)

    # THEN its point is CREATING (no completion date) while it runs, COMPLETED at its end
    assert creating["Status"] == "CREATING"
    assert "CompletionDate" not in creating
    assert [p["Status"] for p in listed["RecoveryPoints"]] == ["CREATING"]
    assert completed["Status"] == "COMPLETED"
    # AND InitiationDate is when the job started running, before its completion
    assert creating["InitiationDate"] == completed["InitiationDate"] < completed["CompletionDate"]


def test_percent_done_and_bytes_transferred_grow_while_a_backup_runs(
    api: Api, topology: Topology
) -> None:
    # GIVEN a backup job of a 3 GiB volume that runs for 10 minutes
    job_id = _start_backup(api, topology.resource("EBS"))["BackupJobId"]
    member = api(MEMBER)

    # WHEN it is described as it runs
    seen = []
    for minutes in (1, 5, 5):
        topology.sim.advance(timedelta(minutes=minutes))
        job = member.describe_backup_job(BackupJobId=job_id)
        seen.append((job["State"], job["PercentDone"], job["BytesTransferred"]))

    # THEN PercentDone (a string, as in the model) and BytesTransferred move with the clock
    size = 3_221_225_472
    assert seen == [
        ("RUNNING", "0.0", 0),
        ("RUNNING", "50.0", size // 2),
        ("COMPLETED", "100.0", size),
    ]


def test_stop_backup_job_aborts_the_job_and_its_recovery_point(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN a running backup of a member volume
    started = _start_backup(api, topology.resource("EBS"))
    job_id, arn = started["BackupJobId"], started["RecoveryPointArn"]
    topology.sim.advance(timedelta(minutes=3))
    member = api(MEMBER)

    # WHEN the member stops it
    member.stop_backup_job(BackupJobId=job_id)
    aborting = member.describe_backup_job(BackupJobId=job_id)
    topology.sim.advance(timedelta(minutes=1))
    aborted = member.describe_backup_job(BackupJobId=job_id)

    # THEN it is ABORTING, then ABORTED with the documented message
    assert aborting["State"] == "ABORTING"
    assert aborted["State"] == "ABORTED"
    assert aborted["StatusMessage"] == "Backup job was stopped by user."
    assert "CompletionDate" in aborted
    # AND the recovery point it was creating is gone
    assert _error(member.describe_recovery_point, BackupVaultName="member-vault",
                  RecoveryPointArn=arn) == "ResourceNotFoundException"  # fmt: skip
    # AND its last event is ABORTED, the quoted message as in the documented example
    events = [e for e in tap.drain() if e["detail"].get("backupJobId") == job_id]
    assert [e["detail"]["state"] for e in events] == ["CREATED", "RUNNING", "ABORTED"]
    assert events[-1]["detail"]["statusMessage"] == '"Backup job was stopped by user."'
    assert events[-1]["resources"] == []


def test_a_stopped_job_frees_its_resource_for_the_next(api: Api, topology: Topology) -> None:
    # GIVEN two backup jobs of one volume: the second waits in CREATED
    volume = topology.resource("EBS")
    first, second = (_start_backup(api, volume)["BackupJobId"] for _ in range(2))
    topology.sim.advance(timedelta(minutes=2))
    member = api(MEMBER)
    assert member.describe_backup_job(BackupJobId=second)["State"] == "CREATED"

    # WHEN the first is stopped
    member.stop_backup_job(BackupJobId=first)
    topology.sim.run_until_idle()

    # THEN the second runs and completes
    assert member.describe_backup_job(BackupJobId=second)["State"] == "COMPLETED"


def test_stop_backup_job_refuses_what_aws_cannot_stop(api: Api, topology: Topology) -> None:
    # GIVEN a database backup (RDS is on StopBackupJob's list of unsupported services), and a
    # finished volume backup
    member = api(MEMBER)
    database_job = _start_backup(api, topology.resource("RDS"))["BackupJobId"]
    volume_job = _start_backup(api, topology.resource("EBS"))["BackupJobId"]
    topology.sim.run_until_idle()

    # WHEN either is stopped, or a job that does not exist
    # THEN InvalidRequestException (modelled for StopBackupJob), or ResourceNotFoundException
    stop = member.stop_backup_job
    assert _error(stop, BackupJobId=database_job) == "InvalidRequestException"
    assert _error(stop, BackupJobId=volume_job) == "InvalidRequestException"
    assert _error(stop, BackupJobId="no-such-job") == "ResourceNotFoundException"


def test_a_partial_backup_leaves_a_partial_recovery_point(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN a scenario in which backups into the member vault end PARTIAL
    topology.sim.settings.partial_jobs.add(topology.member_vault)

    # WHEN a member volume is backed up
    started = _start_backup(api, topology.resource("EBS"))
    topology.sim.run_until_idle()

    # THEN the job is PARTIAL with a message, and so is its recovery point
    job = api(MEMBER).describe_backup_job(BackupJobId=started["BackupJobId"])
    point = _point(api, started["RecoveryPointArn"])
    assert job["State"] == "PARTIAL"
    assert job["StatusMessage"]
    assert point["Status"] == "PARTIAL"
    assert point["StatusMessage"]
    # AND its PARTIAL event names the recovery point, with the message quoted
    final = tap.drain()[-1]
    assert final["detail"]["state"] == "PARTIAL"
    assert final["resources"] == [started["RecoveryPointArn"]]
    assert final["detail"]["statusMessage"] == f'"{job["StatusMessage"]}"'


def test_a_partial_copy_lands_a_partial_recovery_point(
    api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN a scenario in which copies into the central vault end PARTIAL
    topology.sim.settings.partial_jobs.add(topology.central_vault)
    source = topology.recovery_point(topology.resource("EBS"))

    # WHEN a member copies a recovery point there
    job_id = start_copy(source)
    topology.sim.run_until_idle()

    # THEN the copy job is PARTIAL, with a message and the recovery point it landed
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "PARTIAL"
    assert job["StatusMessage"]
    landed = api(CENTRAL).describe_recovery_point(
        BackupVaultName="central-vault", RecoveryPointArn=job["DestinationRecoveryPointArn"]
    )
    assert landed["Status"] == "PARTIAL"
    assert landed["StatusMessage"]
    # AND its event has COMPLETED's keys plus FAILED's unquoted statusMessage
    final = tap.drain()[-1]["detail"]
    assert final["state"] == "PARTIAL"
    assert final["destinationRecoveryPointArn"] == job["DestinationRecoveryPointArn"]
    assert final["statusMessage"] == job["StatusMessage"]


def test_a_recovery_point_is_deleted_when_its_lifecycle_ends(api: Api, topology: Topology) -> None:
    # GIVEN a recovery point kept for 2 days, and one AWS Backup cannot delete
    sim: Simulator = topology.sim
    volume = topology.resource("EBS")
    kept = sim.put_recovery_point(topology.member_vault, volume, lifecycle={"DeleteAfterDays": 2})
    stuck = sim.put_recovery_point(topology.member_vault, volume, lifecycle={"DeleteAfterDays": 2})
    sim.settings.undeletable.add(stuck)
    # (waiting for the idle clock does not jump to the end of a lifecycle)
    sim.run_until_idle()
    assert _point(api, kept)["Status"] == "COMPLETED"

    # WHEN its DeleteAt passes on the virtual clock
    sim.advance(timedelta(days=2))
    deleting = _point(api, kept)
    expired = _point(api, stuck)
    sim.advance(sim.settings.durations.deletion)

    # THEN it is DELETING, then gone; the other stays EXPIRED, saying why
    assert deleting["Status"] == "DELETING"
    assert _error(api(MEMBER).describe_recovery_point, BackupVaultName="member-vault",
                  RecoveryPointArn=kept) == "ResourceNotFoundException"  # fmt: skip
    assert expired["Status"] == "EXPIRED"
    assert expired["StatusMessage"]
    assert _point(api, stuck)["Status"] == "EXPIRED"


def test_a_shorter_lifecycle_moves_the_deletion(api: Api, topology: Topology) -> None:
    # GIVEN a recovery point kept for 35 days
    sim = topology.sim
    arn = sim.put_recovery_point(
        topology.member_vault, topology.resource("EBS"), lifecycle={"DeleteAfterDays": 35}
    )

    # WHEN its owner shortens the lifecycle to 1 day and a day passes
    api(MEMBER).update_recovery_point_lifecycle(
        BackupVaultName="member-vault", RecoveryPointArn=arn, Lifecycle={"DeleteAfterDays": 1}
    )
    sim.advance(timedelta(days=1))

    # THEN AWS Backup deletes it then
    assert _point(api, arn)["Status"] == "DELETING"


def test_encryption_key_type_says_who_manages_the_key(api: Api, topology: Topology) -> None:
    # GIVEN a volume encrypted with the member's customer managed key, and a file system whose
    # (fully managed) backups take the member vault's AWS managed key aws/backup
    sim = topology.sim
    volume_point = sim.put_recovery_point(topology.member_vault, topology.resource("EBS"))
    files_point = sim.put_recovery_point(topology.member_vault, topology.resource("EFS"))

    # WHEN they are described
    volume, files = _point(api, volume_point), _point(api, files_point)

    # THEN the customer managed key says so; the AWS managed key (neither type) is not typed
    assert volume["EncryptionKeyType"] == "CUSTOMER_MANAGED_KMS_KEY"
    assert "EncryptionKeyType" not in files
    assert files["EncryptionKeyArn"]


@pytest.mark.parametrize(
    ("resource_type", "form"),
    [
        ("RDS", r"arn:aws:rds:{region}:{account}:snapshot:awsbackup:copyjob-{job}"),
        ("Aurora", r"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:copyjob-{job}"),
        ("Neptune", r"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:copyjob-{job}"),
        ("EBS", r"arn:aws:ec2:{region}::snapshot/snap-[0-9a-f]{{17}}"),
        ("EFS", r"arn:aws:backup:{region}:{account}:recovery-point:[0-9a-f-]{{36}}"),
    ],
)
def test_a_copys_recovery_point_arn_has_its_types_form(
    api: Api, topology: Topology, start_copy: StartCopy, resource_type: str, form: str
) -> None:
    # GIVEN a member recovery point of the type
    source = topology.recovery_point(topology.resource(resource_type))

    # WHEN it is copied into the central vault
    job_id = start_copy(source)
    topology.sim.run_until_idle()

    # THEN the copy has the form AWS gives copies of that type, in the central account, and is
    # a new recovery point
    job = api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]
    central = topology.central_vault.split(":")[4]
    expected = form.format(region=REGION, account=central, job=re.escape(job_id.lower()))
    assert re.fullmatch(expected, job["DestinationRecoveryPointArn"])
    assert job["DestinationRecoveryPointArn"] != source
