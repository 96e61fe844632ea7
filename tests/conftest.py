"""What every tier shares, and nothing heavier: the Hypothesis profile (tests/support/profiles.py)
and each test's tier marker, from its directory (`pytest -m unit`, `-m "not e2e"`).

Fixtures live with the tiers that use them: moto and the sandbox's central stack in
tests/support/sandbox_fixtures.py, imported by the conftest.py of integration, simulator and e2e;
the unit tier's guard in tests/unit/conftest.py (docs/testing.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.profiles import load_profile

load_profile()

TESTS = Path(__file__).resolve().parent
#: each a directory of tests/ and the marker its tests carry (registered in pyproject.toml)
TIERS = ("unit", "integration", "simulator", "e2e")


@pytest.hookimpl(trylast=True)
def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark a test with its directory's tier, unless a tier's conftest gave it one already."""
    if any(item.get_closest_marker(tier) for tier in TIERS):
        return
    tier = item.path.relative_to(TESTS).parts[0]
    if tier in TIERS:
        item.add_marker(tier)
