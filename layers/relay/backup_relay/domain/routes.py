"""Plan the copy hops that take a recovery point from one vault to another.

AWS Backup copied RDS, Aurora, DocumentDB and Neptune recovery points either across accounts or
across regions, never both in one copy job. Since October 2025 a single action can do both, but
it needs extra vault policies and is missing in opt-in regions; many teams also want the
same-region central copy for fast restores. So these "chained" types take two hops by default
(`Copies.two_hops` in domain/resource_types.py, the registry of what each type allows):
the account changes in the member's region (through the central vault there), the region changes
inside the central account. Types enabled for single-action copy, and every other type, take one.

Which action a copy takes (one copy, two hops, straight into a logically air-gapped vault, or
none, with AWS's reason) is domain/route_table.py's table; this module builds the hops.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from backup_relay.domain.route_table import (
    OPT_IN_REGIONS,
    Action,
    Decision,
    Encryption,
    VaultType,
    case_of,
    decide,
)


class RouteError(ValueError):
    """No copy route exists; the message says why, `page` the AWS page that says so (empty:
    this product's own topology, or a malformed input)."""

    def __init__(self, message: str, page: str = "") -> None:
        super().__init__(message)
        self.page = page


class Vault(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    region: str
    name: str

    @property
    def arn(self) -> str:
        return f"arn:aws:backup:{self.region}:{self.account}:backup-vault:{self.name}"

    @classmethod
    def parse(cls, text: str) -> Vault:
        """`ACCOUNT:REGION:VAULT` or a backup vault ARN."""
        if text.startswith("arn:"):
            parts = text.split(":")
            if len(parts) != 7 or parts[5] != "backup-vault":
                raise RouteError(f"{text!r} is not a backup vault ARN")
            return cls(account=parts[4], region=parts[3], name=parts[6])
        parts = text.split(":")
        if len(parts) != 3 or not all(parts):
            raise RouteError(f"{text!r} is not ACCOUNT:REGION:VAULT")
        return cls(account=parts[0], region=parts[1], name=parts[2])

    def __str__(self) -> str:
        return f"{self.account}:{self.region}:{self.name}"


#: The word for "the stack's own region" in a destination (AdditionalDestinations' `home`).
HOME_REGION = "home"


class Destination(BaseModel):
    """Where a chained recovery point must go from the central vault: the DR vault, or one of
    the stack's AdditionalDestinations (`TYPE:REGION:VAULT`, in the central account)."""

    model_config = ConfigDict(frozen=True)

    vault: Vault
    vault_type: VaultType = VaultType.STANDARD

    @property
    def label(self) -> str:
        """`standard:eu-west-1:backup-relay-dr`: how status, coverage and alerts name it."""
        return f"{_TYPE_WORDS[self.vault_type]}:{self.vault.region}:{self.vault.name}"

    @classmethod
    def parse(cls, text: str, account: str, home_region: str) -> Destination:
        """`TYPE:REGION:VAULT` (TYPE `standard` or `lag`; REGION a region or `home`, the stack's
        own); RouteError says what is wrong and what is expected."""
        parts = text.strip().split(":")
        words = {word: vault_type for vault_type, word in _TYPE_WORDS.items()}
        if len(parts) != 3 or parts[0] not in words or not parts[1] or not parts[2]:
            raise RouteError(
                f"{text!r} is not a destination: expected TYPE:REGION:VAULT, TYPE standard or "
                "lag, REGION a region or home (for example lag:home:backup-relay-lag)"
            )
        region = home_region if parts[1] == HOME_REGION else parts[1]
        vault = Vault(account=account, region=region, name=parts[2])
        return cls(vault=vault, vault_type=words[parts[0]])

    def __str__(self) -> str:
        return self.label


_TYPE_WORDS = {VaultType.STANDARD: "standard", VaultType.LOGICALLY_AIR_GAPPED: "lag"}


class Lifecycle(BaseModel):
    model_config = ConfigDict(frozen=True)

    delete_after_days: int | None = None
    move_to_cold_storage_after_days: int | None = None

    def as_api(self) -> dict[str, int]:
        """The `Lifecycle` member of StartCopyJob (empty: the vault's default)."""
        api = {}
        if self.delete_after_days is not None:
            api["DeleteAfterDays"] = self.delete_after_days
        if self.move_to_cold_storage_after_days is not None:
            api["MoveToColdStorageAfterDays"] = self.move_to_cold_storage_after_days
        return api


class HopKind(StrEnum):
    SAME_REGION_SAME_ACCOUNT = "same-account"
    CROSS_ACCOUNT = "cross-account"
    CROSS_REGION = "cross-region"
    CROSS_ACCOUNT_AND_REGION = "cross-account-and-region"


class Hop(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: Vault
    destination: Vault
    lifecycle: Lifecycle = Lifecycle()

    @property
    def kind(self) -> HopKind:
        accounts = self.source.account != self.destination.account
        regions = self.source.region != self.destination.region
        if accounts and regions:
            return HopKind.CROSS_ACCOUNT_AND_REGION
        if accounts:
            return HopKind.CROSS_ACCOUNT
        return HopKind.CROSS_REGION if regions else HopKind.SAME_REGION_SAME_ACCOUNT

    def idempotency_token(self, source_recovery_point_arn: str, attempt: int = 1) -> str:
        """Stable per (recovery point, destination vault): a retried StartCopyJob is a no-op.
        A replay's attempt (2, 3, ...) makes a new token, so AWS starts a new copy job."""
        key = f"{source_recovery_point_arn}|{self.destination.arn}"
        if attempt > 1:
            key += f"|attempt-{attempt}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RoutePolicy:
    """What routes depend on; the stack's parameters give every value (the wiring reads them)."""

    central_account: str
    central_vault_name: str  # the central vault has this name in every region
    chained_types: frozenset[str]
    single_action_types: frozenset[str] = frozenset()
    intermediate_lifecycle: Lifecycle = field(default_factory=Lifecycle)
    destination_lifecycle: Lifecycle = field(default_factory=Lifecycle)
    dr_region: str = ""  # empty: the copy chain is off
    dr_vault_name: str = ""
    #: The logically air-gapped vaults' retention range (min, max days; the vaults stack's
    #: LagMinRetentionDays/LagMaxRetentionDays): copies into one must keep their recovery
    #: points within it. None: not known, not checked.
    lag_retention: tuple[int, int] | None = None
    #: AdditionalDestinations, as written (`TYPE:REGION:VAULT`, comma-separated; empty: the DR
    #: vault is the only destination). destinations() reads them.
    additional_destinations: tuple[str, ...] = ()

    def destinations(self, home_region: str) -> tuple[Destination, ...]:
        """Every destination of a chain that starts in `home_region`, the DR vault first, each
        once; () when the copy chain is off. RouteError: an entry is malformed."""
        dr = self.dr_vault
        if dr is None:
            return ()
        found = [Destination(vault=dr)]
        for text in self.additional_destinations:
            destination = Destination.parse(text, self.central_account, home_region)
            if destination.vault in {known.vault for known in found}:
                continue
            found.append(destination)
        return tuple(found)

    def central_vault(self, region: str) -> Vault:
        return Vault(account=self.central_account, region=region, name=self.central_vault_name)

    @property
    def dr_vault(self) -> Vault | None:
        """None: no DrRegion, the copy chain is off."""
        if not self.dr_region:
            return None
        return Vault(account=self.central_account, region=self.dr_region, name=self.dr_vault_name)

    def is_chain_vault(self, vault_arn: str | None) -> bool:
        """A vault the chain's hops copy out of: a central vault (any region) or the DR vault."""
        try:
            vault = Vault.parse(vault_arn or "")
        except RouteError:
            return False
        names = {self.central_vault_name, self.dr_vault_name}
        return vault.account == self.central_account and vault.name in names


class Route(BaseModel):
    model_config = ConfigDict(frozen=True)

    resource_type: str
    source: Vault
    destination: Vault
    hops: tuple[Hop, ...]
    reason: str
    #: The route table's row (domain/route_table.py) that decided it, and what it says.
    action: str = Action.ONE_COPY.value
    family: str = ""
    page: str = ""
    inferred: bool = False
    destination_vault_type: VaultType = VaultType.STANDARD
    condition: str = ""


def plan_route(
    resource_type: str,
    source: Vault,
    destination: Vault,
    settings: RoutePolicy,
    *,
    destination_vault_type: VaultType = VaultType.STANDARD,
    source_vault_type: VaultType = VaultType.STANDARD,
    encryption: Encryption | None = None,
) -> Route:
    """The hops from `source` to `destination`, as the route table decides, or RouteError
    saying why there are none (the table's reason, or this product's own topology's)."""
    if source == destination:
        raise RouteError(f"the recovery point is already in {destination}")
    decision = decide(
        case_of(
            resource_type,
            (source.account, source.region),
            (destination.account, destination.region),
            destination_vault=destination_vault_type,
            source_vault=source_vault_type,
            chained=resource_type in settings.chained_types,
            single_action=resource_type in settings.single_action_types,
            encryption=encryption,
            retention_days=settings.destination_lifecycle.delete_after_days,
            retention_range=settings.lag_retention,
        )
    )
    if decision.action is Action.IMPOSSIBLE:
        raise RouteError(decision.reason, decision.page)
    hops: tuple[Hop, ...]
    if decision.action is Action.TWO_HOPS:
        via = _intermediate(resource_type, source, destination, settings)
        hops = (
            Hop(source=source, destination=via, lifecycle=settings.intermediate_lifecycle),
            Hop(source=via, destination=destination, lifecycle=settings.destination_lifecycle),
        )
        reason = decision.reason + _single_action_note(resource_type, source, destination, settings)
    else:
        hop = Hop(source=source, destination=destination, lifecycle=settings.destination_lifecycle)
        hops = (hop,)
        reason = f"{hop.kind} copy: {decision.reason}"
    return _route(
        resource_type=resource_type,
        source=source,
        destination=destination,
        hops=hops,
        reason=reason,
        decision=decision,
        destination_vault_type=destination_vault_type,
    )


def _route(
    *,
    resource_type: str,
    source: Vault,
    destination: Vault,
    hops: tuple[Hop, ...],
    reason: str,
    decision: Decision,
    destination_vault_type: VaultType,
) -> Route:
    return Route(
        resource_type=resource_type,
        source=source,
        destination=destination,
        hops=hops,
        reason=reason,
        action=decision.action.value,
        family=decision.family,
        page=decision.page,
        inferred=decision.inferred,
        destination_vault_type=destination_vault_type,
        condition=decision.condition,
    )


def _single_action_note(
    resource_type: str, source: Vault, destination: Vault, settings: RoutePolicy
) -> str:
    if resource_type not in settings.single_action_types:
        return ""
    opt_in = sorted({source.region, destination.region} & OPT_IN_REGIONS)
    return f"; single-action copy is not available in {', '.join(opt_in)}" if opt_in else ""


def two_hop_fallback(route: Route, settings: RoutePolicy) -> Route:
    """Re-plan a single-action route as two hops, after AWS refused the single action."""
    without = settings.single_action_types - {route.resource_type}
    fallback = plan_route(
        route.resource_type,
        route.source,
        route.destination,
        replace(settings, single_action_types=without),
        destination_vault_type=route.destination_vault_type,
    )
    return fallback.model_copy(
        update={"reason": fallback.reason + "; AWS refused the single-action copy"}
    )


def _intermediate(
    resource_type: str, source: Vault, destination: Vault, settings: RoutePolicy
) -> Vault:
    """The account changes in the member's region, through the central vault there."""
    if destination.account == settings.central_account:
        return settings.central_vault(source.region)
    if source.account == settings.central_account:
        return settings.central_vault(destination.region)
    raise RouteError(
        f"{resource_type} cannot be copied across accounts and regions between two member "
        f"accounts: one side must be the central account {settings.central_account}"
    )


def parse_types(text: str | Iterable[str]) -> frozenset[str]:
    items = text.split(",") if isinstance(text, str) else text
    return frozenset(item.strip() for item in items if item.strip())
