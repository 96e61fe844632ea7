"""docs/alerts.md's table of categories is generated from the registry and the catalogue
(scripts/generate_docs_categories.py, `make generate`)."""

from __future__ import annotations

from scripts.generate_docs_categories import main as generate_docs_categories


def test_the_docs_table_of_categories_is_generated_from_the_registry_and_catalogue() -> None:
    # GIVEN docs/alerts.md as committed THEN its table is the catalogue's (else: make generate)
    assert generate_docs_categories(["--check"]) == 0
