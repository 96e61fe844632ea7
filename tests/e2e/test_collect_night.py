"""End to end in the sandbox: events from two member accounts and the central account travel the
real rules -> InputTransformer -> SQS -> ingest handler -> ledger path."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from backup_relay.domain.jobs import JobEvent
from backup_relay_cli.main import main
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, client
from backup_relay_sandbox.night import NIGHT, run_night


def _ledger_events() -> list[JobEvent]:
    [table] = [t for t in client("dynamodb").list_tables()["TableNames"] if "Ledger" in t]
    items = client("dynamodb").scan(TableName=table)["Items"]
    return [
        JobEvent.model_validate_json(i["event"]["S"])
        for i in items
        if i["sk"]["S"].startswith("EVENT#")
    ]


def test_a_night_of_events_is_collected_once_each_with_reasons_for_the_rest(moto: None) -> None:
    # GIVEN the sandbox organization and its night of AWS Backup events (one delivered twice,
    # a malware scan, one not a job event, one from an account outside the allow-list, one
    # malformed message)
    # WHEN the night runs through the deployed collection path
    report = run_night()
    summary = report.summary()
    # THEN every job event of an allowed account is recorded exactly once
    events = _ledger_events()
    assert summary["recorded"] == len(events) == 13
    assert summary["duplicates"] == 1
    assert Counter(e.account for e in events) == {
        MEMBER_ACCOUNTS[0]: 7,
        MEMBER_ACCOUNTS[1]: 5,
        CENTRAL_ACCOUNT: 1,
    }
    assert {e.kind for e in events} == {"BACKUP", "COPY", "RESTORE", "SCAN"}
    # AND what was not recorded is accounted for, with its reason, and nothing was dead-lettered
    assert summary["quarantine_reasons"] == {"account_not_allowed": 1, "not_json": 1}
    assert summary["not_matched_by_rules"] == 1
    assert summary["dead_lettered"] == 0
    assert summary["events_seen"] == sum(2 if s.duplicate else 1 for s in NIGHT if s.example)


def test_member_events_keep_their_account_and_arns(moto: None) -> None:
    run_night()
    copies = [e for e in _ledger_events() if e.kind == "COPY" and e.state == "COMPLETED"]
    by_account = {e.account: e for e in copies}
    member = by_account[MEMBER_ACCOUNTS[0]]
    assert member.source_vault_arn is not None
    assert f":{MEMBER_ACCOUNTS[0]}:" in member.source_vault_arn
    assert member.destination_recovery_point_arn == (
        "arn:aws:ec2:us-west-2::snapshot/snap-0726fe70935586180"
    )
    assert json.loads(member.model_dump_json())["size_bytes"] == 3221225472


def test_demo_json_summary_counts_what_it_saw(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN the demo runs with --json THEN it prints only a summary that adds up
    assert main(["demo", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True
    # every job event AWS Backup emitted (duplicates included) was normalized; the malformed
    # message was quarantined; each database took a chain to DR and every backup reached DR,
    # the Aurora cluster whose key was not shared once its alert was acted on and its copy
    # replayed; each of the 6 clusters took a second chain, into the LAG vault (RDS: no route)
    assert summary["normalized"] == summary["events_seen"]
    assert summary["recorded"] + summary["duplicates"] == summary["normalized"]
    assert summary["quarantine_reasons"] == {"not_json": 1}
    assert (summary["chains_completed"], summary["chains_failed"]) == (8 + 6, 0)
    assert summary["recovery_points_at_dr"] == 10
    assert summary["alerts"] == {"kms_key_not_shared": 1}
    assert summary["replayed"] == 1
    assert summary["coverage"] == {"current": 8, "stale": 0}
    # AND the doctor, before the copies ran, found the key in the category the alert gave
    assert summary["doctor"] == summary["alerts"] == {"kms_key_not_shared": 1}
