"""One settings model per function, read once from the environment the template gives it.

No setting has a default here: template.yaml sets every variable (its parameters hold the one
default of each setting), so a missing variable is a deployment error and fails at start, naming
the variable. The CLI builds the same environment from a deployed stack (stack_environment.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.errors import SettingsError
from backup_relay.domain.routes import Lifecycle, RouteError, RoutePolicy, Vault, parse_types

if TYPE_CHECKING:
    from backup_relay.copy_chain.decisions import WaitPolicy
    from backup_relay.copy_chain.reconcile import ReconcilePolicy
    from backup_relay.copy_chain.steps import HopPolicy


def _comma_separated(value: object) -> object:
    return parse_types(value) if isinstance(value, str) else value


#: A comma-separated list in the environment ("RDS,Aurora"; empty: none).
Names = Annotated[frozenset[str], BeforeValidator(_comma_separated)]


class FunctionSettings(BaseModel):
    # built when a function first loads its own (defer_build), not one schema per class on import
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore", defer_build=True)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Self:
        """From `env` (default: the process environment); SettingsError names what is wrong."""
        env = os.environ if env is None else env
        missing = [
            field.alias
            for field in cls.model_fields.values()
            if field.alias and field.alias not in env
        ]
        if missing:
            raise SettingsError(
                f"{cls.__name__}: environment variable {', '.join(missing)} is not set "
                "(template.yaml sets it; deploy with `sam deploy`)"
            )
        try:
            return cls.model_validate({alias: env[alias] for alias in cls.aliases()})
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}={e.get('input')!r}: {e['msg']}"
                for e in error.errors()
            )
            raise SettingsError(f"{cls.__name__}: {problems}") from None

    @classmethod
    def aliases(cls) -> list[str]:
        return [field.alias for field in cls.model_fields.values() if field.alias]


class RouteSettings(FunctionSettings):
    """What routes depend on: enough for `backup-relay plan`."""

    central_account: str = Field(alias="CENTRAL_ACCOUNT_ID", min_length=1)
    central_vault_name: str = Field(alias="CENTRAL_VAULT_NAME", min_length=1)
    dr_region: str = Field(alias="DR_REGION")  # empty: the copy chain is off
    dr_vault_name: str = Field(alias="DR_VAULT_NAME", min_length=1)
    dr_retention_days: int = Field(alias="DR_DELETE_AFTER_DAYS", ge=0)
    lag_min_retention_days: int = Field(alias="LAG_MIN_RETENTION_DAYS", ge=1)
    lag_max_retention_days: int = Field(alias="LAG_MAX_RETENTION_DAYS", ge=1)
    chained_types: Names = Field(alias="CHAINED_RESOURCE_TYPES")
    single_action_types: Names = Field(alias="SINGLE_ACTION_RESOURCE_TYPES")
    #: AdditionalDestinations: more destinations than the DR vault (`TYPE:REGION:VAULT`, ...)
    additional_destinations: Names = Field(alias="ADDITIONAL_DESTINATIONS")

    @model_validator(mode="after")
    def _dr_vault_is_not_a_central_vault(self) -> Self:
        """The template's Rules refuse it too: the DR vault would be the DR region's central
        vault, and a bring-back would shorten the DR copy as an intermediate one."""
        if self.dr_region and self.dr_vault_name == self.central_vault_name:
            raise ValueError(
                f"DR_VAULT_NAME must differ from CENTRAL_VAULT_NAME ({self.central_vault_name})"
            )
        return self

    @model_validator(mode="after")
    def _destinations_parse(self) -> Self:
        try:
            self.routes.destinations(home_region="home")
        except RouteError as error:
            raise ValueError(f"ADDITIONAL_DESTINATIONS: {error}") from None
        return self

    @property
    def routes(self) -> RoutePolicy:
        return RoutePolicy(
            central_account=self.central_account,
            central_vault_name=self.central_vault_name,
            chained_types=self.chained_types,
            single_action_types=self.single_action_types,
            destination_lifecycle=Lifecycle(delete_after_days=self.dr_retention_days or None),
            dr_region=self.dr_region,
            dr_vault_name=self.dr_vault_name,
            lag_retention=(self.lag_min_retention_days, self.lag_max_retention_days),
            additional_destinations=tuple(sorted(self.additional_destinations)),
        )

    @property
    def dr_vault(self) -> Vault | None:
        return self.routes.dr_vault


class ChainEnvironment(RouteSettings):
    """What every function knows of the stack (template.yaml `Globals`)."""

    ledger_table: str = Field(alias="LEDGER_TABLE", min_length=1)
    ledger_retention_days: int = Field(alias="LEDGER_RETENTION_DAYS", ge=1)
    alerts_queue_url: str = Field(alias="ALERTS_QUEUE_URL", min_length=1)
    home_region: str = Field(alias="AWS_REGION", min_length=1)  # set by Lambda

    @property
    def ledger_retention(self) -> timedelta:
        return timedelta(days=self.ledger_retention_days)


class StartsChains(FunctionSettings):
    """Functions that start copy-chain executions. The template gives only them the state
    machine's ARN (`!Ref`): chain-steps, which the state machine invokes, cannot reference it
    (a cycle), and needs it not: it only resumes tasks by their token."""

    state_machine_arn: str = Field(alias="STATE_MACHINE_ARN", min_length=1)


class SourceAccountSettings(FunctionSettings):
    """Which member accounts the relay serves (AllowedSourceAccounts; empty: the organization)."""

    allowed_source_accounts: Names = Field(alias="ALLOWED_SOURCE_ACCOUNTS")

    @property
    def accounts(self) -> AccountPolicy:
        central = getattr(self, "central_account", None)
        return AccountPolicy.from_list(self.allowed_source_accounts, central)


class IngestSettings(ChainEnvironment, SourceAccountSettings, StartsChains):
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    quarantine_alert_threshold: int = Field(alias="QUARANTINE_ALERT_THRESHOLD", ge=0)
    #: OnDemandBackupsToDr: copy members' on-demand backups into the central vault (through
    #: their replay role, MEMBER_REPLAY_ROLE_NAME), for their chain to carry them to DR
    on_demand_backups_to_dr: bool = Field(alias="ON_DEMAND_BACKUPS_TO_DR")
    member_replay_role_name: str = Field(alias="MEMBER_REPLAY_ROLE_NAME", min_length=1)
    #: the quota overflow (copy_chain/overflow.py): the window a chain's DR copy should finish
    #: in (NightWindowHours), and the central slot's cap (MaxConcurrentCopies, 0: AWS's quota)
    night_window_hours: float = Field(alias="NIGHT_WINDOW_HOURS", gt=0)
    max_concurrent_copies: int = Field(alias="MAX_CONCURRENT_COPIES", ge=0)


class MemberReads(ChainEnvironment):
    """What reads the members through their DoctorRole, with the doctor's rules: the doctor,
    and the probe of a failure's cause (alerts, replay)."""

    organization_id: str = Field(alias="ORGANIZATION_ID", min_length=1)
    member_doctor_role_name: str = Field(alias="MEMBER_DOCTOR_ROLE_NAME", min_length=1)
    intermediate_retention_days: int = Field(alias="INTERMEDIATE_RETENTION_DAYS", ge=0)


class ProbeSettings(MemberReads):
    """The probe's (doctor/probe.py ProbeScope)."""

    probe_timeout_seconds: float = Field(alias="PROBE_TIMEOUT_SECONDS", gt=0)
    #: the role chain hops' copies run as: a chain alert's `iam_role_permissions` probes it
    backup_role_arn: str = Field(alias="BACKUP_ROLE_ARN", min_length=1)

    @property
    def dr_vault_arn(self) -> str | None:
        return self.dr_vault.arn if self.dr_vault else None


class ReplaySettings(ProbeSettings, StartsChains):
    member_replay_role_name: str = Field(alias="MEMBER_REPLAY_ROLE_NAME", min_length=1)


class DoctorSettings(MemberReads, SourceAccountSettings):
    backup_role_arn: str = Field(alias="BACKUP_ROLE_ARN", min_length=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    ingest_queue_arn: str = Field(alias="INGEST_QUEUE_ARN", min_length=1)
    #: OnDemandBackupsToDr: the doctor then checks each member's ReplayRole trusts the ingest
    on_demand_backups_to_dr: bool = Field(alias="ON_DEMAND_BACKUPS_TO_DR")
    member_replay_role_name: str = Field(alias="MEMBER_REPLAY_ROLE_NAME", min_length=1)
    stack_name: str = Field(alias="STACK_NAME", min_length=1)  # its functions' RolePath
    #: RestoreDrills, SecurityHubFindings: the doctor then checks the DR region's drills, and
    #: that Security Hub is enabled (doctor/features.py)
    restore_drills: bool = Field(alias="RESTORE_DRILLS")
    security_hub_findings: bool = Field(alias="SECURITY_HUB_FINDINGS")

    @property
    def function_role_path(self) -> str:
        """template.yaml's RolePath of the functions, as an ARN prefix."""
        return f"arn:aws:iam::{self.central_account}:role/backup-relay/{self.stack_name}/"


class AlertsSettings(ProbeSettings):
    alerts_topic_arn: str = Field(alias="ALERTS_TOPIC_ARN", min_length=1)
    alerts_dead_letter_queue_url: str = Field(alias="ALERTS_DEAD_LETTER_QUEUE_URL", min_length=1)
    alert_publish_attempts: int = Field(alias="ALERT_PUBLISH_ATTEMPTS", ge=1)


class ChainStepsSettings(ChainEnvironment):
    backup_role_arn: str = Field(alias="BACKUP_ROLE_ARN", min_length=1)
    #: hops out of a member's own vault (the quota overflow) run as its ReplayRole
    member_replay_role_name: str = Field(alias="MEMBER_REPLAY_ROLE_NAME", min_length=1)
    copy_wait_timeout_seconds: int = Field(alias="COPY_WAIT_TIMEOUT_SECONDS", ge=1)
    #: the DR region's vaults stack forwards its copy job events to this stack's default bus
    dr_events_forwarded: bool = Field(alias="DR_EVENTS_FORWARDED")
    intermediate_retention_days: int = Field(alias="INTERMEDIATE_RETENTION_DAYS", ge=0)

    @property
    def waits(self) -> WaitPolicy:
        from backup_relay.copy_chain.decisions import WaitPolicy  # the chain's models, on use

        heard = (self.dr_region,) if self.dr_events_forwarded and self.dr_region else ()
        return WaitPolicy(self.home_region, self.copy_wait_timeout_seconds, frozenset(heard))

    @property
    def policy(self) -> HopPolicy:
        from backup_relay.copy_chain.steps import HopPolicy  # the chain's models, on use

        return HopPolicy(
            routes=self.routes,
            waits=self.waits,
            backup_role_arn=self.backup_role_arn,
            intermediate_retention_days=self.intermediate_retention_days,
        )


class ReconcileSettings(ChainEnvironment, SourceAccountSettings, StartsChains):
    lookback_hours: float = Field(alias="RECONCILE_LOOKBACK_HOURS", gt=0)
    hop_sla_hours: float = Field(alias="HOP_SLA_HOURS", gt=0)
    coverage_max_age_hours: float = Field(alias="COVERAGE_MAX_AGE_HOURS", ge=0)
    #: NightWindowHours: the hours a night's DR copies should finish in (domain/night_queue.py;
    #: `status` reads it from the stack, as it reads CoverageMaxAgeHours); with
    #: MaxConcurrentCopies, the quota overflow of the chains reconcile starts (overflow.py)
    night_window_hours: float = Field(alias="NIGHT_WINDOW_HOURS", gt=0)
    max_concurrent_copies: int = Field(alias="MAX_CONCURRENT_COPIES", ge=0)
    #: the members' replay roles: a member hop's copy job, as its member sees it (the overflow)
    member_replay_role_name: str = Field(alias="MEMBER_REPLAY_ROLE_NAME", min_length=1)
    max_days_without_proven_restore: int = Field(alias="MAX_DAYS_WITHOUT_PROVEN_RESTORE", ge=0)

    @property
    def lookback(self) -> timedelta:
        return timedelta(hours=self.lookback_hours)

    @model_validator(mode="after")
    def _ledger_outlasts_the_window(self) -> Self:
        """A chain record expired while its recovery point is still in the window would let
        reconcile start that chain a second time."""
        if self.ledger_retention <= self.lookback:
            raise ValueError(
                "LEDGER_RETENTION_DAYS must be longer than RECONCILE_LOOKBACK_HOURS "
                f"({self.lookback_hours} h)"
            )
        return self

    @property
    def hop_sla(self) -> timedelta:
        return timedelta(hours=self.hop_sla_hours)

    @property
    def policy(self) -> ReconcilePolicy:
        from backup_relay.copy_chain.reconcile import ReconcilePolicy  # reconcile's, on use

        return ReconcilePolicy(
            routes=self.routes,
            accounts=self.accounts,
            region=self.home_region,
            lookback=self.lookback,
            hop_sla=self.hop_sla,
            coverage_max_age=timedelta(hours=self.coverage_max_age_hours),
            max_days_without_proven_restore=self.max_days_without_proven_restore,
        )


class BringBackSettings(ChainEnvironment, SourceAccountSettings, StartsChains):
    """Where a DR copy may be brought back: BringBackTargets, entries ACCOUNT (any of its
    vaults) or ACCOUNT:VAULT; empty, the accounts the relay serves (AllowedSourceAccounts; empty
    too, the organization's accounts, read from AWS Organizations)."""

    bring_back_targets: Names = Field(alias="BRING_BACK_TARGETS")


class SecurityHubSettings(FunctionSettings):
    """SecurityHubFindings: the scheduled doctor's and reconcile's findings as Security Hub
    findings in this account and region (the default product), named after the stack."""

    security_hub_findings: bool = Field(alias="SECURITY_HUB_FINDINGS")
    stack_name: str = Field(alias="STACK_NAME", min_length=1)
    central_account: str = Field(alias="CENTRAL_ACCOUNT_ID", min_length=1)
    home_region: str = Field(alias="AWS_REGION", min_length=1)


class RestoreSettings(BringBackSettings):
    """`backup-relay restore`: brings back as BringBackFunction does, then restores in the member
    account as its RestoreRole (MEMBER_RESTORE_ROLE_NAME, named `<name>-<region>`)."""

    member_restore_role_name: str = Field(alias="MEMBER_RESTORE_ROLE_NAME", min_length=1)


class DrillSettings(ChainEnvironment):
    """The restore drills' validation function: the ledger (proven restores), the alerts, and
    the DR region (where drills run, and their validation results go)."""
