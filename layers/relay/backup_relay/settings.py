"""Function settings, read once from the environment the template sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from backup_relay.planner import ChainSettings, Lifecycle, Vault, parse_types


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


@dataclass(frozen=True)
class ChainRuntimeSettings:
    """What the copy chain needs, from the template's parameters."""

    chain: ChainSettings
    dr_vault: Vault | None  # None: chaining is off (no DrRegion)
    state_machine_arn: str
    wait_timeout_seconds: int
    home_region: str
    backup_role_arn: str
    intermediate_retention_days: int = 0  # 0: never shorten

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ChainRuntimeSettings:
        central = env.get("CENTRAL_ACCOUNT_ID", "")
        dr_region, dr_vault = env.get("DR_REGION", ""), env.get("DR_VAULT_NAME", "")
        dr_days = int(env.get("DR_DELETE_AFTER_DAYS") or 0)
        return cls(
            chain=ChainSettings(
                central_account=central,
                default_central_vault=env.get("CENTRAL_VAULT_NAME", "central"),
                chained_types=parse_types(env.get("CHAINED_RESOURCE_TYPES", "")),
                single_action_types=parse_types(env.get("SINGLE_ACTION_RESOURCE_TYPES", "")),
                destination_lifecycle=Lifecycle(delete_after_days=dr_days or None),
            ),
            dr_vault=Vault(account=central, region=dr_region, name=dr_vault)
            if dr_region and dr_vault
            else None,
            state_machine_arn=env.get("STATE_MACHINE_ARN", ""),
            wait_timeout_seconds=int(env.get("COPY_WAIT_TIMEOUT_SECONDS") or 4 * 3600),
            home_region=env.get("AWS_REGION", ""),
            backup_role_arn=env.get("BACKUP_ROLE_ARN", ""),
            intermediate_retention_days=int(env.get("INTERMEDIATE_RETENTION_DAYS") or 0),
        )
