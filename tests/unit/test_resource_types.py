"""The resource types registry: its facts, held to what AWS's pages say (cited in the module), and
the pure parts that read it (the planner, the quota groups, the doctor's engines)."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from backup_relay.domain import resource_types
from backup_relay.domain.quotas import CLUSTER_SNAPSHOTS, DB_SNAPSHOTS, FULLY_MANAGED, quota_group
from backup_relay.domain.resource_types import (
    BACKUP,
    REGISTRY,
    Copies,
    Database,
    RecoveryPointArn,
    Registry,
    ResourceType,
)
from backup_relay.domain.routes import RouteError, RoutePolicy, Vault, plan_route

CENTRAL, MEMBER = "123456789012", "222222222222"
HOME, DR, OPT_IN = "us-west-2", "us-east-1", "af-south-1"


def test_aws_backup_copies_the_types_its_feature_availability_table_checks() -> None:
    # GIVEN the "Feature availability by resource" table (docs/copy-chain.md cites it)
    both = {
        "Aurora", "Aurora DSQL", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "EKS", "FSx",
        "Neptune", "RDS", "S3", "SAP HANA on Amazon EC2", "Storage Gateway", "Timestream",
        "VirtualMachine",
    }  # fmt: skip
    # THEN the registry copies exactly those across accounts and regions, CloudFormation across
    # regions only, Redshift not at all
    assert {t.name for t in REGISTRY if t.copies.cross_account and t.copies.cross_region} == both
    assert REGISTRY.copied() == both | {"CloudFormation"}
    assert not REGISTRY["CloudFormation"].copies.cross_account
    assert not REGISTRY["Redshift"].copies.any
    # AND no cross-account copy of CloudFormation, Neptune or Timestream in opt-in regions
    assert {t.name for t in REGISTRY if not t.copies.cross_account_in_opt_in_regions} == {
        "CloudFormation",
        "Neptune",
        "Redshift",
        "Timestream",
    }


def test_rds_and_its_family_are_copied_in_two_hops_by_default() -> None:
    # (RDS, Aurora, DocumentDB and Neptune: one copy job could not cross both before 2025)
    assert REGISTRY.two_hop() == {"RDS", "Aurora", "DocumentDB", "Neptune"}


@pytest.mark.parametrize("resource_type", REGISTRY.types, ids=lambda t: t.name)
def test_each_recovery_point_form_is_held_by_its_grant(resource_type: ResourceType) -> None:
    # GIVEN a recovery point of each of the type's ARN forms, of one account
    for form in resource_type.recovery_points:
        arn = form.arn("eu-west-1", MEMBER, uuid="5b5e0c8c-1f1d-4b6e", hex17="0" * 17)
        pattern = form.pattern("aws", MEMBER)
        # THEN its grant holds it, names no other service, and no "*" stands for the whole ARN
        assert fnmatchcase(arn, pattern), (arn, pattern)
        assert pattern.split(":")[2] == form.service
        assert form.grant not in ("*", "")
        # AND an account's grant holds no other account's recovery points (EC2's carry none)
        other = form.arn("eu-west-1", CENTRAL, uuid="5b5e", hex17="1" * 17)
        assert fnmatchcase(other, pattern) is not form.has_account


def test_the_fully_managed_types_have_aws_backups_own_recovery_points() -> None:
    # "Resources that support full AWS Backup management all have recovery points in the format
    # arn:aws:backup:...:recovery-point:*"
    managed = {t.name for t in REGISTRY if t.fully_managed}
    assert "EFS" in managed
    assert not managed & {"RDS", "Aurora", "DocumentDB", "Neptune", "EBS", "EC2", "FSx"}
    assert all(REGISTRY[name].recovery_points[0] == BACKUP for name in managed)


def test_the_grants_hold_every_form_once() -> None:
    patterns = REGISTRY.recovery_point_patterns("aws", MEMBER)
    assert len(patterns) == len(set(patterns)) == len(REGISTRY.recovery_point_arns())


def test_the_doctor_reads_every_type_moto_models() -> None:
    assert REGISTRY.doctor_reads() == (
        "dynamodb:DescribeTable",
        "dynamodb:ListTables",
        "dynamodb:ListTagsOfResource",
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "elasticfilesystem:DescribeFileSystems",
        "fsx:DescribeFileSystems",
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "rds:DescribeOptionGroups",
        "redshift:DescribeClusters",
        "s3:GetBucketTagging",
        "s3:GetBucketVersioning",
        "s3:ListAllMyBuckets",
        "storagegateway:ListGateways",
        "storagegateway:ListTagsForResource",
        "storagegateway:ListVolumes",
    )


@pytest.mark.parametrize(
    ("engine", "resource_type"),
    [
        ("aurora-mysql", "Aurora"),
        ("aurora-postgresql", "Aurora"),
        ("docdb", "DocumentDB"),
        ("neptune", "Neptune"),
        ("postgres", "RDS"),  # an RDS Multi-AZ DB cluster
        ("mysql", "RDS"),
    ],
)
def test_the_doctor_tells_a_databases_type_by_its_engine(engine: str, resource_type: str) -> None:
    assert REGISTRY.database_type(engine) == resource_type


def test_the_sandbox_databases_run_an_engine_of_their_own_type() -> None:
    for database in REGISTRY.databases():
        assert database.database is not None
        assert REGISTRY.database_type(database.database.engine) == database.name


def test_a_type_is_registered_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        REGISTRY.with_type(ResourceType("EBS", (BACKUP,)))


# ---- what reads the registry follows it ---------------------------------------------------------
NEW = ResourceType(
    "Memory DB",
    (RecoveryPointArn("memorydb", "snapshot/awsbackup-{uuid}", "snapshot/*"),),
    Copies(cross_account_in_opt_in_regions=False, two_hops=True),
    quota_group="cluster-snapshot",
    doctor_reads=frozenset({"memorydb:DescribeClusters"}),
    database=Database("memorydb-redis", cluster=True, engine_prefix="memorydb"),
)


@pytest.fixture
def with_new_type(monkeypatch: pytest.MonkeyPatch) -> Registry:
    """The registry with one more type, as a developer adds one."""
    extended = REGISTRY.with_type(NEW)
    monkeypatch.setattr(resource_types, "REGISTRY", extended)
    return extended


def test_before_it_is_registered_the_planner_refuses_the_type() -> None:
    settings = RoutePolicy(CENTRAL, "central", chained_types=frozenset({NEW.name}))
    with pytest.raises(RouteError, match="cannot copy 'Memory DB'"):
        plan_route(NEW.name, Vault(account=MEMBER, region=HOME, name="m"), _dr(), settings)


def test_a_registered_type_is_planned_and_slotted_as_the_registry_says(
    with_new_type: Registry,
) -> None:
    # GIVEN the type registered, and chained by the stack
    settings = RoutePolicy(CENTRAL, "central", chained_types=frozenset({NEW.name}))
    member = Vault(account=MEMBER, region=HOME, name="m")
    # WHEN a member's copy of it goes to the DR vault
    route = plan_route(NEW.name, member, _dr(), settings)
    # THEN it takes two hops through the central vault, and its quota group's slot
    assert [hop.destination for hop in route.hops] == [settings.central_vault(HOME), _dr()]
    assert quota_group(NEW.name) is CLUSTER_SNAPSHOTS
    assert NEW.name in CLUSTER_SNAPSHOTS.members()
    assert NEW.name not in DB_SNAPSHOTS.members() | FULLY_MANAGED.members()
    # AND its opt-in limit holds
    with pytest.raises(RouteError, match="opt-in region af-south-1"):
        plan_route(NEW.name, member, _dr(region=OPT_IN), settings)
    # AND the doctor tells its databases by their engine
    assert with_new_type.database_type("memorydb-valkey") == NEW.name


def _dr(region: str = DR) -> Vault:
    return Vault(account=CENTRAL, region=region, name="dr")


@pytest.mark.parametrize("name", ["Aurora", "DocumentDB", "Neptune", "EBS", "EC2", "FSx"])
def test_a_copy_in_a_lag_vault_has_aws_backups_recovery_point_form(name: str) -> None:
    # GIVEN a type a logically air-gapped vault may take
    resource_type = REGISTRY[name]
    # WHEN its recovery point is in a LAG vault, THEN its ARN is AWS Backup's recovery-point form
    assert resource_type.recovery_point(air_gapped=True) is resource_types.LAG_RECOVERY_POINT
    arn = resource_type.recovery_point(air_gapped=True).arn(
        "us-east-1", "123456789012", uuid="u", hex17="h"
    )
    assert arn == "arn:aws:backup:us-east-1:123456789012:recovery-point:u"
    # AND elsewhere its own
    assert resource_type.recovery_point() is resource_type.recovery_points[0]


def test_a_type_a_lag_vault_refuses_keeps_its_own_form() -> None:
    # RDS DB instances are not copied into a LAG vault: no recovery point of theirs is in one
    assert REGISTRY["RDS"].recovery_point(air_gapped=True) is REGISTRY["RDS"].recovery_points[0]
