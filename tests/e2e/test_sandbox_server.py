"""`backup-relay sandbox up`: the operator commands run unchanged against the local endpoint, as
a new user would run them; the sandbox behaves like a tool (up again prints its exports, a busy
port fails at once, the caller's AWS_* variables do not reach it, its clock is the one the
commands read, `advance` and `night` move it on), and `sandbox down` leaves no process behind.

One sandbox serves the module (a start runs a night: 15-30 s); the tests run in file order and
the last ones move its clock and stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backup_relay import wiring
from backup_relay_cli.main import main
from backup_relay_sandbox import server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # GIVEN a shell that still holds the exports of an earlier sandbox, now down, a profile
    # that does not exist on this machine and a config file that is not there,
    directory = tmp_path_factory.mktemp("sandbox")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
        env.setenv("AWS_PROFILE", "gone-profile")
        env.setenv("AWS_DEFAULT_PROFILE", "gone-profile")
        env.setenv("AWS_CONFIG_FILE", str(directory / "no-such-config"))
        # WHEN it runs `backup-relay sandbox up`, and exports what it printed
        code = main(["sandbox", "up", "--port", str(_free_port()), "--dir", str(directory)])
        assert code == 0, (directory / server.LOG).read_text()
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE"):
            env.delenv(name)
        for name, value in server.environment(_port(directory)).items():
            env.setenv(name, value)
        wiring.reset()  # no client made before, for another endpoint
        yield directory
        main(["sandbox", "down", "--dir", str(directory)])
        wiring.reset()


def _port(directory: Path) -> int:
    return int(json.loads((directory / server.READY).read_text())["port"])


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_callers_aws_variables_do_not_reach_the_sandbox(sandbox: Path) -> None:
    # THEN the sandbox started all the same (its server ignores the variables it did not set)
    assert server.running(sandbox)


def test_the_operator_commands_run_against_the_sandbox_endpoint(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN a new user runs status, a dry-run replay and coverage, as they would against AWS
    status = _json(capsys, "status")
    replay = _json(capsys, "replay", "--since", "24h", "--dry-run")
    assert (status[0], replay[0]) == (0, 0)
    coverage_code, coverage = _json(capsys, "coverage")
    doctor = _json(capsys, "doctor")  # the central account is configured as it should be
    assert (doctor[0], doctor[1]["findings"]) == (0, [])
    # THEN they read the sandbox's night: its chains, the failed copy (which replay leaves alone
    # while its cause, the key no one shared, is still there), and the resource whose DR copy is
    # missing (so coverage exits 1)
    assert {chain["state"] for chain in status[1]["chains"]} == {"COMPLETED"}
    items = [(i["kind"], i["outcome"], i["proof"][:10]) for i in replay[1]["items"]]
    assert items == [("member copy", "skipped", "confirmed:")]
    assert (coverage_code, coverage["stale"]) == (1, 1)
    # and the drill after the night (restore drills on, as in the demo) proved the DR copies of
    # the RDS family: coverage shows their last proven restore, and the doctor checked drills
    proven = {r["resource_type"] for r in coverage["resources"] if r["last_proven_restore"]}
    assert proven
    assert proven <= {"RDS", "Aurora", "DocumentDB", "Neptune"}
    assert any(c["what"].startswith("restore drills: plan") for c in doctor[1]["checked"])
    # and no age is negative: they are counted from the sandbox's clock, not this machine's
    assert all(chain["age_hours"] >= 0 for chain in status[1]["chains"])


def test_an_idle_sandbox_uses_no_cpu_to_speak_of(sandbox: Path) -> None:
    # GIVEN the sandbox, settled after the last command it answered
    pid = int((sandbox / server.PID).read_text())
    time.sleep(2)
    # WHEN nobody calls it for 5 s
    before = _cpu_seconds(pid)
    time.sleep(5)
    # THEN it used (almost) no CPU: it settled every 0.5 s before, 0.07-0.3 of a core
    assert _cpu_seconds(pid) - before < 0.15


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_sandbox_up_again_prints_the_same_exports(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    # WHEN `sandbox up` runs again while the sandbox runs (even with another --port)
    pid = (sandbox / server.PID).read_text()
    code = main(["sandbox", "up", "--port", str(_free_port()), "--dir", str(sandbox)])
    out, err = capsys.readouterr()
    # THEN it prints the running sandbox's exports again, and says so: no second server started
    assert code == 0
    assert (sandbox / server.PID).read_text() == pid
    exports = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    assert exports == server.environment(_port(sandbox))
    assert "already runs" in err


def test_a_busy_port_fails_at_once(
    sandbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    # WHEN another checkout's sandbox (another --dir) asks for the port this one serves on
    code = main(["sandbox", "up", "--port", str(_port(sandbox)), "--dir", str(tmp_path)])
    # THEN one line says the port is in use and what to do, before any server starts (it took
    # 140 s: the server ran its night, then failed to bind)
    assert code == 1
    assert not (tmp_path / server.LOG).exists()
    [line] = capsys.readouterr().err.splitlines()
    assert f"port {_port(sandbox)} is in use" in line
    assert "--port" in line
    assert not server.running(tmp_path)


def test_advance_ages_what_the_commands_see(
    sandbox: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN every DR copy but the failed one is current
    _, before = _json(capsys, "coverage")
    ages = {r["resource_arn"]: r["age_hours"] for r in before["resources"] if r["current"]}
    # WHEN the sandbox's clock moves 30 hours
    assert main(["sandbox", "advance", "30h", "--dir", str(sandbox)]) == 0
    # THEN every DR copy is 30 h older, so older than coverage's 26 h: stale
    code, after = _json(capsys, "coverage")
    assert (code, after["stale"]) == (1, len(after["resources"]))
    for resource in after["resources"]:
        if resource["resource_arn"] in ages:
            assert resource["age_hours"] == pytest.approx(ages[resource["resource_arn"]] + 30, 0.2)
    # and the chains are 30 h old in status
    _, status = _json(capsys, "status", "--since", "7d")
    assert min(chain["age_hours"] for chain in status["chains"]) >= 30
    # for the CLI's clock is the sandbox's (the Date header of its answers), not this machine's
    assert wiring.endpoint_now() - datetime.now(UTC) > timedelta(hours=20)
    # and --since counts from it: nothing changed in the sandbox's last 24 h
    assert _json(capsys, "status", "--since", "24h")[1]["chains"] == []
    assert _json(capsys, "replay", "--since", "24h", "--dry-run")[1]["items"] == []


def test_a_long_advance_shows_progress(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    # WHEN the clock moves 1000 days (it waited 120 s in silence, then failed)
    assert main(["sandbox", "advance", "1000d", "--dir", str(sandbox)]) == 0
    # THEN it says how far it got as it goes (how long it takes: see docs/testing.md's figures)
    progress = [line for line in capsys.readouterr().err.splitlines() if "%:" in line]
    assert len(progress) >= 5


def test_a_failed_advance_is_reported_and_the_sandbox_lives_on(sandbox: Path) -> None:
    # WHEN the server is asked to move its clock past the end of time (the CLI refuses more
    # than ten years up front)
    assert main(["sandbox", "advance", "4000d", "--dir", str(sandbox)]) == 2
    with pytest.raises(RuntimeError, match="the sandbox failed to advance: OverflowError"):
        server.advance(sandbox, timedelta(days=99_999_999))
    # THEN it says so, and still serves, its clock where it was
    assert server.running(sandbox)
    assert main(["sandbox", "advance", "1m", "--dir", str(sandbox)]) == 0
    assert wiring.endpoint_now().year < 2100


@pytest.mark.parametrize("duration", ["0m", "-5h"])
def test_advance_refuses_no_time_or_backwards(sandbox: Path, duration: str) -> None:
    try:
        code = main(["sandbox", "advance", duration, "--dir", str(sandbox)])
    except SystemExit as usage:  # argparse's own: "-5h" reads as an option
        code = int(str(usage.code))
    assert code == 2


def test_another_night(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the night of `sandbox up`, 1000 days ago by the sandbox's clock
    _, before = _json(capsys, "status", "--since", "3650d")
    # WHEN another night runs
    assert main(["sandbox", "night", "--dir", str(sandbox)]) == 0
    # THEN its backups were copied: as many chains again, all of the last 24 h,
    _, after = _json(capsys, "status", "--since", "24h")
    assert len(after["chains"]) == len(before["chains"])
    # and its member copy failed again, for the same cause: one failure, left until it is fixed
    _, replay = _json(capsys, "replay", "--since", "24h", "--dry-run")
    assert [(i["kind"], i["outcome"]) for i in replay["items"]] == [("member copy", "skipped")]


def test_sandbox_down_leaves_no_process(sandbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert server.running(sandbox)
    assert main(["sandbox", "down", "--dir", str(sandbox)]) == 0
    assert not server.running(sandbox)
    # and a command aimed at it now fails at once, saying to start it
    capsys.readouterr()
    assert main(["status"]) == 1
    assert "backup-relay sandbox up" in capsys.readouterr().err


def test_ctrl_c_while_starting_stops_the_sandbox(tmp_path: Path) -> None:
    # GIVEN `sandbox up` in a terminal, its server started and running its night
    up = subprocess.Popen(
        [sys.executable, "-m", "backup_relay_cli", "sandbox", "up", "--port", str(_free_port()),
         "--dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not (tmp_path / server.PID).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int((tmp_path / server.PID).read_text())
    time.sleep(1)
    # WHEN the operator presses Ctrl-C
    up.send_signal(signal.SIGINT)
    _, err = up.communicate(timeout=30)
    # THEN one line, exit 130, and the server it started is gone
    assert up.returncode == 130
    assert err.splitlines()[-1].startswith("backup-relay: interrupted")
    assert "Traceback" not in err
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_demo_ignores_the_callers_aws_variables() -> None:
    # GIVEN a shell left with a sandbox's exports (the sandbox now down) and a profile that
    # does not exist on this machine
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_free_port()}",
        "AWS_PROFILE": "gone-profile",
        "AWS_CONFIG_FILE": "/nonexistent/config",
    }
    # WHEN it runs `make demo`'s command THEN the demo runs its night as always
    demo = subprocess.run(
        [sys.executable, "-m", "backup_relay_cli", "demo", "--json"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout)["ok"] is True
