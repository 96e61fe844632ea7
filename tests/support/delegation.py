"""AWS's documented delegation policy for backup policies, placeholders filled: the setup the
doctor must accept (tests of every tier share this one copy)."""

from __future__ import annotations

ORG = "o-a1b2c3d4e5"
ROOT = "r-a1b2"


def aws_example_delegation(
    admin: str, management: str, organization: str = ORG
) -> dict[str, object]:
    """AWS's "Consolidated permissions to manage an organization's backup policies", its
    placeholders filled (https://docs.aws.amazon.com/organizations/latest/userguide/
    orgs_delegate_policies_example_consolidate_permissions.html)."""
    principal = {"AWS": f"arn:aws:iam::{admin}:root"}
    backup_only = {"StringLikeIfExists": {"organizations:PolicyType": "BACKUP_POLICY"}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DelegatingNecessaryDescribeListActions",
                "Effect": "Allow",
                "Principal": principal,
                "Action": [
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribeAccount",
                    "organizations:ListRoots",
                    "organizations:ListOrganizationalUnitsForParent",
                    "organizations:ListParents",
                    "organizations:ListChildren",
                    "organizations:ListAccounts",
                    "organizations:ListAccountsForParent",
                    "organizations:ListTagsForResource",
                ],
                "Resource": "*",
            },
            {
                "Sid": "DelegatingNecessaryDescribeListActionsForSpecificPolicyType",
                "Effect": "Allow",
                "Principal": principal,
                "Action": [
                    "organizations:DescribePolicy",
                    "organizations:DescribeEffectivePolicy",
                    "organizations:ListPolicies",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListTargetsForPolicy",
                ],
                "Resource": "*",
                "Condition": backup_only,
            },
            {
                "Sid": "DelegatingAllActionsForBackupPolicies",
                "Effect": "Allow",
                "Principal": principal,
                "Action": [
                    "organizations:CreatePolicy",
                    "organizations:UpdatePolicy",
                    "organizations:DeletePolicy",
                    "organizations:AttachPolicy",
                    "organizations:DetachPolicy",
                    "organizations:EnablePolicyType",
                    "organizations:DisablePolicyType",
                ],
                "Resource": [
                    f"arn:aws:organizations::{management}:root/{organization}/{ROOT}",
                    f"arn:aws:organizations::{management}:ou/{organization}/*",
                    f"arn:aws:organizations::{management}:account/{organization}/*",
                    f"arn:aws:organizations::{management}:policy/{organization}/backup_policy/*",
                ],
                "Condition": backup_only,
            },
        ],
    }
