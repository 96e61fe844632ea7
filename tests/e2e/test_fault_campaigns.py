"""Fault campaigns (issue #14): a night of the sandbox organization under one kind of fault at a
time, deterministic seeds. Each ends with every chain COMPLETED (or FAILED with the right
diagnosis and exactly one alert), exactly one copy job per hop, every delivered event recorded
or quarantined with its reason, and prints its line of figures (docs/reliability.md:
`.venv/bin/pytest tests/e2e/test_fault_campaigns.py -s -q`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backup_relay.domain.quotas import GROUPS, quota_group, slot_key
from backup_relay_sandbox.backup_sim import Faults
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.emit import emit
from backup_relay_sandbox.event_source import LambdaCrash
from backup_relay_sandbox.functions import INVOCATION_FAULTS, Function, InvocationFault
from backup_relay_sandbox.organization import DATABASE_TYPES, Organization
from tests.support.campaign import Campaign
from tests.support.chain import (
    CENTRAL,
    DR,
    forged_completed_copy,
    lose_the_chains_completions,
    max_overlap,
)

MEMBER, OTHER = MEMBER_ACCOUNTS
#: Two members with a database of every chained type, and an EBS volume each: 8 chains a night.
CHAINS = len(MEMBER_ACCOUNTS) * len(DATABASE_TYPES)


def test_every_event_delivered_three_times(moto: None) -> None:
    # GIVEN AWS delivering every job event twice at once and once more much later
    org = Organization.build()
    org.sim.faults = Faults(seed=14, duplicate_share=1.0, late_duplicate_share=1.0)
    campaign = Campaign("every event delivered 3 times", org)
    # WHEN the night runs
    campaign.night()
    # THEN each event was delivered three times, and the night is as if once
    assert len(org.sim.emitted) == 3 * len(campaign.delivered_event_ids())
    campaign.check(chains=CHAINS)


def test_a_fifth_of_the_events_lost(moto: None) -> None:
    # GIVEN AWS losing a fifth of all job events, completions included (the members' copies
    # that start chains, and the chain's own copies that end hops)
    org = Organization.build(wait_timeout_seconds=3)
    org.sim.faults = Faults(seed=20, lose_share=0.2)
    campaign = Campaign("20% of events lost", org)
    # WHEN the night runs, with the scheduled reconcile
    campaign.night(reconcile=True)
    # THEN the chains whose start was lost were started by reconcile, the hops whose completion
    # was lost moved on by polling, and every chain completed
    assert org.sim.lost
    campaign.check(chains=CHAINS)


def test_throttled_start_copy_job_and_a_burst_over_the_cap(moto: None) -> None:
    # GIVEN AWS Backup throttling 30% of StartCopyJob calls, and 8 chains against a cap of 2
    org = Organization.build(MaxConcurrentCopies="2")
    org.sim.faults = Faults(seed=7, throttle_share=0.3)
    campaign = Campaign("30% of StartCopyJob throttled, 8 chains over a cap of 2", org)
    # WHEN the night runs
    campaign.night()
    # THEN every chain completed, never more than 2 copies of one quota group at once
    to_dr = [job for job in campaign.chain_copy_jobs() if job.destination_vault_arn == DR]
    for group in GROUPS:
        assert (
            max_overlap([j for j in to_dr if quota_group(j.resource.resource_type) is group]) <= 2
        )
    assert org.sim.faults.start_copy_job_throttled >= 2
    campaign.check(chains=CHAINS)


def _crash_once_mid_batch(org: Organization, after: int) -> dict[str, int]:
    """Ingest's first batch of more than `after` messages: it handles `after` of them, then
    its process dies (the whole batch comes back; the handled ones come again)."""
    ingest = org.central.functions["IngestFunction"]
    real = ingest.handler
    crashed = {"times": 0}

    def handler(event: dict[str, Any], context: Any) -> Any:
        records = event["Records"]
        if crashed["times"] == 0 and len(records) > after:
            real({"Records": records[:after]}, context)
            crashed["times"] += 1
            raise LambdaCrash("sandbox: out of memory")
        return real(event, context)

    org.central.functions["IngestFunction"] = Function(
        ingest.name, ingest.arn, handler, ingest.logical_id, ingest.variables
    )
    return crashed


def test_a_crash_mid_ingest_batch_and_a_timeout_inside_a_chain_step(moto: None) -> None:
    # GIVEN ingest's process dying after 3 records of a batch, and a StartCopyJob step whose
    # Lambda times out after its call to AWS went through (Step Functions retries the step)
    org = Organization.build()
    org.sim.faults = Faults(seed=4, batch_every=timedelta(minutes=5))  # batches of many
    crashed = _crash_once_mid_batch(org, after=3)
    INVOCATION_FAULTS.append(
        InvocationFault(
            "start_copy_job", error=None, function_error="Sandbox.Timedout", after_running=True
        )
    )
    campaign = Campaign("a crash mid ingest batch; a timeout after StartCopyJob", org)
    # WHEN the night runs
    campaign.night()
    # THEN the batch was handled again (the first 3 as duplicates), the timed-out step's retry
    # found the copy job its first call started, and every chain completed
    assert crashed["times"] == 1
    assert INVOCATION_FAULTS[0].times == 0
    campaign.check(chains=CHAINS)


def test_a_callback_that_never_arrives_and_an_execution_stopped_by_hand(moto: None) -> None:
    # GIVEN the chain's own copies' completion events never delivered (its waits time out and
    # it polls), and an operator who stops one execution while its copy runs
    org = Organization.build(wait_timeout_seconds=3)
    lose_the_chains_completions(org)
    campaign = Campaign("callbacks never arrive; one execution stopped by hand", org)
    stopped: list[str] = []

    def stop_the_first() -> None:
        running = org.running_executions()
        if running and not stopped:
            client("stepfunctions").stop_execution(executionArn=running[0])
            stopped.append(running[0].rsplit(":", 1)[-1])

    # WHEN the night runs (the stop comes once an execution runs)
    points = {key: org.backup(*key) for key in org.resources}
    org.settle()
    for (account, resource_type), point in points.items():
        org.plan_copy(account, point, CENTRAL if resource_type in DATABASE_TYPES else DR)
    org.settle(on_step=stop_the_first)
    # THEN every chain but the stopped one completed by polling; the stopped one FAILED with
    # its one alert, and its slot came back (the other chains got theirs)
    assert len(stopped) == 1
    campaign.check(chains=CHAINS, failed={stopped[0]: "stopped_by_user"})
    for group in GROUPS:
        slot = org.ledger_item(slot_key(CENTRAL_ACCOUNT, DR.split(":")[3], group), "SLOT")
        assert not (slot or {}).get("holders")


def test_an_account_outside_the_allow_list_and_forged_events_start_nothing(moto: None) -> None:
    # GIVEN a stack that serves one member only, the other member's backups going on anyway,
    # and a member forging a COMPLETED copy into the central vault that AWS Backup never made
    org = Organization.build(AllowedSourceAccounts=MEMBER)
    campaign = Campaign("an account outside the allow-list; forged events", org)
    forged = forged_completed_copy(org, MEMBER)
    # WHEN the night runs, and the forged event travels the real path
    campaign.night(before_copies=lambda: emit(forged, account=MEMBER, region=REGION))
    # THEN only the allowed member's databases were chained; the other's events and the
    # forged one are quarantined, each with its reason
    reasons = campaign.quarantined()
    assert reasons[str(forged["id"])] == "unverified_event"
    others = [e for e in org.sim.emitted if e.account == OTHER]
    assert others
    assert {reasons[str(e.event["id"])] for e in others} == {"account_not_allowed"}
    campaign.check(chains=len(DATABASE_TYPES))
