"""Shared fixtures. Fake credentials are set before anything creates a boto3 client; the
Hypothesis profile (tests/support/profiles.py) is loaded before any test module is imported."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from backup_relay_sandbox.cloud import use_fake_credentials

use_fake_credentials()

from moto import mock_aws  # noqa: E402

from backup_relay_sandbox.central import CentralStack, deploy_central  # noqa: E402
from backup_relay_sandbox.cloud import SANDBOX_MOTO_CONFIG, reset  # noqa: E402
from tests.support.lambda_events import Invoke  # noqa: E402
from tests.support.profiles import load_profile  # noqa: E402

load_profile()


@pytest.fixture
def moto() -> Iterator[None]:
    saved = dict(os.environ)  # deployed functions set their environment (sandbox/functions.py)
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        reset()
        yield
    reset()
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def central(moto: None) -> CentralStack:
    return deploy_central()


@pytest.fixture
def invoke_ingest(central: CentralStack) -> Invoke:
    """The real ingest handler, with the environment the template gives it."""
    return central.ingest
