"""member/template.yaml deployed in member accounts: their job events reach the central ledger
with their own account, through the member rule, the relay bus and the central rules."""

from __future__ import annotations

import json

from backup_relay.domain.jobs import JobEvent
from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.emit import as_member_event, emit
from backup_relay_sandbox.event_source import drain
from backup_relay_sandbox.member import deploy_member
from tests.support.events import documented
from tests.support.lambda_events import Invoke, ledger_items


def test_member_job_events_are_forwarded_whole_to_the_central_ledger(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN the member stack in two member accounts
    members = [deploy_member(account) for account in MEMBER_ACCOUNTS]
    # WHEN AWS Backup emits a copy job event on each member's default bus, plus a vault
    # event (not forwarded)
    for member in members:
        event = as_member_event(
            documented("copy_job_completed.json"), account=member.account, region=REGION
        )
        emit(event, account=member.account, region=REGION)
        emit(documented("backup_vault_created.json"), account=member.account, region=REGION)
    drain(client("sqs"), central.ingest_queue, invoke_ingest, region=REGION)
    # THEN the central ledger holds each member's job event, under the member's own account
    events = [
        JobEvent.model_validate_json(i["event"])
        for i in ledger_items(central)
        if i["sk"].startswith("EVENT#")
    ]
    assert sorted(e.account for e in events) == sorted(MEMBER_ACCOUNTS)
    assert {e.source_vault_arn.split(":")[4] for e in events if e.source_vault_arn} == set(
        MEMBER_ACCOUNTS
    )
    # AND the original kept in the ledger is the member's event as AWS emitted it
    originals = [json.loads(i["original"]) for i in ledger_items(central) if "original" in i]
    assert {o["account"] for o in originals} == set(MEMBER_ACCOUNTS)


def test_the_member_rule_targets_the_central_bus_with_its_role(central: CentralStack) -> None:
    member = deploy_member(MEMBER_ACCOUNTS[0])
    events = client("events", REGION, member.account)
    rule = member.stack.names["ForwardRule"]
    [target] = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert target["Arn"] == f"arn:aws:events:{REGION}:123456789012:event-bus/backup-relay"
    assert target["RoleArn"] == member.stack.values["ForwardRole.Arn"]
    assert target["DeadLetterConfig"]["Arn"] == member.dead_letter_queue.arn
    policy = client("iam", REGION, member.account).get_role_policy(
        RoleName=member.stack.values["ForwardRole"], PolicyName="PutEventsOnCentralBus"
    )["PolicyDocument"]
    assert policy["Statement"][0]["Resource"] == target["Arn"]


def test_member_scan_and_index_events_reach_the_central_ledger(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN the member stack in a member account
    member = deploy_member(MEMBER_ACCOUNTS[0])
    # WHEN AWS Backup emits a scan that found threats and an index event there
    for name in ("scan_job_completed.json", "recovery_point_index_active.json"):
        event = as_member_event(documented(name), account=member.account, region=REGION)
        emit(event, account=member.account, region=REGION)
    drain(client("sqs"), central.ingest_queue, invoke_ingest, region=REGION)
    # THEN the member rule forwarded both and the central rules took them as SCAN and INDEX
    events = [
        JobEvent.model_validate_json(i["event"])
        for i in ledger_items(central)
        if i["sk"].startswith("EVENT#")
    ]
    assert sorted(str(e.kind) for e in events) == ["INDEX", "SCAN"]
    [scan] = [e for e in events if e.kind == "SCAN"]
    assert scan.found_threats
    assert scan.account == member.account
