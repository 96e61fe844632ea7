"""Who a copy acts as, and whether the destination vault's access policy and the source key's
policy let it: the requests `failures.py`'s rules evaluate with `policies.allows`.

- The destination vault: "backup:CopyIntoBackupVault - Authorizes writing into the destination
  vault. Because this is a cross-account call, this permission must be present in both the
  identity-based policy (attached to the IAM role) and the resource-based policy (on the
  destination backup vault)": the principal is the copy job's IAM role in the source account
  ([cross-account], "Setting up cross-account backup").
- The source key: "The act of copying is performed by your destination account's service linked
  role" ([cross-account], on-demand copies): the principal is the destination account's
  AWSServiceRoleForBackup. "At a minimum, the key policy requires the following permissions:
  kms:createGrant, kms:generateDataKey, kms:decrypt" ([encryption], "AWS Backup permissions,
  grants, and deny statements", whose example puts CreateGrant under
  `kms:GrantIsForAWSResource`, `kms:ViaService` `backup.*.amazonaws.com` and
  `kms:EncryptionContextKeys` `aws:backup:backup-vault`); and DescribeKey, which AWS's own
  message for a key it cannot use asks for ("You must have DescribeKey permissions on the
  default CMK", [aws-backup-automation#2]). The context keys AWS Backup's grant request
  carries are INFERRED from that example (AWS does not list them).
- Fully managed types: their recovery points are encrypted with their vault's key ([encryption]:
  "This encryption is controlled through the AWS KMS key configuration in the backup vault"),
  so a cross-account copy reads the source vault's key; "you can use either a customer managed
  key or the AWS Backup managed key (aws/backup)" for them ([cross-account], note), so an AWS
  managed key passes (AWS: "For AWS managed keys (such as aws/backup or aws/ebs), these
  permissions are already included in the key policy by AWS"), while a customer managed key
  is held to the same policy as any other type's (INFERRED: AWS documents the requirement for
  every customer managed key, not per type).

[cross-account]: https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
[encryption]: https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html
[aws-backup-automation#2]: https://github.com/aws-samples/aws-backup-automation/issues/2
"""

from __future__ import annotations

from typing import Any

from backup_relay_sandbox.backup_sim import moto_state, policies
from backup_relay_sandbox.backup_sim.model import Settings

COPY_INTO_VAULT = ("backup:CopyIntoBackupVault",)
#: What the destination's service-linked role does with a source key (module docstring).
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey")
#: The name of the vault every account has: "The destination vault cannot be the default vault.
#: This is because the default vault is encrypted with a key that cannot be shared with other
#: accounts." ([cross-account], "Security considerations for cross-account backup")
DEFAULT_VAULT_NAME = "Default"


def request(settings: Settings, principal_arn: str, region: str) -> policies.Request:
    """The request `principal_arn` makes, with its organization's context keys and, for the
    grant AWS Backup creates on a key, the keys of the grant (INFERRED, module docstring)."""
    account = principal_arn.split(":")[4]
    member = settings.in_organization(account)
    via = (f"backup.{region}.amazonaws.com",)
    kms_context = {"kms:ViaService": via}
    return policies.Request(
        principal_arn=principal_arn,
        organization_id=settings.organization_id if member else None,
        organization_paths=(settings.organization_path(account),) if member else (),
        per_action={
            "kms:decrypt": kms_context,
            "kms:generatedatakey": kms_context,
            "kms:describekey": kms_context,
            "kms:creategrant": kms_context
            | {
                "kms:GrantIsForAWSResource": ("true",),
                "kms:EncryptionContextKeys": ("aws:backup:backup-vault",),
            },
        },
    )


def may_copy_into(settings: Settings, vault: Any, role_arn: str) -> bool:
    """Does the destination vault's access policy let the copy job's role copy into it?"""
    region = str(vault.backup_vault_arn).split(":")[3]
    policy = getattr(vault, "access_policy", None)
    return policies.allows(policy, request(settings, role_arn, region), COPY_INTO_VAULT)


def may_use_key(settings: Settings, key: Any, destination_account: str, region: str) -> bool:
    """Is the source key enabled, and does its policy let the destination account's
    AWSServiceRoleForBackup do what a copy does with it?"""
    if not moto_state.is_usable(key):
        return False
    copier = policies.service_linked_role(destination_account)
    return policies.allows(key.policy, request(settings, copier, region), KEY_ACTIONS)
