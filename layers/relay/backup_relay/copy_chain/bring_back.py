"""Bring a DR copy back to a member account for restore: the reverse route, same state machine.

Its source is always the DR vault, and its target a vault the stack admits: BringBackTargets; if
empty, the accounts of AllowedSourceAccounts; if that is empty too, the accounts of the
organization, read from AWS Organizations. Never anyone: when the organization's accounts cannot
be read, the bring-back is refused. Whoever may invoke it can only move DR copies to where the
platform team said they may go.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from backup_relay.copy_chain.ports import (
    ChainLedger,
    OrganizationAccounts,
    RecoveryPoints,
    Workflow,
)
from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.chain import ChainState, new_chain
from backup_relay.domain.errors import AwsError, Throttled
from backup_relay.domain.routes import RouteError, RoutePolicy, Vault, plan_route

_FIX = "add ACCOUNT or ACCOUNT:VAULT to the stack's BringBackTargets parameter"


class BringBackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a field it does not know is a mistake, say so

    recovery_point_arn: str
    to_account: str
    to_region: str
    to_vault: str
    dry_run: bool = False


class TargetNotAllowed(Exception):
    """The target vault is not one the stack admits (BringBackTargets, else
    AllowedSourceAccounts, else the organization's accounts)."""


def target_allowed(
    targets: frozenset[str],
    accounts: AccountPolicy,
    target: Vault,
    organization: OrganizationAccounts,
) -> bool:
    """`targets`: BringBackTargets (ACCOUNT or ACCOUNT:VAULT); empty, the accounts the relay
    serves: AllowedSourceAccounts (`accounts`), or, empty too, the organization's accounts.
    Raises TargetNotAllowed when the organization's accounts cannot be read."""
    if targets:
        return bool({target.account, f"{target.account}:{target.name}"} & targets)
    if accounts.allowed:
        return accounts.allows(target.account)
    try:
        return target.account in organization.active_accounts()
    except Throttled:
        raise  # AWS asked to slow down: try again later
    except AwsError as refused:
        raise TargetNotAllowed(
            f"cannot tell whether account {target.account} is in the organization "
            f"(organizations:ListAccounts: {refused.code or refused}), and BringBackTargets and "
            f"AllowedSourceAccounts are empty: {_FIX}, or run it from an account allowed to list "
            "the organization (its management account or a delegated administrator)"
        ) from refused


@dataclass
class BringBack:
    routes: RoutePolicy
    targets: frozenset[str]  # BringBackTargets
    accounts: AccountPolicy  # AllowedSourceAccounts
    organization: OrganizationAccounts  # when both are empty
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
        if not target_allowed(self.targets, self.accounts, destination, self.organization):
            raise TargetNotAllowed(
                f"{destination.account}:{destination.name} is not a bring-back target of this "
                f"stack (BringBackTargets: {self.admitted()}): {_FIX}"
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

    def admitted(self) -> str:
        """Which targets the stack admits, as its refusals name them."""
        if self.targets:
            return ",".join(sorted(self.targets))
        if self.accounts.allowed:
            return "empty, so AllowedSourceAccounts"
        return "and AllowedSourceAccounts empty, so the organization's accounts"
