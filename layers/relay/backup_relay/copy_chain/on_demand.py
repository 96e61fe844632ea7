"""On-demand backups reach DR too (OnDemandBackupsToDr, off by default).

A backup plan's copy action copies a member's plan backups into the central vault; a member's
on-demand backup (StartBackupJob: no plan, so its event's `createdBy` names no `backupPlanArn`)
gets no copy action, and nothing would copy it out of the member account. With the opt-in on,
its COMPLETED backup event starts that first hop here: a copy job in the member account, from
the member vault into the central vault of its region, through the replay role the member stack
creates (the very way replay copies a member's failed copy again: `MemberCopies`). The copy's
COMPLETED event then starts the chain to DR as a plan copy's does (triggers.py).

Idempotent: the copy job's IdempotencyToken is the backup job's id, so a redelivered event (ingest
acts on every delivery) gets the same copy job back from StartCopyJob, never a second one.
"""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.copy_chain.ports import MemberCopies
from backup_relay.domain.copy_jobs import CopyRequest
from backup_relay.domain.errors import NotFound
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.domain.routes import RouteError, RoutePolicy, Vault

#: StartCopyJob's IdempotencyToken of an on-demand backup's first hop: this and its job id.
TOKEN_PREFIX = "on-demand-"


@dataclass(frozen=True)
class FirstHop:
    """The copy job that carries an on-demand backup into the central vault."""

    account: str
    region: str
    request: CopyRequest


def first_hop_for_backup(event: JobEvent, routes: RoutePolicy, dr: Vault) -> FirstHop | None:
    """A member's on-demand backup of a chained type that COMPLETED in a vault of its own, in a
    region other than DR's, goes into the central vault of that region. Anything else (a plan's
    backup, whose plan copies it; the central account's; a type that is not chained; a backup in
    the DR region, whose central vault starts no chain) starts nothing."""
    if not (_on_demand_backup_of_a_chained_type(event, routes) and event.destination_vault_arn):
        return None
    try:
        vault = Vault.parse(event.destination_vault_arn)
    except RouteError:
        return None
    if vault.account != event.account or vault.region != event.region or vault.region == dr.region:
        return None
    request = CopyRequest(
        recovery_point_arn=event.destination_recovery_point_arn or "",
        source_vault_name=vault.name,
        destination_vault_arn=routes.central_vault(vault.region).arn,
        iam_role_arn=event.iam_role_arn or "",  # the role the backup ran as, as replay's copy
        idempotency_token=f"{TOKEN_PREFIX}{event.job_id}"[:64],
        lifecycle={},  # the central vault's: the chain shortens it (IntermediateRetentionDays)
    )
    return FirstHop(event.account, event.region, request)


def _on_demand_backup_of_a_chained_type(event: JobEvent, routes: RoutePolicy) -> bool:
    """A member's COMPLETED backup job that no plan started, of a chained type."""
    return (
        event.kind is JobKind.BACKUP
        and event.state is JobState.COMPLETED
        and event.backup_plan_arn is None
        and bool(event.job_id and event.destination_recovery_point_arn)
        and event.resource_type in routes.chained_types
        and event.account != routes.central_account
    )


@dataclass
class OnDemandCopies:
    """Start the first hop of a member's on-demand backup (OnDemandBackupsToDr)."""

    routes: RoutePolicy
    member_copies: MemberCopies

    def on_event(self, event: JobEvent, dr: Vault) -> list[str]:
        """What it did, in words. Errors other than a recovery point gone propagate: SQS
        delivers the event again (a throttle, a member role not deployed yet), then to the
        dead-letter queue."""
        hop = first_hop_for_backup(event, self.routes, dr)
        if hop is None:
            return []
        try:
            job = self.member_copies.start_copy_job(hop.account, hop.region, hop.request)
        except NotFound as gone:  # deleted before it could be copied: nothing left to copy
            return [f"on-demand backup {hop.request.recovery_point_arn} is gone: {gone}"]
        return [f"started copy job {job} of on-demand backup {hop.request.recovery_point_arn}"]
