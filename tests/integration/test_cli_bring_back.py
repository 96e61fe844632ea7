"""`backup-relay bring-back` against a deployed stack (moto) whose BringBackTargets and
AllowedSourceAccounts are empty: the organization's accounts only, refused in one line."""

from __future__ import annotations

import json

import pytest

from backup_relay_cli.main import main
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, client
from backup_relay_sandbox.databases import create_organization
from backup_relay_sandbox.organization import ORGANIZATION_ID

AT_DR = f"arn:aws:rds:us-east-1:{CENTRAL_ACCOUNT}:cluster-snapshot:awsbackup:job-1"


def _deploy_stack() -> None:
    """A central stack as CloudFormation describes it, both allow-lists empty."""
    parameters = {"DrRegion": "us-east-1", "BringBackTargets": "", "AllowedSourceAccounts": ""}
    template = {
        "Parameters": {name: {"Type": "String"} for name in parameters},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "LedgerTableName": {"Value": "ledger"},
            "AlertsQueueUrl": {"Value": "https://sqs.us-west-2.amazonaws.com/1/alerts"},
            "CopyChainStateMachineArn": {
                "Value": f"arn:aws:states:us-west-2:{CENTRAL_ACCOUNT}:stateMachine:c"
            },
        },
    }
    client("cloudformation", "us-west-2").create_stack(
        StackName="relay-prod",
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )


def _bring_back(to_account: str) -> int:
    return main(
        ["bring-back", AT_DR, "--to-account", to_account, "--to-region", "us-west-2",
         "--to-vault", "member", "--stack", "relay-prod", "--region", "us-west-2", "--dry-run"]
    )  # fmt: skip


def test_an_account_outside_the_organization_is_refused_in_one_line(
    moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # (`abc` is not an account id: the argument's type refuses it before any AWS call, exit 2,
    # test_cli_newcomer.py; the use case refuses it too, tests/unit/test_bring_back.py)
    outsider = "999999999999"
    # GIVEN the stack, run from the organization's management account
    moto_fidelity.apply()
    create_organization(
        CENTRAL_ACCOUNT, ORGANIZATION_ID, MEMBER_ACCOUNTS[:1], backup_policies=False
    )
    _deploy_stack()
    # WHEN an operator brings a DR copy back to an account the organization does not have
    code = _bring_back(outsider)
    # THEN it fails (exit 1) with one line naming the parameter, no traceback
    assert code == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"backup-relay: cannot bring back: {outsider}:member is not a bring")
    assert "BringBackTargets parameter" in line


def test_where_the_organization_cannot_be_listed_the_bring_back_is_refused(
    moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the stack in an account outside any organization (as an account Organizations does
    # not let list its accounts)
    moto_fidelity.apply()
    _deploy_stack()
    # WHEN an operator brings a DR copy back to any account
    code = _bring_back(MEMBER_ACCOUNTS[0])
    # THEN it is refused (exit 1) in one line saying what to set, never admitted
    assert code == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"backup-relay: cannot bring back: cannot tell whether account {MEMBER_ACCOUNTS[0]} is "
        "in the organization (organizations:ListAccounts: AWSOrganizationsNotInUseException)"
    )
    assert "BringBackTargets" in line
