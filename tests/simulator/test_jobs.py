"""Job semantics: backups, one job per resource, the copy quota, idempotency, ListCopyJobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from moto.core.base_backend import BackendDict

from backup_relay_sandbox.backup_sim import Simulator, simulator
from backup_relay_sandbox.cloud import DR_REGION, MEMBER_ACCOUNTS, REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, EventTap, StartCopy, Topology

#: They read each job's events in order, once each: these tests opt out of best-effort delivery.
pytestmark = pytest.mark.exact_delivery

ROLE = f"arn:aws:iam::{MEMBER}:role/backup"


def _state(api: Api, job_id: str) -> str:
    return str(api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"])


def test_a_backup_job_creates_its_recovery_point(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN a registered member database
    database = topology.resource("RDS")
    member = api(MEMBER)

    # WHEN the member starts a backup job and the clock runs past its duration
    started = member.start_backup_job(
        BackupVaultName="member-vault", ResourceArn=database, IamRoleArn=ROLE
    )
    job_id = started["BackupJobId"]
    assert member.describe_backup_job(BackupJobId=job_id)["State"] == "CREATED"
    topology.sim.advance(timedelta(minutes=5))
    assert member.describe_backup_job(BackupJobId=job_id)["State"] == "RUNNING"
    topology.sim.advance(timedelta(minutes=10))

    # THEN it COMPLETED, its recovery point is in the vault, and its events told so in order
    job = member.describe_backup_job(BackupJobId=job_id)
    assert (job["State"], job["PercentDone"]) == ("COMPLETED", "100.0")
    point = member.describe_recovery_point(
        BackupVaultName="member-vault", RecoveryPointArn=started["RecoveryPointArn"]
    )
    assert (point["Status"], point["ResourceArn"]) == ("COMPLETED", database)
    assert point["EncryptionKeyArn"] == topology.member_key  # RDS keeps its own encryption
    events = tap.drain()
    assert [(e["detail"]["state"], e["time"]) for e in events] == [
        ("CREATED", "2026-11-21T22:00:00Z"),
        ("RUNNING", "2026-11-21T22:01:00Z"),
        ("COMPLETED", "2026-11-21T22:11:00Z"),
    ]
    assert all((e["account"], e["region"]) == (MEMBER, REGION) for e in events)


def test_a_backup_into_a_missing_vault_fails_with_the_documented_message(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN a resource and a vault name that does not exist
    database = topology.resource("RDS")

    # WHEN a backup job is started into it
    job_id = api(MEMBER).start_backup_job(
        BackupVaultName="nowhere", ResourceArn=database, IamRoleArn=ROLE
    )["BackupJobId"]
    topology.sim.run_until_idle()

    # THEN it fails; the event quotes the message as AWS does
    vault = f"arn:aws:backup:{REGION}:{MEMBER}:backup-vault:nowhere"
    message = f"Backup job failed because backup vault {vault} does not exist."
    assert api(MEMBER).describe_backup_job(BackupJobId=job_id)["StatusMessage"] == message
    assert tap.drain()[-1]["detail"]["statusMessage"] == f'"{message}"'


def test_one_job_per_resource_the_next_waits_in_created(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN two recovery points of one resource
    resource = topology.resource("EFS")
    first_point, second_point = topology.recovery_point(resource), topology.recovery_point(resource)

    # WHEN both are copied at once
    first, second = start_copy(first_point), start_copy(second_point)
    topology.sim.advance(timedelta(minutes=5))

    # THEN the second waits in CREATED while the first runs, and runs once it has ended
    assert (_state(api, first), _state(api, second)) == ("RUNNING", "CREATED")
    topology.sim.advance(timedelta(minutes=17))  # first completes at 22:21
    assert (_state(api, first), _state(api, second)) == ("COMPLETED", "RUNNING")
    topology.sim.run_until_idle()
    assert _state(api, second) == "COMPLETED"


def test_a_backup_waiting_past_its_start_window_expires(
    api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN a long copy job holding the resource
    resource = topology.resource("EFS")
    copy_id = start_copy(topology.recovery_point(resource))
    topology.sim.delay_completion(copy_id, timedelta(hours=10))

    # WHEN a backup of the same resource is started with a 60-minute start window
    job_id = api(MEMBER).start_backup_job(
        BackupVaultName="member-vault", ResourceArn=resource, IamRoleArn=ROLE, StartWindowMinutes=60
    )["BackupJobId"]
    topology.sim.advance(timedelta(hours=2))

    # THEN the backup EXPIRED with the documented message while the copy kept running
    job = api(MEMBER).describe_backup_job(BackupJobId=job_id)
    message = "Backup job failed because there was a running job for the same resource."
    assert (job["State"], job["StatusMessage"]) == ("EXPIRED", message)
    assert _state(api, copy_id) == "RUNNING"
    expired = [e for e in tap.drain() if e["detail"]["state"] == "EXPIRED"]
    assert expired[0]["detail"]["statusMessage"] == f'"{message}"'


def test_copy_quota_raises_limit_exceeded_at_quota_plus_one(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a quota of 2 concurrent copies per account per destination Region
    topology.sim.settings.copy_quota = 2
    points = [topology.recovery_point(topology.resource("EFS")) for _ in range(4)]

    # WHEN three in-Region copies are started at once
    start_copy(points[0])
    start_copy(points[1])
    with pytest.raises(ClientError) as raised:
        start_copy(points[2])

    # THEN the third is rejected with LimitExceededException, and accepted once the others end
    assert raised.value.response["Error"]["Code"] == "LimitExceededException"
    assert len(topology.sim.copy_jobs) == 2
    topology.sim.run_until_idle()
    assert _state(api, start_copy(points[3])) == "CREATED"


def test_past_the_quota_cross_region_copies_may_use_a_quiet_vault(
    sim: Simulator, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a quota of 2, and 1 more cross-Region copy per destination vault beyond it (fn1)
    sim.settings.copy_quota, sim.settings.extra_cross_region_copies_per_vault = 2, 1
    other_vault = sim.create_vault(
        CENTRAL, DR_REGION, "other-dr-vault", sim.create_key(CENTRAL, DR_REGION)
    )
    sim.allow_copy_into(CENTRAL, DR_REGION, "other-dr-vault")
    points = [topology.recovery_point(topology.resource("EFS")) for _ in range(5)]
    start_copy(points[0], topology.dr_vault)
    start_copy(points[1], topology.dr_vault)

    # WHEN more cross-Region copies follow
    # THEN the busy vault refuses, the quiet one takes one, then refuses too
    with pytest.raises(ClientError, match="LimitExceededException"):
        start_copy(points[2], topology.dr_vault)
    start_copy(points[3], other_vault)
    with pytest.raises(ClientError, match="LimitExceededException"):
        start_copy(points[4], other_vault)


def test_the_quota_applies_to_fully_managed_types_unless_told_otherwise(
    sim: Simulator, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a quota of 1 and RDS snapshots (not fully managed: fn2 exempts them)
    sim.settings.copy_quota = 1
    points = [topology.recovery_point(topology.resource("RDS")) for _ in range(3)]

    # WHEN copies exceed it
    start_copy(points[0])
    start_copy(points[1])

    # THEN they are accepted, until the scenario applies the quota to every type
    sim.settings.quota_fully_managed_only = False
    with pytest.raises(ClientError, match="LimitExceededException"):
        start_copy(points[2])


def test_the_same_idempotency_token_returns_the_same_job(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a recovery point
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN StartCopyJob is called twice with one token, and once with another
    first = start_copy(point, IdempotencyToken="token-1")
    again = start_copy(point, IdempotencyToken="token-1")
    other = start_copy(point, IdempotencyToken="token-2")

    # THEN the repeat returns the first job and creates none
    assert first == again != other
    assert len(api(MEMBER).list_copy_jobs()["CopyJobs"]) == 2


def test_list_copy_jobs_filters_and_pages(
    api: Api, sim: Simulator, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN three copies: RDS to the central vault (completes), EFS to DR (fails), RDS later
    rds = topology.resource("RDS")
    rds_point = topology.recovery_point(rds)
    completed = start_copy(rds_point)
    sim.allow_copy_into(CENTRAL, DR_REGION, "central-dr-vault", from_accounts=[MEMBER_ACCOUNTS[1]])
    failed = start_copy(topology.recovery_point(topology.resource("EFS")), topology.dr_vault)
    sim.run_until_idle()
    cutoff = sim.now
    sim.advance(timedelta(minutes=1))
    running = start_copy(topology.recovery_point(rds))
    sim.advance(timedelta(minutes=2))
    member = api(MEMBER)

    def ids(**filters: object) -> set[str]:
        return {j["CopyJobId"] for j in member.list_copy_jobs(**filters)["CopyJobs"]}

    # WHEN the member lists with each filter / THEN each narrows as documented
    assert ids() == {completed, failed, running}
    assert ids(ByState="COMPLETED") == {completed}
    assert ids(ByState="FAILED") == {failed}
    assert ids(ByResourceArn=rds) == {completed, running}
    assert ids(ByResourceType="EFS") == {failed}
    assert ids(ByDestinationVaultArn=topology.dr_vault) == {failed}
    assert ids(BySourceRecoveryPointArn=rds_point) == {completed}
    assert ids(ByCreatedAfter=cutoff) == {running}
    assert ids(ByCreatedBefore=cutoff) == {completed, failed}
    assert ids(ByCompleteBefore=sim.now) == {completed, failed}
    assert ids(ByMessageCategory="AccessDenied") == {failed}
    assert ids(ByAccountId=MEMBER) == {completed, failed, running}
    assert ids(ByAccountId=CENTRAL) == set()  # a member sees only its own jobs
    assert len(api(CENTRAL).list_copy_jobs(ByAccountId=MEMBER)["CopyJobs"]) == 3  # management
    assert api(CENTRAL).list_copy_jobs()["CopyJobs"] == []
    pages, token = [], None
    while True:
        page = member.list_copy_jobs(MaxResults=2, **({"NextToken": token} if token else {}))
        pages.append([j["CopyJobId"] for j in page["CopyJobs"]])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [2, 1]
    assert pages[0][0] == running  # newest first


def test_copies_are_reported_in_the_source_account_and_region(
    api: Api, topology: Topology, start_copy: StartCopy, tap: EventTap
) -> None:
    # GIVEN a member snapshot copied to the central DR vault (cross-account and cross-region)
    point = topology.recovery_point(topology.resource("Aurora"))

    # WHEN the copy runs to completion
    start_copy(point, topology.dr_vault)
    topology.sim.run_until_idle()

    # THEN every event was emitted in the member account and region, none in the central one
    copies = [e for e in tap.drain() if e["detail-type"] == "Copy Job State Change"]
    assert [e["detail"]["state"] for e in copies] == ["CREATED", "RUNNING", "COMPLETED"]
    assert {(e["account"], e["region"]) for e in copies} == {(MEMBER, REGION)}


def test_a_new_moto_session_starts_a_fresh_simulator(sim: Simulator, topology: Topology) -> None:
    # GIVEN a simulator with state in this moto session
    topology.recovery_point(topology.resource("EFS"))
    assert simulator() is sim
    assert sim.recovery_points

    # WHEN moto resets its backends, as it does whenever a mock_aws session starts
    BackendDict.reset()

    # THEN the session has a simulator of its own, empty
    fresh = simulator()
    assert fresh is not sim
    assert not fresh.recovery_points
