"""Ends other than COMPLETED, end to end: stopped and PARTIAL backups reach the ledger as such, a
PARTIAL copy fails its hop, reconcile leaves recovery points that are not COMPLETED alone; and
the details plan-started jobs carry (createdBy) on the way."""

from __future__ import annotations

from backup_relay_sandbox.backup_sim.model import JobState
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.organization import (
    CENTRAL_VAULT,
    CENTRAL_VAULT_ARN,
    DR_VAULT_ARN,
    Organization,
)

MEMBER = MEMBER_ACCOUNTS[0]


def _job_state(org: Organization, kind: str, job_id: str) -> dict[str, str]:
    item = org.ledger_item(f"JOB#{kind}#{job_id}", "STATE")
    assert item is not None, f"no STATE for {kind} {job_id}"
    return item


def test_a_stopped_and_a_partial_backup_are_recorded_as_such(moto: None) -> None:
    # GIVEN two backups of a member volume: the first will end PARTIAL, the second waits
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("EBS",))
    points = [org.backup(MEMBER, "EBS") for _ in range(2)]
    partial, stopped = (
        next(j for j in org.sim.backup_jobs.values() if j.recovery_point_arn == point)
        for point in points
    )
    org.sim.settings.partial_jobs.add(partial.job_id)

    # WHEN the member stops the second and the events reach the relay
    org.backup_client(MEMBER).stop_backup_job(BackupJobId=stopped.job_id)
    org.settle()

    # THEN the ledger holds each job in the state AWS ended it in, with AWS's message
    assert (partial.state, stopped.state) == (JobState.PARTIAL, JobState.ABORTED)
    partial_item = _job_state(org, "BACKUP", partial.job_id)
    stopped_item = _job_state(org, "BACKUP", stopped.job_id)
    assert partial_item["state"] == "PARTIAL"
    assert partial_item["status_message"] == partial.status_message
    assert stopped_item["state"] == "ABORTED"
    assert stopped_item["status_message"] == "Backup job was stopped by user."


def test_a_partial_copy_fails_its_hop_saying_it_was_partial(moto: None) -> None:
    # GIVEN an Aurora cluster whose copies into the DR vault end PARTIAL (the chain's hop 2)
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",))
    org.sim.settings.partial_jobs.add(DR_VAULT_ARN)
    point = org.backup(MEMBER, "Aurora")
    org.settle()

    # WHEN the plan copies it to the central vault and the chain takes it to the DR vault
    org.plan_copy(MEMBER, point, CENTRAL_VAULT_ARN)
    org.settle()

    # THEN the hop's copy ended PARTIAL with a recovery point, yet the chain FAILED, its cause
    # saying the copy was PARTIAL, with AWS's message
    [to_dr] = org.copy_jobs(to_vault=DR_VAULT_ARN)
    assert to_dr.state is JobState.PARTIAL
    assert to_dr.destination_recovery_point_arn
    [execution] = org.executions()
    assert execution["status"] == "FAILED"
    cause = org.execution(execution["name"])["cause"]
    assert "PARTIAL" in cause
    assert to_dr.status_message in cause
    record = org.chain_record(execution["name"])
    assert record is not None
    assert record["state"] == "FAILED"


def test_plan_started_jobs_carry_the_plans_created_by(moto: None) -> None:
    # GIVEN a member whose backup plan backs up its volume and copies it to the central vault
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("EBS",))
    point = org.backup(MEMBER, "EBS")
    org.settle()
    org.plan_copy(MEMBER, point, CENTRAL_VAULT_ARN)
    org.settle()

    # WHEN their jobs, events and the copy's recovery point are read
    member = org.backup_client(MEMBER)
    [backup] = member.list_backup_jobs()["BackupJobs"]
    [copy] = member.list_copy_jobs()["CopyJobs"]
    landed = client("backup", REGION, CENTRAL_ACCOUNT).describe_recovery_point(
        BackupVaultName=CENTRAL_VAULT, RecoveryPointArn=copy["DestinationRecoveryPointArn"]
    )
    events = [e.event for e in org.sim.emitted if e.state != "CREATED"]

    # THEN each names the plan and its rule: BackupRuleId in the API, backupPlanRuleId in events
    plan = org.plans[MEMBER]
    for created_by in (backup["CreatedBy"], copy["CreatedBy"], landed["CreatedBy"]):
        assert created_by["BackupPlanId"] == plan.backup_plan_id
        assert created_by["BackupRuleId"] == plan.backup_rule_id
    assert events
    for event in events:
        assert event["detail"]["createdBy"]["backupPlanRuleId"] == plan.backup_rule_id
