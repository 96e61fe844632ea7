"""The copy chain checks a landed copy's event against AWS before it starts anything: on the
simulator's real answers (a vault that does not exist is AccessDeniedException 403, as AWS)."""

from __future__ import annotations

import json
from typing import Any

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
