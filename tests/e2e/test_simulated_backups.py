"""Simulated backups in two member accounts: their job events, as AWS Backup emits them (some
twice, some never), travel the member stack, the relay rules, SQS and ingest into the ledger."""

from __future__ import annotations

from backup_relay.domain.jobs import JobEvent
from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS, client
from backup_relay_sandbox.organization import Organization


def test_every_delivered_event_is_recorded_once_and_lost_ones_are_not_invented(moto: None) -> None:
    # GIVEN two member accounts, and AWS delivering a share of events twice and losing others
    org = Organization.build(resource_types=("EBS", "RDS"))
    org.sim.faults.duplicate_share = 0.3
    org.sim.faults.lose_share = 0.3
    # WHEN each member backs up its resources
    for key in org.resources:
        org.backup(*key)
    org.settle()
    # THEN the ledger holds exactly one normalized entry per event AWS delivered
    table = org.central.tables["LedgerTable"]
    items = client("dynamodb").scan(TableName=table)["Items"]
    recorded = [
        JobEvent.model_validate_json(i["event"]["S"])
        for i in items
        if i["sk"]["S"].startswith("EVENT#")
    ]
    delivered = {e.event["id"] for e in org.sim.emitted}
    assert sorted(e.event_id for e in recorded) == sorted(delivered)
    assert {e.event["id"] for e in org.sim.lost}.isdisjoint(e.event_id for e in recorded)
    # AND the faults did happen: some duplicates, some losses, from both member accounts
    assert len(org.sim.emitted) > len(delivered)
    assert org.sim.lost
    assert {e.account for e in recorded} == set(MEMBER_ACCOUNTS)
    assert {e.kind for e in recorded} == {"BACKUP"}
