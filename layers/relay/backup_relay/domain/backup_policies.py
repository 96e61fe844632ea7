"""Which backup plans an organization's backup policies made: the one place the product tells
them from the plans an account made itself (the doctor's adapters read it, the sandbox makes
such plans with it).

AWS's pages:
- [opt-in rules] "If a member account's backup plan was created by an Organizations-level backup
  policy, the AWS Backup opt-in settings for the Organizations management account will override
  the opt-in settings in that member account, but only for that backup plan":
  https://docs.aws.amazon.com/aws-backup/latest/devguide/manage-cross-account.html
- [report sample] AWS's sample MALWARE_JOB_REPORT names a plan
  "arn:aws:backup:us-east-1:025066259999:backup-plan:orgs/4232272a-ed54-3a88-b1d0-ace894b6c24c"
  (the AWS Backup Developer Guide, "Choosing your report template").
INFERRED: that a plan id beginning "orgs/" marks a plan a backup policy made. AWS's sample shows
the form; no page says what it means, and no field of ListBackupPlans or GetBackupPlan says who
made a plan.
"""

from __future__ import annotations

#: The start of the id AWS gives a plan a backup policy made (INFERRED: see above).
POLICY_PLAN_ID_PREFIX = "orgs/"


def made_by_backup_policy(plan_id: str) -> bool:
    """Whether the plan `plan_id` names is one an organization's backup policy made."""
    return plan_id.startswith(POLICY_PLAN_ID_PREFIX)
