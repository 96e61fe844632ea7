"""`backup-relay normalize`: readable text, the JSON contract, and exit 2 on anything else."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from backup_relay_cli.main import main
from tests.support.events import EVENTS_DIR
from tests.support.strategies import deep_json


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
        (
            "scan_job_completed.json",
            {"kind": "SCAN", "state": "COMPLETED", "scan_result": "THREATS_FOUND"},
        ),
        (
            "restore_job_completed.json",
            {
                "kind": "RESTORE",
                "state": "COMPLETED",
                "size_bytes": 0,
                "created_resource_arn": "arn:aws:rds:us-west-2:1112233445566:db:"
                "testinginstance1a2bcd34-567e-8901-23f4-5g6hijkl7890",
            },
        ),
    ],
)
def test_normalize_json_prints_the_contract_fields(
    name: str, expected: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["normalize", str(EVENTS_DIR / name), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed.items() >= expected.items()
    assert len(printed) == 21  # with message_category (issue #24), scan_result and
    # restore_testing_plan_arn (issue #25, contract version 2), backup_plan_arn (version 3)


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
        sys,
        "stdin",
        io.TextIOWrapper(io.BytesIO((EVENTS_DIR / "copy_job_created.json").read_bytes())),
    )
    assert main(["normalize", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["job_id"] is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{oops", "not_json"),
        ((EVENTS_DIR / "backup_vault_created.json").read_text(), "unsupported_detail_type"),
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


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe{\x00}\x00", "not_utf8"),
        ('{"statusMessage": "échec"}'.encode("latin-1"), "not_utf8"),
        (deep_json(10_000).encode(), "too_deep"),
        (('{"detail": ' * 5_000 + "{}" + "}" * 5_000).encode(), "too_deep"),
        (deep_json(100_000).encode(), "too_large"),  # ingest refuses it by its size, unread
    ],
)
def test_a_file_that_is_not_usable_json_exits_2_with_one_line(
    content: bytes, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a file in UTF-16 or Latin-1, or nested far past any event
    path = tmp_path / "event.json"
    path.write_bytes(content)
    # WHEN normalized
    exit_code = main(["normalize", str(path)])
    # THEN the command exits 2 with one line saying what is wrong, and no traceback
    captured = capsys.readouterr()
    assert exit_code == 2
    [line] = captured.err.splitlines()
    assert line.startswith("backup-relay: not an AWS Backup job event")
    assert reason in line
    assert len(line) <= 200


def test_stdin_that_is_not_utf8_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN Latin-1 bytes on stdin
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"id": "\xe9"}')))
    # WHEN normalized THEN it exits 2, saying the input is not UTF-8
    assert main(["normalize", "-"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "not_utf8" in line


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["normalize", "/nonexistent/event.json"]) == 2
    assert "cannot read /nonexistent/event.json" in capsys.readouterr().err


# ---- plan and bring-back read the deployed stack; failures are one line -----------------------

MEMBER_TO_DR = ["--from", "222222222222:us-west-2:member", "--to", "123456789012:us-east-1:dr"]


def test_plan_without_a_stack_routes_through_the_templates_central_vault(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN an operator plans an Aurora copy with no stack at hand
    assert main(["plan", "Aurora", *MEMBER_TO_DR, "--json"]) == 0
    # THEN the route goes through the vault the template creates by default, and says so
    printed = json.loads(capsys.readouterr().out)
    assert printed["hops"][0]["destination_vault_arn"].endswith(
        ":backup-vault:backup-relay-central"
    )
    assert printed["settings"] == "template defaults"


BRING_BACK_TO = [
    "--to-account",
    "222222222222",
    "--to-region",
    "us-west-2",
    "--to-vault",
    "member-vault",
]
BRING_BACK_TO += ["--region", "us-west-2"]


# ---- diagnose --------------------------------------------------------------------------------


def test_diagnose_json_gives_the_category_and_a_remediation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    message = "Access Denied trying to call AWS Backup service"
    code = main(["diagnose", message, "--resource-type", "Aurora", "--kind", "copy", "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["category"] == "vault_access_policy"
    assert {"category", "title", "remediation", "retryable", "docs"} <= printed.keys()
    assert printed["remediation"]


def test_diagnose_text_reads_stdin_and_says_why_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Backup job was stopped by user.\n"))
    assert main(["diagnose", "-"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "category   stopped_by_user"
    assert "fix" in out


def test_diagnose_an_unknown_message_still_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "Something nobody has seen", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["category"] == "unknown"


def test_diagnose_without_a_message_exits_2_saying_what_to_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["diagnose", "  "]) == 2
    assert capsys.readouterr().err.strip() == (
        "backup-relay: no message to diagnose: pass the job's status message, or its --state"
    )


def test_diagnose_with_an_unknown_kind_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "x", "--kind", "SCAN"]) == 2
    assert "--kind: invalid choice: 'SCAN'" in capsys.readouterr().err


def test_doctor_with_a_bad_account_exits_2_saying_what_to_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["doctor", "--account", "2222"]) == 2
    assert capsys.readouterr().err.strip() == (
        "backup-relay: doctor: --account: '2222' is not an account id: give a 12-digit account "
        "id, e.g. 123456789012 (see backup-relay doctor --help)"
    )


def test_the_doctor_table_puts_failures_first_and_collapses_what_passed() -> None:
    from backup_relay.doctor.report import Check, DoctorReport, Finding
    from backup_relay_cli.render import render_doctor

    # GIVEN checks in two places, one of them failing
    report = DoctorReport(
        checked=[
            Check(account="123456789012", region="-", what="cross-account backup"),
            Check(account="222222222222", region="us-west-2", what="forwarding rule"),
            Check(account="222222222222", region="us-west-2", what="backup plans"),
        ],
        skipped=["backup policies: not readable"],
    )
    report.add(
        [
            Finding(
                severity="error",
                category="forwarding",
                account="222222222222",
                region="us-west-2",
                resource="default event bus of 222222222222",
                problem="the forwarding rule ForwardRule is disabled",
                fix="deploy the member stack",
            )
        ]
    )
    # WHEN it is printed for people
    lines = render_doctor(report).splitlines()
    # THEN the failing group comes first with its fix, what passed is one line, then the verdict
    assert lines[0] == "FAIL  222222222222  us-west-2  (2 checks)"
    assert lines[1].split() == [
        "FAIL",
        "forwarding",
        "default",
        "event",
        "bus",
        "of",
        "222222222222",
    ]
    assert lines[3].strip() == "fix: deploy the member stack"
    assert lines[4] == "ok    123456789012  global  (1 check)"
    assert lines[5] == "skipped: backup policies: not readable"
    assert lines[-1] == "3 checks: 1 failed, 0 warnings"


# ---- the shared options, and how a command ends ---------------------------------------------

AT_HOME = ["--region", "us-west-2"]


@pytest.mark.parametrize(
    "command",
    [
        ["status", *AT_HOME],
        ["replay", "--dry-run", *AT_HOME],
        ["coverage", *AT_HOME],
        ["doctor", *AT_HOME],
        ["bring-back", "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:x", *BRING_BACK_TO],
    ],
    ids=lambda command: command[0],
)
def test_every_command_reads_the_same_stack_when_none_is_named(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backup_relay import wiring
    from backup_relay.domain.errors import SettingsError

    read: list[tuple[str, str | None]] = []

    def deployed_stack(name: str, region: str | None = None) -> object:
        read.append((name, region))
        raise SettingsError("no credentials")

    monkeypatch.setattr(wiring, "deployed_stack", deployed_stack)
    # WHEN a command that reads the deployed stack runs without --stack
    code = main(command)
    # THEN it reads the one default stack, the one the docs name, in the region given
    assert read == [("backup-relay", "us-west-2")]
    assert code == 2
    assert capsys.readouterr().err == "backup-relay: no credentials\n"


def test_debug_after_the_command_shows_the_traceback_too_and_keeps_the_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN a command fails on bad input with --debug after its name
    code = main(["doctor", "--config-env", "prod", "--debug"])
    # THEN the traceback shows, then the one line, and the exit code is still 2 (bad input)
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback (most recent call last)" in err
    assert "CommandError" in err
    assert err.splitlines()[-1].startswith("backup-relay: --config-env is for --preflight")


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (["status", "--since", "yesterday"], "status: --since: 'yesterday': give a duration"),
        (["replay", "--since", "5y"], "replay: --since: '5y': give a duration"),
        (["coverage", "--max-age", "old"], "coverage: --max-age: 'old': give a duration"),
        (["sandbox", "advance", "a while"], "sandbox: duration: 'a while': give a duration"),
    ],
)
def test_a_duration_the_cli_cannot_read_exits_2_naming_the_flag(
    command: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN a command is given a duration that is neither 90m, 24h, 7d nor an ISO 8601 time
    code = main(command)
    # THEN it exits 2 before reading any stack, in one line naming the flag and the forms
    assert code == 2
    [printed] = capsys.readouterr().err.splitlines()
    assert printed.startswith(f"backup-relay: {line} (90m, 24h, 7d)")
    assert printed.endswith("--help)")


def test_durations_count_back_from_now_or_name_a_time() -> None:
    from datetime import UTC, datetime, timedelta

    from backup_relay_cli.durations import since

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert since("90m", "--since", now) == now - timedelta(minutes=90)
    assert since(" 7d ", "--since", now) == now - timedelta(days=7)
    assert since("2026-11-21T08:00", "--since", now) == datetime(2026, 11, 21, 8, tzinfo=UTC)


def test_ctrl_c_exits_130_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Interrupted(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            raise KeyboardInterrupt

    # GIVEN an operator who presses Ctrl-C while the command reads stdin
    monkeypatch.setattr(sys, "stdin", Interrupted())
    # WHEN the command stops THEN it exits 130, as a shell reports SIGINT, without a traceback
    assert main(["diagnose", "-"]) == 130
    assert capsys.readouterr().err == "backup-relay: interrupted\n"


def test_ctrl_c_that_python_wrapped_in_another_error_is_still_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Wrapped(io.StringIO):
        def read(self, size: int | None = -1) -> str:
            # as Python 3.11 re-raises Ctrl-C that lands in a descriptor's __set_name__ while a
            # module of dataclasses loads (CI saw it: "Error calling __set_name__ on 'Field'")
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as ctrl_c:
                raise RuntimeError("Error calling __set_name__ on 'Field'") from ctrl_c

    # GIVEN Ctrl-C that reaches the CLI wrapped in a RuntimeError
    monkeypatch.setattr(sys, "stdin", Wrapped())
    # WHEN the command stops THEN it is an interrupt: exit 130, one line
    assert main(["diagnose", "-"]) == 130
    assert capsys.readouterr().err == "backup-relay: interrupted\n"


def test_demo_and_sandbox_are_commands_only_when_the_sandbox_is_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backup_relay_cli.main import parser

    # GIVEN the sandbox installed, demo and sandbox are commands
    assert {"demo", "sandbox"} <= set(_commands(parser()))
    # WHEN it is not (its package cannot be imported)
    monkeypatch.setitem(sys.modules, "backup_relay_sandbox", None)
    # THEN every other command is there, and demo is not a command (bad usage, exit 2)
    assert set(_commands(parser())) == {
        "normalize", "plan", "bring-back", "restore", "diagnose", "doctor", "replay", "status",
        "coverage",
    }  # fmt: skip
    assert main(["demo"]) == 2
    assert "invalid choice: 'demo'" in capsys.readouterr().err


def _commands(top: Any) -> list[str]:
    import argparse

    [subcommands] = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return list(subcommands.choices)
