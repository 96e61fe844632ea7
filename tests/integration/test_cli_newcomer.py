"""A newcomer's pass over every command: bad input, --json and --debug, Ctrl-C, a closed pipe
and a closed stdin. No traceback, and the promised exit codes (README, "The CLI's promise"):
0 done, 1 failed, 2 bad usage, 130 interrupted; one line on stderr, or one JSON object.

Most cases run main() in this process; only Ctrl-C, pipes and stdin need a process of their own.
Nothing reaches AWS: a bad argument is refused before any stack is read, and the processes talk
to a loopback port that accepts and never answers (so that Ctrl-C lands mid-request).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backup_relay.domain import resource_types
from backup_relay_cli.main import main
from tests.support.events import EVENTS_DIR

ROOT = Path(__file__).resolve().parents[2]
EVENT = str(EVENTS_DIR / "copy_job_failed.json")
VAULTS = ["--from", "222222222222:us-west-2:member", "--to", "123456789012:us-east-1:dr"]
RECOVERY_POINT = "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:job-1"
CHAIN = "chain-" + "9c02e" * 8
TO = ["--to-account", "222222222222", "--to-region", "us-west-2", "--to-vault", "member-vault"]

#: (arguments, what the one line says): each is bad usage, exit 2, before any AWS call
BAD_USAGE: list[tuple[list[str], str]] = [
    ([], "the following arguments are required: COMMAND"),
    (["nope"], "invalid choice: 'nope'"),
    (["--nope", "status"], "unrecognized arguments: --nope"),
    # normalize
    (["normalize", EVENT, "extra"], "normalize: unrecognized arguments: extra"),
    (["normalize", EVENT, "--nope"], "normalize: unrecognized arguments: --nope"),
    # plan
    (["plan"], "plan: the following arguments are required"),
    (["plan", "Aurora", *VAULTS, "extra"], "plan: unrecognized arguments: extra"),
    (["plan", "Auroraa", *VAULTS], "'Auroraa' is not a resource type: give one of RDS, Aurora"),
    (
        ["plan", "Aurora", "--from", "abc:us-west-2:v", "--to", "123456789012:us-east-1:dr"],
        "plan: --from: 'abc' is not an account id: give a 12-digit account id",
    ),
    (
        ["plan", "Aurora", "--from", "222222222222:mars-1:v", "--to", "123456789012:us-east-1:dr"],
        "plan: --from: 'mars-1' is not a region: give a region code",
    ),
    (
        ["plan", "Aurora", "--from", "vault", "--to", "123456789012:us-east-1:dr"],
        "plan: --from: 'vault' is not ACCOUNT:REGION:VAULT",
    ),
    (["plan", "Aurora", *VAULTS, "--central-account", "abc"], "--central-account: 'abc' is not"),
    (["plan", "Aurora", *VAULTS, "--chained-types", "RDS,nope"], "'nope' is not a resource type"),
    (["plan", "Aurora", *VAULTS, "--central-vault", "my vault"], "is not a backup vault name"),
    (["plan", "Aurora", *VAULTS, "--stack", "my stack"], "'my stack' is not a stack name"),
    (["plan", "Aurora", *VAULTS, "--region", "mars-1"], "plan: --region: 'mars-1' is not a region"),
    # bring-back
    (["bring-back", RECOVERY_POINT], "the following arguments are required: --to-account"),
    (["bring-back", RECOVERY_POINT, *TO, "extra"], "bring-back: unrecognized arguments: extra"),
    (["bring-back", "snapshot-1", *TO], "'snapshot-1' is not an ARN"),
    (["bring-back", "arn:aws:rds:mars-1:123456789012:snapshot:x", *TO], "'mars-1' is not a region"),
    (["bring-back", "arn:aws:rds:us-east-1:abc:snapshot:x", *TO], "'abc' is not an account id"),
    (["bring-back", "arn:aws:sqs:us-east-1:123456789012:q", *TO], "is not a recovery point ARN"),
    (["bring-back", RECOVERY_POINT, *TO[:1], "abc", *TO[2:]], "--to-account: 'abc' is not"),
    (["bring-back", RECOVERY_POINT, *TO[:3], "mars-1", *TO[4:]], "--to-region: 'mars-1' is not"),
    (["bring-back", RECOVERY_POINT, *TO[:5], "v"], "--to-vault: 'v' is not a backup vault name"),
    # diagnose
    (["diagnose"], "diagnose: the following arguments are required: message"),
    (["diagnose", "x", "y"], "diagnose: unrecognized arguments: y"),
    (["diagnose", "x", "--resource-type", "nope"], "'nope' is not a resource type"),
    (["diagnose", "x", "--kind", "SCAN"], "--kind: invalid choice: 'SCAN'"),
    # doctor
    (["doctor", "extra"], "doctor: unrecognized arguments: extra"),
    (["doctor", "--account", "abc"], "doctor: --account: 'abc' is not an account id"),
    (["doctor", "--region", "mars-1"], "doctor: --region: 'mars-1' is not a region"),
    (["doctor", "--config-env", "prod"], "--config-env is for --preflight"),
    # replay
    (["replay", "extra"], "replay: unrecognized arguments: extra"),
    (["replay", "--account", "abc"], "replay: --account: 'abc' is not an account id"),
    (["replay", "--region", "mars-1"], "replay: --region: 'mars-1' is not a region"),
    (["replay", "--resource-type", "nope"], "'nope' is not a resource type: give one of RDS"),
    (["replay", "--category", "nope"], "'nope' is not a failure category: give one of"),
    (["replay", "--chain-id", "9c02e"], "--chain-id: '9c02e' is not a chain id"),
    (["replay", "--since", "yesterday"], "replay: --since: 'yesterday': give a duration"),
    # status
    (["status", "extra"], "status: unrecognized arguments: extra"),
    (["status", "--chain", "chain-xyz"], "status: --chain: 'chain-xyz' is not a chain id"),
    (["status", "--since", "5y"], "status: --since: '5y': give a duration"),
    (["status", "--recovery-point", "rp-1"], "--recovery-point: 'rp-1' is not an ARN"),
    (["status", "--resource-arn", "db-1"], "--resource-arn: 'db-1' is not an ARN"),
    (["status", "--region", "mars-1"], "status: --region: 'mars-1' is not a region"),
    # coverage
    (["coverage", "extra"], "coverage: unrecognized arguments: extra"),
    (["coverage", "--max-age", "2026-01-01"], "--max-age: '2026-01-01': give a duration (90m"),
    (["coverage", "--max-age", "0h"], "--max-age: '0h': give a duration longer than zero"),
    (["coverage", "--max-age", "-1h"], "expected one argument"),
    (["coverage", "--region", "mars-1"], "coverage: --region: 'mars-1' is not a region"),
    # sandbox and demo
    (["sandbox"], "sandbox: the following arguments are required: action"),
    (["sandbox", "fly"], "sandbox: action: invalid choice: 'fly'"),
    (["sandbox", "up", "5h"], "up takes no duration ('5h'): only advance does"),
    (["sandbox", "down", "5h", "b"], "sandbox: unrecognized arguments: b"),
    (["sandbox", "advance"], "advance how far?"),
    (["sandbox", "advance", "0h"], "duration: '0h': give a duration longer than zero"),
    (["sandbox", "up", "--port", "80"], "--port 80: give a port from 1024 to 65535"),
    (["demo", "extra"], "demo: unrecognized arguments: extra"),
]

BAD_USAGE_IDS = [" ".join(argv)[:60] or "(nothing)" for argv, _ in BAD_USAGE]


@pytest.fixture
def no_stack_is_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    from backup_relay import wiring

    read: list[str] = []

    def deployed_stack(name: str, region: str | None = None) -> Any:
        read.append(name)
        raise AssertionError("bad usage reached AWS")

    monkeypatch.setattr(wiring, "deployed_stack", deployed_stack)
    yield read
    assert read == []


@pytest.mark.parametrize("flags", [[], ["--debug"]], ids=["plain", "debug"])
@pytest.mark.parametrize(("argv", "says"), BAD_USAGE, ids=BAD_USAGE_IDS)
def test_bad_usage_exits_2_in_one_line_before_any_aws_call(
    argv: list[str],
    says: str,
    flags: list[str],
    no_stack_is_read: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN a newcomer gets a command wrong (with --debug too)
    code = main([*argv, *flags])
    # THEN it exits 2 with one line saying what is wrong and what to give, no traceback
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[-1].startswith("backup-relay: ")
    assert says in lines[-1]
    if "--debug" not in flags or "Traceback" not in captured.err:
        assert len(lines) == 1, captured.err


@pytest.mark.parametrize(("argv", "says"), BAD_USAGE, ids=BAD_USAGE_IDS)
def test_with_json_every_error_is_one_json_object(
    argv: list[str], says: str, no_stack_is_read: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the same mistakes are made by a script that asked for --json
    code = main([*argv, "--json"])
    # THEN stderr holds one JSON object: the error and the exit code
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert json.loads(line) == {"error": json.loads(line)["error"], "exit_code": 2}
    assert says in json.loads(line)["error"]
    assert code == 2


@pytest.mark.parametrize(
    ("argv", "option", "value"),
    [
        (["plan", "aurora", *VAULTS], "resource_type", "Aurora"),
        (["plan", "storage gateway", *VAULTS], "resource_type", "Storage Gateway"),
        (["diagnose", "x", "--resource-type", "AURORA"], "resource_type", "Aurora"),
        (["replay", "--resource-type", "documentdb"], "resource_type", "DocumentDB"),
        (["replay", "--category", "KMS_KEY_NOT_SHARED"], "category", "kms_key_not_shared"),
        (["status", "--chain", f"{CHAIN}-attempt-2"], "chain", CHAIN),
        (["plan", "RDS", *VAULTS, "--chained-types", "rds, aurora"], "chained_types",
         "RDS,Aurora"),
    ],
)  # fmt: skip
def test_resource_types_categories_and_chains_are_read_as_their_commands_name_them(
    argv: list[str], option: str, value: str
) -> None:
    from backup_relay_cli.main import parser

    # WHEN an operator types a resource type or a category in another case
    args = parser().parse_args(argv)
    # THEN the command gets the registry's (or the catalogue's) own name
    assert getattr(args, option) == value


def test_an_unknown_resource_type_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "x", "--resource-type", "Mainframe"]) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in resource_types.REGISTRY.names())


def test_a_lowercase_type_plans_the_same_route(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the route an operator plans for Aurora
    assert main(["plan", "Aurora", *VAULTS, "--json"]) == 0
    aurora = json.loads(capsys.readouterr().out)
    # WHEN they type `aurora` THEN it is the same two-hop route, not a one-hop "unknown type"
    assert main(["plan", "aurora", *VAULTS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == aurora
    assert aurora["hop_count"] == 2


def test_a_60_mb_event_is_refused_as_ingest_would_quarantine_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a 60 MB file that starts like an event
    path = tmp_path / "huge.json"
    with path.open("wb") as huge:
        huge.write(b'{"source": "aws.backup", "detail": "')
        huge.truncate(60 * 2**20)
    # WHEN normalized THEN it is refused too_large, unread, as ingest quarantines it (exit 2)
    assert main(["normalize", str(path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "too_large: message body is 62914560 bytes; a job event is at most 65536" in line


# ---- in a process of its own: Ctrl-C, a closed pipe, a closed stdin ------------------------


class SilentEndpoint:
    """A loopback port that accepts connections and never answers: an AWS call waits on it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.held.append(connection)
            self.accepted.set()

    def close(self) -> None:
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def endpoint() -> Iterator[SilentEndpoint]:
    silent = SilentEndpoint()
    yield silent
    silent.close()


def _environment(endpoint: SilentEndpoint | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    port = endpoint.port if endpoint else 9  # discard: nothing listens
    return env | {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "layers/relay"), str(ROOT / "cli"), str(ROOT / "sandbox"), str(ROOT)]
        ),
    }


def _cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "backup_relay_cli", *argv]


def _interrupt(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    return process.returncode, err.decode()


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["coverage", "--json"],
        ["replay", "--dry-run"],
        ["doctor"],
        ["bring-back", RECOVERY_POINT, *TO, "--dry-run"],
    ],
    ids=lambda argv: argv[0],
)
def test_ctrl_c_mid_request_ends_in_one_line_exit_130(
    argv: list[str], endpoint: SilentEndpoint
) -> None:
    # GIVEN a command waiting on AWS
    process = subprocess.Popen(
        _cli(*argv), env=_environment(endpoint), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert endpoint.accepted.wait(20), "the command never called AWS"
    # WHEN the operator presses Ctrl-C
    code, err = _interrupt(process)
    # THEN it ends at once with one line (one JSON object with --json) and exit 130
    assert code == 130, err
    expected = '{"error": "interrupted", "exit_code": 130}' if "--json" in argv else (
        "backup-relay: interrupted"
    )  # fmt: skip
    assert err.splitlines() == [expected]


def test_ctrl_c_while_the_cli_loads_is_one_line_too() -> None:
    # GIVEN Python started (its own start-up is not the CLI's), the CLI loading its commands
    loading = (
        "import runpy, sys; sys.stderr.write('started\\n'); sys.stderr.flush(); "
        "sys.argv = ['backup-relay', 'diagnose', '-']; "
        "runpy.run_module('backup_relay_cli', run_name='__main__', alter_sys=True)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", loading], env=_environment(), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    assert process.stderr.readline() == b"started\n"
    time.sleep(0.1)  # runpy has found the CLI; its imports take longer
    # WHEN Ctrl-C THEN one line, exit 130, and no traceback
    code, err = _interrupt(process)
    assert (code, err) == (130, "backup-relay: interrupted\n")


@pytest.mark.parametrize("argv", [["normalize"], ["diagnose", "-", "--json"]], ids=" ".join)
def test_ctrl_c_while_waiting_for_stdin_is_one_line(argv: list[str]) -> None:
    # GIVEN a command waiting for its input on stdin (a newcomer who forgot the file)
    process = subprocess.Popen(
        _cli(*argv), env=_environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1.5)
    # WHEN Ctrl-C THEN one line (one JSON object with --json), exit 130
    code, err = _interrupt(process)
    line = '{"error": "interrupted", "exit_code": 130}' if "--json" in argv else (
        "backup-relay: interrupted"
    )  # fmt: skip
    assert (code, err) == (130, line + "\n")


def test_ctrl_c_in_the_demo_leaves_no_process_behind() -> None:
    # GIVEN the demo halfway through its night
    process = subprocess.Popen(
        _cli("demo"), env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline()  # it has started printing its night
    time.sleep(1)
    # WHEN Ctrl-C
    code, err = _interrupt(process)
    # THEN one line, exit 130, and nothing of it still runs
    assert code == 130, err
    assert err.splitlines()[-1] == "backup-relay: interrupted"
    assert "Traceback" not in err
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["status", "--help"],
        ["diagnose", "x"],
        ["normalize", EVENT, "--json"],
        ["plan", "Aurora", *VAULTS],
    ],
    ids=" ".join,
)
def test_a_closed_pipe_is_silent_and_exits_0(argv: list[str]) -> None:
    # GIVEN a reader that has gone away (as `| head -1` does once it has its line)
    read, write = os.pipe()
    os.close(read)
    # WHEN the command prints
    result = subprocess.run(
        _cli(*argv), env=_environment(), stdout=write, stderr=subprocess.PIPE, check=False
    )
    os.close(write)
    # THEN nothing on stderr, exit 0
    assert (result.returncode, result.stderr.decode()) == (0, "")


def test_head_of_the_help_under_pipefail_succeeds() -> None:
    result = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$@" --help | head -1', "-", *_cli()],
        env=_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: backup-relay")


@pytest.mark.parametrize("argv", [["normalize", "-"], ["diagnose", "-", "--json"]], ids=" ".join)
def test_a_closed_stdin_is_bad_usage(argv: list[str]) -> None:
    # WHEN a command told to read stdin finds it closed (`<&-`)
    result = subprocess.run(
        ["bash", "-c", 'exec "$@" <&-', "-", *_cli(*argv)],
        env=_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    # THEN exit 2, in one line saying what to do
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert "standard input is closed: pass a file, or pipe the input in" in line
