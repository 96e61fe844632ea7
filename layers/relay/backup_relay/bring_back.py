"""Bring a DR copy back to a member account for restore: the reverse route, same state machine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from backup_relay.adapters.chains import ChainLedger
from backup_relay.adapters.workflow import Workflow
from backup_relay.chain import ChainState, new_chain
from backup_relay.planner import ChainSettings, Vault, plan_route


class BringBackRequest(BaseModel):
    recovery_point_arn: str
    to_account: str
    to_region: str
    to_vault: str
    from_vault: str | None = None  # ACCOUNT:REGION:VAULT or ARN; default: the DR vault
    dry_run: bool = False


class RecoveryPoints(Protocol):
    def describe_recovery_point(self, region: str, vault: Vault, arn: str) -> dict[str, Any]: ...


@dataclass
class BringBack:
    settings: ChainSettings
    dr_vault: Vault | None
    recovery_points: RecoveryPoints
    ledger: ChainLedger
    workflow: Workflow

    def __call__(self, request: BringBackRequest) -> tuple[ChainState, bool]:
        """The planned chain, and whether this call started it (False: dry run or already on)."""
        source = Vault.parse(request.from_vault) if request.from_vault else self.dr_vault
        if source is None:
            raise ValueError("no DR vault is configured: pass the vault the copy is in")
        point = self.recovery_points.describe_recovery_point(
            source.region, source, request.recovery_point_arn
        )
        destination = Vault(
            account=request.to_account, region=request.to_region, name=request.to_vault
        )
        route = plan_route(point["ResourceType"], source, destination, self.settings)
        chain = new_chain(route, request.recovery_point_arn)
        if request.dry_run:
            return chain, False
        self.ledger.chain_started(chain)
        return chain, self.workflow.start(chain)
