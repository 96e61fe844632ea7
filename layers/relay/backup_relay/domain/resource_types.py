"""What the product knows of each AWS Backup resource type, in one registry: adding a type is
one entry in REGISTRY, and nothing else by hand.

Every part that depends on a type reads it from here, at call time:
- the planner (`domain/routes.py`): which copies AWS Backup makes of it;
- the copy chain's concurrency slots (`domain/quotas.py`): its quota group;
- the templates (`scripts/generate_template_arns.py`, `make generate`): the IAM resource patterns
  of its recovery points, on which StartCopyJob and lifecycle changes are authorized (central
  ChainStepsFunction, member ReplayRole), and the reads the doctor makes of its resources
  (member DoctorRole); docs/copy-chain.md's table of resource types;
- the doctor (`adapters/prerequisites.py`): which type a database of an RDS engine is;
- the sandbox: its recovery points' ARNs (the simulator) and its databases' engines.

`tests/integration/test_template_resource_types.py` adds a type to the registry and shows each of
these follows; `tests/unit/test_resource_types.py` holds the facts to AWS's pages.

AWS's pages the facts come from, as each is cited below:
- [arns] "AWS Backup resource ARNs", in Access control:
  https://docs.aws.amazon.com/aws-backup/latest/devguide/access-control.html
- [features] "Feature availability by resource":
  https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html
- [history] the guide's document history (single-action copies, October 23, 2025):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/doc-history.html
- [eks] Amazon EKS backups (a composite recovery point):
  https://docs.aws.amazon.com/aws-backup/latest/devguide/eks-backups.html
- [docdb-arns] "Amazon DocumentDB ARNs contain rds and not docdb":
  https://docs.aws.amazon.com/documentdb/latest/developerguide/documentdb-arns.html
- [neptune-arns] "Neptune shares the format of Amazon RDS ARNs":
  https://docs.aws.amazon.com/neptune/latest/userguide/tagging-arns-constructing.html
- [quotas] domain/quotas.py cites each copy quota's page; its "Logically air-gapped vault maximum
  concurrent copies" row names EBS, Aurora, DocumentDB, Neptune, Storage Gateway and FSx:
  https://docs.aws.amazon.com/aws-backup/latest/devguide/aws-backup-limits.html
- [lag] Logically air-gapped vault ("RDS DB instances and Multi-AZ DB clusters" cannot be copied
  into one): https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecoveryPointArn:
    """A form AWS Backup gives recovery points' ARNs [arns]: the service's own for the types it
    does not fully manage, AWS Backup's (`backup:...:recovery-point:`) for those it does.
    "Resources that support full AWS Backup management all have recovery points in the format
    arn:aws:backup:...:recovery-point:*" [arns]."""

    service: str
    #: The resource part of one such ARN, as the sandbox makes it: `{uuid}` and `{hex17}` stand
    #: for its ids (a uuid, 17 hex digits).
    resource: str
    #: The resource part of the IAM pattern that holds every ARN of this form, as StartCopyJob
    #: and lifecycle changes are authorized on it (the recovery point's own ARN, in its form).
    grant: str
    has_account: bool = True  # EC2's snapshot and image ARNs carry no account [arns]

    def arn(self, region: str, account: str, *, uuid: str, hex17: str) -> str:
        resource = self.resource.format(uuid=uuid, hex17=hex17)
        return f"arn:aws:{self.service}:{region}:{account if self.has_account else ''}:{resource}"

    def pattern(self, partition: str, account: str) -> str:
        """The IAM resource pattern of this form's recovery points of `account`, in any region."""
        owner = account if self.has_account else ""
        return f"arn:{partition}:{self.service}:*:{owner}:{self.grant}"

    @property
    def fully_managed(self) -> bool:
        return self.service == "backup"


# [arns] writes RDS's as `snapshot:awsbackup:*` and Redshift's as `snapshot:{resource}/awsbackup:*`;
# their grants stay as wide as the templates held them before the registry (`snapshot:*`):
# narrowing them is a change for a real deploy to confirm first.
RDS_SNAPSHOT = RecoveryPointArn("rds", "snapshot:awsbackup:job-{uuid}", "snapshot:*")
RDS_CLUSTER_SNAPSHOT = RecoveryPointArn(
    "rds", "cluster-snapshot:awsbackup:job-{uuid}", "cluster-snapshot:*"
)
EC2_SNAPSHOT = RecoveryPointArn("ec2", "snapshot/snap-{hex17}", "snapshot/*", has_account=False)
EC2_IMAGE = RecoveryPointArn("ec2", "image/ami-{hex17}", "image/*", has_account=False)
FSX_BACKUP = RecoveryPointArn("fsx", "backup/backup-{hex17}", "backup/*")
BACKUP = RecoveryPointArn("backup", "recovery-point:{uuid}", "recovery-point:*")
#: DynamoDB without AWS Backup's advanced features [arns] (whose backups are not copied [features])
DYNAMODB_BACKUP = RecoveryPointArn("dynamodb", "table/orders/backup/{uuid}", "table/*/backup/*")
REDSHIFT_SNAPSHOT = RecoveryPointArn("redshift", "snapshot:dw/awsbackup:job-{uuid}", "snapshot:*")
#: A logically air-gapped vault's recovery points: AWS Backup's own form whatever the type (an
#: Aurora copy in one is `arn:aws:backup:REGION:ACCOUNT:recovery-point:ID`, not a cluster
#: snapshot), as AWS Backup holds them in its own storage, not the type's service [lag]
#: (https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html).
#: INFERRED for each type in particular: the page gives the form, not a per-type list.
LAG_RECOVERY_POINT = BACKUP


@dataclass(frozen=True)
class Copies:
    """Which copies AWS Backup makes of a type's recovery points [features]. "If a resource type
    does not have a checkmark in the Cross-Region backup or Cross-account backup columns, then
    copy operations for that resource type are not supported in any scenario, including
    same-Region and same-account copies to a different vault." [features]"""

    cross_account: bool = True
    cross_region: bool = True
    #: Cross-account copies of it in (or out of) opt-in regions [features, its Region notes].
    cross_account_in_opt_in_regions: bool = True
    #: AWS Backup long copied it across accounts or across regions, never both in one copy job
    #: (until October 2025 [history], and not yet in opt-in regions): the
    #: chain takes two hops for it by default (the template's ChainedResourceTypes).
    two_hops: bool = False
    #: Copies into a logically air-gapped vault [lag]: True where AWS's pages say it takes the
    #: type (the quotas page gives its copies into one a quota [quotas]), False where they say it
    #: does not, None where the pages as read do not say (planned, and marked INFERRED).
    into_lag: bool | None = None

    @property
    def any(self) -> bool:
        return self.cross_account or self.cross_region


NOT_COPIED = Copies(
    cross_account=False, cross_region=False, cross_account_in_opt_in_regions=False, into_lag=False
)


@dataclass(frozen=True)
class Database:
    """A type whose resources RDS's API describes (DescribeDBInstances, DescribeDBClusters)."""

    engine: str  # the engine the sandbox creates its databases with
    cluster: bool  # a DB cluster (else a DB instance)
    #: The Engine values RDS gives this type's databases begin with it; None: every engine no
    #: other type claims (RDS: mysql, postgres, oracle-ee, ...).
    engine_prefix: str | None


@dataclass(frozen=True)
class ResourceType:
    name: str  # as AWS Backup names it (a job's ResourceType, ByResourceType)
    #: The forms of its recovery points' ARNs [arns]; a backup today makes the first.
    recovery_points: tuple[RecoveryPointArn, ...]
    copies: Copies = Copies()
    quota_group: str = "backup"  # a domain.quotas.QuotaGroup's name
    #: The IAM actions the doctor reads a member's resources of this type with (its DoctorRole).
    doctor_reads: frozenset[str] = frozenset()
    database: Database | None = None

    @property
    def fully_managed(self) -> bool:
        return self.recovery_points[0].fully_managed

    def recovery_point(self, *, air_gapped: bool = False) -> RecoveryPointArn:
        """The form a backup or copy of the type gets: in a logically air-gapped vault, AWS
        Backup's (LAG_RECOVERY_POINT); elsewhere the type's own (the first)."""
        if air_gapped and self.copies.into_lag is not False:
            return LAG_RECOVERY_POINT
        return self.recovery_points[0]


_RDS_READS = frozenset({"rds:DescribeDBClusters"})  # backup tags; Multi-AZ DB clusters

#: Order matters where it shows: the sandbox's databases (RDS, Aurora, DocumentDB, Neptune), the
#: templates' patterns, the docs' table.
_TYPES = (
    ResourceType(
        "RDS",
        (RDS_SNAPSHOT,),
        # DB instances, Multi-AZ DB clusters: no LAG mark in [features]' LAG column [lag]
        Copies(two_hops=True, into_lag=False),
        quota_group="db-snapshot",
        # instances outside clusters, and their option groups (a cross-region copy needs them)
        doctor_reads=_RDS_READS | {"rds:DescribeDBInstances", "rds:DescribeOptionGroups"},
        database=Database("postgres", cluster=False, engine_prefix=None),
    ),
    ResourceType(
        "Aurora",
        (RDS_CLUSTER_SNAPSHOT,),
        Copies(two_hops=True, into_lag=True),
        quota_group="cluster-snapshot",
        doctor_reads=_RDS_READS,
        database=Database("aurora-postgresql", cluster=True, engine_prefix="aurora"),
    ),
    ResourceType(
        "DocumentDB",
        (RDS_CLUSTER_SNAPSHOT,),  # [arns], [docdb-arns]
        Copies(two_hops=True, into_lag=True),
        quota_group="cluster-snapshot",
        doctor_reads=_RDS_READS,
        database=Database("docdb", cluster=True, engine_prefix="docdb"),
    ),
    ResourceType(
        "Neptune",
        (RDS_CLUSTER_SNAPSHOT,),  # [arns], [neptune-arns]
        Copies(cross_account_in_opt_in_regions=False, two_hops=True, into_lag=True),
        quota_group="cluster-snapshot",
        doctor_reads=_RDS_READS,
        database=Database("neptune", cluster=True, engine_prefix="neptune"),
    ),
    # the doctor reads each type's resources it can (doctor/resource_facts.READ_TYPES): their
    # tags, keys (EBS, EC2, EFS, DynamoDB, FSx), S3's versioning, FSx's file system type and
    # Storage Gateway's gateway type
    ResourceType(
        "EFS",
        (BACKUP,),
        Copies(into_lag=True),  # [features]' LAG column
        doctor_reads=frozenset({"elasticfilesystem:DescribeFileSystems"}),
    ),
    ResourceType(
        "EBS",
        (EC2_SNAPSHOT,),
        Copies(into_lag=True),
        doctor_reads=frozenset({"ec2:DescribeVolumes"}),
    ),
    ResourceType(
        "Storage Gateway",
        (EC2_SNAPSHOT,),
        Copies(into_lag=True),
        doctor_reads=frozenset(
            {
                "storagegateway:ListGateways",
                "storagegateway:ListVolumes",
                "storagegateway:ListTagsForResource",
            }
        ),
    ),
    ResourceType(
        "EC2",
        (EC2_IMAGE,),
        # "The EBS concurrent copy limit applies to any snapshots being copied as part of an AMI
        # copy" [quotas]
        Copies(into_lag=True),
        doctor_reads=frozenset({"ec2:DescribeInstances", "ec2:DescribeVolumes"}),
    ),
    ResourceType(
        "FSx",
        (FSX_BACKUP,),
        # [features]' LAG column: FSx for Lustre and for Windows File Server; not ONTAP nor
        # OpenZFS (one type here: a LAG copy of those two is planned, and AWS refuses it)
        Copies(into_lag=True),
        doctor_reads=frozenset({"fsx:DescribeFileSystems"}),
    ),
    # copied with AWS Backup's advanced features only, which doctor checks in each member: it
    # counts the tables (ListTables) and reads the setting (backup:DescribeRegionSettings)
    ResourceType(
        "DynamoDB",
        (BACKUP, DYNAMODB_BACKUP),
        Copies(into_lag=True),  # with advanced features, as any copy of it [features]
        doctor_reads=frozenset(
            {"dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:ListTagsOfResource"}
        ),
    ),
    ResourceType(
        "S3",
        (BACKUP,),
        Copies(into_lag=True),  # [features]' LAG column
        doctor_reads=frozenset(
            {
                "s3:ListAllMyBuckets",
                "s3:GetBucketTagging",
                "s3:GetBucketVersioning",
            }
        ),
    ),
    # [features]' LAG column decides each type's into_lag (the page's table as of its document
    # history's February 26, 2026 update)
    ResourceType("VirtualMachine", (BACKUP,), Copies(into_lag=True)),
    ResourceType("SAP HANA on Amazon EC2", (BACKUP,), Copies(into_lag=False)),
    ResourceType("Aurora DSQL", (BACKUP,), Copies(into_lag=True)),
    # a composite recovery point, AWS Backup's own [eks]
    ResourceType("EKS", (BACKUP,), Copies(into_lag=False)),
    ResourceType(
        "Timestream", (BACKUP,), Copies(cross_account_in_opt_in_regions=False, into_lag=True)
    ),
    ResourceType(
        "CloudFormation",
        (BACKUP,),
        Copies(cross_account=False, cross_account_in_opt_in_regions=False, into_lag=False),
    ),
    # in [arns], not copied [features]: known so that a replay may copy its recovery points again
    # should AWS start to (the grant costs nothing while AWS refuses the copy)
    ResourceType(
        "Redshift",
        (REDSHIFT_SNAPSHOT,),
        NOT_COPIED,
        doctor_reads=frozenset({"redshift:DescribeClusters"}),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Registry:
    types: tuple[ResourceType, ...]
    _by_name: dict[str, ResourceType] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {t.name: t for t in self.types}
        if len(by_name) != len(self.types):
            raise ValueError("a resource type is registered twice")
        object.__setattr__(self, "_by_name", by_name)

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(self.types)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> ResourceType | None:
        return self._by_name.get(name)

    def __getitem__(self, name: str) -> ResourceType:
        return self._by_name[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def with_type(self, added: ResourceType) -> Registry:
        return Registry((*self.types, added))

    def copied(self) -> frozenset[str]:
        """The types AWS Backup copies at all (across accounts, regions, or both)."""
        return frozenset(t.name for t in self.types if t.copies.any)

    def two_hop(self) -> frozenset[str]:
        """The types the chain copies in two hops by default (Copies.two_hops)."""
        return frozenset(t.name for t in self.types if t.copies.two_hops)

    def recovery_point_arns(self) -> tuple[RecoveryPointArn, ...]:
        """Every form of recovery point ARN of every type, each once, in the registry's order,
        and the one of logically air-gapped vaults when a type may be copied into one."""
        forms = [form for t in self.types for form in t.recovery_points]
        if any(t.copies.into_lag is not False for t in self.types):
            forms.append(LAG_RECOVERY_POINT)
        return tuple(dict.fromkeys(forms))

    def recovery_point_patterns(self, partition: str, account: str) -> tuple[str, ...]:
        """The IAM resource patterns that hold every recovery point of `account` of every type:
        StartCopyJob's and lifecycle changes' (each form's grant; no "*")."""
        forms = self.recovery_point_arns()
        return tuple(dict.fromkeys(form.pattern(partition, account) for form in forms))

    def doctor_reads(self) -> tuple[str, ...]:
        """The IAM actions the doctor reads members' resources with, of every type (sorted)."""
        return tuple(sorted({read for t in self.types for read in t.doctor_reads}))

    def databases(self) -> tuple[ResourceType, ...]:
        """The types whose resources RDS's API describes."""
        return tuple(t for t in self.types if t.database)

    def database_type(self, engine: str) -> str | None:
        """The type of a database RDS describes with this Engine (aurora-mysql: Aurora; mysql:
        RDS), or None when no registered type claims it."""
        default = None
        for resource_type in self.databases():
            prefix = resource_type.database.engine_prefix if resource_type.database else None
            if prefix is None:
                default = default or resource_type.name
            elif engine.startswith(prefix):
                return resource_type.name
        return default


#: The registry. Read it as `resource_types.REGISTRY` when called, not imported by name at import
#: time: the test that adds a type replaces it.
REGISTRY = Registry(_TYPES)
