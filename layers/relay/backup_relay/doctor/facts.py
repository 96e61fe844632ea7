"""What the doctor checks: facts that adapters gather (adapters/prerequisites/) and rules read.

A fact the caller may not read is None, never a guess: the rules then check nothing about it
and the report says it was skipped.
"""

from __future__ import annotations

from pydantic import BaseModel

from backup_relay.doctor.resource_facts import MemberCoverage


class VaultFacts(BaseModel):
    role: str  # "central" or "DR"
    arn: str
    account: str
    region: str
    exists: bool
    unreachable: str | None = None  # why the region could not be asked (not opted in, ...)
    #: AWS answered AccessDenied: AWS Backup says so for a vault that does not exist as for one
    #: this account may not read (DescribeBackupVault), so it is missing or unreadable
    denied: bool = False
    key_arn: str | None = None
    key_aws_managed: bool = False
    key_state: str | None = None  # KMS KeyState: Enabled, Disabled, PendingDeletion, ...
    key_policy: str | None = None  # JSON; None for an AWS managed key or when unreadable
    access_policy: str | None = None  # JSON, None when the vault has none
    lock_min_retention_days: int | None = None  # vault lock; None: not locked, or no minimum
    lock_max_retention_days: int | None = None
    #: DescribeBackupVault's VaultType (BACKUP_VAULT, LOGICALLY_AIR_GAPPED_BACKUP_VAULT, ...);
    #: None: not given
    vault_type: str | None = None


class OrganizationFacts(BaseModel):
    """As the central account sees it. Only the management account (or a delegated
    administrator) may read most of it: what it may not read stays None."""

    organization_id: str | None = None
    management_account: str | None = None
    accounts: list[str] | None = None
    backup_trusted_access: bool | None = None  # AWS Backup's trusted access in Organizations
    #: AWS RAM's sharing with the organization (ram.amazonaws.com's trusted access, which RAM's
    #: EnableSharingWithAwsOrganization turns on); None: not readable
    ram_trusted_access: bool | None = None
    delegated_administrators: list[str] | None = None  # of backup.amazonaws.com
    backup_policies_enabled: bool | None = None  # the BACKUP_POLICY type on the root
    #: The management account's AWS Backup advanced features for DynamoDB, by region: they
    #: decide for the plans backup policies make. None: not readable (the doctor runs elsewhere).
    management_dynamodb_advanced_features: dict[str, bool] | None = None
    #: Organizations' resource-based delegation policy (DescribeResourcePolicy's Content), read
    #: when a delegated administrator other than the management account needs it: None when
    #: there is none, or when it was not read (`delegation_policy_read` says which)
    delegation_policy: str | None = None
    delegation_policy_read: bool = False


class BusRuleFacts(BaseModel):
    """An EventBridge rule: on the central bus (ingest), or a member's forwarding rule."""

    name: str
    enabled: bool
    sources: list[str]  # its pattern's "source" values
    targets: list[str]  # target ARNs
    missing_roles: list[str] = []  # target roles that do not exist
    dead_letter_queues: list[str] = []  # its targets' dead-letter queue ARNs
    dead_letters: int | None = None  # messages waiting in them (a member's; None: not read)


class StackFacts(BaseModel):
    """The central stack's collection path."""

    bus_name: str
    bus_exists: bool
    bus_policy: str | None  # JSON
    ingest_queue_arn: str
    rules: list[BusRuleFacts]  # the bus's rules that target the ingest queue


class OptionGroupFacts(BaseModel):
    name: str
    engine: str
    major_version: str
    options: list[str]


class ResourceShareFacts(BaseModel):
    """An AWS RAM resource share a vault is associated with (GetResourceShareAssociations, then
    GetResourceShares): its status, the vault's association's, and its principals."""

    arn: str
    name: str
    status: str  # ACTIVE, PENDING, FAILED, DELETING, DELETED
    association_status: str  # the vault's: ASSOCIATED, ASSOCIATING, FAILED, ...
    principals: list[str] = []  # ASSOCIATED principals: accounts, organization or OU ARNs


class DestinationFacts(BaseModel):
    """A destination of AdditionalDestinations (`TYPE:REGION:VAULT`), its vault as read, and,
    for a logically air-gapped one, its AWS RAM shares (None: not read)."""

    label: str  # lag:eu-west-1:backup-relay-lag
    logically_air_gapped: bool  # the entry's TYPE is lag
    vault: VaultFacts
    shares: list[ResourceShareFacts] | None = None


class DrillRoleFacts(BaseModel):
    """The role a restore testing selection restores with (its IamRoleArn)."""

    arn: str
    exists: bool
    trusts_backup: bool = False
    policies: list[str] | None = None  # its attached managed policies' names; None: not read


class DrillFacts(BaseModel):
    """RestoreDrills: the DR region's restore drills as the vaults stack makes them there."""

    region: str
    plan_name: str  # the vaults stack's: <DrVaultName>_drills, `-` as `_`
    plan_exists: bool
    selected_types: list[str] = []  # the plan's selections' ProtectedResourceType
    roles: list[DrillRoleFacts] = []  # the selections' roles, once each
    chained_types: list[str] = []  # what the plan should select (ChainedResourceTypes)
    bus_arn: str  # the relay bus the drills' events must reach
    #: the DR region's default-bus rules taking restore jobs' events (aws.backup, with a
    #: restoreTestingPlanArn) somewhere
    rules: list[BusRuleFacts] = []


class HubFacts(BaseModel):
    """SecurityHubFindings: Security Hub where the stack publishes (its account and region)."""

    region: str
    #: DescribeHub answered (True), or refused with InvalidAccessException (False: not enabled,
    #: or this account may not call it); None: AccessDenied, not read
    enabled: bool | None


class CentralFacts(BaseModel):
    account: str
    organization_id: str  # the stack's OrganizationId
    vaults: list[VaultFacts]
    cross_account_backup: bool | None  # None: the account may not read it
    backup_role_arn: str
    backup_role_exists: bool
    backup_role_trusts_backup: bool
    #: the backup role's attached managed policies' names (None: not read, or no role), and how
    #: many others it has (inline, or attached ones not AWS Backup's)
    backup_role_policies: list[str] | None = None
    backup_role_other_policies: int = 0
    intermediate_retention_days: int = 0  # 0: the chain leaves central copies' lifecycle alone
    source_accounts: list[str] = []  # AllowedSourceAccounts; empty: the organization's accounts
    dr_retention_days: int = 0  # 0: DR copies are kept until deleted
    organization: OrganizationFacts = OrganizationFacts()
    stack: StackFacts | None = None
    dr_region: str | None = None
    dr_option_groups: list[OptionGroupFacts] | None = None  # None: no DR region, or unreadable
    #: this account's DescribeRegionSettings' ResourceTypeOptInPreference in its home region
    #: (the management account's decides for backup policies); None: not read
    resource_type_opt_in: dict[str, bool] | None = None
    service_linked_role: bool | None = None  # AWSServiceRoleForBackup exists; None: not read
    #: AdditionalDestinations' vaults, as read (the DR vault is in `vaults`)
    destinations: list[DestinationFacts] = []
    #: LagMinRetentionDays, LagMaxRetentionDays: what the chain plans copies into LAG vaults with
    lag_retention: tuple[int, int] | None = None
    #: OnDemandBackupsToDr: the ingest copies members' on-demand backups through their ReplayRole
    on_demand_backups_to_dr: bool = False
    #: the path every central function's role has (template.yaml's RolePath), as an ARN prefix:
    #: arn:aws:iam::<central>:role/backup-relay/<CentralStackName>/ (None: not known)
    function_role_path: str | None = None
    drills: DrillFacts | None = None  # None: RestoreDrills off, or no DR region
    security_hub: HubFacts | None = None  # None: SecurityHubFindings off


class RecoveryPointKey(BaseModel):
    """A member's recovery point of a chained type, and the key it is encrypted with."""

    arn: str
    resource_type: str
    key_arn: str
    key_aws_managed: bool
    key_policy: str  # JSON
    key_state: str = "Enabled"


class MemberResource(BaseModel):
    """A member's database of a chained type, as RDS describes it."""

    arn: str
    resource_type: str  # RDS, Aurora, DocumentDB, Neptune
    tags: dict[str, str] = {}
    multi_az_cluster: bool = False  # an RDS Multi-AZ DB cluster: AWS Backup copies none
    option_group: OptionGroupFacts | None = None  # an RDS instance's, when it has options


class PlanCopy(BaseModel):
    """A copy action of a member's backup plan (its own, or one a backup policy made)."""

    plan: str
    rule: str
    destination_vault_arn: str
    from_backup_policy: bool = False  # a plan an organization's backup policy made
    delete_after_days: int | None = None  # the copy's DeleteAfterDays; 0: none; None: not read


class ReplayRoleFacts(BaseModel):
    """A member stack's ReplayRole (`<MemberReplayRoleName>-<region>`), read through its
    DoctorRole (iam:GetRole)."""

    arn: str
    exists: bool
    trust_policy: str | None = None  # JSON; None when it does not exist


class MemberFacts(BaseModel):
    account: str
    region: str
    recovery_points: list[RecoveryPointKey]
    resources: list[MemberResource] | None = None  # None: not read
    plan_copies: list[PlanCopy] | None = None
    forwarding_rules: list[BusRuleFacts] | None = None  # rules targeting the central bus
    dynamodb_tables: int = 0
    dynamodb_advanced_features: bool | None = None
    #: the member's own ResourceTypeOptInPreference in this region (DescribeRegionSettings
    #: through its DoctorRole): it decides for its own plans' selections by tags; None: not read
    resource_type_opt_in: dict[str, bool] | None = None
    #: every type's resources, the plans' selections, the roles and the member's vaults
    coverage: MemberCoverage = MemberCoverage()
    #: its ReplayRole, read when the central stack's OnDemandBackupsToDr is on (None: not read)
    replay_role: ReplayRoleFacts | None = None


class StackPlan(BaseModel):
    """What `sam deploy` is about to create (doctor --preflight): the central stack's name,
    region and parameters, the template's defaults overridden by the deploy's."""

    stack_name: str
    region: str
    parameters: dict[str, str]  # every parameter that has a value
    missing: list[str] = []  # required parameters without a value
    unknown: list[str] = []  # overrides the template does not declare
    source: str = "template defaults"  # where the overrides came from: "samconfig.toml [prod]"


#: The central stack's function whose concurrency ChainStepsReservedConcurrency reserves.
RESERVING_FUNCTION = "ChainStepsFunction"


class LambdaConcurrency(BaseModel):
    """lambda:GetAccountSettings' AccountLimit in the stack's region."""

    limit: int  # ConcurrentExecutions: the account's quota
    unreserved: int  # UnreservedConcurrentExecutions
    stack_reserves: int = 0  # what the deployed stack's function reserves now (an update frees it)


class PreflightFacts(BaseModel):
    plan: StackPlan
    #: The account as the doctor reads it: its organization, cross-account backup, and the
    #: backup role BackupRoleName names (none when it is empty: the stack creates one). No
    #: vaults, no stack: they are not what `sam deploy` needs.
    central: CentralFacts
    lambda_concurrency: LambdaConcurrency | None  # None: the caller may not read it
