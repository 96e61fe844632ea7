"""Write docs/copy-chain.md's route table from domain/route_table.py: its rules, in the order the
planner tries them, each with AWS's page, and the answer for each resource type of the registry in
each case (with the template's defaults: the registry's two-hop types chained, no single-action
copy). A rule or a type added reaches the docs with `make generate` (and a test fails until it
does).

    python -m scripts.generate_docs_routes          # rewrite the section
    python -m scripts.generate_docs_routes --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from backup_relay.domain import resource_types
from backup_relay.domain.route_table import (
    PAGES,
    RULES,
    Action,
    VaultType,
    case_of,
    decide,
)
from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "copy-chain.md"
BEGIN = "<!-- BEGIN GENERATED routes by scripts/generate_docs_routes.py: do not edit -->\n"
END = "<!-- END GENERATED routes -->\n"
#: Where the section goes the first time: before this heading (after the route table's words).

MEMBER, CENTRAL = "222222222222", "123456789012"
HOME, DR, OPT_IN = "us-west-2", "us-east-1", "af-south-1"
LAG = VaultType.LOGICALLY_AIR_GAPPED
#: The cases of the per-type table: (heading, source, destination, destination vault type).
CASES = (
    ("other account", (MEMBER, HOME), (CENTRAL, HOME), VaultType.STANDARD),
    ("other region", (CENTRAL, HOME), (CENTRAL, DR), VaultType.STANDARD),
    ("other account and region", (MEMBER, HOME), (CENTRAL, DR), VaultType.STANDARD),
    ("other account, opt-in region", (MEMBER, OPT_IN), (CENTRAL, OPT_IN), VaultType.STANDARD),
    ("into LAG, same region", (MEMBER, HOME), (CENTRAL, HOME), LAG),
    ("into LAG, other region", (CENTRAL, HOME), (CENTRAL, DR), LAG),
    ("into LAG, other account and region", (MEMBER, HOME), (CENTRAL, DR), LAG),
)
SHORT = {
    Action.ONE_COPY: "one copy",
    Action.TWO_HOPS: "two hops",
    Action.INTO_LAG: "into LAG",
    Action.IMPOSSIBLE: "**no**",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _page(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".html")
    return f"[{name}]({url})"


def _rules() -> str:
    lines = [
        "| # | row family | when | action | reason | AWS's page |\n",
        "|---|---|---|---|---|---|\n",
    ]
    for number, rule in enumerate(RULES, start=1):
        family = f"`{rule.family}`" + (" (INFERRED)" if rule.inferred else "")
        reason = rule.reason.format(
            type="TYPE",
            opt_in="REGION",
            copyable="...",
            retention="DAYS",
            range="MIN to MAX days",
            destination_region="REGION",
            lag_regions="REGION",
        )
        cells = (str(number), family, rule.when, rule.action.value, reason)
        lines.append(
            "| " + " | ".join(_cell(c) for c in cells) + f" | {_page(PAGES[rule.page])} |\n"
        )
    return "".join(lines)


def _types() -> str:
    registry = resource_types.REGISTRY
    chained = registry.two_hop()
    heads = ["type", *(heading for heading, *_ in CASES)]
    lines = ["| " + " | ".join(heads) + " |\n", "|" + "---|" * len(heads) + "\n"]
    for resource_type in registry:
        cells = [resource_type.name]
        for _, source, destination, vault_type in CASES:
            decision = decide(
                case_of(
                    resource_type.name,
                    source,
                    destination,
                    destination_vault=vault_type,
                    chained=resource_type.name in chained,
                )
            )
            mark = "\\*" if decision.inferred else ""
            need = " (CMK)" if decision.condition else ""
            cells.append(f"{SHORT[decision.action]}{mark}{need} `{decision.family}`")
        lines.append("| " + " | ".join(cells) + " |\n")
    return "".join(lines)


def render() -> str:
    return (
        BEGIN
        + "The rules, tried in this order (the first that applies decides):\n\n"
        + _rules()
        + "\nEach resource type, with the template's defaults (member "
        + f"{MEMBER}, central {CENTRAL}; regions {HOME}, {DR}, opt-in {OPT_IN}; "
        + "`*`: INFERRED; CMK: the cluster must be on a customer managed key):\n\n"
        + _types()
        + END
    )


def main(argv: list[str] | None = None) -> int:
    return generated_section.main_between(
        argv,
        description=__doc__.splitlines()[0],
        document=DOC,
        begin=BEGIN,
        end=END,
        render=render,
        what="routes",
    )


if __name__ == "__main__":
    sys.exit(main())
