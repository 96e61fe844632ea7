"""The template gives each function every variable its settings read: none can be missing at
start (the settings themselves: tests/unit/test_settings.py)."""

from __future__ import annotations

import pytest

from backup_relay.settings import (
    AlertsSettings,
    BringBackSettings,
    ChainEnvironment,
    ChainStepsSettings,
    DoctorSettings,
    DrillSettings,
    FunctionSettings,
    IngestSettings,
    ReconcileSettings,
    ReplaySettings,
)
from backup_relay_sandbox.template import load_template

FUNCTIONS: dict[str, type[FunctionSettings]] = {
    "IngestFunction": IngestSettings,
    "ChainStepsFunction": ChainStepsSettings,
    "ReconcileFunction": ReconcileSettings,
    "BringBackFunction": BringBackSettings,
    "ChainEndedFunction": ChainEnvironment,
    "AlertsFunction": AlertsSettings,
    "ReplayFunction": ReplaySettings,
    "DoctorFunction": DoctorSettings,
    "DrillsFunction": DrillSettings,
}


def test_every_function_of_the_template_has_its_settings_here() -> None:
    template = load_template()
    functions = {
        lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"
    }
    assert functions == set(FUNCTIONS)


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_template_sets_every_variable_each_function_reads(logical_id: str) -> None:
    # GIVEN the template's Globals and the function's own environment (plus Lambda's AWS_REGION)
    template = load_template()
    variables = {
        *template["Globals"]["Function"]["Environment"]["Variables"],
        *template["Resources"][logical_id]["Properties"]
        .get("Environment", {})
        .get("Variables", {}),
        "AWS_REGION",
    }
    # THEN every variable the function's settings read is set (so none can be missing at start)
    assert set(FUNCTIONS[logical_id].aliases()) <= variables
