"""backup_relay/template_parameters.py is generated from template.yaml: it must say what the
template says, so the CLI's offline defaults (and the tests' settings) are the template's."""

from __future__ import annotations

import copy
from typing import Any

from samtranslator.yaml_helper import yaml_parse

from backup_relay import template_parameters
from backup_relay_sandbox.template import CENTRAL_TEMPLATE
from scripts.generate_template_parameters import MODULE, main, render


def _template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(CENTRAL_TEMPLATE.read_text())
    return parsed


def test_the_generated_module_is_up_to_date() -> None:
    # GIVEN the committed module and what the template gives today
    # THEN they are the same (run `make generate` after changing the template's parameters)
    assert MODULE.read_text() == render(_template())
    assert main(["--check"]) == 0


def test_a_new_parameter_default_reaches_the_module() -> None:
    # GIVEN the template with CentralVaultName's default changed
    template = copy.deepcopy(_template())
    template["Parameters"]["CentralVaultName"]["Default"] = "org-vault"
    # WHEN the module is generated THEN it carries the new default
    namespace: dict[str, Any] = {}
    exec(render(template), namespace)  # the generated module is plain literals
    assert namespace["DEFAULTS"]["CentralVaultName"] == "org-vault"
    assert template_parameters.DEFAULTS["CentralVaultName"] == "backup-relay-central"


def test_every_variable_set_from_a_parameter_is_listed_with_it() -> None:
    assert template_parameters.VARIABLES["CENTRAL_VAULT_NAME"] == "CentralVaultName"
    assert template_parameters.VARIABLES["COPY_WAIT_TIMEOUT_SECONDS"] == "CopyWaitTimeoutSeconds"
