"""`backup-relay plan` prints the route table's answer for any destination: the route, or AWS's
reason with exit 1 (a fact about AWS, not bad usage), as a table for people and --json."""

from __future__ import annotations

import json

import pytest

from backup_relay_cli.errors import EXIT_BAD_INPUT, EXIT_FAILED
from backup_relay_cli.main import main

pytestmark = pytest.mark.unit

MEMBER = "222222222222:us-west-2:member"
LAG_HOME = "123456789012:us-west-2:lag"
LAG_TYPE = ["--destination-vault-type", "logically-air-gapped"]


def test_an_rds_instance_into_a_lag_vault_is_refused_with_aws_reason_exit_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an RDS recovery point and a logically air-gapped destination
    # WHEN the operator plans it
    code = main(["plan", "RDS", "--from", MEMBER, "--to", LAG_HOME, *LAG_TYPE])
    # THEN exit 1 (AWS has no such copy: not bad usage), AWS's reason in one line
    assert code == EXIT_FAILED
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no route:" in err
    assert "RDS DB instances and Multi-AZ DB clusters" in err


def test_a_cluster_into_a_lag_vault_prints_the_route_row_and_the_key_it_needs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an Aurora recovery point planned into a LAG vault, its key not given
    assert main(["plan", "Aurora", "--from", MEMBER, "--to", LAG_HOME, *LAG_TYPE, "--json"]) == 0
    # THEN --json names the action, the row, AWS's page and the condition
    printed = json.loads(capsys.readouterr().out)
    assert printed["action"] == "straight into LAG"
    assert printed["destination_vault_type"] == "logically-air-gapped"
    assert printed["route_table_row"] == "lag"
    assert printed["aws_page"].startswith("https://docs.aws.amazon.com/aws-backup/")
    assert "customer managed key" in printed["condition"]
    # AND for people, the table's row and the need
    assert main(["plan", "Aurora", "--from", MEMBER, "--to", LAG_HOME, *LAG_TYPE]) == 0
    out = capsys.readouterr().out
    assert "needs: the cluster must be encrypted with a customer managed key" in out
    assert "route table: lag, straight into LAG" in out


def test_a_cluster_on_an_aws_managed_key_into_lag_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["plan", "Neptune", "--from", MEMBER, "--to", LAG_HOME, *LAG_TYPE]
    assert main([*args, "--encryption", "aws-managed", "--json"]) == EXIT_FAILED
    assert "customer managed key" in capsys.readouterr().err


def test_inferred_routes_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN Aurora into the central account's LAG vault in the DR region (two hops, INFERRED)
    to = "123456789012:us-east-1:lag"
    assert main(["plan", "Aurora", "--from", MEMBER, "--to", to, *LAG_TYPE]) == 0
    out = capsys.readouterr().out
    assert "2 hops" in out
    assert "lag-two-hops, two hops, INFERRED" in out


def test_an_unknown_vault_type_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "Aurora", "--from", MEMBER, "--to", LAG_HOME]
    assert main([*args, "--destination-vault-type", "glacier"]) == EXIT_BAD_INPUT
    assert "invalid choice" in capsys.readouterr().err


def test_a_copy_outside_the_lag_vaults_retention_range_is_refused_with_aws_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an Aurora copy into a LAG vault that the settings keep for ever (DrRetentionDays 0)
    args = ["plan", "Aurora", "--from", MEMBER, "--to", LAG_HOME, *LAG_TYPE]
    # WHEN planned, THEN exit 1, the reason in one line: the range, and AWS's failure
    assert main([*args, "--retention-days", "0"]) == EXIT_FAILED
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "retention (no expiry) is outside the logically air-gapped vault's range" in err
    assert "(7 to 36500 days)" in err  # the template's defaults: the vaults stack's
    # AND with the range given, a copy kept 14 days is refused too (--json for machines)
    range_args = ["--lag-min-retention-days", "30", "--lag-max-retention-days", "90"]
    assert main([*args, "--retention-days", "14", *range_args, "--json"]) == EXIT_FAILED
    assert "(30 to 90 days)" in json.loads(capsys.readouterr().err)["error"]
    # AND inside it, the route
    assert main([*args, "--retention-days", "35", *range_args]) == 0


def test_a_retention_that_is_not_a_number_of_days_is_bad_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["plan", "Aurora", "--from", MEMBER, "--to", LAG_HOME, "--retention-days", "-3"]
    assert main(args) == EXIT_BAD_INPUT
    assert "not a number of days" in capsys.readouterr().err
