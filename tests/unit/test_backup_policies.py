"""Which plans backup policies made: one marker (INFERRED from AWS's sample plan ARN), read the
same way by every reader."""

from __future__ import annotations

import pytest

from backup_relay.domain.backup_policies import POLICY_PLAN_ID_PREFIX, made_by_backup_policy


@pytest.mark.parametrize(
    ("plan_id", "made"),
    [
        # the plan in AWS's sample MALWARE_JOB_REPORT ("Choosing your report template")
        ("orgs/4232272a-ed54-3a88-b1d0-ace894b6c24c", True),
        # a plan an account made itself (AWS's sample BACKUP_JOB_REPORT)
        ("349f2247-b489-4301-83ac-4b7dd724db9a", False),
        # the plans AWS makes for EFS's automatic backups are not backup policies' plans
        ("aws/efs/73d922fb-9312-3a70-99c3-e69367f9fdad", False),
    ],
)
def test_a_plan_made_by_a_backup_policy_is_told_by_its_id(plan_id: str, made: bool) -> None:
    # GIVEN a plan id as ListBackupPlans lists it WHEN asked who made it
    # THEN only the "orgs/" form is a backup policy's
    assert made_by_backup_policy(plan_id) is made
    assert POLICY_PLAN_ID_PREFIX == "orgs/"
