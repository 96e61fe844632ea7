"""The chain survives transient failures of its own steps, and records how it ended when a
step fails for good: Lambda service errors and crashes injected into the real state machine."""

from __future__ import annotations

import pytest

from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.functions import INVOCATION_FAULTS, InvocationFault
from backup_relay_sandbox.organization import Organization
from tests.support.chain import lose_the_chains_completions, night

MEMBER = MEMBER_ACCOUNTS[0]


def _chain_record(org: Organization) -> dict[str, str]:
    [execution] = org.executions()
    record = org.chain_record(execution["name"])
    assert record is not None
    return record


@pytest.mark.parametrize(
    "fault",
    [
        InvocationFault("next_hop", times=2),
        InvocationFault("start_copy_job", times=2),
        InvocationFault("start_copy_job", error=None, function_error="Lambda.Unknown"),
        InvocationFault("await_copy_job", times=2),
        InvocationFault("check_copy_job", times=2),
        InvocationFault("check_copy_job", error="AWSLambdaException"),
    ],
    ids=lambda fault: f"{fault.action}-{fault.error or fault.function_error}",
)
def test_a_transient_failure_of_any_step_does_not_fail_the_chain(
    moto: None, fault: InvocationFault
) -> None:
    # GIVEN a chain whose hop polls after 2 s (its completion event is lost), and a step whose
    # invocations fail transiently
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",), wait_timeout_seconds=2
    )
    lose_the_chains_completions(org)
    INVOCATION_FAULTS.append(fault)
    # WHEN the night runs
    night(org, types=("Aurora",))
    # THEN the step was retried and the chain completed, with one copy job for its hop
    assert fault.times == 0
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"]
    assert len([j for j in org.copy_jobs() if j.account == CENTRAL_ACCOUNT]) == 1
    assert _chain_record(org)["state"] == "COMPLETED"


def test_a_failed_hop_is_recorded_even_when_hop_failed_fails_transiently(moto: None) -> None:
    # GIVEN an RDS instance whose option group the DR region lacks (its hop will fail), and a
    # HopFailed step that fails twice
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=())
    arn = f"arn:aws:rds:{REGION}:{MEMBER}:db:billing"
    key = org.sim.create_key(MEMBER, REGION, grant_accounts=[CENTRAL_ACCOUNT])
    org.sim.register_resource(MEMBER, REGION, "RDS", arn, key, option_groups=("APEX",))
    org.resources[(MEMBER, "RDS")] = arn
    INVOCATION_FAULTS.append(InvocationFault("hop_failed", times=2))
    # WHEN the night runs
    night(org, types=("RDS",))
    # THEN the chain failed with AWS's message, recorded in the ledger by HopFailed itself
    assert [e["status"] for e in org.executions()] == ["FAILED"]
    record = _chain_record(org)
    assert record["state"] == "FAILED"
    assert record["reason"].startswith("The snapshot requires a target option group")


def test_a_step_that_fails_for_good_still_records_the_chain_failed(moto: None) -> None:
    # GIVEN a NextHop that fails with an error that is not transient
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Neptune",))
    INVOCATION_FAULTS.append(InvocationFault("next_hop", error="ResourceNotFoundException"))
    # WHEN the night runs
    night(org, types=("Neptune",))
    # THEN the execution failed, and the ledger says so (not RUNNING), with the error
    assert [e["status"] for e in org.executions()] == ["FAILED"]
    record = _chain_record(org)
    assert record["state"] == "FAILED"
    assert record["reason"].startswith("Lambda.ResourceNotFoundException: ")
