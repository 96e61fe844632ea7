"""vaults/template.yaml: the vaults the chain copies into, with a customer managed key and the
policies cross-account copies need (AWS's cross-account copy guidance)."""

from __future__ import annotations

from typing import Any

from backup_relay_sandbox.template import CENTRAL_TEMPLATE, VAULTS_TEMPLATE, load_template

VAULTS = load_template(VAULTS_TEMPLATE)
RESOURCES = VAULTS["Resources"]
SERVICE_ROLE = (
    "arn:${AWS::Partition}:iam::*:role/aws-service-role/backup.amazonaws.com/"
    "AWSServiceRoleForBackup"
)
ORGANIZATION = {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}


def _statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    [found] = [s for s in statements if s.get("Sid") == sid]
    return found


def test_the_key_lets_the_organizations_backup_service_role_copy_with_it() -> None:
    key = RESOURCES["VaultKey"]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    use = _statement(statements, "TheOrganizationsBackupServiceRoleCopiesWithIt")
    grants = _statement(statements, "TheOrganizationsBackupServiceRoleGrantsForAwsResources")
    assert use["Action"] == [
        "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"
    ]  # fmt: skip
    assert grants["Action"] == ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    for statement in (use, grants):
        assert statement["Condition"]["StringEquals"] == ORGANIZATION
        assert statement["Condition"]["ArnLike"] == {"aws:PrincipalArn": {"Fn::Sub": SERVICE_ROLE}}
    assert grants["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_the_vaults_take_copies_from_the_organizations_backup_roles_only() -> None:
    for vault in ("CentralVault", "DrVault"):
        properties = RESOURCES[vault]["Properties"]
        assert properties["EncryptionKeyArn"] == {"Fn::GetAtt": ["VaultKey", "Arn"]}
        # only CopyIntoBackupVault: AWS rejects cross-account access to a vault for any other
        # action, whatever its policy says (Vault access policies, AWS Backup developer guide)
        [copy_in] = properties["AccessPolicy"]["Statement"]
        assert copy_in["Action"] == "backup:CopyIntoBackupVault"
        assert copy_in["Condition"]["StringEquals"] == ORGANIZATION
        assert "CopyRoleNames" in str(copy_in["Condition"]["ArnLike"]["aws:PrincipalArn"])
        assert RESOURCES[vault]["DeletionPolicy"] == "Retain"
    assert RESOURCES["DrVault"]["Condition"] == "InTheDrRegion"
    # AND by default those roles are AWS Backup's default one and the ones backup-relay creates
    assert VAULTS["Parameters"]["CopyRoleNames"]["Default"] == (
        "service-role/AWSBackupDefaultServiceRole,backup-relay/*"
    )


def test_vault_lock_is_optional_and_compliance_has_its_grace_period() -> None:
    lock = RESOURCES["CentralVault"]["Properties"]["LockConfiguration"]
    assert lock["Fn::If"][0] == "Locked"
    assert lock["Fn::If"][1]["ChangeableForDays"]["Fn::If"][0] == "Compliance"
    assert lock["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_the_vault_names_default_to_the_central_stacks() -> None:
    central = load_template(CENTRAL_TEMPLATE)["Parameters"]
    for name in ("CentralVaultName", "DrVaultName"):
        assert VAULTS["Parameters"][name]["Default"] == central[name]["Default"]
