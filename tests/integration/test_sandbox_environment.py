"""The sandbox (its demo, its server) runs with none of the caller's AWS_* variables but its own:
after `eval "$(backup-relay sandbox up)"` and `sandbox down`, the exported AWS_ENDPOINT_URL, or
an AWS_PROFILE that does not exist here, must not send moto's clients elsewhere."""

from __future__ import annotations

import os

import boto3
import pytest
from moto import mock_aws

from backup_relay_sandbox.cloud import FAKE_ENVIRONMENT, use_fake_credentials, without_aws

LEFT_BY_THE_CALLER = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # a sandbox now down
    "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
    "AWS_PROFILE": "gone-profile",
    "AWS_DEFAULT_PROFILE": "gone-profile",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_SESSION_TOKEN": "a-real-token",
}


def test_the_callers_aws_variables_do_not_reach_the_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a shell with an earlier sandbox's exports and a profile that does not exist here
    for name, value in LEFT_BY_THE_CALLER.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME_OF_SOMETHING_ELSE", "kept")
    # WHEN the sandbox takes its fake credentials (the demo and the server do, first thing)
    use_fake_credentials()
    # THEN only its own AWS_* variables are left, the others untouched,
    aws = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
    assert aws == {k: v for k, v in FAKE_ENVIRONMENT.items() if k.startswith("AWS_")}
    assert os.environ["HOME_OF_SOMETHING_ELSE"] == "kept"
    # and moto's clients answer (no profile to find, no endpoint elsewhere)
    with mock_aws():
        identity = boto3.session.Session().client("sts").get_caller_identity()
    assert identity["Account"] == "123456789012"


def test_the_server_process_starts_without_the_callers_aws_variables() -> None:
    # GIVEN the caller's environment WHEN the server's is made from it THEN none of its AWS_*
    # variables pass (the server sets its own), the others do
    environ = {**LEFT_BY_THE_CALLER, "PATH": "/usr/bin", "AWS_REGION": "eu-west-1"}
    assert without_aws(environ) == {"PATH": "/usr/bin"}


def test_each_checkout_keeps_its_own_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    import backup_relay_sandbox
    from backup_relay_cli.commands import sandbox

    # GIVEN this checkout WHEN `sandbox up` picks its state directory (no --dir)
    here = sandbox.default_directory()
    # THEN it is this checkout's, under ~/.backup-relay-sandbox
    checkout = Path(backup_relay_sandbox.__file__).resolve().parents[2]
    assert here.parent == sandbox.STATE_ROOT
    assert here.name.startswith(f"{checkout.name}-")
    # and a clone of the same name elsewhere gets another one
    clone = f"/elsewhere/{checkout.name}/sandbox/backup_relay_sandbox/__init__.py"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: SimpleNamespace(origin=clone))
    there = sandbox.default_directory()
    assert there.name.startswith(f"{checkout.name}-")
    assert there != here
