"""Replay waits for the fix: before a failed copy is started again, the doctor's probe checks its
diagnosed cause (doctor/probe.py). A cause the probe confirms is still there: the copy would fail
the same way, so it is skipped (and listed with the probe's finding), unless the operator forces
it. A contradicted or unchecked cause does not hold a replay back: the probe is a read-only
check of the usual cause, not a proof that the copy will succeed.
"""

from __future__ import annotations

from collections.abc import Callable

from backup_relay.domain.chain import HopRecord
from backup_relay.domain.failures import Diagnosis
from backup_relay.domain.jobs import JobEvent
from backup_relay.domain.proof import ProbeSubject, Proof, Verdict, subject_for

Prober = Callable[[ProbeSubject], Proof]


def hop_subject(diagnosis: Diagnosis, hop: HopRecord | None) -> ProbeSubject | None:
    if hop is None:
        return None
    where = {
        "account": hop.source_account,
        "region": hop.source_region,
        "source_vault_arn": hop.source_vault_arn,
        "destination_vault_arn": hop.destination_vault_arn,
        "recovery_point_arn": hop.source_recovery_point_arn,
    }
    return subject_for(diagnosis.category, "COPY", where, diagnosis.message)


def event_subject(diagnosis: Diagnosis, event: JobEvent) -> ProbeSubject | None:
    where = {
        "account": event.account,
        "region": event.region,
        "source_vault_arn": event.source_vault_arn,
        "destination_vault_arn": event.destination_vault_arn,
        "recovery_point_arn": event.source_recovery_point_arn,
        "iam_role_arn": event.iam_role_arn,
        "resource_type": event.resource_type,
    }
    return subject_for(diagnosis.category, str(event.kind), where, diagnosis.message)


def still_broken(
    probe: Prober | None, subject: ProbeSubject | None, *, force: bool
) -> tuple[str, str | None]:
    """(the probe's line, or "" when none ran; why to skip the replay, or None)."""
    if probe is None or subject is None:
        return "", None
    proof = probe(subject)
    if proof.verdict is not Verdict.CONFIRMED or force:
        return proof.line, None
    return proof.line, f"its cause is still there ({proof.line}): fix it, or --force"
