"""`backup-relay diagnose --explain` and `--aws-category`: how a message was classified, so that
adding a wording is one pattern in the catalogue and one test (issue #24 item 6)."""

from __future__ import annotations

import json

import pytest

from backup_relay.domain.catalogue import CATALOGUE
from backup_relay_cli.main import main


def test_explain_json_lists_the_entries_tried_and_the_pattern_that_matched(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN the vault access policy's message on a copy
    code = main(["diagnose", "Access Denied trying to call AWS Backup service", "--kind", "copy",
                 "--explain", "--json"])  # fmt: skip
    # THEN each entry before it is listed as tried, and its pattern is named
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    *before, last = document["trials"]
    assert all(t["matched"] is None for t in before)
    assert last["category"] == "vault_access_policy"
    assert last["matched"] == "access denied trying to call aws backup service"
    assert document["fallback"] is None
    assert document["diagnosis"]["category"] == "vault_access_policy"


def test_explain_table_shows_every_entry_and_awss_fallback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a wording no entry knows, with AWS's category
    code = main(["diagnose", "Frobnicator said no", "--kind", "BACKUP", "--aws-category",
                 "AccessDenied", "--explain"])  # fmt: skip
    out = capsys.readouterr().out
    # THEN every entry is a row, and the last lines say what AWS's category picked
    assert code == 0
    assert out.count("no match") + out.count("only for") == len(CATALOGUE)
    assert "AWS's category 'AccessDenied' picked iam_role_permissions" in out
    assert "category   iam_role_permissions" in out


def test_without_explain_the_aws_category_still_decides_and_is_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["diagnose", "Frobnicator said no", "--aws-category", "InternalError"]) == 0
    out = capsys.readouterr().out
    assert "category   aws_internal" in out
    assert "aws        InternalError" in out


def test_a_malformed_aws_category_is_bad_usage_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["diagnose", "x", "--aws-category", "two words"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--aws-category" in err
    assert "for example AccessDenied" in err
