"""Bring a DR copy back to a member account for restore: the reverse route, same state machine.

Its source is always the DR vault, and its target a vault the stack's BringBackTargets admits:
whoever may invoke it can only move DR copies to where the platform team said they may go.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from backup_relay.copy_chain.ports import ChainLedger, RecoveryPoints, Workflow
from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.chain import ChainState, new_chain
from backup_relay.domain.routes import RouteError, RoutePolicy, Vault, plan_route


class BringBackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a field it does not know is a mistake, say so

    recovery_point_arn: str
    to_account: str
    to_region: str
    to_vault: str
    dry_run: bool = False


class TargetNotAllowed(Exception):
    """The target vault is not one the stack's BringBackTargets admits."""


def target_allowed(targets: frozenset[str], accounts: AccountPolicy, target: Vault) -> bool:
    """`targets`: BringBackTargets (ACCOUNT or ACCOUNT:VAULT); empty, the accounts the relay
    serves (`accounts`, AllowedSourceAccounts)."""
    if not targets:
        return accounts.allows(target.account)
    return bool({target.account, f"{target.account}:{target.name}"} & targets)


@dataclass
class BringBack:
    routes: RoutePolicy
    targets: frozenset[str]  # BringBackTargets
    accounts: AccountPolicy  # AllowedSourceAccounts
    recovery_points: RecoveryPoints
    ledger: ChainLedger
    workflow: Workflow

    def __call__(self, request: BringBackRequest) -> tuple[ChainState, bool]:
        """The planned chain, and whether this call started it (False: dry run or already on)."""
        source = self.routes.dr_vault
        if source is None:
            raise RouteError("no DR vault is configured (DrRegion): bring-back copies out of it")
        destination = Vault(
            account=request.to_account, region=request.to_region, name=request.to_vault
        )
        if not target_allowed(self.targets, self.accounts, destination):
            listed = ",".join(sorted(self.targets))
            raise TargetNotAllowed(
                f"{destination.account}:{destination.name} is not a bring-back target of this "
                f"stack (BringBackTargets: {listed or 'empty, so AllowedSourceAccounts'}): add "
                "ACCOUNT or ACCOUNT:VAULT to the stack's BringBackTargets parameter"
            )
        point = self.recovery_points.describe(source, request.recovery_point_arn)
        if not point.is_whole:
            raise RouteError(
                f"recovery point {point.arn} is {point.status}: only a COMPLETED (or AVAILABLE) "
                "recovery point can be brought back (CREATING is still being made, PARTIAL "
                "lacks part of its source, DELETING and EXPIRED are past their retention)"
            )
        route = plan_route(point.resource_type, source, destination, self.routes)
        chain = new_chain(route, request.recovery_point_arn)
        if request.dry_run:
            return chain, False
        self.ledger.chain_started(chain)
        started = self.workflow.start(chain)
        self.ledger.execution_started(chain)
        return chain, started
