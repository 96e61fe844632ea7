"""`backup-relay restore`: a DR copy into a member account, in one command.

1. Pick the copy: the newest whole recovery point of the resource in the DR vault (or in a
   logically air-gapped destination shared with the target through AWS RAM, in the target's
   region), at or before `point_in_time` if given; or the recovery point named.
2. Check the target: the member account must be a bring-back target of the stack (BringBackTargets,
   else AllowedSourceAccounts, else the organization's accounts; copy_chain/bring_back.py).
3. Check the overrides against the copy's restore metadata (overrides.py): refused before
   anything is copied when one is missing.
4. Bring the copy back to the member vault with the chain in reverse (bring-back), and wait for
   it; or, from a LAG vault shared with the account, restore straight from it (no copy).
5. Read the restore metadata there, as the member's RestoreRole, apply the overrides, start the
   restore job as that role, and follow it to its end.

A dry run does 1-3 and reads the metadata from the copy itself (as the central account), and
says what it would do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict

from backup_relay.copy_chain.bring_back import (
    BringBack,
    BringBackRequest,
    TargetNotAllowed,
    target_allowed,
)
from backup_relay.copy_chain.ports import ChainLedger, RecoveryPoints
from backup_relay.domain import resource_types
from backup_relay.domain.chain import LedgerState
from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.errors import AwsError, Throttled
from backup_relay.domain.route_table import VaultType
from backup_relay.domain.routes import Destination, RouteError, Vault
from backup_relay.restore.overrides import RestoreOverrides, applied, missing
from backup_relay.restore.ports import (
    CentralRestoreMetadata,
    LagShares,
    MemberRestores,
    RestoreJobReport,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: How long the restore waits between two looks at the chain or the restore job (seconds).
POLL_SECONDS = 15.0


class RestoreRefused(Exception):
    """The restore cannot start; the message says why and what fixes it. `usage`: the operator's
    input is incomplete (a flag to give), not the stack's or AWS's state."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


class RestoreFailed(Exception):
    """The bring-back chain or the restore job ended without the restored resource."""


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: str  # a resource ARN, or a recovery point ARN
    account: str
    region: str
    point_in_time: datetime | None = None
    overrides: RestoreOverrides = RestoreOverrides()
    dry_run: bool = False


class RestoreOutcome(BaseModel):
    """What was (or, in a dry run, would be) done; the CLI prints it."""

    copy_arn: str  # the DR (or LAG) copy chosen
    copy_vault: str  # its vault's ARN
    copy_created_at: datetime
    resource_type: str
    via: str  # "bring-back" or "lag-share"
    steps: list[str] = []
    chain_id: str | None = None
    restored_from: str | None = None  # the recovery point the restore job restores
    metadata: dict[str, str] = {}
    restore_job_id: str | None = None
    report: RestoreJobReport | None = None


Progress = Callable[[str], None]


@dataclass
class Restore:
    bring_back: BringBack
    recovery_points: RecoveryPoints
    ledger: ChainLedger
    central_metadata: CentralRestoreMetadata
    member: MemberRestores
    lag_shares: LagShares
    home_region: str
    partition: str = "aws"
    pause: Callable[[float], None] = field(default=lambda seconds: None)
    poll_seconds: float = POLL_SECONDS

    def __call__(
        self, request: RestoreRequest, progress: Progress = lambda line: None
    ) -> RestoreOutcome:
        overrides = request.overrides
        copy, destination = self._pick(request)
        direct = self._direct(destination, request)
        if not direct and not overrides.vault:
            raise RestoreRefused(
                f"{copy.arn} must be brought back to a vault of {request.account} in "
                f"{request.region} first: name it with --vault NAME (or vault: in --profile)",
                usage=True,
            )
        self._check_target(request, overrides.vault or "")
        described = self.central_metadata.restore_metadata(destination.vault, copy.arn)
        source = _place(copy.resource_arn) or (request.account, request.region)
        needed = missing(
            described.resource_type,
            described.metadata,
            overrides,
            source=source,
            target=(request.account, request.region),
        )
        if needed:
            raise RestoreRefused(
                f"a restore of {copy.resource_arn or copy.arn} into {request.account} "
                f"{request.region} needs " + ", ".join(needed),
                usage=True,
            )
        outcome = RestoreOutcome(
            copy_arn=copy.arn,
            copy_vault=destination.vault.arn,
            copy_created_at=copy.created_at,
            resource_type=described.resource_type,
            via="lag-share" if direct else "bring-back",
            metadata=applied(described.resource_type, described.metadata, overrides),
        )
        say = _Steps(outcome, progress)
        say(f"copy {copy.arn} ({copy.created_at:%Y-%m-%d %H:%M} UTC) in {destination.label}")
        if direct:
            say(
                f"restore straight from {destination.label}: "
                f"AWS RAM shares it with {request.account}"
            )
            restored_from, vault = copy.arn, destination.vault
        else:
            restored_from, vault = self._bring_back(request, copy, overrides.vault or "", say)
        if request.dry_run:
            say(f"start a restore job in {request.account} {request.region} as its RestoreRole")
            return outcome
        outcome.restored_from = restored_from
        member_metadata = self.member.restore_metadata(
            request.account, request.region, vault, restored_from
        )
        outcome.metadata = applied(
            member_metadata.resource_type, member_metadata.metadata, overrides
        )
        role = overrides.role_arn(self.partition, request.account)
        token = hashlib.sha256(
            f"{restored_from}|{sorted(outcome.metadata.items())}".encode()
        ).hexdigest()[:32]
        job_id = self.member.start_restore_job(
            request.account,
            request.region,
            restored_from,
            metadata=outcome.metadata,
            iam_role_arn=role,
            idempotency_token=token,
        )
        outcome.restore_job_id = job_id
        say(f"restore job {job_id} started in {request.account} {request.region} (role {role})")
        outcome.report = self._follow(request, job_id, say)
        return outcome

    # -- 1. the copy ----------------------------------------------------------------------------

    def _pick(self, request: RestoreRequest) -> tuple[RecoveryPoint, Destination]:
        places = self._places(request)
        if not places:
            raise RestoreRefused(
                "no DR vault is configured (DrRegion): there is no DR copy to restore; deploy the "
                "stack with DrRegion"
            )
        if is_recovery_point(request.target):
            for destination in places:
                try:
                    point = self.recovery_points.describe(destination.vault, request.target)
                except Throttled:
                    raise
                except AwsError:
                    continue
                if not point.is_whole:
                    raise RestoreRefused(
                        f"{point.arn} is {point.status}: only a COMPLETED recovery point restores"
                    )
                return point, destination
            raise RestoreRefused(
                f"{request.target} is not in the DR vault ({_labels(places)}): name a DR copy "
                "(backup-relay status --resource-arn ARN lists them), or the resource's ARN"
            )
        latest = request.point_in_time
        found = [
            (point, destination)
            for destination in places
            for point in self.recovery_points.in_vault(
                destination.vault, _EPOCH, resource_arn=request.target
            )
            if point.is_whole and (latest is None or point.created_at <= latest)
        ]
        if not found:
            when = f" at or before {latest:%Y-%m-%dT%H:%M:%SZ}" if latest else ""
            raise RestoreRefused(
                f"no DR copy of {request.target}{when} in {_labels(places)}: check "
                "`backup-relay coverage` (is it chained to DR?), or name an earlier or later "
                "--point-in-time"
            )
        return max(
            found, key=lambda pair: (pair[0].created_at, pair[1].vault_type != VaultType.STANDARD)
        )

    def _places(self, request: RestoreRequest) -> list[Destination]:
        """The DR vault, and the LAG destinations a restore could read straight from."""
        destinations = self.bring_back.routes.destinations(self.home_region)
        return [
            d
            for d in destinations
            if d.vault == self.bring_back.routes.dr_vault or self._direct(d, request)
        ]

    def _direct(self, destination: Destination, request: RestoreRequest) -> bool:
        if destination.vault_type is not VaultType.LOGICALLY_AIR_GAPPED:
            return False
        if destination.vault.region != request.region:
            return False
        return self.lag_shares.shared_with(destination.vault, request.account)

    # -- 2. the target --------------------------------------------------------------------------

    def _check_target(self, request: RestoreRequest, vault: str) -> None:
        target = Vault(account=request.account, region=request.region, name=vault or "-")
        bring_back = self.bring_back
        try:
            allowed = target_allowed(
                bring_back.targets, bring_back.accounts, target, bring_back.organization
            )
        except TargetNotAllowed as error:
            raise RestoreRefused(str(error)) from None
        if not allowed:
            raise RestoreRefused(
                f"{request.account} is not an account this stack restores into (BringBackTargets: "
                f"{bring_back.admitted()}): add ACCOUNT or ACCOUNT:VAULT to the stack's "
                "BringBackTargets parameter"
            )

    # -- 4. bring-back --------------------------------------------------------------------------

    def _bring_back(
        self, request: RestoreRequest, copy: RecoveryPoint, vault_name: str, say: _Steps
    ) -> tuple[str, Vault]:
        vault = Vault(account=request.account, region=request.region, name=vault_name)
        try:
            chain, _ = self.bring_back(
                BringBackRequest(
                    recovery_point_arn=copy.arn,
                    to_account=request.account,
                    to_region=request.region,
                    to_vault=vault_name,
                    dry_run=request.dry_run,
                )
            )
        except (RouteError, TargetNotAllowed) as error:
            raise RestoreRefused(f"cannot bring the copy back: {error}") from None
        for number, hop in enumerate(chain.hops, start=1):
            say(f"bring back, hop {number}: {hop.source_vault_arn} -> {hop.destination_vault_arn}")
        if request.dry_run:
            return "", vault
        say(f"bring-back chain {chain.chain_id} started; waiting for it")
        while True:
            record = self.ledger.chain(chain.chain_id)
            state = record.state if record else None
            if state is LedgerState.COMPLETED:
                break
            if state in {LedgerState.FAILED, LedgerState.REPLANNED}:
                reason = record.reason if record else ""
                raise RestoreFailed(
                    f"the bring-back chain {chain.chain_id} ended {state}: {reason} "
                    "(backup-relay status shows its hops; backup-relay replay starts it again)"
                )
            self.pause(self.poll_seconds)
        landed = [
            hop.destination_recovery_point_arn
            for hop in self.ledger.hops_of(chain.chain_id)
            if hop.destination_vault_arn == vault.arn and hop.destination_recovery_point_arn
        ]
        if not landed:
            raise RestoreFailed(
                f"the bring-back chain {chain.chain_id} completed but recorded no recovery point "
                f"in {vault.arn}"
            )
        say(f"brought back: {landed[-1]} in {vault.arn}")
        return landed[-1], vault

    # -- 5. the restore job ---------------------------------------------------------------------

    def _follow(self, request: RestoreRequest, job_id: str, say: _Steps) -> RestoreJobReport:
        last = ""
        while True:
            report = self.member.describe_restore_job(request.account, request.region, job_id)
            line = f"restore job {job_id}: {report.status}" + (
                f" {report.percent_done}%" if report.percent_done and not report.ended else ""
            )
            if line != last:
                say.progress(line)
                last = line
            if report.ended:
                return report
            self.pause(self.poll_seconds)


class _Steps:
    def __init__(self, outcome: RestoreOutcome, progress: Progress) -> None:
        self.outcome = outcome
        self.progress = progress

    def __call__(self, line: str) -> None:
        self.outcome.steps.append(line)
        self.progress(line)


def is_recovery_point(arn: str) -> bool:
    """An ARN of a recovery point (any form AWS Backup gives one), not of a resource."""
    parts = arn.split(":")
    if not arn.startswith("arn:") or len(parts) < 6:
        return False
    forms = resource_types.REGISTRY.recovery_point_arns()
    return any(fnmatchcase(arn, form.pattern(parts[1], parts[4])) for form in forms)


def _place(arn: str | None) -> tuple[str, str] | None:
    parts = (arn or "").split(":")
    return (parts[4], parts[3]) if len(parts) > 5 and parts[4] else None


def _labels(places: list[Destination]) -> str:
    return ", ".join(d.label for d in places)
