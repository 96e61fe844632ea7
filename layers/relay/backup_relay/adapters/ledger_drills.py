"""The drills' item in the ledger (ledger_schema.PROVEN_RESTORE names its key)."""

from __future__ import annotations

from typing import TypedDict


class ProvenRestoreItem(TypedDict):
    """A resource's last proven restore: a restore drill whose validation was SUCCESSFUL (the
    validation function, drills/), naming the DR recovery point and the restore testing plan;
    a later proof replaces it, an earlier one does not."""

    pk: str
    sk: str
    resource_type: str | None
    proven_at: str
    recovery_point_arn: str
    restore_testing_plan_arn: str
    restore_job_id: str
    created_resource_arn: str | None
