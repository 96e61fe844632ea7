"""The CLI against a deployed stack (moto) and as an installed console script (a process)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from backup_relay_cli.main import main
from backup_relay_sandbox.cloud import client
from tests.support.events import EVENTS_DIR

MEMBER_TO_DR = ["--from", "222222222222:us-west-2:member", "--to", "123456789012:us-east-1:dr"]
BRING_BACK_TO = [
    "--to-account",
    "222222222222",
    "--to-region",
    "us-west-2",
    "--to-vault",
    "member-vault",
]
BRING_BACK_TO += ["--region", "us-west-2"]
RECOVERY_POINT = "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:x"


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "backup_relay_cli",
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


def _deploy_stack(**parameters: str) -> None:
    """A central stack as CloudFormation describes it: its parameters and outputs."""
    template = {
        "Parameters": {name: {"Type": "String"} for name in parameters},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "LedgerTableName": {"Value": "ledger"},
            "CopyChainStateMachineArn": {
                "Value": "arn:aws:states:us-west-2:123456789012:stateMachine:c"
            },
        },
    }
    client("cloudformation", "us-west-2").create_stack(
        StackName="relay-prod",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )


def test_plan_with_a_stack_uses_its_settings_and_flags_override_them(
    moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a deployed stack with its own central vault, chaining only RDS
    _deploy_stack(CentralVaultName="org-central", ChainedResourceTypes="RDS")
    stack = ["--stack", "relay-prod", "--region", "us-west-2", "--json"]
    # WHEN an operator plans with it
    assert main(["plan", "RDS", *MEMBER_TO_DR, *stack]) == 0
    rds = json.loads(capsys.readouterr().out)
    assert main(["plan", "Aurora", *MEMBER_TO_DR, *stack]) == 0
    aurora = json.loads(capsys.readouterr().out)
    assert main(["plan", "RDS", *MEMBER_TO_DR, *stack, "--central-vault", "other"]) == 0
    overridden = json.loads(capsys.readouterr().out)
    # THEN RDS goes through the stack's central vault, Aurora (not chained there) in one hop
    assert rds["hops"][0]["destination_vault_arn"].endswith(":backup-vault:org-central")
    assert rds["settings"] == "stack relay-prod"
    assert aurora["hop_count"] == 1
    # AND a flag overrides the stack's value
    assert overridden["hops"][0]["destination_vault_arn"].endswith(":backup-vault:other")


def test_a_stack_that_cannot_be_read_fails_in_one_line_saying_what_to_pass(
    moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN bring-back names a stack that does not exist
    code = main(["bring-back", RECOVERY_POINT, *BRING_BACK_TO])
    # THEN it fails (exit 1) with one line naming the stack and what to pass, no traceback
    assert code == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("backup-relay: cannot read stack backup-relay in us-west-2")
    assert "pass --stack and --region" in line


def test_debug_shows_the_traceback_and_keeps_the_exit_code(
    moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN bring-back fails against a stack that does not exist, with --debug
    code = main(["--debug", "bring-back", RECOVERY_POINT, *BRING_BACK_TO])
    # THEN the traceback shows, then the one line, and the exit code is the same 1
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert "does not exist" in err
    assert err.splitlines()[-1].startswith("backup-relay: cannot read stack backup-relay")
