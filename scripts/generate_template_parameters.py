"""Write layers/relay/backup_relay/template_parameters.py from template.yaml's parameters.

The template holds the one default of each setting, and says which function environment
variable each parameter sets. The CLI needs both (to plan offline, and to rebuild a deployed
stack's function environment: backup_relay/stack_environment.py), the tests build settings from
the same defaults, and the CLI cannot read template.yaml where it is installed: so they are
generated into a module of the library, and a test fails when the two differ.

    python scripts/generate_template_parameters.py          # rewrite the module
    python scripts/generate_template_parameters.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
MODULE = ROOT / "layers" / "relay" / "backup_relay" / "template_parameters.py"

HEADER = '''"""GENERATED from template.yaml by scripts/generate_template_parameters.py: do not edit.

Run `make generate` after changing the template's parameters or its functions' environment.
"""

'''


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str | None]:
    return {
        name: None if "Default" not in spec else str(spec["Default"])
        for name, spec in template.get("Parameters", {}).items()
    }


def parameter_variables(template: Mapping[str, Any]) -> dict[str, str]:
    """Environment variable -> the parameter it is set from (`!Ref Parameter`), over Globals
    and every function; a variable set from two parameters is an error."""
    parameters = template.get("Parameters", {})
    environments = [template.get("Globals", {}).get("Function", {})] + [
        resource.get("Properties", {})
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    ]
    variables: dict[str, str] = {}
    for holder in environments:
        for variable, value in holder.get("Environment", {}).get("Variables", {}).items():
            reference = value.get("Ref") if isinstance(value, Mapping) else None
            if not isinstance(reference, str) or reference not in parameters:
                continue
            if variables.setdefault(variable, reference) != reference:
                raise ValueError(f"{variable} is set from {variables[variable]} and {reference}")
    return dict(sorted(variables.items()))


def _literal(mapping: Mapping[str, str | None]) -> str:
    """A dict literal as `ruff format` writes it: one entry a line, a trailing comma."""
    lines = [
        f"    {json.dumps(key)}: {'None' if v is None else json.dumps(v)},"
        for key, v in mapping.items()
    ]
    return "{\n" + "\n".join(lines) + "\n}"


def render(template: Mapping[str, Any]) -> str:
    return (
        HEADER
        + "#: Each parameter of template.yaml and its default (None: none, it is required).\n"
        + f"DEFAULTS: dict[str, str | None] = {_literal(parameter_defaults(template))}\n\n"
        + "#: Each function environment variable that a parameter sets: variable -> parameter.\n"
        + f"VARIABLES: dict[str, str] = {_literal(parameter_variables(template))}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    wanted = render(yaml_parse(TEMPLATE.read_text()))
    current = MODULE.read_text() if MODULE.exists() else ""
    if wanted == current:
        return 0
    if args.check:
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            str(MODULE.relative_to(ROOT)),
            "generated from template.yaml",
        )
        sys.stdout.writelines(diff)
        print(f"{MODULE.relative_to(ROOT)} is out of date: run make generate", file=sys.stderr)
        return 1
    MODULE.write_text(wanted)
    print(f"wrote {MODULE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
