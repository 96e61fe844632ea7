"""What replay reads: the copy jobs the ledger and AWS Backup recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from backup_relay.domain.copy_jobs import ListedCopyJob
from backup_relay.domain.jobs import JobEvent


class ReplayLedger(Protocol):
    """The copy jobs the ledger recorded, and the replays started."""

    def failed_copy_jobs(self, since: datetime) -> Iterable[JobEvent]:
        """Copy jobs whose latest event since `since` is FAILED or ABORTED."""
        ...

    def completed_copy(
        self, source_recovery_point_arn: str, destination_vault_arn: str, since: datetime
    ) -> str | None:
        """The id of a copy job that COMPLETED a copy of it into that vault since `since`."""
        ...

    def replayed(self, job_id: str) -> str | None:
        """The copy job a replay of `job_id` started, if one did."""
        ...

    def record_replay(self, job_id: str, new_job_id: str) -> None: ...


class CentralCopyJobs(Protocol):
    def failed_copy_jobs(self, region: str, since: datetime) -> list[ListedCopyJob]:
        """This account's copy jobs in `region` created since `since` that FAILED (a copy job is
        never ABORTED: botocore's CopyJobState)."""
        ...
