"""The doctor's member scan against the simulator: it asks AWS for the chained types' recent
recovery points (ByResourceType, ByCreatedAfter), not for every recovery point of every vault."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from backup_relay.adapters import aws
from backup_relay.adapters.prerequisites.member import (
    RECOVERY_POINT_LOOKBACK,
    AwsMemberPrerequisites,
)
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION

MEMBER = MEMBER_ACCOUNTS[0]


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:rds:{REGION}:{MEMBER}:{kind}:{name}"


def test_the_member_scan_lists_only_recent_recovery_points_of_chained_types(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a member vault with an Aurora recovery point older than the lookback, then a recent
    # Aurora one and a recent DynamoDB one (a type the chain does not copy)
    aws.reset()
    sim = simulator()
    key = sim.create_key(MEMBER, REGION)
    vault = sim.create_vault(MEMBER, REGION, "member-vault", key)
    aurora, table = _arn("cluster", "orders"), f"arn:aws:dynamodb:{REGION}:{MEMBER}:table/t"
    sim.register_resource(MEMBER, REGION, "Aurora", aurora, key)
    sim.register_resource(MEMBER, REGION, "DynamoDB", table, key)
    old = sim.put_recovery_point(vault, aurora)
    sim.advance(RECOVERY_POINT_LOOKBACK + timedelta(days=1))
    recent = sim.put_recovery_point(vault, aurora)
    sim.put_recovery_point(vault, table)
    # AND every ListRecoveryPointsByBackupVault request the scan makes is recorded
    asked: list[dict[str, Any]] = []
    client_as = aws.client_as

    def recording(credentials: Any, service: str, region: str) -> Any:
        made = client_as(credentials, service, region)
        made.meta.events.register(
            "provide-client-params.backup.ListRecoveryPointsByBackupVault",
            lambda params, **_: asked.append(dict(params)),
        )
        return made

    monkeypatch.setattr(aws, "client_as", recording)
    # WHEN the doctor reads the member (chained types Aurora and RDS), on the simulator's clock
    scan = AwsMemberPrerequisites(
        "backup-relay-doctor", CENTRAL_ACCOUNT, frozenset({"Aurora", "RDS"}), now=lambda: sim.now
    )
    facts = scan.member(MEMBER, REGION)
    # THEN it asked once per chained type, each time from the lookback on
    since = sim.now - RECOVERY_POINT_LOOKBACK
    assert sorted(p["ByResourceType"] for p in asked) == ["Aurora", "RDS"]
    assert {p["ByCreatedAfter"] for p in asked} == {since}
    # AND AWS (the simulator) left out the old point and the other type
    assert [p.arn for p in facts.recovery_points] == [recent]
    assert old != recent
