"""Proof, not only a guess: the read-only check that confirms or contradicts a failure's
diagnosed cause (the doctor's probe, `doctor/probe.py`), and what it found.

An alert is built with its probe's subject (what the job names: accounts, vaults, key, role) and
no verdict; AlertsFunction runs the probe just before it publishes the alert, so the ingest path
is never delayed, and the verdict never changes the alert's id (the same failure twice is still
one alert). `replay` runs the same probe before it starts a copy again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from backup_relay.domain.categories import Category
from backup_relay.domain.chain import HopRecord
from backup_relay.domain.failures import Diagnosis
from backup_relay.domain.jobs import JobEvent


class Verdict(StrEnum):
    CONFIRMED = "confirmed"  # the cause the diagnosis names is there now
    CONTRADICTED = "contradicted"  # it is not: the diagnosis says what else to look at
    UNCHECKED = "could not check"  # a read was refused, failed or ran out of time


#: The categories a read-only check can confirm, each with what the check looks at.
PROBED: dict[Category, str] = {
    Category.KMS_KEY_NOT_SHARED: "the source key's policy lets the destination account use it",
    Category.AWS_MANAGED_KEY: "the source key is customer managed",
    Category.DEFAULT_VAULT_KEY: "the destination vault's key is customer managed",
    Category.VAULT_ACCESS_POLICY: "the destination vault's policy allows "
    "backup:CopyIntoBackupVault to the source account",
    Category.CROSS_ACCOUNT_DISABLED: "AWS Backup's isCrossAccountBackupEnabled",
    Category.VAULT_LOCK_RETENTION: "the destination vault's lock range holds the retention",
    Category.IAM_ROLE_PERMISSIONS: "the job's role exists, trusts AWS Backup and carries "
    "AWSBackupServiceRolePolicyForBackup",
    Category.OPTION_GROUP_MISSING: "an option group of the source snapshot's engine and major "
    "version in the destination region has its options",
}


class ProbeSubject(BaseModel):
    """What the failed job names, that the probe reads."""

    model_config = ConfigDict(frozen=True)

    category: str
    kind: str  # BACKUP, COPY, RESTORE
    account: str  # the job's: a copy's source account
    region: str
    resource_type: str | None = None
    recovery_point_arn: str | None = None  # a copy's source recovery point
    source_vault_arn: str | None = None
    destination_vault_arn: str | None = None
    key_arn: str | None = None  # when the message names it
    role_arn: str | None = None

    @property
    def destination_account(self) -> str | None:
        parts = (self.destination_vault_arn or "").split(":")
        return parts[4] if len(parts) > 4 and parts[4] else None

    @property
    def destination_region(self) -> str | None:
        parts = (self.destination_vault_arn or "").split(":")
        return parts[3] if len(parts) > 3 and parts[3] else None

    @property
    def cause(self) -> ProbeSubject:
        """The subject as far as its category's check reads it: failures of one cause (one
        vault's policy, one role, the organization's setting) have one cause, probed once in a
        replay run (`replay/waits.py`)."""
        read = _READS.get(self.category)
        if read is None:
            return self
        kept = {"category", "kind", "account", "region", *read}
        return self.model_copy(update={k: None for k in _OPTIONAL if k not in kept})


_OPTIONAL = (
    "resource_type",
    "recovery_point_arn",
    "source_vault_arn",
    "destination_vault_arn",
    "key_arn",
    "role_arn",
)
_KEY_READS = ("key_arn", "recovery_point_arn", "source_vault_arn", "destination_vault_arn")
#: What each category's check (doctor/probe.py) reads of its subject, besides its category,
#: kind, account and region. The resource type is kept where the finding's words name it.
_READS: dict[str, tuple[str, ...]] = {
    Category.KMS_KEY_NOT_SHARED: (*_KEY_READS, "resource_type"),
    Category.AWS_MANAGED_KEY: (*_KEY_READS, "resource_type"),
    Category.DEFAULT_VAULT_KEY: ("destination_vault_arn",),
    Category.VAULT_ACCESS_POLICY: ("destination_vault_arn",),
    Category.VAULT_LOCK_RETENTION: ("destination_vault_arn",),
    Category.CROSS_ACCOUNT_DISABLED: (),
    Category.IAM_ROLE_PERMISSIONS: ("role_arn", "resource_type"),
    Category.OPTION_GROUP_MISSING: ("recovery_point_arn", "destination_vault_arn"),
}


class Proof(BaseModel):
    """The probe of an alert's cause: its subject, and once run its verdict and what it saw."""

    model_config = ConfigDict(frozen=True)

    subject: ProbeSubject
    verdict: Verdict | None = None  # None: not run (yet)
    finding: str = ""
    reads: int = 0  # the read calls it made

    @property
    def line(self) -> str:
        """`confirmed: ...`, `contradicted: ...`, `could not check: ...`, or empty."""
        return f"{self.verdict}: {self.finding}" if self.verdict else ""


_KEY = re.compile(r"arn:aws[a-z-]*:kms:[^\s\"'\]\[,;()]+")


def subject_for(
    category: str, kind: str, context: Mapping[str, str | None], message: str | None = None
) -> ProbeSubject | None:
    """The probe's subject for a failure diagnosed as `category`, from what its job names
    (`context`: account, region, vaults, recovery point, key, role); None when no read-only
    check can confirm that category, or the job names no account."""
    account, region = context.get("account"), context.get("region")
    if category not in PROBED or not account or not region:
        return None
    return ProbeSubject(
        category=category,
        kind=kind,
        account=account,
        region=region,
        resource_type=context.get("resource_type"),
        recovery_point_arn=context.get("recovery_point_arn"),
        source_vault_arn=context.get("source_vault_arn"),
        destination_vault_arn=context.get("destination_vault_arn"),
        key_arn=(found.group(0).rstrip(".") if (found := _KEY.search(message or "")) else None),
        role_arn=context.get("iam_role_arn"),
    )


def event_subject(diagnosis: Diagnosis, event: JobEvent) -> ProbeSubject | None:
    """The probe's subject of a job's failure, from what its event names."""
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


def hop_subject(
    diagnosis: Diagnosis, hop: HopRecord | None, resource_type: str | None = None
) -> ProbeSubject | None:
    """The probe's subject of a chain hop's failure, from what its hop record names."""
    if hop is None:
        return None
    where = {
        "account": hop.source_account,
        "region": hop.source_region,
        "source_vault_arn": hop.source_vault_arn,
        "destination_vault_arn": hop.destination_vault_arn,
        "recovery_point_arn": hop.source_recovery_point_arn,
        "resource_type": resource_type,
    }
    return subject_for(diagnosis.category, "COPY", where, diagnosis.message)
