"""The unit tier: the domain and the use cases on in-memory ports. It has no moto and no
sandbox, but for test_cli.py's tests that still read a stack from moto (#21, item 5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def moto() -> Iterator[None]:
    """moto, for test_cli.py's tests of a deployed stack alone."""
    from tests.support.sandbox_fixtures import sandbox_aws

    with sandbox_aws():
        yield
