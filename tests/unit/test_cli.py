"""`backup-relay normalize`: readable text, the JSON contract, and exit 2 on anything else."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from backup_relay.cli import main
from tests.conftest import EVENTS_DIR


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "backup_job_completed.json",
            {"kind": "BACKUP", "state": "COMPLETED", "size_bytes": 36048},
        ),
        (
            "copy_job_running.json",
            {"kind": "COPY", "state": "RUNNING", "destination_recovery_point_arn": None},
        ),
        (
            "backup_job_aborted.json",
            {"kind": "BACKUP", "status_message": "Backup job was stopped by user."},
        ),
        ("restore_job_completed.json", {"kind": "RESTORE", "state": "COMPLETED", "size_bytes": 0}),
    ],
)
def test_normalize_json_prints_the_contract_fields(
    name: str, expected: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["normalize", str(EVENTS_DIR / name), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed.items() >= expected.items()
    assert len(printed) == 16


def test_normalize_text_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", str(EVENTS_DIR / "copy_job_failed.json")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "COPY job 47C8EF56-74D8-059D-1301-C5BE1D5C926E is FAILED"
    assert (
        "status_message                  Access denied exception while trying to list tags" in out
    )
    assert "destination_recovery_point_arn  -" in out


def test_normalize_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO((EVENTS_DIR / "copy_job_created.json").read_text())
    )
    assert main(["normalize", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["job_id"] is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{oops", "not_json"),
        ((EVENTS_DIR / "scan_job_completed.json").read_text(), "unsupported_detail_type"),
        ('{"source": "aws.ec2"}', "not_backup_event"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    content: str, reason: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "event.json"
    path.write_text(content)
    assert main(["normalize", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("backup-relay: not an AWS Backup job event")
    assert reason in line


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", "/nonexistent/event.json"]) == 2
    assert "cannot read /nonexistent/event.json" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "backup_relay.cli",
            "normalize",
            str(EVENTS_DIR / "copy_job_failed.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "FAILED"
