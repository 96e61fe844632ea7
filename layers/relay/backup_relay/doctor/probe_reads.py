"""What the probe (doctor/probe.py) reads, and what each read needs: its port, implemented with
AWS by adapters/prerequisites/probe.py and in memory by tests/support/probe_fakes.py."""

from __future__ import annotations

from typing import Protocol

from backup_relay.doctor.facts import OptionGroupFacts, VaultFacts
from backup_relay.doctor.resource_facts import RoleFacts
from backup_relay.domain.errors import AwsError


class ProbeReads(Protocol):
    """The probe's read-only calls: in the central account with the caller's own credentials,
    in another account through its member stack's DoctorRole. Each raises AwsError when AWS
    refuses or fails it."""

    def recovery_point_key(self, account: str, region: str, vault_arn: str, arn: str) -> str | None:
        """The key a recovery point is encrypted with (None: unencrypted, or not listed)."""
        ...

    def key(self, account: str, region: str, key_arn: str) -> tuple[bool, str | None, str | None]:
        """(AWS manages it, its KeyState, its policy)."""
        ...

    def vault(self, vault_arn: str) -> VaultFacts: ...

    def cross_account_backup(self) -> bool | None:
        """isCrossAccountBackupEnabled; None: this account may not read it."""
        ...

    def role(self, account: str, region: str, role_arn: str) -> RoleFacts: ...

    def snapshot_option_group(
        self, account: str, region: str, snapshot_arn: str
    ) -> OptionGroupFacts | None:
        """The option group an RDS DB snapshot keeps (its engine, major version and options);
        None: the snapshot names none."""
        ...

    def option_groups(
        self, account: str, region: str, engine: str, major_version: str
    ) -> list[OptionGroupFacts]:
        """The account's option groups of that engine and major version in the region."""
        ...


#: What each read needs, for "could not check: ... (the permission it needs)".
NEEDS = {
    "recovery_point_key": "backup:ListRecoveryPointsByBackupVault",
    "key": "kms:DescribeKey, kms:GetKeyPolicy and kms:ListAliases",
    "vault": "backup:DescribeBackupVault and backup:GetBackupVaultAccessPolicy",
    "cross_account_backup": "backup:DescribeGlobalSettings, in the management account or a "
    "delegated administrator",
    "role": "iam:GetRole, iam:ListAttachedRolePolicies and iam:ListRolePolicies",
    "snapshot_option_group": "rds:DescribeDBSnapshots and rds:DescribeOptionGroups",
    "option_groups": "rds:DescribeOptionGroups",
}


class RoleRefused(AwsError):
    """AWS refused to let the caller work as a member's DoctorRole (sts:AssumeRole): the role
    is missing, or does not trust the caller."""

    def __init__(self, code: str, message: str, role_arn: str) -> None:
        super().__init__(code, message)
        self.role_arn = role_arn
