"""The ledger's key schema: each kind of item in the ledger table, its key, its index entry and
its attributes; the adapters build and read keys here only. One table: key `pk` / `sk`, index
`gsi1` on `gsi1pk` / `gsi1sk`, TTL `expires_at` (epoch seconds). `ITEMS` is the table in
docs/copy-chain.md ("The ledger", scripts/generate_docs_ledger.py); tests hold the state
machine's keys and the template's `dynamodb:LeadingKeys` to it (test_ledger_schema.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, get_args, get_type_hints

from backup_relay.adapters.ledger_drills import ProvenRestoreItem
from backup_relay.adapters.ledger_patterns import Pattern
from backup_relay.domain.jobs import job_key
from backup_relay.domain.quotas import QuotaGroup, slot_key

if TYPE_CHECKING:  # the alerts' adapter needs keys, not the chain's models (a cold start)
    from backup_relay.domain.chain import HopRecord, LedgerState
    from backup_relay.domain.jobs import JobEvent, JobKind, JobState


class Key(TypedDict):
    pk: str
    sk: str


class Index(TypedDict):
    gsi1pk: str
    gsi1sk: str


class _Indexed(Key, Index): ...


# ---- the items' shapes: what an item is written with (`| None`: left out when None) ----------


class ChainItem(_Indexed):
    """A copy chain: its plan, its state (RUNNING, COMPLETED or FAILED), how it ended (the chain
    steps, reconcile, replay; the state machine's RecordChainFailed)."""

    state: str
    resource_type: str
    origin_recovery_point_arn: str
    destination_vault_arn: str
    hops: str  # the plan's hops (HopSpec), as JSON; the hops as they ended, once it ended
    reason: str  # why this route, then how it ended
    plan_reason: str  # why this route
    started_at: str


class HopItem(_Indexed):
    """A hop of a chain: its state (STARTING, STARTED, RUNNING, COMPLETED, FAILED or REPLANNED;
    never backwards), its copy job, recovery points and slot."""

    state: str
    kind: str  # cross-account, cross-region, ...
    source_recovery_point_arn: str
    source_vault_arn: str
    destination_vault_arn: str
    copy_job_id: str | None
    destination_recovery_point_arn: str | None
    status_message: str | None  # why it failed, in AWS's words
    message_category: str | None  # AWS's MessageCategory for that failure (DescribeCopyJob)
    slot: str | None  # the concurrency slot's key (None: opened before slots had quota groups)
    slot_cap: int | None  # how many hops the slot lets copy at once (None: recorded before)
    started_at: str | None  # when StartCopyJob answered (None: not yet, or recorded before)
    updated_at: str


class RecoveryPointChainItem(Key):
    """A chain that started from a recovery point (`status --recovery-point`, bring-back)."""


class WaitingHopItem(Key):
    """A hop waiting for its copy job's event: ingest resumes it once. Kept after: replay reads
    from it which chain and hop (of whichever attempt) made a copy job."""

    task_token: str  # the state machine's WaitForCopyJob
    chain_id: str
    hop_index: str


class SlotItem(Key):
    """`holders`: the set of `<chain id>#<hop index>` copying now (the state machine's TakeSlot
    and FreeSlot; the ledger frees a chain that ended outside its steps). A hop's `slot` names
    it (NextHop's, `domain.quotas.slot_for`); a hop older than quota groups took its key
    without the group. `waiting` (hops recorded STARTING), `done_hops` and `done_seconds` (the
    hops it completed, their durations' sum): the overflow's queue in one read (ChainLedger)."""

    holders: set[str]
    waiting: set[str]
    done_hops: int
    done_seconds: int


class JobEventItem(_Indexed):
    """Each job event once (ingest). A copy's CREATED event names no job yet: its job key is
    `<kind>#~<hash>` of what it copies and where."""

    kind: str
    state: str
    account: str
    region: str
    event: str  # the JobEvent, as JSON
    original: str | None  # the event as AWS sent it, as JSON


class JobStateItem(_Indexed):
    """The latest state AWS reported for a job, never a state before it (ingest)."""

    state: str
    event_time: str
    event_id: str
    status_message: str | None
    event: str  # its latest JobEvent, as JSON


class ReplayItem(Key):
    """A member's failed copy that replay copied again."""

    new_job_id: str  # the copy job the replay started


class QuarantinedItem(Key):
    """A message ingest could not use, and why; `body` as received (its first 64 KiB when too
    large). It expires 90 days after it was received."""

    message_id: str
    reason_code: str
    reason: str
    body: str
    expires_at: int


class AlertItem(Key):
    """An alert, published once (AlertsFunction): `state` PUBLISHING (a publisher's claim, held
    until `lease_until`), SENT (with SNS's `message_id`) or FAILED (`last_error`)."""

    state: str
    lease_until: str  # a publisher's claim holds it until then
    attempts: int
    kind: str
    severity: str
    category: str
    raised_at: str
    expires_at: int


class QuarantineCountItem(Key):
    """`n` messages quarantined in an hour (`<yyyy-mm-ddThh>`), for the QUARANTINE alert; it
    expires 7 days after its first."""

    n: int
    expires_at: int


# ---- the kinds of items ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemKind:
    name: str
    pk: Pattern
    sk: Pattern
    shape: type  # its TypedDict, whose docstring says what it is for
    index: tuple[Pattern, Pattern] | None = None  # gsi1pk, gsi1sk
    later: tuple[str, ...] = ()  # attributes updates add to it

    def key(self, **parts: object) -> Key:
        return {"pk": self.pk(**parts), "sk": self.sk(**parts)}

    def matches(self, pk: str, sk: str) -> bool:
        return self.pk.matches(pk) and self.sk.matches(sk)

    @property
    def what(self) -> str:
        return " ".join((self.shape.__doc__ or "").split())

    @property
    def attributes(self) -> list[str]:
        """Its attributes besides its keys, as it is written (`name?`: left out when None)."""
        return [
            f"{name}?" if type(None) in get_args(hint) else name
            for name, hint in get_type_hints(self.shape).items()
            if name not in ("pk", "sk", "gsi1pk", "gsi1sk")
        ]


_CHAIN = Pattern("CHAIN#{chain_id}")
_JOB = Pattern("JOB#{job_key}")
_TIME = Pattern("{time}")
_CHAINS_IN = Pattern("CHAINSTATE#{state}")
_HOPS_IN = Pattern("HOPSTATE#{state}")
_JOBS_IN = Pattern("JOBSTATE#{kind}#{state}")
_ACCOUNT_EVENTS = Pattern("ACCOUNT#{account}")
_EVENT_TIME = Pattern("{time}#{kind}#{state}")
#: The slot's key is the domain's (the chain state carries it to the state machine's TakeSlot):
#: its pattern is what `slot_key` makes of named parts.
_GROUP = QuotaGroup("{quota_group}", 0, "")
_SLOT = Pattern(slot_key("{source_account}", "{destination_region}", _GROUP))
#: A hop recorded before slots were per quota group: its account's and destination region's.
_LEGACY_SLOT = Pattern(_SLOT.text.rsplit("#", 1)[0])

_CHAIN_LATER = ("execution_started_at", "ended_at", "attempt")
CHAIN = ItemKind("chain", _CHAIN, Pattern("CHAIN"), ChainItem, (_CHAINS_IN, _TIME), _CHAIN_LATER)
HOP = ItemKind("hop", _CHAIN, Pattern("HOP#{index:02d}"), HopItem, (_HOPS_IN, _TIME))
_RECOVERY_POINT = Pattern("RP#{recovery_point_arn}")
BY_RECOVERY_POINT = ItemKind("by recovery point", _RECOVERY_POINT, _CHAIN, RecoveryPointChainItem)
_COPY_JOB = Pattern("COPYJOB#{copy_job_id}")
WAITING_HOP = ItemKind(
    "waiting hop", _COPY_JOB, Pattern("WAIT"), WaitingHopItem, later=("resumed_at",)
)
SLOT = ItemKind("concurrency slot", _SLOT, Pattern("SLOT"), SlotItem)
_EVENT = Pattern("EVENT#{time}#{state}#{event_id}")
JOB_EVENT = ItemKind("job event", _JOB, _EVENT, JobEventItem, (_ACCOUNT_EVENTS, _EVENT_TIME))
JOB_STATE = ItemKind("job's state", _JOB, Pattern("STATE"), JobStateItem, (_JOBS_IN, _TIME))
REPLAY = ItemKind("replay", Pattern("REPLAY#{job_id}"), Pattern("REPLAY"), ReplayItem)
_RECEIVED = Pattern("{received_at}#{message_id}")
QUARANTINED = ItemKind(
    "quarantined message", Pattern("QUARANTINE#{date}"), _RECEIVED, QuarantinedItem
)
_ALERT_LATER = ("message_id", "sent_at", "last_error")
ALERT = ItemKind(
    "alert", Pattern("ALERT#{alert_id}"), Pattern("ALERT"), AlertItem, later=_ALERT_LATER
)
_QUARANTINE_HOUR = Pattern("QUARANTINECOUNT#{hour}")
QUARANTINE_COUNT = ItemKind(
    "quarantine count", _QUARANTINE_HOUR, Pattern("COUNT"), QuarantineCountItem
)
PROVEN_RESTORE = ItemKind(
    "proven restore", Pattern("PROVEN"), Pattern("{resource_arn}"), ProvenRestoreItem
)

#: Every kind of item in the ledger table.
ITEMS = (
    CHAIN,
    HOP,
    BY_RECOVERY_POINT,
    WAITING_HOP,
    SLOT,
    JOB_EVENT,
    JOB_STATE,
    REPLAY,
    QUARANTINED,
    ALERT,
    QUARANTINE_COUNT,
    PROVEN_RESTORE,
)


def kind_of(pk: str, sk: str) -> ItemKind | None:
    return next((kind for kind in ITEMS if kind.matches(pk, sk)), None)


# ---- keys ------------------------------------------------------------------------------------


def chain(chain_id: str) -> Key:
    return CHAIN.key(chain_id=chain_id)


def chain_id_of(pk: str) -> str:
    """The chain of a chain's or hop's `pk` (or a by-recovery-point item's `sk`)."""
    return _CHAIN.part_of(pk)


def hop(chain_id: str, index: int) -> Key:
    return HOP.key(chain_id=chain_id, index=index)


#: A chain's hops: its partition's items whose `sk` begins so.
HOPS = HOP.sk.prefix


def hop_index_of(sk: str) -> int:
    return int(HOP.sk.part_of(sk))


def by_recovery_point(recovery_point_arn: str, chain_id: str) -> Key:
    return BY_RECOVERY_POINT.key(recovery_point_arn=recovery_point_arn, chain_id=chain_id)


def chains_from(recovery_point_arn: str) -> str:
    """The partition of the chains that started from a recovery point."""
    return BY_RECOVERY_POINT.pk(recovery_point_arn=recovery_point_arn)


def waiting_hop(copy_job_id: str) -> Key:
    return WAITING_HOP.key(copy_job_id=copy_job_id)


def slot_of(hop: HopRecord) -> Key:
    """The slot a hop took: the one its record names (NextHop's), else the legacy one."""
    legacy = _LEGACY_SLOT(
        source_account=hop.source_account, destination_region=hop.destination_region
    )
    return {"pk": hop.slot or legacy, "sk": SLOT.sk()}


def job(kind: JobKind, job_id: str) -> str:
    """The partition of a job's events and its state."""
    return _JOB(job_key=job_key(kind, job_id))


#: A job's events: its partition's items whose `sk` begins so (not its state).
EVENTS = JOB_EVENT.sk.prefix


def job_event(event: JobEvent) -> Key:
    time = event.time.isoformat()
    return JOB_EVENT.key(
        job_key=event.job_key, time=time, state=event.state, event_id=event.event_id
    )


def job_event_index(event: JobEvent) -> Index:
    """A job event in the index: among its account's events, by time."""
    time = event.time.isoformat()
    return {
        "gsi1pk": _ACCOUNT_EVENTS(account=event.account),
        "gsi1sk": _EVENT_TIME(time=time, kind=event.kind, state=event.state),
    }


def job_state(event: JobEvent) -> Key:
    return JOB_STATE.key(job_key=event.job_key)


def replay(job_id: str) -> Key:
    return REPLAY.key(job_id=job_id)


def quarantined(received_at: datetime, message_id: str) -> Key:
    return QUARANTINED.key(
        date=received_at.date().isoformat(),
        received_at=received_at.isoformat(),
        message_id=message_id,
    )


def alert(alert_id: str) -> Key:
    return ALERT.key(alert_id=alert_id)


def quarantine_count(hour: str) -> Key:
    return QUARANTINE_COUNT.key(hour=hour)


# ---- the index (gsi1) ------------------------------------------------------------------------


def chains_in(state: LedgerState) -> str:
    """The index partition of the chains in `state` (its sort key: when they came to it)."""
    return _CHAINS_IN(state=state)


def hops_in(state: LedgerState) -> str:
    return _HOPS_IN(state=state)


def jobs_in(kind: JobKind, state: JobState) -> str:
    """The index partition of the jobs of `kind` whose latest state is `state` (by its time)."""
    return _JOBS_IN(kind=kind, state=state)
