"""The contract between statemachines/copy_chain.asl.json and ChainState: the Choice states read
`status` and nothing else, every path the definition reads or writes is a field of the state,
the concurrency slot is one key, and the retried error is the one the steps raise."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backup_relay.adapters import ledger_schema
from backup_relay.copy_chain.decisions import WaitPolicy, next_hop
from backup_relay.domain.chain import (
    ChainState,
    ChainStatus,
    HopError,
    HopRecord,
    LedgerState,
    new_chain,
)
from backup_relay.domain.copy_jobs import CopyJobOutcome
from backup_relay.domain.errors import Throttled
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, slot_key
from backup_relay.domain.routes import plan_route
from backup_relay.settings import ChainStepsSettings
from tests.support.world import AWS_QUOTAS, DR, MEMBER_VAULT, settings

ASL = json.loads(
    (Path(__file__).resolve().parents[2] / "statemachines" / "copy_chain.asl.json").read_text()
)
STATES: dict[str, dict[str, Any]] = ASL["States"]
PATH = re.compile(r"\$((?:\.[A-Za-z_]+)+)")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _paths(state: dict[str, Any]) -> set[str]:
    """Every `$.a.b` the state reads or writes (not `$$.` context paths, not task results)."""
    found = set()
    for key, value in _walk(state):
        if key in {"ResultSelector"} or not isinstance(value, str):
            continue
        if key.endswith(".$") or key in {
            "Variable",
            "TimeoutSecondsPath",
            "ResultPath",
            "ErrorPath",
            "CausePath",
            "OutputPath",
        }:
            found.update(m.group(1)[1:] for m in PATH.finditer(value) if "$$" not in value)
    return found - {"chain", "Payload"}  # OutputPath $.chain of the task's own result


def _full_state() -> dict[str, Any]:
    """A chain with every optional part filled in, as the state machine sees it (JSON)."""
    chain = next_hop(
        new_chain(
            plan_route("Aurora", DR, MEMBER_VAULT, settings(ChainStepsSettings).routes), "rp"
        ),
        WaitPolicy("us-west-2", 60),
        AWS_QUOTAS,
    )
    assert chain.current is not None
    chain.current.copy_job_id = "job"
    chain.current.result = CopyJobOutcome(state="FAILED", copy_job_id="job", status_message="x")
    chain.error = HopError(error="CopyJobFailed", cause="x")
    dumped: dict[str, Any] = chain.model_dump(mode="json")
    return dumped


@pytest.mark.parametrize("name", sorted(STATES))
def test_every_path_the_definition_uses_is_a_field_of_the_chain_state(name: str) -> None:
    state = _full_state()
    for path in _paths(STATES[name]):
        node: Any = state
        for part in path.split("."):
            assert isinstance(node, dict), f"{name}: {path}"
            assert part in node, f"{name} uses $.{path}, which ChainState does not have"
            node = node[part]


@pytest.mark.parametrize("name", [n for n, s in STATES.items() if s["Type"] == "Choice"])
def test_choice_states_read_only_the_status_and_only_its_values(name: str) -> None:
    for rule in STATES[name]["Choices"]:
        assert set(rule) == {"Variable", "StringEquals", "Next"}
        assert rule["Variable"] == "$.status"
        assert rule["StringEquals"] in set(ChainStatus)


def test_every_status_a_choice_waits_for_is_one_a_step_sets() -> None:
    compared = {
        rule["StringEquals"]
        for state in STATES.values()
        if state["Type"] == "Choice"
        for rule in state["Choices"]
    }
    assert compared == {"completed", "copying", "hop_completed", "replanned"}


def test_taking_and_freeing_a_slot_name_the_same_key_and_holder() -> None:
    take, free, free_after_failure = (
        STATES[name]["Parameters"] for name in ("TakeSlot", "FreeSlot", "FreeSlotAfterFailure")
    )
    assert take["Key"] == free["Key"] == free_after_failure["Key"]
    holder = take["ExpressionAttributeValues"][":me"]
    assert (
        free["ExpressionAttributeValues"][":me"]
        == free_after_failure["ExpressionAttributeValues"][":me"]
        == holder
    )
    assert holder["SS.$"] == f"States.Array({take['ExpressionAttributeValues'][':me_s']['S.$']})"


@pytest.mark.parametrize("state", ["NextHop", "StartCopyJob", "CheckCopyJob", "HopFailed"])
def test_steps_that_call_aws_retry_the_error_they_raise_when_throttled(state: str) -> None:
    # (AWS's ThrottlingException, LimitExceededException and 5xx faults, once boto3's own retries
    # are spent: adapters/errors.py)
    retried = {error for retrier in STATES[state]["Retry"] for error in retrier["ErrorEquals"]}
    assert Throttled.__name__ in retried


def test_the_chain_state_round_trips_through_json() -> None:
    state = _full_state()
    assert ChainState.model_validate(state).model_dump(mode="json") == state


LAMBDA_TASKS = ["NextHop", "StartCopyJob", "WaitForCopyJob", "CheckCopyJob", "HopFailed"]


@pytest.mark.parametrize("state", LAMBDA_TASKS)
def test_every_lambda_task_retries_lambdas_transient_errors(state: str) -> None:
    # (AWS's list for Lambda service exceptions, and Lambda.Unknown for timeouts and crashes:
    # the steps are idempotent, StartCopyJob's token fixed)
    retried = {error for retrier in STATES[state]["Retry"] for error in retrier["ErrorEquals"]}
    assert {
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.Unknown",
    } <= retried
    assert all(r.get("JitterStrategy") == "FULL" for r in STATES[state]["Retry"])
    assert "States.Timeout" not in retried  # the wait's timeout is the poll fallback


@pytest.mark.parametrize("state", ["NextHop", "HopFailed"])
def test_steps_that_end_a_chain_fall_back_to_recording_it_failed(state: str) -> None:
    [catch] = STATES[state]["Catch"]
    assert (catch["ErrorEquals"], catch["Next"]) == (["States.ALL"], "RecordChainFailed")


def test_record_chain_failed_writes_the_chain_record_as_the_ledger_does() -> None:
    params = STATES["RecordChainFailed"]["Parameters"]
    values = params["ExpressionAttributeValues"]
    assert params["Key"] == {
        "pk": {"S.$": f"States.Format('{ledger_schema.CHAIN.pk.prefix}{{}}', $.chain_id)"},
        "sk": {"S": ledger_schema.CHAIN.sk()},
    }
    assert values[":failed"]["S"] == LedgerState.FAILED
    assert values[":index"]["S"] == ledger_schema.chains_in(LedgerState.FAILED)
    assert STATES["RecordChainFailed"]["Next"] == "ChainFailed"


def test_take_and_free_name_the_slot_and_cap_next_hop_set_on_the_hop() -> None:
    # GIVEN the definition's slot states, and a hop as NextHop opens it
    take = STATES["TakeSlot"]["Parameters"]
    hop = _full_state()["current"]
    # THEN each takes or frees the slot the hop names, not one it builds itself
    for name in ("TakeSlot", "FreeSlot", "FreeSlotAfterFailure"):
        assert STATES[name]["Parameters"]["Key"] == {
            "pk": {"S.$": "$.current.slot"},
            "sk": {"S": ledger_schema.SLOT.sk()},
        }
    # AND the take is capped by the hop's cap (AWS's quota for its type, under the stack's)
    assert take["ExpressionAttributeValues"][":max"] == {
        "N.$": "States.Format('{}', $.current.slot_cap)"
    }
    assert "size(holders) < :max" in take["ConditionExpression"]
    # AND the hop names its account, destination region and quota group (an Aurora bring-back
    # from the DR vault: the central account, into the member's region)
    assert hop["slot"] == slot_key(DR.account, MEMBER_VAULT.region, CLUSTER_SNAPSHOTS)
    assert hop["slot_cap"] == CLUSTER_SNAPSHOTS.cap


def test_next_hop_is_given_the_stacks_cap_from_the_template() -> None:
    # (the one deployment setting the definition passes on: the function does not have it)
    payload = STATES["NextHop"]["Parameters"]["Payload"]
    assert payload["max_concurrent_copies"] == "${MaxConcurrentCopies}"


def test_the_slot_the_ledger_frees_is_the_one_take_slot_takes() -> None:
    # (a chain that ended outside its steps is freed by the ledger, not by FreeSlot: the hop's
    # record keeps the slot NextHop set, and the holder is the one TakeSlot formats)
    take = STATES["TakeSlot"]["Parameters"]
    holder = take["ExpressionAttributeValues"][":me_s"]["S.$"]
    assert holder == "States.Format('{}#{}', $.chain_id, $.current.index)"
    hop = HopRecord("chain-1", 2, None, "us-west-2", datetime.now(UTC), slot="SLOT#1#r#g")
    assert hop.slot_holder == "chain-1#2"


def test_an_execution_has_an_overall_timeout() -> None:
    assert ASL["TimeoutSeconds"] == 7 * 24 * 3600
