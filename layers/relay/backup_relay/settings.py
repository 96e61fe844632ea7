"""Function settings, read once from the environment the template sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class IngestSettings:
    ledger_table: str
    idempotency_table: str
    allowed_source_accounts: tuple[str, ...]
    central_account_id: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> IngestSettings:
        return cls(
            ledger_table=env["LEDGER_TABLE"],
            idempotency_table=env["IDEMPOTENCY_TABLE"],
            allowed_source_accounts=tuple(
                a.strip() for a in env.get("ALLOWED_SOURCE_ACCOUNTS", "").split(",") if a.strip()
            ),
            central_account_id=env.get("CENTRAL_ACCOUNT_ID") or None,
        )
