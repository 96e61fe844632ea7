"""The copy chain checks a landed copy's event against AWS before it starts anything: on the
simulator's real answers (a vault that does not exist is AccessDeniedException 403, as AWS)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backup_relay.adapters import aws
from backup_relay.adapters.backup import BackupRecoveryPoints
from backup_relay.domain.errors import AccessDenied, Refused, Throttled
from backup_relay.domain.routes import Vault
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.emit import emit
from backup_relay_sandbox.organization import CENTRAL_VAULT, Organization
from tests.support.chain import forged_completed_copy

MEMBER = MEMBER_ACCOUNTS[0]
#: A Region where the central stack made no vault: the central vault's name there names nothing.
ELSEWHERE = "eu-west-1"


def _quarantined(org: Organization) -> list[dict[str, Any]]:
    items = client("dynamodb").scan(TableName=org.central.tables["LedgerTable"])["Items"]
    return [item for item in items if item["pk"]["S"].startswith("QUARANTINE#")]


def test_a_forged_copy_into_a_vault_that_does_not_exist_is_quarantined_not_retried(
    moto: None,
) -> None:
    # GIVEN a member's forged COMPLETED copy naming the central vault's name in a Region where
    # no such vault exists: DescribeRecoveryPoint there is refused AccessDeniedException (403)
    org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",))
    forged = forged_completed_copy(org, MEMBER)
    missing = f"arn:aws:backup:{ELSEWHERE}:{CENTRAL_ACCOUNT}:backup-vault:{CENTRAL_VAULT}"
    forged["detail"] |= {
        "destinationBackupVaultArn": missing,
        "destinationRecoveryPointArn": missing.replace(":backup-vault:", ":recovery-point:x"),
    }
    # WHEN it travels the real path: the member's bus, the relay bus, ingest
    emit(forged, account=MEMBER, region=REGION)
    org.deliver()
    # THEN no chain started, and the message is quarantined once, with the reason and AWS's word
    assert org.executions() == []
    [item] = _quarantined(org)
    assert item["reason_code"]["S"] == "unverified_event"
    assert "AccessDeniedException" in json.dumps(item)
    assert missing in json.dumps(item)


def test_the_adapters_read_the_simulators_refusals_as_refusals_not_crashes(moto: None) -> None:
    # GIVEN a locked central vault holding a point kept indefinitely
    aws.reset()
    sim = simulator()
    vault = Vault(account=CENTRAL_ACCOUNT, region=REGION, name="central")
    vault_arn = sim.create_vault(
        CENTRAL_ACCOUNT, REGION, vault.name, sim.create_key(CENTRAL_ACCOUNT, REGION)
    )
    db = f"arn:aws:rds:{REGION}:{CENTRAL_ACCOUNT}:cluster:orders"
    sim.register_resource(CENTRAL_ACCOUNT, REGION, "Aurora", db, None)
    point = sim.put_recovery_point(vault_arn, db)
    client("backup").put_backup_vault_lock_configuration(
        BackupVaultName=vault.name, MinRetentionDays=1
    )
    points = BackupRecoveryPoints()
    # WHEN the chain's adapter shortens its retention, and reads a point in a missing vault
    with pytest.raises(Refused) as shortened:
        points.set_retention(vault, point, 3)
    with pytest.raises(AccessDenied) as missing:
        points.describe(Vault(account=CENTRAL_ACCOUNT, region=ELSEWHERE, name="central"), point)
    # THEN both are refusals the chain handles (HopSteps skips the first, ChainTriggers
    # quarantines on the second), not throttles to retry
    assert shortened.value.code == "InvalidRequestException"
    assert "cannot be shortened" in shortened.value.message
    assert not isinstance(shortened.value, Throttled)
    assert missing.value.code == "AccessDeniedException"
