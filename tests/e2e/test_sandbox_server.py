"""`backup-relay sandbox up`: the operator commands run unchanged against the local endpoint, as
a new user would run them, and `sandbox down` leaves no process behind."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from backup_relay import wiring
from backup_relay_cli.main import main
from backup_relay_sandbox import server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # GIVEN `backup-relay sandbox up`, and a shell that exported what it printed
    directory = tmp_path / "sandbox"
    assert main(["sandbox", "up", "--port", str(_free_port()), "--dir", str(directory)]) == 0
    env = server.environment(json.loads((directory / server.READY).read_text())["port"])
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    wiring.reset()  # no client made before, for another endpoint
    yield directory
    main(["sandbox", "down", "--dir", str(directory)])
    wiring.reset()


def test_the_operator_commands_run_against_the_sandbox_endpoint(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    # WHEN a new user runs status, a dry-run replay and coverage, as they would against AWS
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert main(["replay", "--since", "24h", "--dry-run", "--json"]) == 0
    replay = json.loads(capsys.readouterr().out)
    coverage_code = main(["coverage", "--json"])
    coverage = json.loads(capsys.readouterr().out)
    assert main(["doctor", "--json"]) == 0  # the central account is configured as it should be
    assert json.loads(capsys.readouterr().out)["findings"] == []
    # THEN they read the sandbox's night: its chains, the failed copy replay would redo, and the
    # resource whose DR copy is missing (so coverage exits 1)
    assert {chain["state"] for chain in status["chains"]} == {"COMPLETED"}
    assert [(i["kind"], i["outcome"]) for i in replay["items"]] == [("member copy", "would replay")]
    assert (coverage_code, coverage["stale"]) == (1, 1)


def test_the_sandbox_clock_moves_when_asked(sandbox: Path) -> None:
    assert main(["sandbox", "advance", "2h", "--dir", str(sandbox)]) == 0
    assert not (sandbox / server.ADVANCE).exists()


def test_sandbox_down_leaves_no_process(sandbox: Path) -> None:
    assert server.running(sandbox)
    assert main(["sandbox", "down", "--dir", str(sandbox)]) == 0
    assert not server.running(sandbox)
