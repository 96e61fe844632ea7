"""The restore's ports in memory (backup_relay/restore/ports.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from backup_relay.domain.routes import Vault
from backup_relay.restore.ports import RestoreJobReport, RestoreMetadata


@dataclass
class FakeCentralMetadata:
    """GetRecoveryPointRestoreMetadata of the central copies: `by_arn`, else an Aurora cluster's
    (named after the ARN's last part) on a key of `key_place` (account, region)."""

    by_arn: dict[str, RestoreMetadata] = field(default_factory=dict)
    asked: list[tuple[Vault, str]] = field(default_factory=list)

    def restore_metadata(self, vault: Vault, arn: str) -> RestoreMetadata:
        self.asked.append((vault, arn))
        return self.by_arn[arn]


@dataclass
class FakeMemberRestores:
    """Restore jobs of the members; each started job ends with `ending`."""

    metadata: dict[str, RestoreMetadata] = field(default_factory=dict)
    ending: RestoreJobReport = field(
        default_factory=lambda: RestoreJobReport(status="COMPLETED", created_resource_arn="arn:x")
    )
    started: list[tuple[str, str, str, dict[str, str], str]] = field(default_factory=list)

    def restore_metadata(
        self, account: str, region: str, vault: Vault, arn: str
    ) -> RestoreMetadata:
        return self.metadata[arn]

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
        self.started.append((account, region, recovery_point_arn, metadata, iam_role_arn))
        return f"job-{len(self.started)}"

    def describe_restore_job(self, account: str, region: str, job_id: str) -> RestoreJobReport:
        return self.ending


@dataclass
class FakeLagShares:
    """(vault, account) pairs AWS RAM shares."""

    shared: set[tuple[Vault, str]] = field(default_factory=set)

    def shared_with(self, vault: Vault, account: str) -> bool:
        return (vault, account) in self.shared
