"""The restore use case (backup_relay/restore/): which DR copy it picks, what it refuses and how
it says so, the overrides it applies, and a restore straight from a LAG vault RAM shares."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backup_relay.domain.copy_jobs import RecoveryPoint
from backup_relay.domain.routes import Vault
from backup_relay.restore.overrides import OverridesError, RestoreOverrides, applied, missing
from backup_relay.restore.ports import RestoreMetadata
from backup_relay.restore.restore import (
    Restore,
    RestoreRefused,
    RestoreRequest,
    is_recovery_point,
)
from tests.support.restore_fakes import FakeCentralMetadata, FakeLagShares, FakeMemberRestores
from tests.support.world import CENTRAL, CENTRAL_HOME, DR, HOME, MEMBER, MEMBER_VAULT, NOW, World

CLUSTER = f"arn:aws:rds:{HOME}:{MEMBER}:cluster:orders"
MEMBER_KEY = f"arn:aws:kms:{HOME}:{MEMBER}:key/1"
LAG = Vault(account=CENTRAL, region=HOME, name="lag")
OVERRIDES = RestoreOverrides(db_instance_identifier="orders-restored", vault=MEMBER_VAULT.name)


def _copy(name: str, age: timedelta, vault: Vault = DR) -> tuple[Vault, RecoveryPoint]:
    arn = f"arn:aws:rds:{vault.region}:{CENTRAL}:cluster-snapshot:awsbackup:{name}"
    point = RecoveryPoint(arn, "Aurora", "COMPLETED", NOW - age, CENTRAL_HOME.arn, None, CLUSTER)
    return vault, point


class Setup:
    def __init__(self, **env: str) -> None:
        self.world = World()
        self.central = FakeCentralMetadata()
        self.member = FakeMemberRestores()
        self.shares = FakeLagShares()
        self.env = env

    def add(self, vault: Vault, point: RecoveryPoint, key: str = MEMBER_KEY) -> None:
        self.world.recovery_points.add(vault, point)
        metadata = {"DBClusterIdentifier": "orders", "Engine": "aurora-postgresql", "KmsKeyId": key}
        self.central.by_arn[point.arn] = RestoreMetadata(resource_type="Aurora", metadata=metadata)

    def restore(self) -> Restore:
        return Restore(
            bring_back=self.world.bring_back(**self.env),
            recovery_points=self.world.recovery_points,
            ledger=self.world.ledger,
            central_metadata=self.central,
            member=self.member,
            lag_shares=self.shares,
            home_region=HOME,
        )


def _request(**changes: object) -> RestoreRequest:
    fields: dict[str, object] = {
        "target": CLUSTER,
        "account": MEMBER,
        "region": HOME,
        "overrides": OVERRIDES,
        "dry_run": True,
    }
    return RestoreRequest.model_validate(fields | changes)


@pytest.fixture
def setup() -> Setup:
    setup = Setup()
    for name, days in (("old", 9), ("new", 1), ("mid", 4)):
        setup.add(*_copy(name, timedelta(days=days)))
    return setup


def test_the_newest_dr_copy_is_planned_back_with_the_overrides(setup: Setup) -> None:
    # WHEN a dry run restores the cluster into its member account
    outcome = setup.restore()(_request())
    # THEN it picks the newest DR copy, plans the bring-back's two hops, applies the new name
    assert outcome.copy_arn.endswith(":new")
    assert outcome.via == "bring-back"
    assert sum("bring back, hop" in step for step in outcome.steps) == 2
    assert outcome.metadata["DBClusterIdentifier"] == "orders-restored"
    # AND starts nothing
    assert setup.world.workflow.started == []
    assert setup.member.started == []


def test_point_in_time_picks_the_newest_copy_at_or_before_it(setup: Setup) -> None:
    outcome = setup.restore()(_request(point_in_time=NOW - timedelta(days=3)))
    assert outcome.copy_arn.endswith(":mid")


def test_a_recovery_point_arn_names_the_copy(setup: Setup) -> None:
    [old] = [arn for (_, arn) in setup.world.recovery_points.points if arn.endswith(":old")]
    assert is_recovery_point(old)
    assert not is_recovery_point(CLUSTER)
    assert setup.restore()(_request(target=old)).copy_arn == old


def test_no_dr_copy_is_refused_saying_where_it_looked(setup: Setup) -> None:
    with pytest.raises(RestoreRefused) as refused:
        setup.restore()(_request(point_in_time=NOW - timedelta(days=30)))
    assert not refused.value.usage
    assert str(refused.value).startswith(f"no DR copy of {CLUSTER} at or before ")
    assert "standard:us-east-1:dr" in str(refused.value)
    assert "backup-relay coverage" in str(refused.value)


@pytest.mark.parametrize(
    ("overrides", "region", "flags"),
    [
        (RestoreOverrides(vault="member"), HOME, ["--db-instance-identifier"]),
        (OVERRIDES, "eu-west-1", ["--subnet-group", "--security-group", "--kms-key"]),
        (RestoreOverrides(db_instance_identifier="x"), HOME, ["--vault"]),
    ],
    ids=["new name", "another region's network and key", "member vault"],
)
def test_a_missing_override_is_refused_before_anything_starts(
    setup: Setup, overrides: RestoreOverrides, region: str, flags: list[str]
) -> None:
    with pytest.raises(RestoreRefused) as refused:
        setup.restore()(_request(overrides=overrides, region=region, dry_run=False))
    assert refused.value.usage
    assert all(flag in str(refused.value) for flag in flags)
    assert setup.world.workflow.started == []


def test_a_target_the_stack_does_not_admit_is_refused(setup: Setup) -> None:
    with pytest.raises(RestoreRefused, match="BringBackTargets"):
        setup.restore()(_request(account="999999999999"))


def test_from_a_lag_vault_shared_with_the_member_it_restores_straight_from_it() -> None:
    # GIVEN a newer copy in a LAG destination of the member's region, shared with the member
    setup = Setup(ADDITIONAL_DESTINATIONS=f"lag:{HOME}:lag")
    setup.add(*_copy("dr", timedelta(days=2)))
    vault, point = _copy("lag", timedelta(days=1), LAG)
    setup.add(vault, point)
    setup.shares.shared.add((LAG, MEMBER))
    setup.member.metadata[point.arn] = setup.central.by_arn[point.arn]
    # WHEN it is restored, no vault named
    outcome = setup.restore()(
        _request(overrides=RestoreOverrides(db_instance_identifier="r"), dry_run=False)
    )
    # THEN the restore reads from the LAG copy itself: no bring-back chain
    assert (outcome.via, outcome.restored_from) == ("lag-share", point.arn)
    assert setup.world.workflow.started == []
    [(account, region, restored, metadata, role)] = setup.member.started
    assert (account, region, restored) == (MEMBER, HOME, point.arn)
    assert metadata["DBClusterIdentifier"] == "r"
    assert role == f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"
    assert outcome.report is not None
    assert outcome.report.status == "COMPLETED"


def test_overrides_land_in_the_metadata_and_a_flag_wins_over_the_profile() -> None:
    profile = RestoreOverrides.from_profile(
        {"identifier": "from-file", "subnet_group": "db", "security_groups": ["sg-1", "sg-2"]}
    )
    overrides = RestoreOverrides(db_instance_identifier="from-flag", kms_key="k").over(profile)
    result = applied("RDS", {"DBInstanceIdentifier": "src", "Engine": "postgres"}, overrides)
    assert result == {
        "DBInstanceIdentifier": "from-flag",
        "Engine": "postgres",
        "DBSubnetGroupName": "db",
        "VpcSecurityGroupIds": json.dumps(["sg-1", "sg-2"]),
        "KmsKeyId": "k",
    }
    assert missing("EBS", {}, RestoreOverrides(), source=("1", "r"), target=("2", "r")) == []


def test_a_profile_with_an_unknown_key_says_which() -> None:
    with pytest.raises(OverridesError, match="profile key subnet: Extra inputs"):
        RestoreOverrides.from_profile({"subnet": "db"})
    with pytest.raises(OverridesError, match="mapping"):
        RestoreOverrides.from_profile(["db"])
