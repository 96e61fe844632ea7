"""What the drills need from outside: the databases (RDS, DocumentDB, Neptune Describe*), AWS
Backup's PutRestoreValidationResult, and the ledger's proven restores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from backup_relay.domain.drills import Database, ProvenRestore, Verdict


class Databases(Protocol):
    def restored(self, arn: str) -> Database | None:
        """The DB instance or cluster of `arn`, or None when there is none."""
        ...

    def snapshot(self, recovery_point_arn: str) -> Database | None:
        """The DB snapshot or cluster snapshot an RDS-family recovery point is, or None."""
        ...


class ValidationResults(Protocol):
    def put(self, restore_job_id: str, verdict: Verdict) -> None:
        """PutRestoreValidationResult."""
        ...


class ProvenRestores(Protocol):
    def record(self, proven: ProvenRestore) -> None:
        """Keep `proven` as its resource's last proven restore unless a later one is kept."""
        ...

    def all(self) -> Mapping[str, ProvenRestore]:
        """Every resource's last proven restore, by resource ARN."""
        ...
