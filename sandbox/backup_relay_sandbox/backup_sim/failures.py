"""Why a copy job fails, with the message AWS gives, each from the public source named above it.

Every rule below is a job failure, not an API error: StartCopyJob accepts the request, the job is
created, runs and ends FAILED with the message as its StatusMessage. AWS's messages read as job
status messages ("Copy job failed. ...", "... copy failed with error: ..."), the re:Post articles
that quote them are about failed copy jobs, and the StartCopyJob model lists no error for them.
Messages marked INFERRED are the simulator's own: AWS publishes no exact text for that case
(docs/simulator.md lists them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backup_relay.domain import resource_types as registry
from backup_relay.domain import route_table
from backup_relay_sandbox.backup_sim import access, moto_state
from backup_relay_sandbox.backup_sim.model import (
    CopyJob,
    Failure,
    RecoveryPoint,
    Resource,
    Settings,
    is_fully_managed,
    rds_family,
)

# https://repost.aws/knowledge-center/backup-troubleshoot-cross-account-copy
NOT_SAME_ORGANIZATION = (
    "Copy job failed. Both source and destination account must be a member of the same organization"
)
# same article (its English string predates the October 2025 single-action support)
SINGLE_ACTION_UNSUPPORTED = (
    "Copy job from {source_region} to {destination_region} cannot be initiated for "
    "{resource_type} resources. Feature is not supported for provided resource type."
)
# https://repost.aws/knowledge-center/backup-resolve-access-denied-error
VAULT_ACCESS_DENIED = "Access Denied trying to call AWS Backup service"
# https://repost.aws/knowledge-center/backup-cross-account-copy-error (its ja and pt editions
# quote both English strings)
RDS_KEY_NOT_ACCESSIBLE = (
    "The source snapshot KMS key does not exist, is not enabled or you do not have permissions to "
    "access it"
)
EC2_KEY_NOT_ACCESSIBLE = "Given key ID is not accessible"
# EC2 AMI with the default key, cross-account: https://github.com/aws-samples/aws-backup-automation/issues/2
AMI_DEFAULT_KEY = (
    "AMI snapshot copy failed with error: Given key ID is not accessible. You must have "
    "DescribeKey permissions on the default CMK"
)
# RDS's own message for an AWS managed key: https://github.com/awslabs/aurora-snapshot-tool/issues/26
RDS_AWS_MANAGED_KEY = (
    "The source snapshot KMS key [{key_arn}] does not exist, is not enabled or you do not have "
    "permissions to access it."
)
# INFERRED: the doc's sentence, used as the message (no observed job message):
# https://docs.aws.amazon.com/aws-backup/latest/devguide/rds-backup.html
MULTI_AZ_CLUSTER = "Copying a Multi-AZ DB cluster snapshot is not supported."
# "an error message such as ..."; the options are joined with ", ":
# https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html
OPTION_GROUP_MISSING = (
    "The snapshot requires a target option group with the following options: {options}."
)
# The job messages a practitioner quotes verbatim (tecRacer, "Automating Cross-Account /
# Cross-Region Backups with AWS Backup in AWS Organizations", 2024-04-26):
# https://www.tecracer.com/blog/2024/04/automating-cross-account-/-cross-region-backups-with-aws-backup-in-aws-organizations.html
# isCrossAccountBackupEnabled false in the management account's global settings:
CROSS_ACCOUNT_DISABLED = (
    "Copy job failed. Cross-account copy feature is not enabled for the current organization."
)
# A destination vault encrypted with aws/backup, for a type AWS Backup does not fully manage (the
# rule: "Cross-account copy with AWS managed keys isn't supported for resources that aren't fully
# managed by AWS Backup", https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html):
DEFAULT_VAULT_KEY = (
    "Copy job failed because the destination Backup vault is encrypted with the default Backup "
    "service managed key. The contents of this vault cannot be copied. Only the contents of a "
    "Backup vault encrypted by an AWS KMS key may be copied."
)
# INFERRED: AWS publishes no message for a copy into a vault that does not exist; this one follows
# the documented backup job message "Backup job failed because backup vault <arn> does not
# exist." (events/backup_job_failed.json).
DESTINATION_VAULT_MISSING = "Copy job failed because backup vault {vault_arn} does not exist."

# Documented backup job messages (events/backup_job_failed.json, backup_job_expired.json)
BACKUP_VAULT_MISSING = "Backup job failed because backup vault {vault_arn} does not exist."
BACKUP_EXPIRED = "Backup job failed because there was a running job for the same resource."

ACCESS_DENIED = "AccessDenied"
INVALID_PARAMETERS = "InvalidParameters"


@dataclass(frozen=True)
class CopyContext:
    job: CopyJob
    source: RecoveryPoint
    resource: Resource
    settings: Settings
    destination_vault: Any | None  # moto's vault, None when it does not exist
    destination_options: frozenset[str]  # RDS options available in the destination

    @property
    def cross_account(self) -> bool:
        return self.job.account != self.job.destination_account

    @property
    def cross_region(self) -> bool:
        return self.job.region != self.job.destination_region

    @property
    def resource_type(self) -> str:
        return self.source.resource_type


def multi_az_cluster(ctx: CopyContext) -> Failure | None:
    """Multi-AZ clusters "do not currently support any copy operations". Feature availability:
    https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-feature-availability.html"""
    if ctx.resource.multi_az_cluster:
        return Failure(MULTI_AZ_CLUSTER, INVALID_PARAMETERS)
    return None


#: What a logically air-gapped vault refuses, in AWS's words for a backup into one (the LAG
#: primary backup page's troubleshooting, tests/support/message_corpus.py); for a copy job the
#: "Copy job failed." prefix is INFERRED (the page quotes backup jobs, which complete "with
#: issues"). Which types and keys it refuses is the route table's (domain/route_table.py).
LAG_REFUSES_TYPE = (
    "Copy job failed. This resource type is not supported by logically air-gapped backup vault."
)
LAG_REFUSES_KEY = (
    "Copy job failed. This resource is encrypted with an AWS managed key and cannot be copied to "
    "a logically air-gapped backup vault."
)
_LAG_REFUSALS = {"lag-refuses-type": LAG_REFUSES_TYPE, "lag-weak-key": LAG_REFUSES_KEY}


def lag_takes_it(ctx: CopyContext) -> Failure | None:
    """A copy into a logically air-gapped vault of a type or key the route table says it does
    not take (RDS DB instances; clusters unencrypted or on an AWS managed key)."""
    if not moto_state.is_air_gapped(ctx.destination_vault):
        return None
    key_arn = ctx.source.encryption_key_arn
    key = moto_state.key(key_arn) if key_arn else None
    if key_arn is None:
        encryption = route_table.Encryption.UNENCRYPTED
    elif key is not None and moto_state.is_aws_managed(key):
        encryption = route_table.Encryption.AWS_MANAGED
    else:
        encryption = route_table.Encryption.CUSTOMER_MANAGED
    decision = route_table.decide(
        route_table.case_of(
            ctx.resource_type,
            (ctx.job.account, ctx.job.region),
            (ctx.job.destination_account, ctx.job.destination_region),
            destination_vault=route_table.VaultType.LOGICALLY_AIR_GAPPED,
            encryption=encryption,
        )
    )
    message = _LAG_REFUSALS.get(decision.family)
    return Failure(message, INVALID_PARAMETERS) if message else None


def destination_vault_exists(ctx: CopyContext) -> Failure | None:
    if ctx.destination_vault is None:
        return Failure(
            DESTINATION_VAULT_MISSING.format(vault_arn=ctx.job.destination_vault_arn),
            INVALID_PARAMETERS,
        )
    return None


def same_organization(ctx: CopyContext) -> Failure | None:
    settings = ctx.settings
    accounts = (ctx.job.account, ctx.job.destination_account)
    if ctx.cross_account and not all(settings.in_organization(a) for a in accounts):
        return Failure(NOT_SAME_ORGANIZATION, ACCESS_DENIED)
    return None


def cross_account_enabled(ctx: CopyContext) -> Failure | None:
    if ctx.cross_account and not ctx.settings.cross_account_backup_enabled:
        return Failure(CROSS_ACCOUNT_DISABLED, ACCESS_DENIED)
    return None


def single_action_refusal(job: CopyJob, resource_type: str, settings: Settings) -> str | None:
    """The message of a cross-account AND cross-Region copy of a type that cannot do both in
    one action, or None. Whether AWS refuses it as a job or as an API error is not published:
    `settings.single_action_refused_by` chooses."""
    cross_account = job.account != job.destination_account
    cross_region = job.region != job.destination_region
    if (
        cross_account
        and cross_region
        and resource_type in registry.REGISTRY.two_hop()
        and resource_type not in settings.single_action_copy_types
    ):
        return SINGLE_ACTION_UNSUPPORTED.format(
            source_region=job.region,
            destination_region=job.destination_region,
            resource_type=resource_type,
        )
    return None


def single_action_supported(ctx: CopyContext) -> Failure | None:
    message = single_action_refusal(ctx.job, ctx.resource_type, ctx.settings)
    return Failure(message, INVALID_PARAMETERS) if message else None


def vault_allows_copy_into(ctx: CopyContext) -> Failure | None:
    """Without `backup:CopyIntoBackupVault` allowed on the destination vault to the copy job's
    role, copies from the source account are denied (`access.may_copy_into`):
    https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html"""
    if not ctx.cross_account:
        return None
    if not access.may_copy_into(ctx.settings, ctx.destination_vault, ctx.job.iam_role_arn):
        return Failure(VAULT_ACCESS_DENIED, ACCESS_DENIED)
    return None


def destination_key_not_default(ctx: CopyContext) -> Failure | None:
    """A not fully managed type's copy into a vault on an AWS managed key; and any type's
    cross-account copy into the `Default` vault ("The destination vault cannot be the default
    vault", `access.DEFAULT_VAULT_NAME`): INFERRED, AWS answers the second with the first's
    message, the reason it gives being that vault's key."""
    if not ctx.cross_account or not ctx.destination_vault:
        return None
    if moto_state.is_air_gapped(ctx.destination_vault):
        return None  # its AWS owned key takes them (`lag_takes_it` decides what it refuses)
    message = DEFAULT_VAULT_KEY
    if ctx.job.destination_vault_name == access.DEFAULT_VAULT_NAME:
        return Failure(message, ACCESS_DENIED)
    if is_fully_managed(ctx.resource_type):
        return None
    key = moto_state.key(ctx.destination_vault.encryption_key_arn)
    if key is None or moto_state.is_aws_managed(key):
        return Failure(message, ACCESS_DENIED)
    return None


def source_key_usable(ctx: CopyContext) -> Failure | None:
    """The key of the recovery point (for fully managed types, its vault's) must be usable by
    the destination account (`access.may_use_key`); an AWS managed key cannot be shared, except
    for fully managed types (the encryption page cited at DEFAULT_VAULT_KEY; `access`)."""
    if not ctx.cross_account:
        return None
    key_arn = ctx.source.encryption_key_arn
    if key_arn is None:  # an unencrypted snapshot needs no key
        return None
    key = moto_state.key(key_arn)
    fully_managed = is_fully_managed(ctx.resource_type)
    if key is not None and moto_state.is_aws_managed(key):
        if fully_managed:
            return None
        return Failure(_aws_managed_key_message(ctx.resource_type, key.arn), ACCESS_DENIED)
    region = ctx.job.destination_region
    if key is None or not access.may_use_key(
        ctx.settings, key, ctx.job.destination_account, region
    ):
        message = (
            RDS_KEY_NOT_ACCESSIBLE if ctx.resource_type in rds_family() else EC2_KEY_NOT_ACCESSIBLE
        )  # INFERRED for fully managed types: AWS publishes no message for their keys
        return Failure(message, ACCESS_DENIED)
    return None


def _aws_managed_key_message(resource_type: str, key_arn: str) -> str:
    if resource_type in rds_family():
        return RDS_AWS_MANAGED_KEY.format(key_arn=key_arn)
    if resource_type == "EC2":
        return AMI_DEFAULT_KEY
    return EC2_KEY_NOT_ACCESSIBLE  # EBS and others: the generic KMS message (re:Post, above)


def option_groups_present(ctx: CopyContext) -> Failure | None:
    if ctx.resource_type != "RDS" or not ctx.cross_region:
        return None
    missing = [o for o in ctx.resource.option_groups if o not in ctx.destination_options]
    if missing:
        return Failure(OPTION_GROUP_MISSING.format(options=", ".join(missing)), INVALID_PARAMETERS)
    return None


#: In the order they are checked; the first that fails decides the job's message.
COPY_RULES: tuple[Callable[[CopyContext], Failure | None], ...] = (
    multi_az_cluster,
    destination_vault_exists,
    lag_takes_it,
    same_organization,
    cross_account_enabled,
    single_action_supported,
    vault_allows_copy_into,
    destination_key_not_default,
    source_key_usable,
    option_groups_present,
)


def copy_failure(ctx: CopyContext) -> Failure | None:
    for rule in COPY_RULES:
        failure = rule(ctx)
        if failure is not None:
            return failure
    return None
