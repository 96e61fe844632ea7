"""The copy chain end to end in the sandbox: the real template, member stack, rules, handlers and
ASL (in moto's interpreter) around the AWS Backup simulator."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest

from backup_relay.copy_chain.bring_back import TargetNotAllowed
from backup_relay.copy_chain.decisions import FEATURE_NOT_SUPPORTED
from backup_relay.domain.chain import chain_id_for
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, DB_SNAPSHOTS, quota_group
from backup_relay_sandbox import functions
from backup_relay_sandbox.backup_sim import EmittedEvent, Faults, RefusedBy
from backup_relay_sandbox.backup_sim.model import JobState
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.organization import (
    CENTRAL_VAULT,
    CENTRAL_VAULT_ARN,
    DATABASE_TYPES,
    DR_VAULT_ARN,
    MEMBER_VAULT,
    Organization,
    vault_arn,
)
from tests.support.chain import landed_in_central, lose_the_chains_completions, max_overlap, night
from tests.support.lambda_events import ledger_items

CENTRAL, DR = CENTRAL_VAULT_ARN, DR_VAULT_ARN
MEMBER = MEMBER_ACCOUNTS[0]


def test_databases_from_two_members_reach_dr_in_two_hops_and_ebs_in_one(moto: None) -> None:
    # GIVEN two member accounts with an RDS, Aurora, DocumentDB, Neptune and EBS resource each
    org = Organization.build()
    # WHEN a night of backups and backup-plan copies runs
    night(org)
    # THEN every database recovery point went member -> central vault (hop 1, the plan's copy)
    landed = landed_in_central(org)
    assert Counter(job.resource.resource_type for job in landed) == dict.fromkeys(DATABASE_TYPES, 2)
    # AND from there one chain each took it on to the DR vault (hop 2, by backup-relay)
    executions = org.executions()
    assert [e["status"] for e in executions] == ["SUCCEEDED"] * 8
    to_dr = org.completed_copies_into(DR)
    chained = [job for job in to_dr if job.account == CENTRAL_ACCOUNT]
    assert sorted(job.source_recovery_point_arn for job in chained) == sorted(
        job.destination_recovery_point_arn for job in landed
    )
    # AND EBS went straight to DR in its one copy job, with no chain
    direct = [job for job in to_dr if job.account != CENTRAL_ACCOUNT]
    assert Counter(job.resource.resource_type for job in direct) == {"EBS": 2}
    # AND the ledger holds each chain COMPLETED with its hop
    for job in landed:
        chain_id = chain_id_for(job.destination_recovery_point_arn or "", DR)
        record = org.chain_record(chain_id)
        assert record is not None
        assert record["state"] == "COMPLETED"
        assert [hop["kind"] for hop in org.hops(chain_id)] == ["cross-region"]
        hop = org.ledger_item(f"CHAIN#{chain_id}", "HOP#00")
        assert hop is not None
        assert hop["state"] == "COMPLETED"


def test_duplicated_events_start_one_copy_job_per_hop(moto: None) -> None:
    # GIVEN AWS delivers every job event twice
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora", "Neptune"))
    org.sim.faults.duplicate_share = 1.0
    # WHEN the night runs
    night(org)
    # THEN each landed recovery point was copied to DR exactly once, by one execution
    chained = [job for job in org.copy_jobs(to_vault=DR) if job.account == CENTRAL_ACCOUNT]
    assert Counter(job.source_recovery_point_arn for job in chained) == {
        job.destination_recovery_point_arn: 1 for job in landed_in_central(org)
    }
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"] * 2


def test_a_night_of_late_batched_reordered_and_redelivered_events_completes_every_chain(
    moto: None,
) -> None:
    # GIVEN AWS delivers events late (up to 20 min), in 5-minute batches, out of order (a RUNNING
    # after its COMPLETED), twice at once and again up to 2 hours later, from a fixed seed
    org = Organization.build()
    org.sim.faults = Faults(
        seed=9,
        duplicate_share=0.1,
        delay_share=0.3,
        max_delay=timedelta(minutes=20),
        batch_every=timedelta(minutes=5),
        reorder_share=0.3,
        late_duplicate_share=0.2,
        late_duplicate_after=(timedelta(minutes=30), timedelta(hours=2)),
    )
    # WHEN the night runs
    night(org)
    # THEN the faults happened...
    deliveries = Counter(e.event["id"] for e in org.sim.emitted)
    assert max(deliveries.values()) >= 2
    assert any(e.delivered_at and e.delivered_at > _changed_at(e) for e in org.sim.emitted)
    # ...every chain completed, with one copy job per hop, and every copy reached DR
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"] * 8
    hops = Counter((j.source_recovery_point_arn, j.destination_vault_arn) for j in org.copy_jobs())
    assert set(hops.values()) == {1}
    assert len(org.completed_copies_into(DR)) == len(org.resources)
    # ...each (job, state) was recorded once, and each job's state is where AWS left it
    events = [i for i in ledger_items(org.central) if i["sk"].startswith("EVENT#")]
    recorded = Counter((i["pk"], i["state"]) for i in events)
    assert set(recorded.values()) == {1}
    assert len(recorded) == len({(e.job_id, e.state) for e in org.sim.emitted})
    states = {i["pk"]: i["state"] for i in ledger_items(org.central) if i["sk"] == "STATE"}
    jobs = {**org.sim.backup_jobs, **org.sim.copy_jobs}
    kinds = {job_id: "BACKUP" if job_id in org.sim.backup_jobs else "COPY" for job_id in jobs}
    assert states == {f"JOB#{kinds[i]}#{i}": job.state.value for i, job in jobs.items()}


def _changed_at(delivered: EmittedEvent) -> datetime:
    return datetime.fromisoformat(delivered.event["time"])


def test_final_events_that_come_after_polling_moved_the_chain_on_change_nothing(
    moto: None,
) -> None:
    # GIVEN hops that poll after 2 s, and every COMPLETED event delivered 6 hours late (the
    # virtual clock runs faster than the real seconds a hop waits: 72 steps of at least 0.05 s)
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("Neptune",), wait_timeout_seconds=2
    )
    org.sim.faults = Faults(delay={("*", "COMPLETED"): timedelta(hours=6)})
    # WHEN the night runs, and the chain's copy events arrive long after its hops polled
    night(org, types=("Neptune",))
    # THEN the chain (central vault -> DR) completed once, with one copy job, its hop COMPLETED
    [execution] = org.executions()
    assert execution["status"] == "SUCCEEDED"
    [chain_job] = [job for job in org.copy_jobs() if job.account == CENTRAL_ACCOUNT]
    hop = org.ledger_item(f"CHAIN#{execution['name']}", "HOP#00")
    assert hop is not None
    assert hop["state"] == "COMPLETED"
    # AND the poll claimed the hop's wait, so the late COMPLETED event resumed nothing
    wait = org.ledger_item(f"COPYJOB#{chain_job.job_id}", "WAIT")
    assert wait is not None
    assert "resumed_at" in wait
    late = [e for e in org.sim.emitted if e.job_id == chain_job.job_id and e.state == "COMPLETED"]
    assert late
    claimed_at = datetime.fromisoformat(wait["resumed_at"])
    assert all(e.delivered_at and e.delivered_at > claimed_at for e in late)


def test_a_lost_completion_event_is_recovered_by_polling(moto: None) -> None:
    # GIVEN the chain's DR copy never gets its COMPLETED event delivered; hops poll after 2 s
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("DocumentDB",), wait_timeout_seconds=2
    )
    lose_the_chains_completions(org)
    # WHEN the night runs
    night(org)
    # THEN the hop asked DescribeCopyJob and the chain completed all the same
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"]
    assert len(org.completed_copies_into(DR)) == 1
    assert org.sim.lost


def test_the_concurrency_cap_is_never_exceeded(moto: None) -> None:
    # GIVEN at most 2 concurrent copies per account, destination region and quota group, and
    # 8 chains (2 members x RDS, Aurora, DocumentDB, Neptune)
    org = Organization.build(MaxConcurrentCopies="2")
    # WHEN the night runs
    night(org)
    # THEN all 8 chains completed, never more than 2 copy jobs of one quota group at once
    chained = [job for job in org.copy_jobs(to_vault=DR) if job.account == CENTRAL_ACCOUNT]
    assert len(chained) == 8
    assert all(job.state is JobState.COMPLETED for job in chained)
    by_group = {
        group: [job for job in chained if quota_group(job.resource.resource_type) is group]
        for group in (DB_SNAPSHOTS, CLUSTER_SNAPSHOTS)
    }
    assert [len(jobs) for jobs in by_group.values()] == [2, 6]
    assert all(max_overlap(jobs) <= 2 for jobs in by_group.values())
    # AND the cluster snapshot group did use its 2 (the cap binds, it is not idle)
    assert max_overlap(by_group[CLUSTER_SNAPSHOTS]) == 2


def test_by_default_cluster_snapshot_copies_stay_within_awss_quota(moto: None) -> None:
    # GIVEN the default MaxConcurrentCopies (AWS's quotas alone), and more Aurora, DocumentDB
    # and Neptune chains than their shared slot admits (2 members x 3 engines = 6 > 5)
    org = Organization.build()
    # WHEN the night runs
    night(org, types=("Aurora", "DocumentDB", "Neptune"))
    # THEN all 6 completed, never more of their copies at once than the cluster snapshots' cap
    chained = [job for job in org.copy_jobs(to_vault=DR) if job.account == CENTRAL_ACCOUNT]
    assert len(chained) == 6
    assert all(job.state is JobState.COMPLETED for job in chained)
    assert max_overlap(chained) <= CLUSTER_SNAPSHOTS.cap


def test_throttled_start_copy_job_calls_are_retried_until_every_chain_completes(
    moto: None,
) -> None:
    # GIVEN AWS Backup throttles the first 7 StartCopyJob calls (more than boto3's own retries)
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("RDS", "Aurora"))
    points = {key: org.backup(*key) for key in org.resources}
    org.settle()
    for (account, _), point in points.items():
        org.plan_copy(account, point, CENTRAL)
    org.sim.faults.throttle_calls = set(range(1, 8))  # the chain's (the plan's are not calls)
    org.settle()
    # THEN every chain still completed
    assert org.sim.faults.start_copy_job_calls > 4
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"] * 2


def test_throttled_and_unavailable_reads_and_lifecycle_updates_are_retried(moto: None) -> None:
    # GIVEN hops that poll after 2 s, intermediate retention on, and AWS refusing most
    # DescribeCopyJob, DescribeRecoveryPoint and UpdateRecoveryPointLifecycle calls (throttled
    # or briefly unavailable), more often than boto3's own retries can absorb
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1],
        resource_types=("Aurora", "RDS"),
        wait_timeout_seconds=2,
        IntermediateRetentionDays="3",
    )
    lose_the_chains_completions(org)  # so every hop asks DescribeCopyJob
    operations = ("describe_copy_job", "describe_recovery_point", "update_recovery_point_lifecycle")
    org.sim.faults.api_throttle_share = dict.fromkeys(operations, 0.5)
    org.sim.faults.api_unavailable_share = dict.fromkeys(operations, 0.3)
    # WHEN the night runs
    night(org, types=("Aurora", "RDS"))
    # THEN every chain completed and shortened its intermediate copy all the same
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"] * 2
    for landed in landed_in_central(org):
        copy = org.sim.recovery_points[landed.destination_recovery_point_arn or ""]
        assert copy.lifecycle is not None


def test_a_failed_hop_ends_the_chain_failed_with_the_copy_jobs_message(moto: None) -> None:
    # GIVEN an RDS instance whose option group the DR region lacks
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=())
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
    org.sim.add_option_group(CENTRAL_ACCOUNT, REGION, "APEX")
    # WHEN the night runs
    night(org, types=("RDS",))
    # THEN the chain failed, with AWS's message as its cause, in the execution and the ledger
    [execution] = org.executions()
    assert execution["status"] == "FAILED"
    described = org.execution(execution["name"])
    assert described["cause"].startswith("The snapshot requires a target option group")
    record = org.chain_record(execution["name"])
    assert record is not None
    assert record["state"] == "FAILED"
    assert record["reason"] == described["cause"]


def _bring_back(org: Organization, point: str) -> dict[str, object]:
    result: dict[str, object] = org.central.functions["BringBackFunction"](
        {
            "recovery_point_arn": point,
            "to_account": MEMBER,
            "to_region": REGION,
            "to_vault": MEMBER_VAULT,
        }
    )
    return result


def test_bring_back_lands_the_dr_copy_in_the_member_vault(moto: None) -> None:
    # GIVEN an Aurora recovery point that reached the DR vault, in a deployment whose DR region
    # keeps its copy job events (no DrEventsHomeRegion): a hop out of the DR vault polls
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1],
        resource_types=("Aurora",),
        wait_timeout_seconds=2,
        dr_events_forwarded=False,
    )
    night(org, types=("Aurora",))
    [at_dr] = org.completed_copies_into(DR)
    # WHEN an operator brings it back to the member account
    answer = _bring_back(org, at_dr.destination_recovery_point_arn or "")
    org.settle()
    # THEN it went DR -> central vault of the member's region -> member vault
    assert answer["started"] is True
    member_vault = vault_arn(MEMBER, REGION, MEMBER_VAULT)
    [back] = org.completed_copies_into(member_vault)
    assert back.account == CENTRAL_ACCOUNT
    assert back.source_vault_arn == CENTRAL
    assert sorted(e["status"] for e in org.executions()) == ["SUCCEEDED", "SUCCEEDED"]


def test_bring_back_s_first_hop_in_the_dr_region_is_resumed_by_its_forwarded_event(
    moto: None,
) -> None:
    # GIVEN an Aurora DR copy, the DR region's vaults stack forwarding its copy job events to the
    # central stack's region (DrEventsHomeRegion, DrEventsForwarded), and hops that would poll
    # only after an hour
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",), wait_timeout_seconds=3600
    )
    night(org, types=("Aurora",))
    [at_dr] = org.completed_copies_into(DR)
    seen = len(functions.LOGS)
    # WHEN an operator brings it back
    answer = _bring_back(org, at_dr.destination_recovery_point_arn or "")
    org.settle()
    # THEN the first hop (DR vault -> central vault) ran in the DR region and ingest resumed it
    # with its event, which reached the home region's default bus naming the DR region
    assert answer["started"] is True
    [first] = [job for job in org.completed_copies_into(CENTRAL) if job.source_vault_arn == DR]
    assert (first.account, first.region) == (CENTRAL_ACCOUNT, DR_REGION)
    ingested = [json.loads(line) for line in functions.LOGS[seen:] if line.startswith("{")]
    resumed = [
        r for r in ingested if f"resumed hop of copy job {first.job_id}" in r.get("actions", [])
    ]
    assert [(r["account"], r["state"]) for r in resumed] == [(CENTRAL_ACCOUNT, "COMPLETED")]
    # AND the bring-back reached the member vault without any hop polling
    assert org.completed_copies_into(vault_arn(MEMBER, REGION, MEMBER_VAULT))
    assert sorted(e["status"] for e in org.executions()) == ["SUCCEEDED", "SUCCEEDED"]


def test_bring_back_without_the_member_vaults_policy_fails_naming_the_vault(moto: None) -> None:
    # GIVEN an Aurora DR copy, and a member vault whose access policy was removed (the documented
    # one lets the central account copy in)
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",), wait_timeout_seconds=2
    )
    night(org, types=("Aurora",))
    [at_dr] = org.completed_copies_into(DR)
    org.sim.delete_vault_access_policy(MEMBER, REGION, MEMBER_VAULT)
    # WHEN the operator brings it back
    answer = _bring_back(org, at_dr.destination_recovery_point_arn or "")
    org.settle()
    # THEN the chain failed on the hop into the member vault, with AWS's message, and the ledger
    # names that hop's vaults
    chain = answer["chain"]
    assert isinstance(chain, dict)
    record = org.chain_record(str(chain["chain_id"]))
    assert record is not None
    assert (record["state"], record["reason"]) == (
        "FAILED",
        "Access Denied trying to call AWS Backup service",
    )
    hop = org.ledger_item(f"CHAIN#{chain['chain_id']}", "HOP#01")
    assert hop is not None
    assert hop["state"] == "FAILED"
    assert hop["destination_vault_arn"] == vault_arn(MEMBER, REGION, MEMBER_VAULT)
    assert hop["status_message"] == "Access Denied trying to call AWS Backup service"


@pytest.mark.parametrize("refused_by", list(RefusedBy))
def test_a_refused_single_action_copy_is_replanned_as_two_hops(
    moto: None, refused_by: RefusedBy
) -> None:
    # GIVEN single-action copy enabled for Aurora in backup-relay, but refused by AWS here,
    # either as a copy job that fails or as StartCopyJob's error (AWS does not say which)
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1],
        resource_types=("Aurora",),
        wait_timeout_seconds=2,
        SingleActionResourceTypes="Aurora",
    )
    org.sim.settings.single_action_refused_by = refused_by
    night(org, types=("Aurora",))
    [at_dr] = org.completed_copies_into(DR)
    jobs_before = len(org.copy_jobs())
    # WHEN the DR copy is brought back (planned as one cross-account, cross-region hop)
    answer = _bring_back(org, at_dr.destination_recovery_point_arn or "")
    org.settle()
    # THEN AWS refused it, the chain re-planned two hops, and the copy landed
    refused = [job for job in org.copy_jobs() if job.state is JobState.FAILED]
    if refused_by is RefusedBy.JOB:
        assert len(refused) == 1
        assert FEATURE_NOT_SUPPORTED in (refused[0].status_message or "")
    else:
        assert refused == []  # no job was created for the refused request
    assert len(org.copy_jobs()) == jobs_before + 2 + len(refused)
    assert len(org.completed_copies_into(vault_arn(MEMBER, REGION, MEMBER_VAULT))) == 1
    chain = answer["chain"]
    assert isinstance(chain, dict)
    hops = org.hops(str(chain["chain_id"]))
    assert [hop["kind"] for hop in hops] == ["cross-region", "cross-account"]
    record = org.chain_record(str(chain["chain_id"]))
    assert record is not None
    assert record["state"] == "COMPLETED"
    assert FEATURE_NOT_SUPPORTED in record["reason"]


@pytest.mark.parametrize("resource_type", ["EBS"])
def test_types_that_are_not_chained_start_no_chain(moto: None, resource_type: str) -> None:
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=(resource_type,))
    point = org.backup(MEMBER, resource_type)
    org.settle()
    org.plan_copy(MEMBER, point, CENTRAL)
    org.settle()
    assert org.executions() == []


def _reconcile(org: Organization) -> dict[str, list[str]]:
    report: dict[str, list[str]] = org.central.functions["ReconcileFunction"]({})
    return report


def test_reconcile_starts_the_chain_whose_event_was_lost(moto: None) -> None:
    # GIVEN the member copy's COMPLETED event never arrives: no chain starts
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Neptune",))
    org.sim.faults.lose.add(("*", "COMPLETED"))
    night(org, types=("Neptune",))
    assert org.executions() == []
    [landed] = landed_in_central(org)
    org.sim.faults.lose.clear()
    # WHEN reconcile runs
    report = _reconcile(org)
    org.settle()
    # THEN it found the recovery point in the central vault and chained it to DR
    assert report["chains_started"] == [
        chain_id_for(landed.destination_recovery_point_arn or "", DR)
    ]
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"]
    assert _reconcile(org)["chains_started"] == []  # and only once


def test_reconcile_reads_every_page_of_the_central_vault(moto: None) -> None:
    # GIVEN more recovery points in the central vault than AWS Backup lists in one page, none of
    # them chained (their COMPLETED events were lost)
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=DATABASE_TYPES)
    org.sim.faults.lose.add(("*", "COMPLETED"))
    night(org)
    org.sim.faults.lose.clear()
    landed = landed_in_central(org)
    assert len(landed) > org.sim.settings.page_size
    # WHEN reconcile runs
    report = _reconcile(org)
    org.settle()
    # THEN it followed NextToken and chained every one of them to DR
    assert sorted(report["chains_started"]) == sorted(
        chain_id_for(job.destination_recovery_point_arn or "", DR) for job in landed
    )
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"] * len(landed)


def test_reconcile_chains_a_copy_that_landed_days_after_its_backup(moto: None) -> None:
    # GIVEN a member backup whose copy to the central vault runs three days later, and whose
    # COMPLETED event is lost: the copy carries the backup's creation date
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Neptune",))
    point = org.backup(MEMBER, "Neptune")
    org.settle()
    org.sim.advance(timedelta(days=3))
    org.sim.faults.lose.add(("*", "COMPLETED"))
    org.plan_copy(MEMBER, point, CENTRAL)
    org.settle()
    org.sim.faults.lose.clear()
    [landed] = landed_in_central(org)
    assert org.executions() == []
    # WHEN reconcile runs
    report = _reconcile(org)
    org.settle()
    # THEN its window, counted from creation dates, still found the copy and chained it
    assert report["chains_started"] == [
        chain_id_for(landed.destination_recovery_point_arn or "", DR)
    ]
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"]


def _hop_state(org: Organization, chain_id: str, index: int = 0) -> str | None:
    item = org.ledger_item(f"CHAIN#{chain_id}", f"HOP#{index:02d}")
    return item["state"] if item else None


def test_reconcile_resumes_a_hop_whose_completion_event_never_came(moto: None) -> None:
    # GIVEN a chain whose DR copy completed, but whose COMPLETED event was lost, and a hop that
    # would wait an hour before polling
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("RDS",), wait_timeout_seconds=3600
    )
    point = org.backup(MEMBER, "RDS")
    org.settle()
    org.plan_copy(MEMBER, point, CENTRAL)
    org.sim.faults.duplicate.clear()
    lose_the_chains_completions(org)
    org.settle(while_executions_wait=True)
    assert len(org.completed_copies_into(DR)) == 1
    [running] = org.executions()
    assert running["status"] == "RUNNING"
    # (the wait step may still be registering the wait when the execution enters it)
    org.wait_for(lambda: _hop_state(org, running["name"]) == "RUNNING")
    # WHEN reconcile runs
    report = _reconcile(org)
    org.settle()
    # THEN it asked DescribeCopyJob, resumed the hop, and the chain completed
    assert len(report["hops_resumed"]) == 1
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"]


@pytest.mark.parametrize("days", [0, 3])
def test_intermediate_retention_is_shortened_only_when_asked_and_after_the_last_hop(
    moto: None, days: int
) -> None:
    # GIVEN IntermediateRetentionDays (0 = off), and a member whose copy to the central vault
    # starts two days after its backup (the copy keeps the backup's creation date)
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",), IntermediateRetentionDays=str(days)
    )
    point = org.backup(MEMBER, "Aurora")
    org.settle()
    org.sim.advance(timedelta(days=2))
    # WHEN it is chained to DR
    org.plan_copy(MEMBER, point, CENTRAL)
    org.settle()
    [landed] = landed_in_central(org)
    assert len(org.completed_copies_into(DR)) == 1
    # THEN its copy in the central vault keeps its lifecycle, or is deleted `days` from now
    # (not `days` from the backup's creation, which would have passed already)
    copy = org.backup_client(CENTRAL_ACCOUNT).describe_recovery_point(
        BackupVaultName=CENTRAL_VAULT, RecoveryPointArn=landed.destination_recovery_point_arn
    )
    if days == 0:
        assert "Lifecycle" not in copy
        return
    deletes_at = copy["CalculatedLifecycle"]["DeleteAt"]
    assert org.sim.now + timedelta(days=days) <= deletes_at < org.sim.now + timedelta(days=days + 1)


@pytest.mark.parametrize("outsider", ["999999999999", "abc"])
def test_bring_back_with_empty_allow_lists_refuses_an_account_outside_the_organization(
    moto: None, outsider: str
) -> None:
    # GIVEN the stack deployed with BringBackTargets and AllowedSourceAccounts empty, in the
    # organization's management account, and an Aurora copy at DR
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",), wait_timeout_seconds=2
    )
    night(org, types=("Aurora",))
    [at_dr] = org.completed_copies_into(DR)
    executions = len(org.executions())
    # WHEN someone brings it back to an account the organization does not have
    with pytest.raises(TargetNotAllowed) as refused:
        org.central.functions["BringBackFunction"](
            {
                "recovery_point_arn": at_dr.destination_recovery_point_arn,
                "to_account": outsider,
                "to_region": REGION,
                "to_vault": MEMBER_VAULT,
            }
        )
    # THEN it is refused, naming the parameter to set; no chain started
    assert "the organization's accounts" in str(refused.value)
    assert "BringBackTargets parameter" in str(refused.value)
    assert len(org.executions()) == executions
