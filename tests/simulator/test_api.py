"""The API surface: responses hold only members botocore's model knows; vault access policies,
global and Region settings, lifecycles and cross-account recovery point lookups."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.model import Shape

from backup_relay_sandbox.backup_sim import Faults
from backup_relay_sandbox.backup_sim.errors import COMMON_ERRORS
from backup_relay_sandbox.backup_sim.moto_plugin import modelled_errors
from backup_relay_sandbox.cloud import OUTSIDER_ACCOUNT, REGION
from tests.support.simulator import CENTRAL, MEMBER, Api, StartCopy, Topology, as_account


def _unknown_members(value: Any, shape: Shape, path: str = "") -> list[str]:
    """Keys of `value` (a raw JSON body) that the shape does not define, and type mismatches."""
    problems: list[str] = []
    if shape.type_name == "structure":
        assert isinstance(value, dict), path
        for key, item in value.items():
            if key not in shape.members:  # type: ignore[attr-defined]
                problems.append(f"{path}.{key}")
            else:
                member = shape.members[key]  # type: ignore[attr-defined]
                problems += _unknown_members(item, member, f"{path}.{key}")
    elif shape.type_name == "list":
        for index, item in enumerate(value):
            problems += _unknown_members(item, shape.member, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif shape.type_name == "timestamp" and not isinstance(value, int | float):
        problems.append(f"{path} is not an epoch number")
    return problems


@pytest.fixture
def raw_bodies(api: Api) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """(operation model, raw JSON body) of every backup response from here on."""
    seen: list[tuple[Any, dict[str, Any]]] = []

    def capture(http_response: Any, model: Any, **_: Any) -> None:
        if http_response.status_code == 200 and http_response.content:
            seen.append((model, json.loads(http_response.content)))

    events = api(MEMBER).raw.meta.events
    events.register("after-call.backup", capture)
    yield seen
    events.unregister("after-call.backup", capture)


def test_responses_hold_only_model_members(
    api: Api, topology: Topology, start_copy: StartCopy, raw_bodies: list[Any]
) -> None:
    # GIVEN a completed backup and copy, seen through every read operation
    member = api(MEMBER)
    started = member.start_backup_job(
        BackupVaultName="member-vault",
        ResourceArn=topology.resource("RDS"),
        IamRoleArn=f"arn:aws:iam::{MEMBER}:role/backup",
        Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
    )
    topology.sim.run_until_idle()
    copy_id = start_copy(started["RecoveryPointArn"])
    topology.sim.run_until_idle()
    member.describe_backup_job(BackupJobId=started["BackupJobId"])
    member.list_backup_jobs()
    member.describe_copy_job(CopyJobId=copy_id)
    member.list_copy_jobs()
    member.describe_recovery_point(
        BackupVaultName="member-vault", RecoveryPointArn=started["RecoveryPointArn"]
    )
    member.list_recovery_points_by_backup_vault(BackupVaultName="member-vault")
    member.describe_global_settings()
    member.describe_region_settings()

    # WHEN the raw bodies are checked against botocore's output shapes
    problems = [p for model, body in raw_bodies for p in _unknown_members(body, model.output_shape)]

    # THEN every member is known and every timestamp is an epoch number
    assert len(raw_bodies) == 10
    assert problems == []


def test_vault_access_policy_round_trip(api: Api, topology: Topology) -> None:
    # GIVEN a central vault without a policy
    central = api(CENTRAL)
    central.delete_backup_vault_access_policy(BackupVaultName="central-vault")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        central.get_backup_vault_access_policy(BackupVaultName="central-vault")

    # WHEN a policy is put
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    central.put_backup_vault_access_policy(BackupVaultName="central-vault", Policy=policy)

    # THEN it is returned as put
    got = central.get_backup_vault_access_policy(BackupVaultName="central-vault")
    assert (got["Policy"], got["BackupVaultArn"]) == (policy, topology.central_vault)


def test_global_settings_drive_cross_account_copies(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN cross-account backup enabled, as the management account reports
    central = api(CENTRAL)
    assert central.describe_global_settings()["GlobalSettings"] == {
        "isCrossAccountBackupEnabled": "true"
    }

    # WHEN the management account disables it (a member may not)
    with pytest.raises(ClientError, match="InvalidRequestException"):
        api(MEMBER).update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})
    central.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})

    # THEN members see it off and a cross-account copy fails
    assert api(MEMBER).describe_global_settings()["GlobalSettings"] == {
        "isCrossAccountBackupEnabled": "false"
    }
    job_id = start_copy(topology.recovery_point(topology.resource("EFS")))
    topology.sim.run_until_idle()
    assert api(MEMBER).describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"] == "FAILED"
    with pytest.raises(ClientError, match="ERROR_9601"):
        api(OUTSIDER_ACCOUNT).describe_global_settings()


def test_a_copys_lifecycle_is_updated_by_the_vaults_owner(
    api: Api, topology: Topology, start_copy: StartCopy
) -> None:
    # GIVEN a member snapshot copied into the central vault
    copy_id = start_copy(topology.recovery_point(topology.resource("RDS")))
    topology.sim.run_until_idle()
    copy_arn = api(MEMBER).describe_copy_job(CopyJobId=copy_id)["CopyJob"][
        "DestinationRecoveryPointArn"
    ]

    # WHEN the central account describes it and sets its lifecycle
    described = api(CENTRAL).describe_recovery_point(
        BackupVaultName="central-vault", RecoveryPointArn=copy_arn
    )
    updated = api(CENTRAL).update_recovery_point_lifecycle(
        BackupVaultName="central-vault", RecoveryPointArn=copy_arn, Lifecycle={"DeleteAfterDays": 7}
    )

    # THEN both name it, and the deletion date follows from its creation
    assert described["BackupVaultArn"] == updated["BackupVaultArn"] == topology.central_vault
    assert updated["CalculatedLifecycle"]["DeleteAt"] - described["CreationDate"] == timedelta(
        days=7
    )
    with pytest.raises(ClientError, match="InvalidParameterValueException"):
        api(CENTRAL).update_recovery_point_lifecycle(
            BackupVaultName="central-vault",
            RecoveryPointArn=copy_arn,
            Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60},
        )


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("describe_recovery_point", "backup:DescribeRecoveryPoint"),
        ("list_recovery_points_by_backup_vault", "backup:ListRecoveryPointsByBackupVault"),
    ],
)
def test_another_accounts_vault_cannot_be_read_whatever_its_policy(
    api: Api, topology: Topology, start_copy: StartCopy, operation: str, action: str
) -> None:
    # GIVEN a member snapshot copied into the central vault, whose access policy allows the
    # member that read as well as copies in
    start_copy(topology.recovery_point(topology.resource("RDS")))
    topology.sim.run_until_idle()
    [copy] = topology.sim.recovery_points_in(CENTRAL, REGION, "central-vault")
    policy = json.loads(topology.sim.vault_access_policy(CENTRAL, REGION, "central-vault"))
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{MEMBER}:root"},
            "Action": action,
            "Resource": "*",
        }
    )
    topology.sim.put_vault_access_policy(CENTRAL, REGION, "central-vault", policy)
    arguments = {"BackupVaultName": "central-vault", "BackupVaultAccountId": CENTRAL}
    if operation == "describe_recovery_point":
        arguments["RecoveryPointArn"] = copy.arn
    # WHEN the member reads it THEN AWS denies it (only CopyIntoBackupVault crosses accounts)
    with pytest.raises(ClientError) as denied:
        getattr(api(MEMBER), operation)(**arguments)
    error = denied.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert action in error["Message"]
    assert topology.central_vault in error["Message"]
    # AND the owner reads it, naming its own account or not
    assert getattr(api(CENTRAL), operation)(**arguments)


def test_start_copy_job_errors(api: Api, topology: Topology, start_copy: StartCopy) -> None:
    # GIVEN a recovery point in the member vault
    point = topology.recovery_point(topology.resource("RDS"))

    # WHEN StartCopyJob names a vault or recovery point that is not there
    # THEN a missing vault gets AWS's answer for one (AccessDeniedException, aws-sdk-js#2625),
    # a missing recovery point ResourceNotFoundException, as the model says
    with pytest.raises(ClientError, match="AccessDeniedException"):
        api(MEMBER).start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName="no-such-vault",
            DestinationBackupVaultArn=topology.central_vault,
            IamRoleArn=f"arn:aws:iam::{MEMBER}:role/backup",
        )
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        start_copy(point.replace("job-", "job-0"))
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        api(CENTRAL).describe_copy_job(CopyJobId=start_copy(point))  # not the caller's job
    assert api(MEMBER).describe_region_settings()["ResourceTypeOptInPreference"]["RDS"] is True


@pytest.mark.parametrize(
    ("operation", "arguments", "key"),
    [
        (
            "list_recovery_points_by_backup_vault",
            {"BackupVaultName": "member-vault"},
            "RecoveryPoints",
        ),
        ("list_backup_jobs", {}, "BackupJobs"),
        ("list_copy_jobs", {}, "CopyJobs"),
    ],
)
def test_list_calls_answer_in_small_pages(
    api: Api, topology: Topology, operation: str, arguments: dict[str, str], key: str
) -> None:
    # GIVEN seven backups, each copied to the central vault, and the default page size (3)
    member = api(MEMBER)
    for _ in range(7):
        started = member.start_backup_job(
            BackupVaultName="member-vault",
            ResourceArn=topology.resource("EFS"),
            IamRoleArn=f"arn:aws:iam::{MEMBER}:role/backup",
        )
        topology.sim.run_until_idle()
        member.start_copy_job(
            RecoveryPointArn=started["RecoveryPointArn"],
            SourceBackupVaultName="member-vault",
            DestinationBackupVaultArn=topology.central_vault,
            IamRoleArn=f"arn:aws:iam::{MEMBER}:role/backup",
        )
    topology.sim.run_until_idle()
    # WHEN the member lists them, even asking for 1000 at a time
    first = getattr(member, operation)(MaxResults=1000, **arguments)
    with as_account(MEMBER):  # a paginator's calls happen outside the AccountClient's wrapper
        pages = list(member.get_paginator(operation).paginate(**arguments))
    # THEN each answer holds at most 3 and a NextToken while more remain; following it gives all
    assert len(first[key]) == 3
    assert "NextToken" in first
    assert [len(page[key]) for page in pages] == [3, 3, 1]
    assert len({str(item) for page in pages for item in page[key]}) == 7
    # AND MaxResults below the page size is honoured; outside 1-1000 it is refused
    assert len(getattr(member, operation)(MaxResults=2, **arguments)[key]) == 2
    with pytest.raises(ClientError, match="InvalidParameterValueException"):
        getattr(member, operation)(MaxResults=1001, **arguments)


def test_errors_carry_the_models_members_and_status(api: Api, topology: Topology) -> None:
    # WHEN a member asks for a copy job that does not exist
    with pytest.raises(ClientError) as missing:
        api(MEMBER).describe_copy_job(CopyJobId="NOPE")
    # THEN the error is the modelled one, with its members, as a client error (HTTP 400)
    response = missing.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == "Copy job NOPE not found."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (response["Code"], response["Message"], response["Type"]) == (
        "ResourceNotFoundException",
        "Copy job NOPE not found.",
        "Client",
    )


@pytest.mark.parametrize(
    "refusal",
    [
        ({"api_throttle_share": {"describe_copy_job": 1.0}}, "ThrottlingException", 400),
        ({"api_unavailable_share": {"describe_copy_job": 1.0}}, "ServiceUnavailableException", 500),
    ],
)
def test_any_operation_can_be_throttled_or_unavailable(
    api: Api,
    topology: Topology,
    start_copy: StartCopy,
    refusal: tuple[dict[str, dict[str, float]], str, int],
) -> None:
    faults, code, status = refusal
    # GIVEN a copy job, and faults refusing every DescribeCopyJob call
    job_id = start_copy(topology.recovery_point(topology.resource("EFS")))
    topology.sim.faults = Faults(**faults)  # type: ignore[arg-type]
    # WHEN the member describes it
    with pytest.raises(ClientError) as refused:
        api(MEMBER).describe_copy_job(CopyJobId=job_id)
    # THEN AWS refused it with that error and status; other operations still answer
    assert refused.value.response["Error"]["Code"] == code
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert api(MEMBER).list_copy_jobs()["CopyJobs"]


def test_each_operation_raises_only_what_the_model_lists_or_every_action_may() -> None:
    # THEN StartCopyJob may hit a limit, DescribeCopyJob may not; both may be throttled
    assert "LimitExceededException" in modelled_errors("start_copy_job")
    assert "LimitExceededException" not in modelled_errors("describe_copy_job")
    assert "ResourceNotFoundException" in modelled_errors("describe_recovery_point")
    assert {"ThrottlingException", "AccessDeniedException"} <= COMMON_ERRORS


@pytest.mark.parametrize(
    "operation",
    [
        "describe_backup_vault",
        "get_backup_vault_access_policy",
        "list_recovery_points_by_backup_vault",
    ],
)
def test_a_vault_that_does_not_exist_is_answered_as_aws_does(
    api: Api, topology: Topology, operation: str
) -> None:
    # WHEN a member names a vault it does not have
    with pytest.raises(ClientError) as denied:
        getattr(api(MEMBER), operation)(BackupVaultName="no-such-vault")
    # THEN AWS's answer: AccessDeniedException "Insufficient privileges to perform this action."
    # with HTTP 403 (aws-sdk-js#2625, for DescribeBackupVault), not ResourceNotFoundException
    response = denied.value.response
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == "Insufficient privileges to perform this action."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
