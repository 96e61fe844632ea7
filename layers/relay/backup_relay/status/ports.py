"""What status reads of the jobs the ledger recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from backup_relay.domain.jobs import JobEvent, JobKind, JobState


class JobStates(Protocol):
    def jobs_in_state(self, kind: JobKind, state: JobState, since: datetime) -> list[JobEvent]:
        """The latest event of each job of `kind` now in `state`, since `since`."""
        ...

    def replayed(self, job_id: str) -> str | None:
        """The copy job a replay of the failed copy job `job_id` started, if one did."""
        ...
