"""The facts the doctor checks, read from the central account (vaults, keys, settings, role)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.doctor import CentralFacts, MemberFacts, RecoveryPointKey, VaultFacts

_MISSING = {"ResourceNotFoundException", "NoSuchEntity", "NotFoundException"}


@dataclass
class AwsPrerequisites:
    account: str
    organization_id: str
    vaults: list[tuple[str, str, str]]  # (role, region, name)
    backup_role_arn: str

    def central(self) -> CentralFacts:
        return CentralFacts(
            account=self.account,
            organization_id=self.organization_id,
            vaults=[self._vault(role, region, name) for role, region, name in self.vaults],
            cross_account_backup=self._cross_account_backup(),
            backup_role_arn=self.backup_role_arn,
            **self._backup_role(),
        )

    def _vault(self, role: str, region: str, name: str) -> VaultFacts:
        arn = f"arn:aws:backup:{region}:{self.account}:backup-vault:{name}"
        backup = aws.backup(region)
        vault = _or_none(lambda: backup.describe_backup_vault(BackupVaultName=name))
        if vault is None:
            return VaultFacts(role=role, arn=arn, account=self.account, region=region, exists=False)
        key_arn = vault.get("EncryptionKeyArn")
        policy = _or_none(lambda: backup.get_backup_vault_access_policy(BackupVaultName=name))
        return VaultFacts(
            role=role,
            arn=vault.get("BackupVaultArn", arn),
            account=self.account,
            region=region,
            exists=True,
            key_arn=key_arn,
            key_aws_managed=bool(key_arn) and _aws_managed(aws.client("kms", region), key_arn),
            access_policy=policy.get("Policy") if policy else None,
        )

    def _cross_account_backup(self) -> bool | None:
        try:
            settings = aws.backup().describe_global_settings()["GlobalSettings"]
        except ClientError:
            return None  # only the management account (or a delegated one) may read it
        value = settings.get("isCrossAccountBackupEnabled")
        return None if value is None else str(value).lower() == "true"

    def _backup_role(self) -> dict[str, bool]:
        name = self.backup_role_arn.rsplit("/", 1)[-1]
        role = _or_none(lambda: aws.client("iam").get_role(RoleName=name))
        if role is None:
            return {"backup_role_exists": False, "backup_role_trusts_backup": False}
        trust = role["Role"].get("AssumeRolePolicyDocument") or {}
        trusted = [
            service
            for statement in trust.get("Statement", [])
            if statement.get("Effect") == "Allow"
            for service in _as_list((statement.get("Principal") or {}).get("Service"))
        ]
        return {
            "backup_role_exists": True,
            "backup_role_trusts_backup": "backup.amazonaws.com" in trusted,
        }


@dataclass
class AwsMemberPrerequisites:
    """A member account, as its member stack's DoctorRole (`<role name>-<region>`) sees it."""

    role_name: str
    central_account: str
    chained_types: frozenset[str]

    def member(self, account: str, region: str) -> MemberFacts:
        with domain_errors():
            credentials = aws.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{self.role_name}-{region}",
                RoleSessionName="backup-relay-doctor",
            )["Credentials"]
        backup = aws.client_as(credentials, "backup", region)
        kms = aws.client_as(credentials, "kms", region)
        points: list[RecoveryPointKey] = []
        keys: dict[str, tuple[bool, str]] = {}
        vaults = backup.get_paginator("list_backup_vaults")
        points_of = backup.get_paginator("list_recovery_points_by_backup_vault")
        with domain_errors():
            for vault in (v for page in vaults.paginate() for v in page["BackupVaultList"]):
                pages = points_of.paginate(BackupVaultName=vault["BackupVaultName"])
                for point in (p for page in pages for p in page.get("RecoveryPoints", [])):
                    key_arn = point.get("EncryptionKeyArn")
                    if point.get("ResourceType") not in self.chained_types or not key_arn:
                        continue
                    if key_arn not in keys:
                        keys[key_arn] = (
                            _aws_managed(kms, key_arn),
                            kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"],
                        )
                    managed, policy = keys[key_arn]
                    points.append(
                        RecoveryPointKey(
                            arn=point["RecoveryPointArn"],
                            resource_type=point["ResourceType"],
                            key_arn=key_arn,
                            key_aws_managed=managed,
                            key_policy=policy,
                        )
                    )
        return MemberFacts(account=account, region=region, recovery_points=points)


def _aws_managed(kms: Any, key_arn: str) -> bool:
    """AWS manages it (aws/rds, aws/backup, ...): its policy cannot be changed."""
    with domain_errors():
        key = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
        aliases = kms.list_aliases(KeyId=key["KeyId"]).get("Aliases", [])
    managed_alias = any(a.get("AliasName", "").startswith("alias/aws/") for a in aliases)
    return key.get("KeyManager") == "AWS" or managed_alias


def _or_none(call: Any) -> Any:
    """The answer, or None when the thing does not exist."""
    try:
        return call()
    except ClientError as error:
        if code_of(error) in _MISSING:
            return None
        raise translated(error) from error


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
