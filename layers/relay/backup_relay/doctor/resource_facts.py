"""What the doctor reads of a member's backup plans' selections, the resources of every type it
knows how to read (not only the chained databases), the roles AWS Backup works as, and the
member's own vaults. Facts only: the rules are in resources.py and roles.py.

A fact the DoctorRole may not read is None, never a guess.
"""

from __future__ import annotations

from pydantic import BaseModel

#: The resource types whose resources the doctor reads (adapters/prerequisites/coverage.py and
#: storage.py): the ones the sandbox can model (moto, and its Storage Gateway layer). Others a
#: selection may hold (VirtualMachine, SAP HANA, Timestream, EKS, Aurora DSQL, CloudFormation)
#: are not read: the report says so.
READ_TYPES = ("S3", "EBS", "EC2", "EFS", "DynamoDB", "Redshift", "FSx", "Storage Gateway")
#: Storage Gateway's GatewayType of the gateways AWS Backup backs up (their volumes): "AWS
#: Storage Gateway (Volume Gateway) | AWS Storage Gateway volumes"
#: (https://docs.aws.amazon.com/aws-backup/latest/devguide/whatisbackup.html#supported-resources).
VOLUME_GATEWAYS = frozenset({"CACHED", "STORED"})


class Selection(BaseModel):
    """A backup selection of a member's plan (its own, or one a backup policy made), as
    GetBackupSelection gives it."""

    plan: str
    name: str
    role_arn: str  # IamRoleArn: the role AWS Backup backs up (and copies) as
    resources: list[str] = []  # ARN patterns ("*" wildcards)
    not_resources: list[str] = []
    tags: list[tuple[str, str]] = []  # ListOfTags' STRINGEQUALS (key, value): any selects
    conditions: list[tuple[str, str, str]] = []  # (StringEquals|StringLike|..., tag key, value)
    copies_to_accounts: list[str] = []  # other accounts its plan's rules copy to
    target_vaults: list[str] = []  # the vaults its plan's rules back up into (names)
    from_backup_policy: bool = False  # its plan is one an organization's backup policy made


class SelectedResource(BaseModel):
    """A member's resource of a READ_TYPES type, selected or not (the tagging convention reads
    them all)."""

    arn: str
    resource_type: str  # AWS Backup's name: S3, EBS, EC2, ...
    tags: dict[str, str] = {}
    encrypted: bool = True
    key_arn: str | None = None  # the resource's KMS key (EC2: none, see `attached`)
    key_aws_managed: bool = False
    key_policy: str | None = None  # JSON; None for an AWS managed key or when unreadable
    versioning: str | None = None  # S3: "Enabled", "Suspended", "" (never enabled)
    attached: list[str] = []  # EC2: its EBS volumes' ARNs (each an EBS resource, with its key)
    fsx_type: str | None = None  # FSx: FileSystemType (LUSTRE, WINDOWS, ONTAP, OPENZFS)
    fsx_deployment: str | None = None  # FSx for Lustre: DeploymentType (SCRATCH_2, PERSISTENT_2)
    gateway_type: str | None = None  # Storage Gateway: its gateway's GatewayType (CACHED, VTL)


class RoleFacts(BaseModel):
    """A role AWS Backup works as in a member: its selections' IamRoleArn."""

    arn: str
    exists: bool
    trusts_backup: bool = False
    managed_policies: list[str] = []  # attached policies' names
    other_policies: int = 0  # inline policies, and attached ones not AWS Backup's


class MemberVaultFacts(BaseModel):
    """A member's own vault: a bring-back copy's destination, or one a backup policy made."""

    arn: str
    key_arn: str | None = None
    key_aws_managed: bool = False
    access_policy: str | None = None  # JSON; None: the vault has none


class MemberCoverage(BaseModel):
    """What MemberFacts.coverage holds: each part None when it was not read."""

    selections: list[Selection] | None = None
    resources: list[SelectedResource] | None = None
    service_linked_role: bool | None = None  # AWSServiceRoleForBackup exists
    roles: list[RoleFacts] | None = None
    vaults: list[MemberVaultFacts] | None = None
