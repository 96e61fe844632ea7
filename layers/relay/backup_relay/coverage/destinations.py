"""Coverage of one resource in one destination (issue #25 item 5): the DR vault, or one of the
stack's AdditionalDestinations (a logically air-gapped vault, in the DR or the home region).

Each destination answers on its own: its newest landed copy and that copy's age, stale (too old,
none, or a copy into it failed since), pending, or `no route` when AWS cannot copy the resource's
type there at all (the route table's reason and AWS's page, domain/route_table.py): a resource
with no route to a destination is not stale there, and no alert is raised for it.
"""

from __future__ import annotations

from pydantic import BaseModel, computed_field

from backup_relay.domain.route_table import VaultType
from backup_relay.domain.routes import Destination, RouteError, RoutePolicy, Vault, plan_route

#: Why a destination is not current (DestinationCoverage.reason).
COPY_FAILED, NO_COPY_YET, COPY_TOO_OLD = "copy failed", "no copy yet", "copy too old"
NO_ROUTE = "no route"

#: DestinationCoverage.state's words.
CURRENT, PENDING, STALE = "current", "pending", "STALE"


class DestinationCoverage(BaseModel):
    """One destination of one resource. Its JSON field names are a contract: add, never rename."""

    destination: str  # its label: `standard:us-east-1:backup-relay-dr`, `lag:us-east-1:...`
    vault_arn: str
    vault_type: str
    newest_copy: str | None = None  # when the newest copy into it completed
    recovery_point_arn: str | None = None  # that copy (a LAG vault's: `...:recovery-point:ID`)
    age_hours: float | None = None
    current: bool = False
    #: no copy yet, but its first backup is younger than the maximum age and none of its copies
    #: failed: not yet due
    pending: bool = False
    #: the ledger missed its copy's event (lost); the vault holds the copy
    verified_in_vault: bool = False
    #: copy failed, no copy yet, copy too old, no route; "" if current
    reason: str = ""
    failed_copy_job_id: str | None = None
    failed_category: str | None = None
    replay_command: str | None = None
    replayed_as: str | None = None
    #: the recovery point a malware scan found threats in, when this copy is (of) it
    threats_found_in: str | None = None
    #: the vault could not be read (AWS refused: not found, access denied): the ledger's answer
    #: stands; AWS's words
    vault_error: str | None = None
    #: no route: the route table's reason and the AWS page it cites
    route_reason: str | None = None
    route_page: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stale(self) -> bool:
        """Not current, and a route exists: what the stale-copy alert is raised for."""
        return not self.current and self.reason != NO_ROUTE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def state(self) -> str:
        """current, pending, STALE or no route."""
        if self.reason == NO_ROUTE:
            return NO_ROUTE
        if self.pending:
            return PENDING
        return CURRENT if self.current else STALE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def why(self) -> str:
        """The reason as a sentence an operator acts on."""
        if self.reason == NO_ROUTE:
            return f"no route: {self.route_reason}"
        unread = f" (its vault could not be read: {self.vault_error})" if self.vault_error else ""
        if self.reason != COPY_FAILED:
            return self.reason + unread if self.reason else ""
        text = f"copy failed ({self.failed_category}, job {self.failed_copy_job_id})"
        if self.replayed_as:
            return f"{text}; replayed as copy job {self.replayed_as}{unread}"
        return f"{text}: {self.replay_command}{unread}"


def dr_only(dr_vault_arn: str) -> tuple[Destination, ...]:
    """The destinations of a stack with no AdditionalDestinations: the DR vault alone."""
    return (Destination(vault=Vault.parse(dr_vault_arn)),)


def no_route(
    destination: Destination, resource_type: str, region: str, routes: RoutePolicy | None
) -> DestinationCoverage | None:
    """The `no route` answer when AWS cannot copy `resource_type` from the central vault of
    `region` (where the chain starts) into `destination`; None when it can (or, without the
    stack's route policy, when it is not known)."""
    if routes is None:
        return None
    try:
        plan_route(
            resource_type,
            routes.central_vault(region),
            destination.vault,
            routes,
            destination_vault_type=destination.vault_type,
        )
    except RouteError as error:
        return empty(destination).model_copy(
            update={"reason": NO_ROUTE, "route_reason": str(error), "route_page": error.page}
        )
    return None


def empty(destination: Destination) -> DestinationCoverage:
    return DestinationCoverage(
        destination=destination.label,
        vault_arn=destination.vault.arn,
        vault_type=str(destination.vault_type),
    )


def is_lag(coverage: DestinationCoverage) -> bool:
    return coverage.vault_type == VaultType.LOGICALLY_AIR_GAPPED.value
