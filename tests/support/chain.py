"""The sandbox organization's night, as the chain's end-to-end tests run it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from backup_relay_sandbox.backup_sim.model import CopyJob
from backup_relay_sandbox.cloud import REGION
from backup_relay_sandbox.emit import as_member_event
from backup_relay_sandbox.organization import (
    BACKUP_ROLE,
    CENTRAL_VAULT_ARN,
    DATABASE_TYPES,
    DR_VAULT_ARN,
    MEMBER_VAULT,
    Organization,
    lose_the_chains_completions,
)
from backup_relay_sandbox.template import REPO_ROOT

__all__ = [
    "CENTRAL",
    "DR",
    "forged_completed_copy",
    "landed_in_central",
    "lose_the_chains_completions",
    "max_overlap",
    "night",
    "on_demand_backup",
]

CENTRAL, DR = CENTRAL_VAULT_ARN, DR_VAULT_ARN


def night(org: Organization, types: tuple[str, ...] = DATABASE_TYPES) -> dict[tuple[str, str], str]:
    """Back up every resource, then run the backup plans' copy actions: databases into the
    central vault of their region (hop 1), EBS straight to the DR vault (its only hop)."""
    points = {key: org.backup(*key) for key in org.resources if key[1] in (*types, "EBS")}
    org.settle()
    for (account, resource_type), point in points.items():
        org.plan_copy(account, point, DR if resource_type == "EBS" else CENTRAL)
    org.settle()
    return points


def on_demand_backup(org: Organization, account: str, resource_type: str) -> str:
    """StartBackupJob in a member account, as its operator would (no plan: its events carry no
    `createdBy`); settled, the recovery point's ARN."""
    backup = org.backup_client(account)
    job = backup.start_backup_job(
        BackupVaultName=MEMBER_VAULT,
        ResourceArn=org.resources[(account, resource_type)],
        IamRoleArn=f"arn:aws:iam::{account}:role/{BACKUP_ROLE}",
    )
    org.settle()
    done = backup.describe_backup_job(BackupJobId=job["BackupJobId"])
    assert done["State"] == "COMPLETED"
    assert "BackupPlanArn" not in done.get("CreatedBy", {})  # on demand: no plan
    return str(done["RecoveryPointArn"])


def landed_in_central(org: Organization) -> list[CopyJob]:
    return org.completed_copies_into(CENTRAL)


def max_overlap(jobs: list[CopyJob]) -> int:
    """The most copy jobs running at once."""
    edges: list[tuple[datetime, int]] = []
    for job in jobs:
        assert job.completion is not None
        edges += [(job.creation, 1), (job.completion, -1)]
    running = peak = 0
    for _, change in sorted(edges, key=lambda edge: (edge[0], edge[1])):
        running += change
        peak = max(peak, running)
    return peak


def forged_completed_copy(org: Organization, member: str) -> dict[str, Any]:
    """A COMPLETED copy event of a member's own making: an Aurora recovery point "landed" in the
    central vault that AWS Backup never made."""
    documented = json.loads((REPO_ROOT / "events" / "copy_job_completed.json").read_text())
    forged = as_member_event(documented, account=member, region=REGION, time=org.sim.now)
    forged["detail"] |= {
        "resourceType": "Aurora",
        "destinationBackupVaultArn": CENTRAL,
        "destinationRecoveryPointArn": CENTRAL.replace(":backup-vault:", ":recovery-point:x"),
    }
    return forged
