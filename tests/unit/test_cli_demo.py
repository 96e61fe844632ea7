"""`backup-relay demo`'s options: --verbose for every event, --json for a summary, not both."""

from __future__ import annotations

import pytest

from backup_relay_cli.main import main


def test_demo_refuses_json_and_verbose_together_before_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN both --json (only a summary) and --verbose (every event)
    # WHEN the demo is asked for both THEN it is bad usage (exit 2), said in one line, and
    # nothing ran (the sandbox is not even imported: this tier refuses it)
    assert main(["demo", "--json", "--verbose"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--verbose" in err


def test_demo_help_offers_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN an operator asks the demo for help THEN it offers --verbose, saying what it prints
    assert main(["demo", "--help"]) == 0
    assert "--verbose" in capsys.readouterr().out
