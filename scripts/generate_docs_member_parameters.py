"""Write the README's table of the member stack's parameters from member/template.yaml: each
parameter, its default and its description, as the template says them. A parameter added to the
template reaches the README with `make generate` (and a test fails until it does).

    python -m scripts.generate_docs_member_parameters          # rewrite the section
    python -m scripts.generate_docs_member_parameters --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "member" / "template.yaml"
DOC = ROOT / "README.md"
BEGIN = (
    "<!-- BEGIN GENERATED member parameters by scripts/generate_docs_member_parameters.py: "
    "do not edit -->\n"
)
END = "<!-- END GENERATED member parameters -->\n"

HEADER = """\
| parameter | default | meaning |
|---|---|---|
"""


def default(spec: Mapping[str, Any]) -> str:
    if "Default" not in spec:
        return "(required)"
    value = str(spec["Default"])
    return f"`{value}`" if value else "empty"


def _meaning(spec: Mapping[str, Any]) -> str:
    text = re.sub(r"\s+", " ", str(spec.get("Description", ""))).strip()
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render(template: Mapping[str, Any]) -> str:
    rows = [
        f"| `{name}` | {default(spec)} | {_meaning(spec)} |\n"
        for name, spec in template.get("Parameters", {}).items()
    ]
    return BEGIN + HEADER + "".join(rows) + END


def main(argv: list[str] | None = None) -> int:
    template: dict[str, Any] = yaml_parse(TEMPLATE.read_text())
    return generated_section.main_between(
        argv,
        description=__doc__.splitlines()[0],
        document=DOC,
        begin=BEGIN,
        end=END,
        render=lambda: render(template),
        what="member parameters",
    )


if __name__ == "__main__":
    sys.exit(main())
