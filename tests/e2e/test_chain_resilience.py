"""The chain survives transient failures of its own steps, and records how it ended when a
step fails for good: Lambda service errors and crashes injected into the real state machine."""

from __future__ import annotations

import pytest

from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, slot_key
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.emit import emit
from backup_relay_sandbox.functions import INVOCATION_FAULTS, InvocationFault
from backup_relay_sandbox.organization import Organization
from tests.support.chain import (
    CENTRAL,
    forged_completed_copy,
    lose_the_chains_completions,
    night,
)

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
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
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


def _slot_holders(org: Organization) -> set[str]:
    slot = org.ledger_item(slot_key(CENTRAL_ACCOUNT, DR_REGION, CLUSTER_SNAPSHOTS), "SLOT")
    holders = slot.get("holders") if slot else None
    return set(holders) if holders else set()


def _a_chain_holding_the_only_slot() -> tuple[Organization, dict[str, str]]:
    """A chain whose hop copies (its completion event is lost, and it waits an hour), holding
    the only slot of its account and destination region."""
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1],
        resource_types=("Aurora",),
        wait_timeout_seconds=3600,
        MaxConcurrentCopies="1",
    )
    lose_the_chains_completions(org)
    point = org.backup(MEMBER, "Aurora")
    org.settle()
    org.plan_copy(MEMBER, point, CENTRAL)
    org.settle(while_executions_wait=True)
    [execution] = org.executions()
    org.wait_for(lambda: _slot_holders(org) == {f"{execution['name']}#0"})
    return org, execution


def _closed_as_failed(org: Organization, chain_id: str, status: str) -> bool:
    record = org.chain_record(chain_id)
    hop = org.ledger_item(f"CHAIN#{chain_id}", "HOP#00")
    assert record is not None
    assert hop is not None
    return (record["state"], record["reason"], hop["state"]) == (
        "FAILED",
        f"execution {status}: ended outside the chain's steps",
        "FAILED",
    )


def _let_moto_see_the_stop(org: Organization, execution: dict[str, str]) -> None:
    """Until Step Functions describes the execution as ended (moto_fidelity makes a stop
    immediate, as in AWS)."""
    sfn = client("stepfunctions")
    arn = execution["executionArn"]
    org.wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING")


def test_an_execution_stopped_by_hand_gives_its_slot_back(moto: None) -> None:
    # GIVEN a chain holding the only slot of its account and destination region
    org, execution = _a_chain_holding_the_only_slot()
    chain_id = execution["name"]
    # WHEN an operator stops the execution, and Step Functions tells EventBridge
    client("stepfunctions").stop_execution(executionArn=execution["executionArn"])
    report = org.central.functions["ChainEndedFunction"](
        {
            "source": "aws.states",
            "detail-type": "Step Functions Execution Status Change",
            "detail": {
                "executionArn": execution["executionArn"],
                "stateMachineArn": org.state_machine_arn,
                "name": chain_id,
                "status": "ABORTED",
            },
        }
    )
    # THEN the slot is free again, and the ledger says the chain and its hop FAILED, and why
    assert _slot_holders(org) == set()
    assert report["slots_released"] == 1
    assert _closed_as_failed(org, chain_id, "ABORTED")


def test_reconcile_closes_an_execution_whose_status_event_was_lost(moto: None) -> None:
    # GIVEN a chain holding the only slot, whose execution an operator stopped, and the status
    # change event that would have freed its slot never reached ChainEndedFunction
    org, execution = _a_chain_holding_the_only_slot()
    sfn = client("stepfunctions")
    sfn.stop_execution(executionArn=execution["executionArn"])
    _let_moto_see_the_stop(org, execution)
    # WHEN reconcile runs
    report = org.central.functions["ReconcileFunction"]({})
    # THEN it found the execution ended, freed the slot and recorded the chain and hop FAILED
    assert report["executions_closed"] == [f"{execution['name']} (ABORTED)"]
    assert _slot_holders(org) == set()
    assert _closed_as_failed(org, execution["name"], "ABORTED")


def test_a_forged_completed_copy_starts_and_completes_nothing(moto: None) -> None:
    # GIVEN a member account that puts a COMPLETED copy event of its own making: a recovery point
    # "landed" in the central vault that AWS Backup never made
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",))
    forged = forged_completed_copy(org, MEMBER)
    # WHEN it travels the real path: the member's bus, the relay bus, ingest
    emit(forged, account=MEMBER, region=REGION)
    org.deliver()
    # THEN no chain started, and the message is quarantined with the reason
    assert org.executions() == []
    reasons = [
        item["reason_code"]["S"]
        for item in client("dynamodb").scan(TableName=org.central.tables["LedgerTable"])["Items"]
        if item["pk"]["S"].startswith("QUARANTINE#")
    ]
    assert reasons == ["unverified_event"]
