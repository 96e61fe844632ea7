"""The sandbox organization's night, as the chain's end-to-end tests run it."""

from __future__ import annotations

from backup_relay_sandbox.backup_sim.faults import Delivery
from backup_relay_sandbox.backup_sim.model import CopyJob
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT
from backup_relay_sandbox.organization import (
    CENTRAL_VAULT_ARN,
    DATABASE_TYPES,
    DR_VAULT_ARN,
    Organization,
)

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


def landed_in_central(org: Organization) -> list[CopyJob]:
    return org.completed_copies_into(CENTRAL)


def lose_the_chains_completions(org: Organization) -> None:
    """AWS never delivers the COMPLETED events of the chain's own copy jobs."""
    deliver = org.sim.faults.delivery

    def delivery(job_id: str, state: str) -> Delivery:
        job = org.sim.copy_jobs.get(job_id)
        if job is not None and job.account == CENTRAL_ACCOUNT and state == "COMPLETED":
            return Delivery.LOSE
        return deliver(job_id, state)

    org.sim.faults.delivery = delivery  # type: ignore[method-assign]
