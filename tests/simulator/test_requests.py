"""Every request is held to botocore's model of AWS Backup before the simulator serves it, and
refused as AWS refuses it (sandbox/backup_relay_sandbox/backup_sim/requests.py), whatever client
sends it: here clients that skip botocore's own checks (`parameter_validation=False`), as raw
HTTP, other SDKs and Step Functions' tasks do."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.backup_sim.moto_plugin import OPERATIONS
from backup_relay_sandbox.cloud import REGION
from tests.support.simulator import MEMBER, as_account

COPY_JOB_STATES = "CREATED, RUNNING, COMPLETED, FAILED, PARTIAL"
MODEL = botocore.session.get_session().get_service_model("backup")


@pytest.fixture
def raw(sim: Simulator) -> Any:
    """A backup client that sends what it is given, unchecked."""
    return boto3.client(
        "backup",
        region_name=REGION,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def _refusal(call: Callable[[], Any]) -> tuple[str, int, str]:
    with as_account(MEMBER), pytest.raises(ClientError) as refused:
        call()
    response = refused.value.response
    error = response["Error"]
    return error["Code"], response["ResponseMetadata"]["HTTPStatusCode"], error["Message"]


def test_a_state_copy_jobs_do_not_have_is_refused(raw: Any) -> None:
    # GIVEN botocore's CopyJobState, which has no ABORTED (a backup job state)
    assert ", ".join(MODEL.operation_model("ListCopyJobs").input_shape.members["ByState"].enum) == (
        COPY_JOB_STATES
    )
    # WHEN ListCopyJobs is asked for ByState=ABORTED, past the client's checks
    code, status, message = _refusal(lambda: raw.list_copy_jobs(ByState="ABORTED"))
    # THEN AWS Backup's InvalidParameterValueException (HTTP 400) names the value and the states
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "'ABORTED'" in message
    assert COPY_JOB_STATES in message
    # AND a state it has is answered
    with as_account(MEMBER):
        assert raw.list_copy_jobs(ByState="FAILED")["CopyJobs"] == []


def test_a_missing_required_member_is_refused(raw: Any) -> None:
    # WHEN StartCopyJob comes without IamRoleArn (required in the model)
    code, status, message = _refusal(
        lambda: raw.start_copy_job(
            RecoveryPointArn=f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0",
            SourceBackupVaultName="member-vault",
            DestinationBackupVaultArn=f"arn:aws:backup:{REGION}:{MEMBER}:backup-vault:central",
        )
    )
    # THEN MissingParameterValueException (HTTP 400), naming the member
    assert (code, status) == ("MissingParameterValueException", 400)
    assert "IamRoleArn" in message


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda c: c.list_copy_jobs(MaxResults=1001), "MaxResults"),  # range 1-1000
        (lambda c: c.list_backup_jobs(ByAccountId="12345"), "ByAccountId"),  # pattern
        (
            lambda c: c.list_recovery_points_by_backup_vault(
                BackupVaultName="member-vault",
                ByResourceType="EC2 instance",  # pattern: no spaces
            ),
            "ByResourceType",
        ),
        (
            lambda c: c.start_backup_job(
                BackupVaultName="member-vault",
                ResourceArn=f"arn:aws:dynamodb:{REGION}:{MEMBER}:table/orders",
                IamRoleArn=f"arn:aws:iam::{MEMBER}:role/backup",
                StartWindowMinutes="soon",  # a long
            ),
            "'soon'",
        ),
    ],
)
def test_values_outside_the_model_are_refused(raw: Any, call: Any, named: str) -> None:
    # WHEN a member's value is out of its range, off its pattern or not of its type
    code, status, message = _refusal(lambda: call(raw))
    # THEN InvalidParameterValueException (HTTP 400), naming the member or the value
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert named in message


def test_a_vault_name_outside_the_pattern_gets_aws_text(raw: Any) -> None:
    # WHEN a vault is created with a space in its name (moto's own operation, checked too)
    code, status, message = _refusal(lambda: raw.create_backup_vault(BackupVaultName="My Vault"))
    # THEN AWS's text for it (aws-cdk#8685)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message == "Backup vault name My Vault is not valid"


def test_every_simulated_operation_with_required_body_members_refuses_an_empty_body(
    raw: Any,
) -> None:
    # GIVEN each operation the simulator serves whose model requires members outside the URI
    checked = []
    for operation in OPERATIONS:
        model = MODEL.operation_model(raw.meta.method_to_api_mapping[operation.__name__])
        shape = model.input_shape
        uri = {n for n, m in shape.members.items() if m.serialization.get("location") == "uri"}
        if not set(shape.required_members) - uri:
            continue
        arguments = {n: "member-vault" for n in uri if n.endswith("VaultName")}
        arguments |= {n: "abcdef12-selection" for n in uri if n not in arguments}
        # WHEN it is sent with only its URI members
        send = partial(getattr(raw, operation.__name__), **arguments)
        code, status, _ = _refusal(send)
        # THEN it is refused before anything is served
        assert (code, status) == ("MissingParameterValueException", 400), operation.__name__
        checked.append(operation.__name__)
    assert {"start_backup_job", "start_copy_job"} <= set(checked)
