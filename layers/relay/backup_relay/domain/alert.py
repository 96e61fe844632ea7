"""What an alert says, before it is rendered for a protocol (message.py)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from backup_relay.domain.failures import Diagnosis, Severity
from backup_relay.domain.proof import Proof


class AlertKind(StrEnum):
    BACKUP = "BACKUP"  # a job that ended FAILED, ABORTED, EXPIRED or PARTIAL
    COPY = "COPY"
    RESTORE = "RESTORE"
    CHAIN = "CHAIN"  # a copy chain that failed, naming its hop
    HOP_PAST_SLA = "HOP_PAST_SLA"
    CHAIN_RECOVERED = "CHAIN_RECOVERED"  # reconcile started or resumed what events did not
    QUARANTINE = "QUARANTINE"  # more quarantined messages in an hour than the threshold
    DR_COPY_STALE = "DR_COPY_STALE"  # a chained resource without a recent DR copy
    PREREQUISITE = "PREREQUISITE"  # the doctor found what will make copies fail
    THREATS_FOUND = "THREATS_FOUND"  # a malware scan found threats in a recovery point
    DRILL_FAILED = "DRILL_FAILED"  # a restore drill of a DR copy failed (restore or validation)
    RESTORE_UNPROVEN = "RESTORE_UNPROVEN"  # no proven restore for too many days


class Alert(BaseModel):
    """`alert_id` names the failure, not the delivery: the same failure seen twice (a repeated
    event, a retried batch) has the same id, and the alert ledger publishes it once."""

    model_config = ConfigDict(frozen=True)

    alert_id: str
    severity: Severity
    kind: AlertKind
    headline: str  # what happened, in a few words: "copy job FAILED"
    occurred_at: datetime
    diagnosis: Diagnosis
    account: str | None = None
    region: str | None = None
    resource_type: str | None = None
    resource_arn: str | None = None
    job_id: str | None = None
    chain_id: str | None = None
    execution_arn: str | None = None
    hop: str | None = None  # "hop 2 of 2, us-west-2 -> us-east-1 (cross-region)"
    status_message: str | None = None  # AWS's own words, kept whole
    message_category: str | None = None  # AWS's own MessageCategory, when known
    proof: Proof | None = None  # the probe of the cause (domain/proof.py); not in alert_id
    recovery_point_arn: str | None = None  # THREATS_FOUND: the recovery point scanned
    copies: tuple[str, ...] = ()  # THREATS_FOUND: the recovery points the chains copied it to
