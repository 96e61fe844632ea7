"""What template.yaml promises that moto cannot check: IAM as AWS documents each action, physical
names from the stack, data kept and load bounded."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from backup_relay.domain.quotas import slot_for
from backup_relay_sandbox.template import (
    CENTRAL_TEMPLATE,
    MEMBER_TEMPLATE,
    REPO_ROOT,
    load_template,
)

TEMPLATE = load_template(CENTRAL_TEMPLATE)


def _statements() -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(function, statement, conditional) for every statement of every function policy."""
    for name, resource in TEMPLATE["Resources"].items():
        for policy in resource.get("Properties", {}).get("Policies", []) or []:
            for entry in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if "Fn::If" in entry:
                    yield name, entry["Fn::If"][1], True
                else:
                    yield name, entry, False


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def test_send_task_actions_are_granted_on_any_resource() -> None:
    # AWS's Service Authorization Reference lists no resource type for SendTaskSuccess/Failure:
    # a statement naming the state machine would never match
    granting = [
        (name, statement)
        for name, statement, _ in _statements()
        if any(a.startswith("states:SendTask") for a in _actions(statement))
    ]
    assert {name for name, _ in granting} == {
        "IngestFunction",
        "ChainStepsFunction",
        "ReconcileFunction",
    }
    assert all(statement["Resource"] == "*" for _, statement in granting)
    assert all(
        set(_actions(statement)) <= {"states:SendTaskSuccess", "states:SendTaskFailure"}
        for _, statement in granting
    )


def test_recovery_point_lifecycles_are_changed_only_when_intermediate_retention_is_on() -> None:
    lifecycle = [
        (name, conditional)
        for name, statement, conditional in _statements()
        if "backup:UpdateRecoveryPointLifecycle" in _actions(statement)
    ]
    assert lifecycle == [("ChainStepsFunction", True)]
    [entry] = [
        e
        for p in TEMPLATE["Resources"]["ChainStepsFunction"]["Properties"]["Policies"]
        for e in p["Statement"]
        if "Fn::If" in e and e["Fn::If"][0] == "ShortensIntermediateRetention"
    ]
    assert entry["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    assert TEMPLATE["Conditions"]["ShortensIntermediateRetention"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "IntermediateRetentionDays"}, 0]}]
    }


def test_the_dr_vault_cannot_be_the_central_vault() -> None:
    [assertion] = TEMPLATE["Rules"]["DrVaultIsNotTheCentralVault"]["Assertions"]
    assert assertion["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DrVaultName"}, {"Ref": "CentralVaultName"}]}]
    }


PHYSICAL_NAMES = {
    "Name",
    "StateMachineName",
    "TableName",
    "QueueName",
    "FunctionName",
    "RoleName",
    "LogGroupName",
    "ScheduleName",
    "LayerName",
}


def _derived_from_the_stack(value: Any) -> bool:
    """Does a name take the stack's name, or a resource's of this stack (which does)?"""
    text = str(value)
    if "AWS::StackName" in text:
        return True
    refs = [value.get("Ref"), value.get("Fn::GetAtt")] if isinstance(value, dict) else []
    subs = value.get("Fn::Sub", "") if isinstance(value, dict) else ""
    resources = TEMPLATE["Resources"]
    return any(isinstance(r, str) and r in resources for r in refs) or any(
        f"${{{lid}}}" in str(subs) for lid in resources
    )


def test_every_physical_name_derives_from_the_stack_name() -> None:
    # GIVEN every resource property that names a physical resource
    named = [
        (logical_id, key, value)
        for logical_id, resource in TEMPLATE["Resources"].items()
        for key, value in (resource.get("Properties") or {}).items()
        if key in PHYSICAL_NAMES and resource["Type"] != "AWS::Events::Rule"
    ]
    # THEN each is the stack's (two stacks, dev and prod, side by side in one account)
    assert named  # the bus, the state machine, the log groups
    assert [(lid, key) for lid, key, value in named if not _derived_from_the_stack(value)] == []


def _resource(logical_id: str) -> dict[str, Any]:
    resource: dict[str, Any] = TEMPLATE["Resources"][logical_id]
    return resource


def test_queues_and_the_ledger_outlive_the_stack_and_the_dead_letters_outlive_their_source() -> (
    None
):
    # the queues are kept unless the stack's first deploy fails (they hold nothing yet):
    # RetainExceptOnCreate (CloudFormation's DeletionPolicy attribute)
    for logical_id in ("IngestQueue", "DeadLetterQueue", "AlertsQueue", "AlertsDeadLetterQueue"):
        assert _resource(logical_id)["DeletionPolicy"] == "RetainExceptOnCreate"
        assert _resource(logical_id)["UpdateReplacePolicy"] == "Retain"
    assert _resource("LedgerTable")["DeletionPolicy"] == "Retain"
    assert _resource("LedgerTable")["UpdateReplacePolicy"] == "Retain"
    assert _resource("LedgerTable")["Properties"]["DeletionProtectionEnabled"] is True
    source = _resource("IngestQueue")["Properties"]["MessageRetentionPeriod"]
    dead = _resource("DeadLetterQueue")["Properties"]["MessageRetentionPeriod"]
    assert source < dead == 14 * 24 * 3600  # SQS keeps a message's first enqueue time


def test_the_ingest_queue_gives_a_batch_time_to_finish_and_bounds_its_concurrency() -> None:
    # Lambda: a visibility timeout of at least six times the function's timeout, plus the
    # batching window
    mapping = _resource("IngestQueueMapping")["Properties"]
    timeout = _resource("IngestFunction")["Properties"].get(
        "Timeout", TEMPLATE["Globals"]["Function"]["Timeout"]
    )
    visibility = _resource("IngestQueue")["Properties"]["VisibilityTimeout"]
    assert mapping["MaximumBatchingWindowInSeconds"] == {"Ref": "IngestBatchingWindowSeconds"}
    window = TEMPLATE["Parameters"]["IngestBatchingWindowSeconds"]["MaxValue"]  # at its longest
    assert visibility >= 6 * timeout + window
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "IngestMaxConcurrency"}}


def test_a_replay_runs_probes_end_well_within_its_functions_timeout() -> None:
    # replay/waits.py: a run starts no probe past its budget; one started before runs to
    # ProbeTimeoutSeconds at its longest. Half the timeout is left to the replays themselves.
    from backup_relay.replay.waits import PROBE_BUDGET_SECONDS

    timeout = _resource("ReplayFunction")["Properties"]["Timeout"]
    longest_probe = TEMPLATE["Parameters"]["ProbeTimeoutSeconds"]["MaxValue"]
    assert PROBE_BUDGET_SECONDS + longest_probe <= timeout / 2


def test_the_relay_bus_keeps_an_archive_to_replay_after_an_outage() -> None:
    archive = _resource("EventBusArchive")["Properties"]
    assert archive["SourceArn"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert archive["RetentionDays"] == {"Ref": "EventArchiveRetentionDays"}


def test_an_execution_that_ends_outside_its_steps_reaches_the_chain_ended_function() -> None:
    # A slot is freed only by FreeSlot: Step Functions' own event must free a stopped, timed out
    # or failed execution's
    [event] = _resource("ChainEndedFunction")["Properties"]["Events"].values()
    pattern = event["Properties"]["Pattern"]
    assert event["Type"] == "EventBridgeRule"
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert set(pattern["detail"]["status"]) == {"FAILED", "TIMED_OUT", "ABORTED"}
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": "CopyChainStateMachine"}]


def test_copy_jobs_start_only_from_this_accounts_recovery_points() -> None:
    # StartCopyJob is authorized on the source recovery point, in its service's own ARN form;
    # every hop (to DR, and back) copies from a vault of the central account
    [statement] = [s for _, s, _ in _statements() if "backup:StartCopyJob" in _actions(s)]
    resources = [r["Fn::Sub"] for r in statement["Resource"]]
    assert "*" not in statement["Resource"]
    assert _actions(statement) == ["backup:StartCopyJob"]
    for arn in resources:  # EC2's snapshot and image ARNs carry no account
        assert ":${AWS::AccountId}:" in arn or arn.startswith("arn:${AWS::Partition}:ec2:*::")
    for form in (
        ":rds:*:${AWS::AccountId}:cluster-snapshot:*",
        ":rds:*:${AWS::AccountId}:snapshot:*",
    ):
        assert any(arn.endswith(form) for arn in resources), form


def test_the_reconcile_schedule_is_run_by_a_role_only_this_accounts_scheduler_assumes() -> None:
    [event] = _resource("ReconcileFunction")["Properties"]["Events"].values()
    assert event["Properties"]["RoleArn"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    role = _resource("SchedulerRole")["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    [grant] = policy["PolicyDocument"]["Statement"]
    assert (grant["Action"], grant["Resource"]) == (
        "lambda:InvokeFunction",
        [{"Fn::GetAtt": ["ReconcileFunction", "Arn"]}, {"Fn::GetAtt": ["DoctorFunction", "Arn"]}],
    )


def _asl_partition_keys() -> list[str]:
    """The `pk` every DynamoDB task of the state machine writes, as its format string."""
    asl = json.loads((REPO_ROOT / "statemachines" / "copy_chain.asl.json").read_text())
    keys = []
    for state in asl["States"].values():
        if state.get("Resource", "").startswith("arn:aws:states:::dynamodb:"):
            pk = state["Parameters"]["Key"]["pk"]
            keys.append(pk.get("S") or pk["S.$"])
    return keys


def test_the_state_machine_writes_only_slot_and_chain_items() -> None:
    # GIVEN the state machine's table grant, limited by the items' partition keys
    statements = [
        s
        for p in _resource("CopyChainStateMachine")["Properties"]["Policies"]
        for s in p.get("Statement", [])
    ]
    [table] = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    patterns = table["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    # THEN every key its DynamoDB tasks write falls under it (TakeSlot, FreeSlot*,
    # RecordChainFailed); the slots' as the library names them for a hop ($.current.slot)
    written = _asl_partition_keys()
    assert len(written) == 4
    slots = [slot_for(t, "222222222222", "us-west-2", 0).key for t in ("RDS", "Aurora", "EBS")]
    keys = [k for k in written if k != "$.current.slot"] + slots
    prefixes = [re.match(r"(?:States\.Format\(')?([A-Z]+#)", key) for key in keys]
    assert all(
        prefix and any(fnmatchcase(prefix[1] + "x", p) for p in patterns) for prefix in prefixes
    ), keys
    assert _actions(table) == ["dynamodb:UpdateItem"]


def test_the_state_machine_logs_its_failures_without_execution_data() -> None:
    logging = _resource("CopyChainStateMachine")["Properties"]["Logging"]
    assert (logging["Level"], logging["IncludeExecutionData"]) == ("ERROR", False)
    [destination] = logging["Destinations"]
    group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert _resource(group)["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_every_log_group_has_a_retention() -> None:
    groups = [r for r in TEMPLATE["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) >= 6
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"} for g in groups)


def test_every_queue_refuses_requests_without_tls() -> None:
    for template in (TEMPLATE, load_template(MEMBER_TEMPLATE)):
        resources = template["Resources"]
        queues = {lid for lid, r in resources.items() if r["Type"] == "AWS::SQS::Queue"}
        denied: set[str] = set()
        for policy in (r for r in resources.values() if r["Type"] == "AWS::SQS::QueuePolicy"):
            document = policy["Properties"]["PolicyDocument"]
            for statement in document["Statement"]:
                if statement["Effect"] == "Deny" and statement.get("Condition") == {
                    "Bool": {"aws:SecureTransport": "false"}
                }:
                    assert (statement["Principal"], statement["Action"]) == ("*", "sqs:*")
                    denied |= {r["Ref"] for r in policy["Properties"]["Queues"]}
        assert queues
        assert denied == queues


def test_chain_steps_reserve_their_concurrency_only_when_told_to() -> None:
    # (a reservation must leave Lambda's 100 unreserved executions: tests/integration/
    # test_deploy_rules.py holds the default to what any account can take)
    reserved = _resource("ChainStepsFunction")["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {
        "Fn::If": [
            "ReservesChainStepsConcurrency",
            {"Ref": "ChainStepsReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert TEMPLATE["Parameters"]["ChainStepsReservedConcurrency"]["Default"] == 0


def test_replay_probes_with_exactly_the_reads_the_alerts_function_probes_with() -> None:
    # GIVEN the probe's read statements, written for AlertsFunction (SAM's Policies) and for
    # ReplayFunctionRole (a role of its own, policy ProbeTheCause): two copies of one fact
    alerts = [
        statement
        for policy in TEMPLATE["Resources"]["AlertsFunction"]["Properties"]["Policies"]
        for statement in policy["Statement"]
        if statement.get("Sid", "").startswith("Probe")
    ]
    (replay,) = [
        policy["PolicyDocument"]["Statement"]
        for policy in TEMPLATE["Resources"]["ReplayFunctionRole"]["Properties"]["Policies"]
        if policy["PolicyName"] == "ProbeTheCause"
    ]
    # THEN they are the same statements: a read added to one probe is added to both
    assert alerts
    assert replay == alerts
