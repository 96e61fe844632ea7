"""What a FAILED copy job of the central account is, when no FAILED chain in the ledger names it.

AWS Backup's ListCopyJobs keeps every attempt, the ledger's FAILED chains name only their latest
one. So such a job is one of:
- an earlier attempt of a chain that was replayed (or a try its chain re-planned): the chain's
  later attempt took over, nothing to do for this job (copying it again by hand would make a
  second copy);
- the latest attempt of a chain whose event was lost: its poll or reconcile records it FAILED,
  then replay runs the chain again;
- a copy job no chain of this stack started (by hand): copy it again yourself.

A chain is found from the copy job by the hop that waited for it (`ChainLedger.hop_of_job`),
else by the job's source recovery point (`chains_of`, a first hop's).
"""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.copy_chain.ports import ChainLedger
from backup_relay.domain.chain import ChainRecord, LedgerState
from backup_relay.domain.copy_jobs import ListedCopyJob
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.failures import Diagnosis

EARLIER_ATTEMPT = "earlier attempt"
CENTRAL_COPY = "central copy"


@dataclass(frozen=True)
class LostJob:
    kind: str  # EARLIER_ATTEMPT or CENTRAL_COPY
    why: str


def diagnosis_of(job: ListedCopyJob) -> Diagnosis:
    """Why it failed: its message, else the family AWS's MessageCategory picks."""
    return diagnose(
        job.status_message,
        resource_type=job.resource_type,
        kind="COPY",
        aws_category=job.message_category,
    )


def explain(job: ListedCopyJob, chains: ChainLedger) -> LostJob | None:
    """What `job` is and what to do about it; None when a later attempt of its chain made the
    copy (nothing to replay, nothing to say)."""
    owner = chains.hop_of_job(job.copy_job_id)
    if owner is not None:
        record = chains.chain(owner[0])
        if record is not None:
            return _of_chain(job, record, owner[1], chains)
    records = [r for r in map(chains.chain, chains.chains_of(job.source_recovery_point_arn)) if r]
    if any(r.state is LedgerState.COMPLETED for r in records):
        return None
    named = [r for r in records if _names(chains, r, job.copy_job_id)]
    replayed = named or [r for r in records if r.attempt > 1]
    if replayed:
        return _of_chain(job, replayed[0], None, chains)
    if not records:
        return LostJob(
            CENTRAL_COPY,
            "no chain of this stack started it (by hand?): once its cause is fixed, copy it "
            "again with aws backup start-copy-job",
        )
    states = ", ".join(f"{r.chain_id} {r.state}" for r in records)
    return LostJob(CENTRAL_COPY, _lost_event(states))


def _of_chain(
    job: ListedCopyJob, record: ChainRecord, index: int | None, chains: ChainLedger
) -> LostJob | None:
    if record.state is LedgerState.COMPLETED:
        return None
    hops = list(chains.hops_of(record.chain_id))
    current = any(
        h.copy_job_id == job.copy_job_id and h.state is not LedgerState.REPLANNED for h in hops
    )
    if current:
        if record.state is LedgerState.FAILED:  # its FAILED chain is older than the window
            return LostJob(CENTRAL_COPY, f"its chain failed with it: {_replay_chain(record)}")
        return LostJob(CENTRAL_COPY, _lost_event(f"{record.chain_id} {record.state}"))
    hop = f" hop {index + 1}" if index is not None else ""
    since = f"since {record.updated_at[:16]}" if record.updated_at else "now"
    if record.attempt > 1:
        what = (
            f"earlier attempt of {record.chain_id}{hop}, replayed: attempt {record.attempt} "
            f"is {record.state} {since}"
        )
    else:
        what = f"earlier try of {record.chain_id}{hop}, re-planned: it is {record.state} {since}"
    if record.state is LedgerState.FAILED:
        return LostJob(EARLIER_ATTEMPT, f"{what}: replay the chain, not this job: "
                       f"{_replay_chain(record)}")  # fmt: skip
    return LostJob(EARLIER_ATTEMPT, f"{what}: nothing to do")


def _names(chains: ChainLedger, record: ChainRecord, copy_job_id: str) -> bool:
    return any(h.copy_job_id == copy_job_id for h in chains.hops_of(record.chain_id))


def _replay_chain(record: ChainRecord) -> str:
    return f"backup-relay replay --chain-id {record.chain_id}"


def _lost_event(states: str) -> str:
    return (
        f"its event was lost and its chain ({states}) has not seen it yet: its poll or "
        "reconcile records it FAILED, then replay runs it again"
    )
