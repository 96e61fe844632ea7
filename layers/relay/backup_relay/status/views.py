"""What status shows of a night, and how it is narrowed: its shapes (their JSON field names are
a contract: add, never rename), filters, and how ARNs, vaults and ages read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel


class FailureView(BaseModel):
    """One failed job (or a chain that failed without a failed job event), and where it stands."""

    kind: str  # BACKUP, COPY, RESTORE, or CHAIN (a chain that failed with no job's event)
    job_id: str | None
    chain_id: str | None  # the chain whose hop this copy job was
    state: str
    account: str  # the resource's account (its ARN's; else the job's)
    job_account: str  # where the job ran
    region: str
    resource_arn: str | None
    resource_name: str
    resource_type: str
    destination: str  # vault (account, region), or what a restore was to create
    destination_vault_arn: str | None
    time: str
    age_hours: float | None
    category: str
    status_message: str | None
    message_category: str | None = None  # AWS's MessageCategory, when the ledger has it
    open: bool  # nothing made it good yet
    resolution: str | None  # what made it good: "replayed: job X, COMPLETED", ...
    replay_job_id: str | None  # the copy job (or chain execution) a replay started
    replay_state: str | None  # its state, as its latest event in the ledger says
    action: str | None  # the command to run next, for an open failure


class NightSummary(BaseModel):
    since: str
    now: str
    backups: dict[str, int]  # state -> jobs, each job counted once in its latest state
    copies: dict[str, int]
    restores: dict[str, int]
    chains: dict[str, int]
    failures: int
    open_failures: int
    failures_by_category: dict[str, int]
    open_by_category: dict[str, int]
    #: resources whose DR copy is stale by coverage's rule; None: not checked (see stale_note)
    stale_resources: list[str] | None
    stale_note: str
    #: each stale resource's destinations (labels) it is stale in, by ARN (coverage per
    #: destination: "current in the DR region, stale in the LAG vault")
    stale_destinations: dict[str, list[str]] = {}
    all_well: bool
    verdict: str
    actions: list[str]
    filters: dict[str, str] = {}  # what the report is narrowed to (status's flags, given)


@dataclass(frozen=True)
class Filters:
    """What `status` is narrowed to; each case-insensitive, None: any."""

    account: str | None = None
    resource: str | None = None  # an ARN or a resource's name
    resource_type: str | None = None
    state: str | None = None

    def given(self) -> dict[str, str]:
        """The filters given, by their flag's name."""
        flags = {
            "account": self.account,
            "resource": self.resource,
            "resource-type": self.resource_type,
            "state": self.state,
        }
        return {flag: value for flag, value in flags.items() if value is not None}

    def matches(
        self, *, account: str, resource_arn: str | None, resource_type: str, state: str | None
    ) -> bool:
        name = resource_name(resource_arn)
        return (
            _same(self.account, account)
            and (
                self.resource is None
                or self.resource.casefold() in {(resource_arn or "").casefold(), name.casefold()}
            )
            and _same(self.resource_type, resource_type)
            and (state is None or _same(self.state, state))
        )


def _same(wanted: str | None, value: str) -> bool:
    return wanted is None or wanted.casefold() == value.casefold()


def resource_name(arn: str | None) -> str:
    """The name in a resource's ARN: `orders` of `...:cluster:orders`, `vol-1` of
    `...:volume/vol-1`, the bucket of an S3 ARN."""
    if not arn:
        return ""
    resource = arn.split(":", 5)[-1] if arn.startswith("arn:") else arn
    return resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def arn_account(arn: str | None) -> str:
    """The account an ARN names ('' for one that names none, as S3's)."""
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" else ""


def where(vault_arn: str | None) -> str:
    """A vault as an operator reads it: `name (account, region)`."""
    parts = (vault_arn or "").split(":")
    if len(parts) != 7:
        return vault_arn or "-"
    return f"{parts[6]} ({parts[4]}, {parts[3]})"


def hours(age: timedelta | None) -> float | None:
    """An age in hours; never negative (a time a little ahead of the clock is 0 h old)."""
    return round(max(age.total_seconds(), 0.0) / 3600, 1) if age is not None else None
