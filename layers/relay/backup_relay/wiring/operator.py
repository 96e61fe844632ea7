"""Builders of what the CLI's commands read of a deployed stack (its functions' environment)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from backup_relay.domain.errors import SettingsError
from backup_relay.settings import ChainEnvironment, DoctorSettings
from backup_relay.wiring.shared import build_coverage, endpoint_now

if TYPE_CHECKING:
    from backup_relay.coverage.resources import Coverage
    from backup_relay.doctor.checkup import Doctor
    from backup_relay.doctor.preflight import Preflight
    from backup_relay.domain.stack import DeployedStack
    from backup_relay.status.chains import StaleResource, StaleResources, Status


def status(env: Mapping[str, str]) -> Status:
    """For the CLI, with a deployed stack's environment."""
    from backup_relay.adapters.chain_ledger import DynamoChainLedger
    from backup_relay.adapters.event_ledger import DynamoEventLedger
    from backup_relay.status.chains import Status
    from backup_relay.template_parameters import DEFAULTS

    settings = ChainEnvironment.load(env)
    coverage = build_coverage(settings)
    window = float(env.get("NIGHT_WINDOW_HOURS") or DEFAULTS["NightWindowHours"] or 8)
    return Status(
        DynamoChainLedger(settings.ledger_table, settings.ledger_retention),
        DynamoEventLedger(settings.ledger_table, settings.ledger_retention),
        stale=None if coverage is None else _stale(coverage, env),
        now=endpoint_now,
        window=timedelta(hours=window),
        central_account=settings.central_account,
        destinations={
            d.vault.arn: d.label for d in settings.routes.destinations(settings.home_region)
        },
    )


def _stale(coverage: Coverage, env: Mapping[str, str]) -> StaleResources:
    """Coverage's stale resources at `now`, at the stack's CoverageMaxAgeHours (0: the check
    is off, None)."""
    from backup_relay.template_parameters import DEFAULTS

    hours = float(env.get("COVERAGE_MAX_AGE_HOURS") or DEFAULTS["CoverageMaxAgeHours"] or 0)

    def stale(now: datetime) -> dict[str, StaleResource] | None:
        from backup_relay.status.chains import StaleResource

        if hours <= 0:
            return None
        coverage.now = lambda: now
        return {
            r.resource_arn: StaleResource(
                r.resource_type, tuple(d.destination for d in r.stale_destinations)
            )
            for r in coverage(timedelta(hours=hours)).stale
        }

    return stale


def coverage(env: Mapping[str, str]) -> Coverage:
    """For the CLI, with a deployed stack's environment; SettingsError without a DR region."""
    found = build_coverage(ChainEnvironment.load(env), now=endpoint_now)
    if found is None:
        raise SettingsError("the stack has no DrRegion: the copy chain (and its DR vault) is off")
    return found


def doctor(
    env: Mapping[str, str] | None = None,
    member_accounts: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
) -> Doctor:
    """`env`: a deployed stack's (the CLI), or this process's (the scheduled DoctorFunction,
    which checks the members of AllowedSourceAccounts). Members are checked through their
    member stack's DoctorRole."""
    from backup_relay.adapters.prerequisites.central import AwsPrerequisites
    from backup_relay.adapters.prerequisites.member import AwsMemberPrerequisites
    from backup_relay.doctor.checkup import Doctor  # only the doctor's callers load its rules
    from backup_relay.domain.route_table import VaultType, partition

    settings = DoctorSettings.load(env)
    vaults = [("central", settings.home_region, settings.central_vault_name)]
    if settings.dr_vault is not None:
        vaults.append(("DR", settings.dr_vault.region, settings.dr_vault.name))
    return Doctor(
        AwsPrerequisites(
            account=settings.central_account,
            organization_id=settings.organization_id,
            vaults=vaults,
            backup_role_arn=settings.backup_role_arn,
            intermediate_retention_days=settings.intermediate_retention_days,
            dr_retention_days=settings.dr_retention_days,
            bus_name=settings.event_bus_name,
            ingest_queue_arn=settings.ingest_queue_arn,
            dr_region=settings.dr_region or None,
            source_accounts=tuple(sorted(settings.allowed_source_accounts)),
            destinations=tuple(
                (
                    d.label,
                    d.vault_type == VaultType.LOGICALLY_AIR_GAPPED,
                    d.vault.region,
                    d.vault.name,
                )
                for d in settings.routes.destinations(settings.home_region)[1:]
            ),
            lag_retention=(settings.lag_min_retention_days, settings.lag_max_retention_days),
            on_demand_backups_to_dr=settings.on_demand_backups_to_dr,
            function_role_path=settings.function_role_path,
            drills=(
                settings.dr_vault.name,
                f"arn:{partition(settings.home_region)}:events:{settings.home_region}:"
                f"{settings.central_account}:event-bus/"
                f"{settings.event_bus_name}",
                tuple(settings.chained_types),
            )
            if settings.restore_drills and settings.dr_vault is not None
            else None,
            security_hub_region=settings.home_region if settings.security_hub_findings else None,
        ),
        members=AwsMemberPrerequisites(
            settings.member_doctor_role_name,
            settings.central_account,
            settings.chained_types,
            central_bus_name=settings.event_bus_name,
            replay_role_name=settings.member_replay_role_name
            if settings.on_demand_backups_to_dr
            else None,
        ),
        member_accounts=member_accounts or tuple(sorted(settings.allowed_source_accounts)),
        regions=regions or (settings.home_region,),
    )


def preflight() -> Preflight:
    """`doctor --preflight`: what `sam deploy` of the central stack needs, in the caller's
    account, before the stack exists."""
    from backup_relay.adapters.prerequisites.preflight import AwsPreflight
    from backup_relay.doctor.preflight import Preflight

    return Preflight(AwsPreflight())


def deployed_stack(name: str, region: str | None = None) -> DeployedStack:
    from backup_relay.adapters.stack import describe_stack

    return describe_stack(name, region)
