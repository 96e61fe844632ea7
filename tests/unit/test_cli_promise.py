"""The CLI's promise, in-process: --version, defaults in --help, durations of their own, errors
as JSON, --debug keeping the exit code, a closed stdin or pipe, Ctrl-C while it loads.
(tests/integration/test_cli_newcomer.py runs every command through the same, in processes.)"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backup_relay_cli import main as cli
from backup_relay_cli.durations import DurationError, parse_duration, parse_since
from backup_relay_cli.main import main, parser

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_the_packages_own(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN an operator asks which version they run
    assert main(["--version"]) == 0
    # THEN it is pyproject.toml's (the one source), from the installed package's metadata
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert capsys.readouterr().out == f"backup-relay {project['version']}\n"


def _subcommands(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [commands] = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def test_help_shows_every_default() -> None:
    # GIVEN every command's options that have a default
    missing = []
    for name, command in _subcommands(parser()).items():
        text = " ".join(command.format_help().split())
        for action in command._actions:
            if action.default in (None, False, True, argparse.SUPPRESS, []):
                continue
            # THEN its help says it (the formatter adds it, or the help names its own)
            help_text = command._get_formatter()._expand_help(action)  # as --help prints it
            if "default" not in help_text:
                missing.append(f"{name} {action.dest}")
        assert "(default: 24h)" in text or name not in ("status", "replay")
    assert missing == []


def test_max_age_takes_a_positive_duration_only() -> None:
    assert parse_duration("26h") == timedelta(hours=26)
    assert parse_duration(" 90m ") == timedelta(minutes=90)
    for text in ("0h", "0d", "2026-11-21", "2026-11-21T08:00", "-1h", "1y", ""):
        with pytest.raises(DurationError):
            parse_duration(text)


def test_since_is_a_duration_back_or_a_past_time() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2026-11-21T08:00", now) == datetime(2026, 11, 21, 8, tzinfo=UTC)
    with pytest.raises(DurationError, match="is in the future"):
        parse_since("2026-11-23", now)


def test_a_since_in_the_future_is_bad_input_on_the_commands_clock() -> None:
    from backup_relay_cli.durations import since
    from backup_relay_cli.errors import CommandError

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    # WHEN --since names a time after the command's now THEN it is bad input (exit 2)
    with pytest.raises(CommandError, match="'2026-11-23' is in the future") as refused:
        since("2026-11-23", "--since", now)
    assert refused.value.exit_code == 2
    # AND a clock ahead of this machine's (a sandbox advanced 30h) takes what it has passed
    assert since("2026-11-23", "--since", now + timedelta(hours=30)) == datetime(
        2026, 11, 23, tzinfo=UTC
    )


def test_with_json_an_error_while_running_is_a_json_object_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN a command fails after its arguments were read, with --json
    code = main(["doctor", "--config-env", "prod", "--json"])
    # THEN stderr is one JSON object with the error and the same exit code
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line) == {
        "error": "--config-env is for --preflight: add --preflight, or leave it out",
        "exit_code": 2,
    }
    assert code == 2


def test_debug_keeps_the_exit_code_of_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the exit code of a bad duration
    assert main(["coverage", "--max-age", "0h"]) == 2
    plain = capsys.readouterr().err
    # WHEN the same runs with --debug (before or after the command)
    # THEN it is still 2, and says the same
    assert main(["--debug", "coverage", "--max-age", "0h"]) == 2
    assert capsys.readouterr().err == plain
    assert main(["coverage", "--max-age", "0h", "--debug"]) == 2


@pytest.mark.parametrize("argv", [["normalize", "-"], ["diagnose", "-"]])
def test_a_closed_stdin_is_bad_usage(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN stdin closed (`<&-`: Python has no sys.stdin)
    monkeypatch.setattr(sys, "stdin", None)
    # WHEN a command reads `-` THEN exit 2 in one line, not an AttributeError (exit 1)
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "backup-relay: standard input is closed: pass a file, or pipe the input in\n"
    )


def test_a_closed_pipe_is_silent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    # GIVEN a reader that went away (`| head -1`)
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    # WHEN a command prints THEN it ends quietly, exit 0
    assert main(["diagnose", "Backup job was stopped by user."]) == 0
    assert capsys.readouterr().err == ""


def test_ctrl_c_while_the_commands_load_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def loading(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    # GIVEN Ctrl-C while the commands are imported (inside main, not before it)
    monkeypatch.setattr(cli, "parser", loading)
    # WHEN it lands THEN one line, exit 130
    assert main(["status", "--json"]) == 130
    assert json.loads(capsys.readouterr().err) == {"error": "interrupted", "exit_code": 130}


def test_a_broken_pipe_that_is_not_stdout_is_a_failure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from backup_relay_cli.commands import diagnose

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise BrokenPipeError(32, "Broken pipe")

    # GIVEN stdout a file that is open, and a command whose own connection breaks
    monkeypatch.setattr(diagnose, "explain", broken)
    with (tmp_path / "out.txt").open("w") as out:
        monkeypatch.setattr(sys, "stdout", out)
        # WHEN it runs THEN that is a failure (exit 1, one line), not a reader gone away
        assert main(["diagnose", "x"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("backup-relay: BrokenPipeError")


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--since", "99999999d"],
        ["status", "--since", "99999999999999d"],
        ["coverage", "--max-age", "99999999999d"],
        ["coverage", "--max-age", "36526d"],
    ],
)
def test_a_duration_longer_than_any_clock_counts_is_bad_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a duration too long for the dates it is taken from (it overflowed: exit 1)
    # WHEN a command gets it THEN it is bad usage in one line, before anything runs
    assert main(argv) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "give at most 36525d" in line
