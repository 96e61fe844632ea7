"""Quota-aware routes at run time (issue #25 item 7): in the sandbox, with a tiny night window
(NightWindowHours) and central slot (MaxConcurrentCopies), the chains the central slot would not
finish in time run as single-action copies out of the members' own vaults, through their
ReplayRoles, and land in the DR vault; `status`'s tonight's queue shows each route's share; a
member's forged event does not resume a central hop."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from backup_relay import wiring
from backup_relay.domain.night_capacity import RouteKind
from backup_relay.status.chains import StatusReport
from backup_relay_sandbox import api_calls
from backup_relay_sandbox.backup_sim.faults import Delivery
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.emit import as_member_event, emit
from backup_relay_sandbox.organization import MEMBER_VAULT, Organization, current_state
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, REPO_ROOT, load_template
from tests.e2e.test_function_permissions import _allows, _statements
from tests.support.chain import CENTRAL, DR, lose_the_chains_completions

FIRST, SECOND = MEMBER_ACCOUNTS[:2]
#: longer than half the 1 h window: one central copy fits in the window, two in a row do not
COPY = timedelta(minutes=40)


def _organization(wait_timeout_seconds: int = 30) -> Organization:
    """Aurora allowed single-action copies (as AWS copies it since October 2025), the central
    slot capped at one copy, a one-hour night window."""
    org = Organization.build(
        members=(FIRST, SECOND),
        resource_types=("Aurora",),
        wait_timeout_seconds=wait_timeout_seconds,
        SingleActionResourceTypes="Aurora",
        MaxConcurrentCopies="1",
        NightWindowHours="1",
    )
    org.sim.settings.single_action_copy_types.add("Aurora")
    org.sim.settings.durations.copy = COPY
    return org


def _measured_night(org: Organization) -> None:
    """A first chain, alone: the central slot completes a hop, so its duration is known."""
    point = org.backup(FIRST, "Aurora")
    org.settle()
    org.plan_copy(FIRST, point, CENTRAL)
    org.settle()


def _status(org: Organization) -> StatusReport:
    env = {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}
    now = org.sim.now
    status = wiring.status(env)
    status.now = lambda: now
    return status(now - timedelta(hours=24))


def test_the_nights_surplus_runs_from_the_members_own_vaults_and_lands_in_dr(moto: None) -> None:
    # GIVEN a central slot that has measured its hops (40 minutes), one copy at a time, and a
    # one-hour window
    api_calls.clear()
    org = _organization()
    _measured_night(org)
    assert [j.account for j in org.completed_copies_into(DR)] == [CENTRAL_ACCOUNT]
    # WHEN both members' Aurora copies land in the central vault at once, and status is read
    # while the night runs
    shares: list[dict[str, int]] = []

    def look() -> None:
        forecast = _status(org).tonight
        if forecast is not None and forecast.share:
            shares.append(dict(forecast.share))

    points = {key: org.backup(*key) for key in org.resources}
    org.settle()
    for (account, _), point in points.items():
        org.plan_copy(account, point, CENTRAL)
    org.settle(on_step=look)
    # THEN every chain succeeded, and every copy landed in the DR vault
    assert {e["status"] for e in org.executions()} == {"SUCCEEDED"}
    tonight = org.completed_copies_into(DR)[1:]
    assert len(tonight) == 2
    # AND the central slot kept one; the other ran as one single-action copy out of its
    # member's own vault, of the member's own recovery point, in the member account
    by_account = Counter(job.account for job in tonight)
    assert by_account[CENTRAL_ACCOUNT] == 1
    [from_member] = [job for job in tonight if job.account != CENTRAL_ACCOUNT]
    assert from_member.source_recovery_point_arn == points[(from_member.account, "Aurora")]
    assert from_member.source_vault_arn.endswith(f":backup-vault:{MEMBER_VAULT}")
    # AND the ledger says why, and status showed both routes carrying tonight's queue
    [chain] = [
        e["name"]
        for e in org.executions()
        if org.hops(e["name"])[0]["source_account"] != CENTRAL_ACCOUNT
    ]
    record = org.chain_record(chain)
    assert record is not None
    assert "would not finish inside NightWindowHours" in record["reason"]
    assert any(
        share.get(RouteKind.SINGLE_ACTION) and share.get(RouteKind.CENTRAL) for share in shares
    )
    # AND the member's hop was started and followed as the member's ReplayRole, which the
    # chain's steps (and ingest, confirming its event) may assume by their policies
    assert any(
        f":{from_member.account}:" in role and action == "backup:StartCopyJob"
        for role, action, _ in api_calls.ROLE_CALLS
    )
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    for function in ("ChainStepsFunction",):
        assumed = [(a, r) for f, a, r in api_calls.CALLS if f == function and a == "sts:AssumeRole"]
        assert assumed, function
        statements = _statements(template[function], template)
        assert all(any(_allows(st, a, r, org) for st in statements) for a, r in assumed)


def test_a_members_forged_event_does_not_resume_a_central_hop(moto: None) -> None:
    # GIVEN the overflow on, and a central hop waiting an hour for its copy job's event (lost)
    org = _organization(wait_timeout_seconds=3600)
    lose_the_chains_completions(org)
    point = org.backup(FIRST, "Aurora")
    org.settle()
    org.plan_copy(FIRST, point, CENTRAL)
    org.settle(while_executions_wait=True)
    [execution] = org.executions()
    [central_hop] = org.copy_jobs(to_vault=DR)
    assert central_hop.account == CENTRAL_ACCOUNT
    # WHEN the member puts an event on the bus saying that job COMPLETED, into a point of its own
    documented = json.loads((REPO_ROOT / "events" / "copy_job_completed.json").read_text())
    forged = as_member_event(documented, account=FIRST, region=REGION, time=org.sim.now)
    forged["detail"] |= {
        "copyJobId": central_hop.job_id,
        "resourceType": "Aurora",
        "destinationBackupVaultArn": DR,
        "destinationRecoveryPointArn": DR.replace(":backup-vault:", ":recovery-point:forged"),
    }
    emit(forged, account=FIRST, region=REGION)
    org.deliver()
    # THEN the hop still waits: no member's event resumes a central hop
    assert current_state(execution["executionArn"]) == "WaitForCopyJob"
    # AND it completes once AWS is asked (reconcile's DescribeCopyJob, as CheckCopyJob's after
    # the wait), with AWS's copy
    org.central.functions["ReconcileFunction"]({})
    org.settle()
    assert org.execution(execution["name"])["status"] == "SUCCEEDED"
    [landed] = org.completed_copies_into(DR)
    assert landed.job_id == central_hop.job_id


def _lose_the_member_hops_completions(org: Organization) -> None:
    """AWS never delivers the COMPLETED events of the copies members make into the DR vault
    (the overflow's hops): their waits go on, and only asking AWS finds them ended."""
    deliver = org.sim.faults.delivery

    def delivery(job_id: str, state: str) -> Delivery:
        job = org.sim.copy_jobs.get(job_id)
        into_dr = job is not None and job.destination_vault_arn == DR
        if into_dr and job is not None and job.account != CENTRAL_ACCOUNT and state == "COMPLETED":
            return Delivery.LOSE
        return deliver(job_id, state)

    org.sim.faults.delivery = delivery  # type: ignore[method-assign]


def test_reconcile_resumes_a_member_hop_through_the_members_replay_role(moto: None) -> None:
    # GIVEN the overflow on, a measured central slot, and a night whose surplus chain copies
    # from its member's vault, whose completion event AWS never delivers (an hour's wait)
    api_calls.clear()
    org = _organization(wait_timeout_seconds=3600)
    _measured_night(org)
    _lose_the_member_hops_completions(org)
    points = {key: org.backup(*key) for key in org.resources}
    org.settle()
    for (account, _), point in points.items():
        org.plan_copy(account, point, CENTRAL)
    org.settle(while_executions_wait=True)
    waiting = [e for e in org.executions() if e["status"] == "RUNNING"]
    [member_chain] = [
        e for e in waiting if org.hops(e["name"])[0]["source_account"] != CENTRAL_ACCOUNT
    ]
    assert current_state(member_chain["executionArn"]) == "WaitForCopyJob"
    # WHEN reconcile runs
    org.central.functions["ReconcileFunction"]({})
    # THEN the hop no longer waits (its wait of an hour would have gone on)
    assert current_state(member_chain["executionArn"]) != "WaitForCopyJob"
    org.settle()
    # AND it was resumed with what DescribeCopyJob, through the member's ReplayRole, said: its
    # chain succeeded, its copy in the DR vault
    assert org.execution(member_chain["name"])["status"] == "SUCCEEDED"
    assert len(org.completed_copies_into(DR)) == 3
    # AND reconcile assumed the member's role by its policy
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    calls = [(a, r) for f, a, r in api_calls.CALLS if f == "ReconcileFunction"]
    assumed = [(a, r) for a, r in calls if a == "sts:AssumeRole"]
    assert assumed
    statements = _statements(template["ReconcileFunction"], template)
    assert all(any(_allows(st, a, r, org) for st in statements) for a, r in assumed)
