"""moto and the sandbox's central stack, as fixtures for the tiers that run them (integration,
simulator, e2e): their conftest.py imports the fixtures it uses from here. The unit tier never
does (tests/unit/conftest.py refuses moto and the sandbox).

Importing this module points boto3 at fake credentials before anything creates a client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from backup_relay_sandbox.cloud import use_fake_credentials

use_fake_credentials()

from moto import mock_aws  # noqa: E402

from backup_relay_sandbox.backup_sim import exact_delivery  # noqa: E402
from backup_relay_sandbox.central import CentralStack, deploy_central  # noqa: E402
from backup_relay_sandbox.cloud import SANDBOX_MOTO_CONFIG, reset  # noqa: E402
from tests.support.lambda_events import Invoke  # noqa: E402


@contextmanager
def sandbox_aws(*, exact: bool = False) -> Iterator[None]:
    """Every AWS call of the block goes to a fresh moto; the environment is given back after
    (deployed functions set theirs: sandbox/functions.py). The AWS Backup simulator delivers
    events best effort, as AWS does, unless `exact` (a test's `exact_delivery` marker)."""
    saved = dict(os.environ)
    try:
        with mock_aws(config=SANDBOX_MOTO_CONFIG), _delivery(exact=exact):
            reset()
            yield
    finally:
        reset()
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _delivery(*, exact: bool) -> Iterator[None]:
    if not exact:
        yield
        return
    with exact_delivery():
        yield


@pytest.fixture
def moto(request: pytest.FixtureRequest) -> Iterator[None]:
    """A fresh moto. A test marked `exact_delivery` opts out of the simulator's best-effort
    delivery (late, batched, reordered, repeated events): each event once, at once, in order."""
    with sandbox_aws(exact=request.node.get_closest_marker("exact_delivery") is not None):
        yield


@pytest.fixture
def central(moto: None) -> CentralStack:
    return deploy_central()


@pytest.fixture
def invoke_ingest(central: CentralStack) -> Invoke:
    """The real ingest handler, with the environment the template gives it."""
    return central.ingest
