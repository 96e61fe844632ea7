"""The probe's reads (`doctor/probe.py`'s ProbeReads), with the doctor's own read functions: in
the central account with this function's credentials, in a member account through its member
stack's DoctorRole (`<MemberDoctorRoleName>-<region>`, which trusts the central stack's roles on
the path /backup-relay/<stack name>/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors
from backup_relay.adapters.prerequisites.central import AwsPrerequisites, cross_account_backup
from backup_relay.adapters.prerequisites.coverage import role_facts
from backup_relay.adapters.prerequisites.reads import (
    key_facts,
    option_groups,
    or_none,
    pages,
    vault_facts_of,
)
from backup_relay.doctor.facts import OptionGroupFacts, VaultFacts
from backup_relay.doctor.probe import RoleRefused
from backup_relay.doctor.resource_facts import RoleFacts
from backup_relay.domain.errors import AwsError


@dataclass
class AwsProbeReads:
    central_account: str
    member_role_name: str  # MemberDoctorRoleName
    _credentials: dict[tuple[str, str], Any] = field(default_factory=dict)

    def _client(self, service: str, account: str, region: str) -> Any:
        if account == self.central_account:
            return aws.client(service, region)
        if (account, region) not in self._credentials:
            role = f"arn:aws:iam::{account}:role/{self.member_role_name}-{region}"
            try:
                with domain_errors():
                    self._credentials[account, region] = aws.client("sts").assume_role(
                        RoleArn=role, RoleSessionName="backup-relay-probe"
                    )["Credentials"]
            except AwsError as error:
                raise RoleRefused(error.code, error.message, role) from error
        return aws.client_as(self._credentials[account, region], service, region)

    def recovery_point_key(self, account: str, region: str, vault_arn: str, arn: str) -> str | None:
        backup = self._client("backup", account, region)
        name = vault_arn.rsplit(":", 1)[-1]
        with domain_errors():
            for point in pages(
                backup,
                "list_recovery_points_by_backup_vault",
                "RecoveryPoints",
                BackupVaultName=name,
            ):
                if point.get("RecoveryPointArn") == arn:
                    return point.get("EncryptionKeyArn") or None
        return None

    def key(self, account: str, region: str, key_arn: str) -> tuple[bool, str | None, str | None]:
        return key_facts(self._client("kms", account, region), key_arn)

    def vault(self, vault_arn: str) -> VaultFacts:
        parts = vault_arn.split(":")
        region, account, name = parts[3], parts[4], parts[-1]
        if account == self.central_account:
            return AwsPrerequisites(
                account=account, organization_id="", vaults=[], backup_role_arn=""
            ).vault_facts("destination", region, name)
        # a member's vault (a bring-back's destination): its DoctorRole lists vaults, it does
        # not describe them
        backup = self._client("backup", account, region)
        where = {"role": "destination", "arn": vault_arn, "account": account, "region": region}
        with domain_errors():
            listed = next(
                (
                    v
                    for v in pages(backup, "list_backup_vaults", "BackupVaultList")
                    if v.get("BackupVaultName") == name
                ),
                None,
            )
            if listed is None:
                return VaultFacts(**where, exists=False)
            policy = or_none(lambda: backup.get_backup_vault_access_policy(BackupVaultName=name))
        key_arn = listed.get("EncryptionKeyArn")
        key = self.key(account, region, key_arn) if key_arn else (False, None, None)
        return vault_facts_of(where, listed, policy, key)

    def cross_account_backup(self) -> bool | None:
        return cross_account_backup()

    def role(self, account: str, region: str, role_arn: str) -> RoleFacts:
        with domain_errors():
            return role_facts(self._client("iam", account, region), role_arn)

    def snapshot_option_group(
        self, account: str, region: str, snapshot_arn: str
    ) -> OptionGroupFacts | None:
        # INFERRED: a snapshot copied from another account names its source's option group,
        # which this account may not have: DescribeOptionGroups then answers
        # OptionGroupNotFoundFault, and the probe could not check
        rds = self._client("rds", account, region)
        identifier = snapshot_arn.split(":snapshot:", 1)[-1]  # awsbackup:job-...
        with domain_errors():
            [snapshot] = rds.describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"]
            name = snapshot.get("OptionGroupName")
            groups = option_groups(rds, OptionGroupName=name) if name else []
        return groups[0] if groups else None

    def option_groups(
        self, account: str, region: str, engine: str, major_version: str
    ) -> list[OptionGroupFacts]:
        rds = self._client("rds", account, region)
        with domain_errors():
            return option_groups(rds, EngineName=engine, MajorEngineVersion=major_version)
