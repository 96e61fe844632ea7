"""Write docs/alerts.md's table of failure categories from the registry (domain/categories.py) and
the catalogue (domain/catalogue.py, in its order), AWS's categories' fallbacks
(domain/aws_categories.py), and the warnings' and the doctor's own categories. A category or an
entry added reaches the docs with `make generate` (and a test fails until it does).

    python -m scripts.generate_docs_categories          # rewrite the section
    python -m scripts.generate_docs_categories --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from backup_relay.domain.aws_categories import DOCUMENTED, FALLBACKS
from backup_relay.domain.catalogue import CATALOGUE, CATEGORIES, UNKNOWN
from backup_relay.domain.categories import SETUP_CATEGORIES, WARNINGS
from backup_relay.domain.failures import Entry
from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "alerts.md"
BEGIN = "<!-- BEGIN GENERATED categories by scripts/generate_docs_categories.py: do not edit -->\n"
END = "<!-- END GENERATED categories -->\n"
#: Where the section goes the first time: under this heading.

INTRO = (
    "| category | what it means (one line per catalogue entry) | when | replay after the fix "
    "| AWS's page |\n|---|---|---|---|---|\n"
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _when(entries: list[Entry]) -> str:
    parts = []
    for entry in entries:
        kinds = f"{'/'.join(sorted(entry.kinds))} jobs" if entry.kinds else ""
        states = f"ended {'/'.join(sorted(entry.states))}" if entry.states else ""
        said = "its message" if entry.patterns else "no message"
        said = "any message" if entry.patterns == (".",) else said
        parts.append(", ".join(p for p in (kinds, states, said) if p))
    return "; ".join(parts)


def _row(category: str) -> str:
    entries = [e for e in (*CATALOGUE, UNKNOWN) if e.category == category]
    titles = list(dict.fromkeys(e.title for e in entries))
    replay = {"yes" if e.retryable else "no" for e in entries}
    pages = list(dict.fromkeys(e.docs for e in entries))
    cells = (
        f"`{category}`",
        "; ".join(titles),
        _when(entries) if category != UNKNOWN.category else "nothing above matched",
        " / ".join(sorted(replay, reverse=True)),
        " ".join(f"[{_page(p)}]({p})" for p in pages),
    )
    return "| " + " | ".join(_cell(c) for c in cells) + " |\n"


def _page(url: str) -> str:
    """`vault-lock` of .../vault-lock.html: a short name for a link."""
    return re.sub(r"\.html$", "", url.rstrip("/").rsplit("/", 1)[-1]) or url


def _fallbacks() -> str:
    lines = [
        "\nWhen no entry matches, AWS's own `MessageCategory` for the job (documented values: "
        + ", ".join(f"`{v}`" for v in DOCUMENTED)
        + "; INFERRED: others recognized by the words in their name) picks a family, in this "
        "order:\n\n",
        "| words in AWS's category | category | for |\n|---|---|---|\n",
    ]
    for f in FALLBACKS:
        kinds = "/".join(sorted(f.entry.kinds)) + " jobs" if f.entry.kinds else "any job"
        words = ", ".join(f"`{w}`" for w in f.words)
        lines.append(f"| {words} | `{f.entry.category}` | {kinds} |\n")
    return "".join(lines)


def _others() -> str:
    warnings = ", ".join(f"`{c}`" for c in WARNINGS)
    setup = ", ".join(f"`{c}`" for c in SETUP_CATEGORIES)
    return (
        f"\nWarnings, which are not AWS failures, carry their own categories: {warnings} "
        "(`backup_relay/alerts/build.py`). Prerequisites only the doctor sees (no job fails "
        f"with a message of its own when they are missing): {setup}.\n"
    )


def render() -> str:
    rows = "".join(_row(category) for category in CATEGORIES)
    return BEGIN + INTRO + rows + _fallbacks() + _others() + END


def main(argv: list[str] | None = None) -> int:
    return generated_section.main_between(
        argv,
        description=__doc__.splitlines()[0],
        document=DOC,
        begin=BEGIN,
        end=END,
        render=render,
        what="categories",
    )


if __name__ == "__main__":
    sys.exit(main())
