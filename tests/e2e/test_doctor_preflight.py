"""`backup-relay doctor --preflight` through the CLI, in a sandbox account with no central stack
yet: what `sam deploy` would need, read from samconfig.toml, checked with read-only calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backup_relay_cli.main import main
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    MEMBER_ACCOUNTS,
    ORGANIZATION_ID,
    REGION,
    client,
)
from backup_relay_sandbox.databases import create_organization

ROLE = "service-role/AWSBackupDefaultServiceRole"


@pytest.fixture
def account(moto: None) -> None:
    """The central account before its first deploy: in the organization, AWS Backup set up."""
    moto_fidelity.apply()
    simulator()
    create_organization(CENTRAL_ACCOUNT, ORGANIZATION_ID, MEMBER_ACCOUNTS[:1], backup_policies=True)


def _samconfig(tmp_path: Path, **parameters: str) -> Path:
    overrides = {"OrganizationId": ORGANIZATION_ID, **parameters}
    listed = ",\n".join(f'    "{key}={value}"' for key, value in overrides.items())
    path = tmp_path / "samconfig.toml"
    path.write_text(
        "version = 0.1\n"
        '[prod.global.parameters]\nstack_name = "backup-relay"\n'
        f'[prod.deploy.parameters]\nregion = "{REGION}"\nparameter_overrides = [\n{listed}\n]\n'
    )
    return path


def _preflight(path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, Any]:
    code = main(["doctor", "--preflight", "--config-file", str(path), "--config-env", "prod",
                 "--json", *flags])  # fmt: skip
    out = capsys.readouterr().out
    return code, json.loads(out) if out else None


def _categories(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["category"], f["severity"]) for f in report["findings"]}


def test_a_sound_plan_passes(
    account: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN samconfig's prod environment, BackupRoleName empty (the stack creates its role)
    path = _samconfig(tmp_path, BackupRoleName='\\"\\"', ChainStepsReservedConcurrency="20")
    # WHEN the preflight runs against the account (AWS's default quota of 1,000)
    code, report = _preflight(path, capsys)
    # THEN nothing is found, and every physical name is listed with its length and limit
    assert (code, report["findings"]) == (0, [])
    assert report["stack_name"] == "backup-relay"
    assert all(n["fits"] and n["length"] <= n["limit"] for n in report["names"])
    assert "backup role: the stack creates it (BackupRoleName is empty)" in {
        c["what"] for c in report["checked"]
    }


def test_a_low_concurrency_quota_fails_with_the_fix(
    account: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a new account's Lambda quota of 10, and a stack that reserves 20
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "10")
    path = _samconfig(tmp_path, BackupRoleName='\\"\\"', ChainStepsReservedConcurrency="20")
    # WHEN the preflight runs, for people
    code = main(["doctor", "--preflight", "--config-file", str(path), "--config-env", "prod"])
    out = capsys.readouterr().out
    # THEN it fails (exit 1), saying the quota, the numbers and the fixes, with AWS's page
    assert code == 1
    assert out.index("FAIL") < out.index("checks: 1 failed")
    assert "lambda_concurrency" in out
    assert "quota in us-west-2 is 10" in out
    assert "ChainStepsReservedConcurrency=0" in out
    assert (
        "docs: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html" in out
    )
    # AND the names table is printed, each name with its length and limit
    assert "member stacks' replay role" in out
    assert "29/64" in out  # backup-relay-replay-us-west-2


def test_a_missing_named_backup_role_fails(
    account: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN BackupRoleName naming the console's default role, in an account without it
    path = _samconfig(tmp_path, BackupRoleName=ROLE, ChainStepsReservedConcurrency="0")
    # WHEN the preflight runs
    code, report = _preflight(path, capsys)
    # THEN it fails in the catalogue's category, saying only the console creates that role
    assert code == 1
    assert _categories(report) == {("iam_role_permissions", "error")}
    [finding] = report["findings"]
    assert finding["resource"] == f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/{ROLE}"
    assert "AWS Backup console" in finding["fix"]


def test_security_hub_findings_needs_security_hub_enabled(
    account: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a plan with SecurityHubFindings on, in a region where Security Hub is not enabled
    path = _samconfig(
        tmp_path,
        BackupRoleName='\\"\\"',
        ChainStepsReservedConcurrency="0",
        SecurityHubFindings="true",
    )
    # WHEN the preflight runs
    code, report = _preflight(path, capsys)
    # THEN it warns (exit 0: a warning), with the command that enables Security Hub
    assert code == 0
    assert _categories(report) == {("security_hub", "warning")}
    [finding] = report["findings"]
    assert f"aws securityhub enable-security-hub --region {REGION}" in finding["fix"]
    assert finding["docs"].endswith("API_EnableSecurityHub.html")
    # AND once it is enabled, the plan passes and the check is listed
    client("securityhub", REGION).enable_security_hub()
    code, report = _preflight(path, capsys)
    assert (code, report["findings"]) == (0, [])
    assert "Security Hub enabled (SecurityHubFindings)" in {c["what"] for c in report["checked"]}


def test_a_long_role_name_parameter_is_reported(
    account: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a MemberDoctorRoleName of 60 characters: with "-us-west-2", 70
    name = "d" * 60
    path = _samconfig(tmp_path, BackupRoleName='\\"\\"', MemberDoctorRoleName=name)
    # WHEN the preflight runs
    code, report = _preflight(path, capsys)
    # THEN the name is a failure, and the names table shows its length against IAM's limit
    assert code == 1
    assert _categories(report) == {("physical_names", "error")}
    [role] = [n for n in report["names"] if n["what"] == "member stacks' doctor role"]
    assert (role["name"], role["length"], role["limit"], role["fits"]) == (
        f"{name}-{REGION}",
        70,
        64,
        False,
    )


def test_an_unknown_environment_is_bad_usage(
    account: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a samconfig.toml without [staging]
    path = _samconfig(tmp_path)
    # WHEN the preflight is asked for it
    code = main(["doctor", "--preflight", "--config-file", str(path), "--config-env", "staging"])
    # THEN it exits 2 with one line naming the environments there are
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"backup-relay: no [staging] environment in {path} (it has: prod): pass --config-env "
        "with one of them"
    ]


def test_preflight_flags_without_preflight_are_bad_usage(
    account: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", "--config-env", "prod"]) == 2
    assert "--config-env is for --preflight" in capsys.readouterr().err
