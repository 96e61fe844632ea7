"""What publishing findings needs of AWS Security Hub."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from backup_relay.domain.security_findings import SecurityFinding


class ImportFailure(BaseModel):
    """A finding BatchImportFindings refused (its FailedFindings entry)."""

    model_config = ConfigDict(frozen=True)

    id: str
    code: str
    message: str


class SecurityHub(Protocol):
    def active_findings(self, product_arn: str, generator_id: str) -> list[SecurityFinding]:
        """The ACTIVE findings this product's generator imported (GetFindings)."""
        ...

    def import_findings(self, findings: Sequence[SecurityFinding]) -> list[ImportFailure]:
        """Create or update them (BatchImportFindings); what it refused."""
        ...
