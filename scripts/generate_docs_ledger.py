"""Write docs/copy-chain.md's table of ledger items from the ledger's key schema
(backup_relay/adapters/ledger_schema.py): each kind of item, its key, its index entry, its
attributes and what it is for. A kind or attribute added to the schema reaches the docs with
`make generate` (and a test fails until it does).

    python -m scripts.generate_docs_ledger          # rewrite the section
    python -m scripts.generate_docs_ledger --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from backup_relay.adapters.ledger_schema import ITEMS, ItemKind
from scripts import generated_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "copy-chain.md"
BEGIN = "<!-- BEGIN GENERATED ledger items by scripts/generate_docs_ledger.py: do not edit -->\n"
END = "<!-- END GENERATED ledger items -->\n"
#: Where the section goes the first time: under this heading.

INTRO = """\
One DynamoDB table (stack output `LedgerTableName`): key `pk` / `sk`, index `gsi1` on `gsi1pk` /
`gsi1sk`. An item the functions write expires (`expires_at`, the table's TTL, epoch seconds)
`LedgerRetentionDays` after, unless it names its own expiry below; slots do not expire.
`attribute?` is left out when there is nothing to say; "later" ones are set after the item is
written. The idempotency table is Powertools' own (key `id`, TTL `expiration`).

| item | `pk` / `sk` | index `gsi1`: `gsi1pk` / `gsi1sk` | attributes | what |
|---|---|---|---|---|
"""


def _code(*parts: str) -> str:
    return " / ".join(f"`{part}`" for part in parts)


def _row(kind: ItemKind) -> str:
    index = _code(kind.index[0].doc, kind.index[1].doc) if kind.index else ""
    attributes = ", ".join(f"`{name}`" for name in kind.attributes)
    if kind.later:
        attributes += "; later " + ", ".join(f"`{name}`" for name in kind.later)
    cells = (kind.name, _code(kind.pk.doc, kind.sk.doc), index, attributes, kind.what)
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |\n"


def render() -> str:
    return BEGIN + INTRO + "".join(_row(kind) for kind in ITEMS) + END


def main(argv: list[str] | None = None) -> int:
    return generated_section.main_between(
        argv,
        description=__doc__.splitlines()[0],
        document=DOC,
        begin=BEGIN,
        end=END,
        render=render,
        what="ledger items",
    )


if __name__ == "__main__":
    sys.exit(main())
