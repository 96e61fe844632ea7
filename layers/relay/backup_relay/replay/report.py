"""What a replay did, or would do, with each failure it considered: the report `replay`
prints, ReplayFunction returns and the demo reads."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class ReplayOutcome(StrEnum):
    REPLAYED = "replayed"
    WOULD_REPLAY = "would replay"  # a dry run
    SKIPPED = "skipped"
    GONE = "gone"
    FAILED = "failed"  # the replay could not start


class ReplayItem(BaseModel):
    kind: str  # "chain hop", "member copy", "earlier attempt" (of a chain) or "central copy"
    id: str  # the chain id, or the failed copy job's id
    account: str
    region: str
    resource_type: str
    failed_at: str
    category: str
    message_category: str | None = None  # AWS's MessageCategory, when the job's record has one
    outcome: ReplayOutcome
    why: str
    started: str | None = None  # the new execution's name, or the new copy job's id
    proof: str = ""  # the probe of its cause: "confirmed: ...", "contradicted: ...", ...


class ReplayReport(BaseModel):
    items: list[ReplayItem] = []

    def count(self, outcome: ReplayOutcome) -> int:
        return sum(item.outcome is outcome for item in self.items)

    @property
    def failed(self) -> bool:
        return self.count(ReplayOutcome.FAILED) > 0
