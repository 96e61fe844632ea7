"""docs/copy-chain.md's route table is generated from domain/route_table.py and the resource types
registry (scripts/generate_docs_routes.py, `make generate`)."""

from __future__ import annotations

from scripts.generate_docs_routes import main as generate_docs_routes


def test_the_docs_route_table_is_generated_from_the_route_table() -> None:
    # GIVEN docs/copy-chain.md as committed
    # THEN its route table is the route table's (else: make generate)
    assert generate_docs_routes(["--check"]) == 0
