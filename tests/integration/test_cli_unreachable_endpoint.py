"""A command aimed at a sandbox that is down (AWS_ENDPOINT_URL on loopback, nothing listening)
fails at once with one line saying to start it, instead of retrying for 15-30 s; an endpoint
that is not loopback (AWS) keeps the standard retries."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3.util.connection

from backup_relay import wiring
from backup_relay.adapters import aws
from backup_relay_cli.main import main


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens


@pytest.fixture
def sandbox_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # GIVEN a shell that exported a sandbox's variables, and the sandbox is down
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    wiring.reset()
    yield endpoint
    wiring.reset()


@pytest.mark.parametrize(
    "argv", [["status"], ["coverage"], ["replay", "--dry-run"], ["doctor"]], ids=" ".join
)
def test_a_sandbox_that_is_down_fails_at_once_saying_to_start_it(
    sandbox_down: str,
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN every connection the clients open counted
    attempts: list[object] = []
    connect = urllib3.util.connection.create_connection

    def counted(address: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(address)
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counted)
    # WHEN the operator runs a command
    code = main(argv)
    # THEN one line names the endpoint and the fix, exit 1, after one attempt: no retries (the
    # 15-30 s of before; how fast that is, bench/ measures, not this test)
    [line] = capsys.readouterr().err.splitlines()
    assert code == 1
    assert len(attempts) == 1
    assert sandbox_down in line
    assert "run `backup-relay sandbox up`" in line


def test_aws_keeps_its_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no sandbox endpoint (AWS), THEN the clients retry as before; GIVEN one, they do not
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert aws._config().retries == {"mode": "standard", "max_attempts": 5}
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://vpce-1.backup.us-west-2.vpce.amazonaws.com")
    assert aws._config().retries == {"mode": "standard", "max_attempts": 5}
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:5055")
    assert aws._config().retries == {"mode": "standard", "total_max_attempts": 1}


MISCONFIGURED = {
    "missing profile": ({"AWS_PROFILE": "gone-profile"}, "aws configure --profile gone-profile"),
    "no region": ({"AWS_DEFAULT_REGION": ""}, "no AWS region: pass --region"),
    "no credentials": ({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, "no AWS credential"),
}


@pytest.mark.parametrize("case", MISCONFIGURED)
def test_the_operators_configuration_is_checked_before_any_call(
    sandbox_down: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    variables, said = MISCONFIGURED[case]
    # GIVEN an operator's configuration that lacks something (and no files of theirs to read)
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_REGION", raising=False)
    for name, value in variables.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    # WHEN a command needs the stack THEN one line says what is missing and how to give it
    assert main(["status"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert said in line
