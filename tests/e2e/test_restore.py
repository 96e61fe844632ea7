"""`backup-relay restore` end to end in the sandbox: a member's Aurora cluster and RDS instance
reach the DR vault in a night; the restore picks the newest DR copy, brings it back to the
member's vault through the chain in reverse, reads its restore metadata there as the member's
RestoreRole, applies the operator's overrides and follows the restore job to the database it
created; the dry run says each step and the metadata, and starts nothing; the refusals are one
line with the fix; and every call made as the RestoreRole is in its policy."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from backup_relay import wiring
from backup_relay.restore.overrides import RestoreOverrides
from backup_relay.restore.restore import RestoreOutcome, RestoreRefused, RestoreRequest
from backup_relay_cli.commands import restore as restore_command
from backup_relay_sandbox import api_calls
from backup_relay_sandbox.cloud import DR_REGION, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.organization import DR_VAULT_ARN, MEMBER_VAULT, Organization
from backup_relay_sandbox.template import resolve
from tests.support.chain import night

MEMBER = MEMBER_ACCOUNTS[0]
SUBNET_GROUP = "restore-subnets"


@pytest.fixture
def org(moto: None) -> Organization:
    """A night whose Aurora cluster and RDS instance of the member reached the DR vault, and a
    DB subnet group of the member to restore into."""
    # (a hop out of the DR vault runs in the DR region, whose vaults stack forwards its copy job
    # events to the central stack's region: the hop is resumed by its event, never by a poll,
    # which would come only after an hour)
    organization = Organization.build(
        members=[MEMBER], resource_types=("Aurora", "RDS"), wait_timeout_seconds=3600
    )
    night(organization, types=("Aurora", "RDS"))
    _subnet_group()
    return organization


def _subnet_group() -> None:
    """A DB subnet group of the member, in its region, to restore into."""
    ec2 = client("ec2", REGION, MEMBER)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24", AvailabilityZone=f"{REGION}{z}")[
            "Subnet"
        ]["SubnetId"]
        for n, z in ((1, "a"), (2, "b"))
    ]
    client("rds", REGION, MEMBER).create_db_subnet_group(
        DBSubnetGroupName=SUBNET_GROUP, DBSubnetGroupDescription="restores", SubnetIds=subnets
    )


def _env(org: Organization) -> dict[str, str]:
    """What the CLI rebuilds from the deployed stack: BringBackFunction's environment."""
    return {**org.central.functions["BringBackFunction"].variables, "AWS_REGION": REGION}


def _restore(org: Organization, resource_type: str, **overrides: Any) -> RestoreOutcome:
    dry_run = overrides.pop("dry_run", False)
    region = overrides.pop("region", REGION)
    request = RestoreRequest(
        target=org.resources[(MEMBER, resource_type)],
        account=MEMBER,
        region=region,
        overrides=RestoreOverrides(**overrides),
        dry_run=dry_run,
    )
    return wiring.restore(_env(org), pause=_pause(org))(request)


def _pause(org: Organization) -> Callable[[float], None]:
    """The restore's wait between two looks: AWS Backup's time passes (and a hop waiting for an
    event from the DR region gets to its DescribeCopyJob)."""

    def pause(_: float) -> None:
        org.settle(while_executions_wait=True)
        time.sleep(0.2)

    return pause


def _dr_copies(org: Organization, resource_arn: str) -> list[dict[str, Any]]:
    points = client("backup", DR_REGION).list_recovery_points_by_backup_vault(
        BackupVaultName=DR_VAULT_ARN.rsplit(":", 1)[-1], ByResourceArn=resource_arn
    )["RecoveryPoints"]
    return list(points)


OVERRIDES = {
    "vault": MEMBER_VAULT,
    "subnet_group": SUBNET_GROUP,
    "security_groups": ("sg-0123456789abcdef0",),
}


@pytest.mark.parametrize(
    ("resource_type", "identifier_key", "created"),
    [
        ("Aurora", "DBClusterIdentifier", f"arn:aws:rds:{REGION}:{MEMBER}:cluster:orders-restored"),
        ("RDS", "DBInstanceIdentifier", f"arn:aws:rds:{REGION}:{MEMBER}:db:orders-restored"),
    ],
    ids=["cluster", "instance"],
)
def test_a_dr_copy_is_restored_into_the_member_account(
    org: Organization, resource_type: str, identifier_key: str, created: str
) -> None:
    # GIVEN the resource's copy in the DR vault
    [copy] = _dr_copies(org, org.resources[(MEMBER, resource_type)])
    # WHEN the operator first asks for a dry run, then restores it under a new name
    overrides = {**OVERRIDES, "db_instance_identifier": "orders-restored"}
    planned = _restore(org, resource_type, dry_run=True, **overrides)
    executions = len(org.executions())
    api_calls.clear()
    done = _restore(org, resource_type, **overrides)
    # THEN the dry run named the DR copy, the hops back and the metadata, and started nothing
    assert (planned.copy_arn, planned.via, planned.restore_job_id) == (
        copy["RecoveryPointArn"], "bring-back", None,
    )  # fmt: skip
    assert any("hop 1" in step for step in planned.steps)
    assert planned.metadata[identifier_key] == "orders-restored"
    assert planned.metadata["DBSubnetGroupName"] == SUBNET_GROUP
    assert json.loads(planned.metadata["VpcSecurityGroupIds"]) == ["sg-0123456789abcdef0"]
    assert executions == len(org.executions()) - 1  # only the real run's bring-back chain
    # AND the real run brought the copy back to the member vault and restored it there
    assert done.report is not None
    assert (done.report.status, done.report.created_resource_arn) == ("COMPLETED", created)
    assert done.restored_from is not None
    assert done.restored_from in {
        p["RecoveryPointArn"]
        for p in client("backup", REGION, MEMBER).list_recovery_points_by_backup_vault(
            BackupVaultName=MEMBER_VAULT
        )["RecoveryPoints"]
    }
    job = client("backup", REGION, MEMBER).describe_restore_job(RestoreJobId=done.restore_job_id)
    assert (
        job["IamRoleArn"] == f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"
    )
    # AND status shows the restore, with the database it created
    org.settle()
    status = wiring.status(
        {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}
    )
    now = org.sim.now
    status.now = lambda: now
    path = status(now - timedelta(days=2), resource_arn=org.resources[(MEMBER, resource_type)])
    restores = [j for j in path.jobs if j.kind == "RESTORE"]
    assert [(j.state, j.created_resource_arn) for j in restores][-1:] == [("COMPLETED", created)]
    # AND every call made as the member's RestoreRole is in its policy, and it made only those
    _assert_restore_role_allows_its_calls(org)


def _assert_restore_role_allows_its_calls(org: Organization) -> None:
    member = org.members[MEMBER].stack
    role_arn = member.values["RestoreRole.Arn"]
    made = {
        (action, resource) for role, action, resource in api_calls.ROLE_CALLS if role == role_arn
    }
    assert {action for action, _ in made} == {
        "backup:GetRecoveryPointRestoreMetadata",
        "backup:StartRestoreJob",
        "backup:DescribeRestoreJob",
        "iam:PassRole",
    }
    statements = member.template["Resources"]["RestoreRole"]["Properties"]["Policies"][0][
        "PolicyDocument"
    ]["Statement"]
    for action, resource in made:
        assert any(
            action in _as_list(statement["Action"])
            and (
                resource is None
                or any(
                    fnmatchcase(resource, resolve(pattern, member.values))
                    for pattern in _as_list(statement["Resource"])
                )
            )
            for statement in statements
        ), (action, resource)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_restores_refusals_are_one_line_with_the_fix(org: Organization) -> None:
    # GIVEN the night's DR copies
    executions = len(org.executions())
    # WHEN the operator leaves out the new name, the network of another region, the vault, or
    # asks for a copy that is not there, or for an account outside the organization
    # THEN each is refused before anything is copied, saying what to give
    with pytest.raises(RestoreRefused) as no_name:
        _restore(org, "Aurora", dry_run=True, **OVERRIDES)
    assert no_name.value.usage
    assert "--db-instance-identifier" in str(no_name.value)
    with pytest.raises(RestoreRefused) as no_network:  # in another region than the source's
        _restore(
            org, "RDS", dry_run=True, region=DR_REGION, vault=MEMBER_VAULT,
            db_instance_identifier="x",
        )  # fmt: skip
    assert "--subnet-group" in str(no_network.value)
    assert "--security-group" in str(no_network.value)
    with pytest.raises(RestoreRefused) as no_vault:
        _restore(org, "RDS", dry_run=True, db_instance_identifier="x")
    assert "--vault" in str(no_vault.value)
    request = RestoreRequest(
        target=f"arn:aws:rds:{REGION}:{MEMBER}:db:never-backed-up",
        account=MEMBER,
        region=REGION,
        overrides=RestoreOverrides(**OVERRIDES),
    )
    with pytest.raises(RestoreRefused) as no_copy:
        wiring.restore(_env(org), pause=_pause(org))(request)
    assert str(no_copy.value).startswith("no DR copy of arn:aws:rds:")
    assert "backup-relay coverage" in str(no_copy.value)
    outsider = request.model_copy(
        update={"target": org.resources[(MEMBER, "RDS")], "account": "999999999999"}
    )
    with pytest.raises(RestoreRefused) as not_allowed:
        wiring.restore(_env(org), pause=_pause(org))(outsider)
    assert "BringBackTargets" in str(not_allowed.value)
    assert "\n" not in str(not_allowed.value) + str(no_copy.value) + str(no_name.value)
    assert len(org.executions()) == executions  # no bring-back started


def test_the_cli_dry_run_prints_each_step_and_the_metadata(
    org: Organization, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: Any
) -> None:
    # GIVEN a profile file with the network and the vault, and the CLI reading the stack's env
    profile = tmp_path / "restore.json"
    profile.write_text(
        json.dumps({"vault": MEMBER_VAULT, "subnet_group": SUBNET_GROUP,
                    "security_groups": ["sg-0123456789abcdef0"]})
    )  # fmt: skip
    monkeypatch.setattr(restore_command, "stack_environment", lambda *_: _env(org))
    from backup_relay_cli.main import main

    # WHEN the operator runs the dry run with the new name as a flag
    code = main(
        ["restore", org.resources[(MEMBER, "Aurora")], "--account", MEMBER, "--region", REGION,
         "--profile", str(profile), "--db-instance-identifier", "orders-restored", "--dry-run"]
    )  # fmt: skip
    # THEN it prints each step and the metadata it would use, and exits 0
    out = capsys.readouterr().out
    assert code == 0
    assert "would restore" in out
    assert "via bring-back" in out
    assert "DBClusterIdentifier = orders-restored" in out
    assert f"DBSubnetGroupName = {SUBNET_GROUP}" in out
    # AND without the new name it is refused in one line, exit 2
    code = main(
        ["restore", org.resources[(MEMBER, "Aurora")], "--account", MEMBER, "--region", REGION,
         "--profile", str(profile), "--dry-run"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    [line] = err.splitlines()
    assert line.startswith("backup-relay: cannot restore: a restore of ")
    assert "--db-instance-identifier" in line


def test_a_failed_restore_alerts_once_with_its_diagnosis(org: Organization) -> None:
    # GIVEN the RDS instance's DR copy, and a subnet group the member does not have
    overrides = {**OVERRIDES, "db_instance_identifier": "orders-restored", "subnet_group": "nope"}
    # WHEN it is restored
    done = _restore(org, "RDS", **overrides)
    org.settle()
    # THEN the restore job failed with RDS's message, and one alert says why and what to do
    assert done.report is not None
    assert (done.report.status, done.report.status_message) == (
        "FAILED", "DB subnet group 'nope' does not exist.",
    )  # fmt: skip
    [alert] = [a for a in org.alerts() if a["attributes"]["kind"] == "RESTORE"]
    assert alert["attributes"]["category"] == "restore_settings"


def test_a_member_restores_straight_from_a_lag_vault_shared_with_it(moto: None) -> None:
    # GIVEN an Aurora copy in the central account's LAG destination of the member's region,
    # which AWS RAM shares with the member (as the vaults stack's LagVaultShare does)
    org = Organization.build(
        members=[MEMBER], resource_types=("Aurora",), AdditionalDestinations="lag:home:lag"
    )
    _subnet_group()
    lag = client("backup", REGION).create_logically_air_gapped_backup_vault(
        BackupVaultName="lag", MinRetentionDays=7, MaxRetentionDays=365
    )["BackupVaultArn"]
    client("ram", REGION).create_resource_share(
        name="lag-restore", resourceArns=[lag], principals=[MEMBER], allowExternalPrincipals=False
    )
    copy = org.sim.put_recovery_point(lag, org.resources[(MEMBER, "Aurora")])
    # WHEN it is restored into the member, no member vault named
    done = _restore(
        org, "Aurora", db_instance_identifier="orders-restored", subnet_group=SUBNET_GROUP,
        security_groups=("sg-0123456789abcdef0",),
    )  # fmt: skip
    # THEN the restore read the LAG copy itself (no bring-back chain) and created the cluster
    assert (done.via, done.copy_arn, done.restored_from) == ("lag-share", copy, copy)
    assert org.executions() == []
    assert done.report is not None
    assert (done.report.status, done.report.created_resource_arn) == (
        "COMPLETED", f"arn:aws:rds:{REGION}:{MEMBER}:cluster:orders-restored",
    )  # fmt: skip
