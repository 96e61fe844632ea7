"""What the restore needs of AWS: restore jobs in a member account (as its RestoreRole), the
restore metadata of a copy in a central vault, and the RAM shares of a logically air-gapped
vault."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from backup_relay.domain.routes import Vault


class RestoreMetadata(BaseModel):
    """GetRecoveryPointRestoreMetadata's answer."""

    resource_type: str
    metadata: dict[str, str]


class RestoreJobReport(BaseModel):
    """DescribeRestoreJob's answer, as the restore follows it."""

    status: str  # PENDING, RUNNING, COMPLETED, ABORTED, FAILED
    percent_done: str | None = None
    created_resource_arn: str | None = None
    status_message: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in {"COMPLETED", "ABORTED", "FAILED"}


class MemberRestores(Protocol):
    """Restore jobs in a member account and region, as the member stack's RestoreRole."""

    def restore_metadata(
        self, account: str, region: str, vault: Vault, arn: str
    ) -> RestoreMetadata:
        """Of a recovery point in `vault` (the member's own, or a LAG vault shared with it)."""
        ...

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
        """StartRestoreJob; its RestoreJobId."""
        ...

    def describe_restore_job(self, account: str, region: str, job_id: str) -> RestoreJobReport: ...


class CentralRestoreMetadata(Protocol):
    """GetRecoveryPointRestoreMetadata of a copy in one of the central account's vaults."""

    def restore_metadata(self, vault: Vault, arn: str) -> RestoreMetadata: ...


class LagShares(Protocol):
    def shared_with(self, vault: Vault, account: str) -> bool:
        """Does an AWS RAM share of the vault's owner share it with `account` (its id, or the
        organization)?"""
        ...
