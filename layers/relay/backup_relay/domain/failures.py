"""The shape of a diagnosis and of the catalogue's entries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from backup_relay.domain.categories import Category

GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"


SERVICE_ROLE = (
    "arn:aws:iam::{destination_account}:role/aws-service-role/backup.amazonaws.com/"
    "AWSServiceRoleForBackup"
)


KEY_STATEMENTS = (
    "kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey* and kms:DescribeKey, and "
    "kms:CreateGrant, kms:ListGrants and kms:RevokeGrant under the condition "
    '"kms:GrantIsForAWSResource": "true"'
)


class Severity(StrEnum):
    """How bad: of an alert, and of a doctor's finding."""

    ERROR = "error"  # something failed or will: a job, a chain; a prerequisite copies need
    WARNING = "warning"  # something may fail: a hop past its SLA; a gap in coverage


class Diagnosis(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    title: str
    remediation: str
    retryable: bool  # a replay after the fix is expected to succeed
    docs: str
    message: str  # AWS's message, as given
    #: AWS's own MessageCategory for the job, when known (aws_categories.py): kept as AWS gave it
    aws_category: str | None = None
    #: False when no catalogue entry matched: the category is AWS's category's family or unknown
    catalogued: bool = True


@dataclass(frozen=True)
class Entry:
    category: Category
    patterns: tuple[str, ...]  # any matches (case-insensitive); () matches by state alone
    title: str
    remediation: str  # {placeholders}: see _values
    retryable: bool
    docs: str
    kinds: frozenset[str] = frozenset()  # BACKUP, COPY, RESTORE; empty: any
    states: frozenset[str] = frozenset()  # the job's final state; empty: any

    def matches(self, message: str, kind: str | None, state: str | None) -> bool:
        return self.match(message, kind, state) is not None

    def skipped(self, kind: str | None, state: str | None) -> str | None:
        """Why the entry is not tried for this job: it is for other kinds or final states."""
        if self.kinds and kind not in self.kinds:
            return f"only for {', '.join(sorted(self.kinds))} jobs"
        if self.states and state not in self.states:
            return f"only for jobs ended {', '.join(sorted(self.states))}"
        return None

    def match(self, message: str, kind: str | None, state: str | None) -> str | None:
        """What matched: the first pattern that does, or for an entry of states alone (and no
        message) `state X`; None when the entry does not match."""
        if self.skipped(kind, state):
            return None
        if not self.patterns:
            return f"state {state}" if self.states and not message else None
        return next((p for p in self.patterns if re.search(p, message, re.IGNORECASE)), None)
