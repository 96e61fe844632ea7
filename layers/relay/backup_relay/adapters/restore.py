"""The restore's AWS: restore jobs in a member account as its RestoreRole (member/template.yaml,
named `<role name>-<region>`), restore metadata of a central copy, and the RAM shares of a
logically air-gapped vault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors
from backup_relay.domain.routes import Vault
from backup_relay.restore.ports import RestoreJobReport, RestoreMetadata


def _metadata(backup: Any, vault: Vault, arn: str) -> RestoreMetadata:
    with domain_errors():
        answer = backup.get_recovery_point_restore_metadata(
            BackupVaultName=vault.name, RecoveryPointArn=arn, BackupVaultAccountId=vault.account
        )
    return RestoreMetadata(
        resource_type=answer.get("ResourceType", ""),
        metadata=dict(answer.get("RestoreMetadata", {})),
    )


class CentralCopiesMetadata:
    """GetRecoveryPointRestoreMetadata of a copy in a central vault, with the caller's
    credentials (the operator's, in the central account)."""

    def restore_metadata(self, vault: Vault, arn: str) -> RestoreMetadata:
        return _metadata(aws.backup(vault.region), vault, arn)


class MemberRestoreJobs:
    """Restore jobs in a member account, as its RestoreRole."""

    def __init__(self, role_name: str, partition: str = "aws") -> None:
        self.role_name = role_name
        self.partition = partition
        self._clients: dict[tuple[str, str], Any] = {}

    def _backup(self, account: str, region: str) -> Any:
        if (account, region) not in self._clients:
            role = f"arn:{self.partition}:iam::{account}:role/{self.role_name}-{region}"
            with domain_errors():
                credentials = aws.client("sts").assume_role(
                    RoleArn=role, RoleSessionName="backup-relay-restore"
                )["Credentials"]
            self._clients[(account, region)] = aws.client_as(credentials, "backup", region)
        return self._clients[(account, region)]

    def restore_metadata(
        self, account: str, region: str, vault: Vault, arn: str
    ) -> RestoreMetadata:
        return _metadata(self._backup(account, region), vault, arn)

    def start_restore_job(
        self,
        account: str,
        region: str,
        recovery_point_arn: str,
        *,
        metadata: dict[str, str],
        iam_role_arn: str,
        idempotency_token: str,
    ) -> str:
        with domain_errors():
            answer = self._backup(account, region).start_restore_job(
                RecoveryPointArn=recovery_point_arn,
                Metadata=metadata,
                IamRoleArn=iam_role_arn,
                IdempotencyToken=idempotency_token,
            )
        return str(answer["RestoreJobId"])

    def describe_restore_job(self, account: str, region: str, job_id: str) -> RestoreJobReport:
        with domain_errors():
            answer: Mapping[str, Any] = self._backup(account, region).describe_restore_job(
                RestoreJobId=job_id
            )
        return RestoreJobReport(
            status=answer.get("Status", ""),
            percent_done=answer.get("PercentDone"),
            created_resource_arn=answer.get("CreatedResourceArn"),
            status_message=answer.get("StatusMessage"),
        )


class RamLagShares:
    """The central account's RAM shares of a vault: GetResourceShareAssociations, RESOURCE (the
    shares that hold it), then PRINCIPAL (whom those share with).
    https://docs.aws.amazon.com/ram/latest/APIReference/API_GetResourceShareAssociations.html"""

    def shared_with(self, vault: Vault, account: str) -> bool:
        ram = aws.client("ram", vault.region)
        with domain_errors():
            shares = [
                a["resourceShareArn"]
                for a in ram.get_resource_share_associations(
                    associationType="RESOURCE", resourceArn=vault.arn
                ).get("resourceShareAssociations", [])
                if a.get("status") == "ASSOCIATED"
            ]
            if not shares:
                return False
            principals = [
                a["associatedEntity"]
                for a in ram.get_resource_share_associations(
                    associationType="PRINCIPAL", resourceShareArns=shares
                ).get("resourceShareAssociations", [])
                if a.get("status") == "ASSOCIATED"
            ]
        # the organization (its ARN): every account of it; the restore's target check holds the
        # account to the organization (or BringBackTargets) first. An OU: INFERRED not read.
        return any(
            p == account or p.endswith(f":iam::{account}:root") or ":organization/" in p
            for p in principals
        )
