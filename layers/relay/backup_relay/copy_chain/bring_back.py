"""Bring a DR copy back to a member account for restore: the reverse route, same state machine."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from backup_relay.copy_chain.state import ChainState, new_chain
from backup_relay.planner import RouteError, Vault, plan_route
from backup_relay.ports import ChainLedger, RecoveryPoints, Workflow
from backup_relay.settings import BringBackSettings


class BringBackRequest(BaseModel):
    recovery_point_arn: str
    to_account: str
    to_region: str
    to_vault: str
    from_vault: str | None = None  # ACCOUNT:REGION:VAULT or ARN; default: the DR vault
    dry_run: bool = False


@dataclass
class BringBack:
    settings: BringBackSettings
    recovery_points: RecoveryPoints
    ledger: ChainLedger
    workflow: Workflow

    def __call__(self, request: BringBackRequest) -> tuple[ChainState, bool]:
        """The planned chain, and whether this call started it (False: dry run or already on)."""
        source = Vault.parse(request.from_vault) if request.from_vault else self.settings.dr_vault
        if source is None:
            raise RouteError("no DR vault is configured (DrRegion): pass the vault the copy is in")
        central = self.settings.central_account
        if source.account != central:
            raise RouteError(
                f"bring-back copies out of the central account's vaults ({central}), not "
                f"{source.arn}: StartCopyJob runs in the source vault's account, and AWS Backup "
                "rejects any other cross-account call than CopyIntoBackupVault"
            )
        point = self.recovery_points.describe(source, request.recovery_point_arn)
        if not point.is_whole:
            raise RouteError(
                f"recovery point {point.arn} is {point.status}: only a COMPLETED (or AVAILABLE) "
                "recovery point can be brought back (CREATING is still being made, PARTIAL "
                "lacks part of its source, DELETING and EXPIRED are past their retention)"
            )
        destination = Vault(
            account=request.to_account, region=request.to_region, name=request.to_vault
        )
        route = plan_route(point.resource_type, source, destination, self.settings.chain)
        chain = new_chain(route, request.recovery_point_arn)
        if request.dry_run:
            return chain, False
        self.ledger.chain_started(chain)
        started = self.workflow.start(chain)
        self.ledger.execution_started(chain)
        return chain, started
