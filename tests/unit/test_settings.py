"""Each function's settings: read once from the environment the template gives it; a missing or
bad variable fails at start, naming it; the template holds the only defaults (that the template
sets what each function reads: tests/integration/test_settings_template.py)."""

from __future__ import annotations

import pytest

from backup_relay.domain.errors import SettingsError
from backup_relay.settings import (
    ChainStepsSettings,
    IngestSettings,
    ReconcileSettings,
)
from tests.support.world import DR, environment


def test_a_missing_variable_fails_at_start_naming_it() -> None:
    # GIVEN an environment without LEDGER_TABLE
    env = environment()
    del env["LEDGER_TABLE"]
    # WHEN a function loads its settings THEN it fails, naming the variable and where it comes from
    with pytest.raises(SettingsError, match=r"LEDGER_TABLE is not set \(template.yaml sets it"):
        IngestSettings.load(env)


def test_a_bad_value_fails_naming_the_variable_and_the_value() -> None:
    with pytest.raises(SettingsError, match=r"COPY_WAIT_TIMEOUT_SECONDS='soon'"):
        ChainStepsSettings.load(environment(COPY_WAIT_TIMEOUT_SECONDS="soon"))


def test_lists_and_the_chain_settings_come_from_the_environment() -> None:
    # GIVEN the template's defaults with a DR region and a DR retention
    settings = ChainStepsSettings.load(
        environment(SINGLE_ACTION_RESOURCE_TYPES="Aurora, RDS", DR_DELETE_AFTER_DAYS="35")
    )
    # THEN the comma-separated lists, the DR vault and its lifecycle are typed
    assert settings.chained_types == {"RDS", "Aurora", "DocumentDB", "Neptune"}
    assert settings.single_action_types == {"Aurora", "RDS"}
    assert settings.dr_vault == DR
    assert settings.routes.destination_lifecycle.as_api() == {"DeleteAfterDays": 35}
    assert settings.routes.central_vault("eu-west-1").name == settings.central_vault_name


def test_an_empty_dr_region_turns_the_chain_off() -> None:
    assert IngestSettings.load(environment(DR_REGION="")).dr_vault is None


def test_the_dr_vault_cannot_be_the_central_vault_while_the_chain_is_on() -> None:
    # WHEN the DR vault is named like the central vault THEN settings refuse it, naming both
    with pytest.raises(SettingsError, match="DR_VAULT_NAME must differ from CENTRAL_VAULT_NAME"):
        ChainStepsSettings.load(environment(DR_VAULT_NAME="central"))
    # AND with the chain off (no DrRegion) it does not matter
    ChainStepsSettings.load(environment(DR_VAULT_NAME="central", DR_REGION=""))


def test_the_ledger_must_outlast_reconciles_window() -> None:
    with pytest.raises(SettingsError, match="LEDGER_RETENTION_DAYS must be longer"):
        ReconcileSettings.load(
            environment(LEDGER_RETENTION_DAYS="7", RECONCILE_LOOKBACK_HOURS="192")
        )


def test_hops_in_the_dr_region_wait_for_their_event_only_when_its_events_are_forwarded() -> None:
    # GIVEN chain-steps at the template's default (DrEventsForwarded false), and with it true
    default = ChainStepsSettings.load(environment())
    forwarded = ChainStepsSettings.load(environment(DR_EVENTS_FORWARDED="true"))
    # THEN only the second hears the DR region's copy job events, and waits for them
    assert default.waits.forwarded_regions == frozenset()
    assert forwarded.waits.forwarded_regions == {DR.region}
    assert forwarded.waits.seconds_for(DR.region) == forwarded.copy_wait_timeout_seconds
