"""Why a backup, copy or restore job failed, and how to fix it: the failure catalogue.

CATALOGUE is data, one entry per way of failing, checked in order (the first that matches
decides): what AWS's status message says (regular expressions over its meaning, not whole
strings: messages carry prefixes, ARNs, regions and option lists), optionally for which job kinds
and states. Each entry gives a category, a title, a remediation naming what to change and where,
whether a replay after the fix should succeed, and AWS's page on it. Values found in the message
and in the job (accounts, regions, vaults, keys, roles) are filled in; an unknown one is named
generically ("<destination account>").

Sources: ../shared/reference/aws-backup-facts.md (section 5 and the encryption and vault-policy
rules), AWS's documented job events (events/), and the sandbox simulator's failure rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
SERVICE_ROLE = (
    "arn:aws:iam::{destination_account}:role/aws-service-role/backup.amazonaws.com/"
    "AWSServiceRoleForBackup"
)
KEY_STATEMENTS = (
    "kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey* and kms:DescribeKey, and "
    "kms:CreateGrant, kms:ListGrants and kms:RevokeGrant under the condition "
    '"kms:GrantIsForAWSResource": "true"'
)


class Diagnosis(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: str
    title: str
    remediation: str
    retryable: bool  # a replay after the fix is expected to succeed
    docs: str
    message: str  # AWS's message, as given


@dataclass(frozen=True)
class Entry:
    category: str
    patterns: tuple[str, ...]  # any matches (case-insensitive); () matches by state alone
    title: str
    remediation: str  # {placeholders}: see _values
    retryable: bool
    docs: str
    kinds: frozenset[str] = frozenset()  # BACKUP, COPY, RESTORE; empty: any
    states: frozenset[str] = frozenset()  # the job's final state; empty: any

    def matches(self, message: str, kind: str | None, state: str | None) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        if self.states and state not in self.states:
            return False
        if not self.patterns:
            return bool(self.states) and not message
        return any(re.search(pattern, message, re.IGNORECASE) for pattern in self.patterns)


CATALOGUE: tuple[Entry, ...] = (
    Entry(  # ExecutionEnded's words for a chain execution someone stopped
        "stopped_by_user",
        (r"execution aborted",),
        "Someone stopped the copy chain's execution",
        "Step Functions' StopExecution ended the chain (CloudTrail in account {account} says "
        "who). Nothing to fix if it was meant; otherwise replay the chain.",
        True,
        "https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html",
    ),
    Entry(  # ExecutionEnded's words for a chain execution past its TimeoutSeconds
        "chain_timed_out",
        (r"execution timed_out",),
        "The copy chain ran past its execution timeout (7 days)",
        "A hop waited longer than the chain's timeout: look at its copy job (still CREATED "
        "means AWS Backup queued it; RUNNING, a very large copy). Once it has ended, replay "
        "the chain; if copies that long are normal, raise the state machine's TimeoutSeconds.",
        True,
        f"{_GUIDE}/recov-point-create-a-copy.html",
    ),
    Entry(
        "not_same_organization",
        (r"must be a member of the same organi[sz]ation", r"not a member of an organi[sz]ation"),
        "The source and destination accounts are not in the same AWS Organization",
        "Cross-account copies work only between accounts of one organization: bring account "
        "{source_account} and account {destination_account} into the same organization (AWS "
        "Organizations, from its management account), or copy into a vault of an account of "
        "the source's organization.",
        True,
        f"{_GUIDE}/create-cross-account-backup.html",
    ),
    Entry(
        "cross_account_disabled",
        (r"cross-account backup is not enabled", r"isCrossAccountBackupEnabled"),
        "Cross-account backup is turned off for the organization",
        "Turn on cross-account backup in the organization's MANAGEMENT account (member accounts "
        "cannot): AWS Backup console > Settings > Cross-account management > Cross-account "
        "backup, or `aws backup update-global-settings --global-settings "
        "isCrossAccountBackupEnabled=true` with the management account's credentials.",
        True,
        f"{_GUIDE}/create-cross-account-backup.html",
    ),
    Entry(
        "unsupported_copy_route",
        (r"multi-az db cluster snapshot is not supported",),
        "RDS Multi-AZ DB clusters cannot be copied",
        "AWS Backup supports no copy of a Multi-AZ DB cluster's snapshots (AWS Backup's feature "
        "availability): keep their DR by other means (for example a cross-region read replica), "
        "or exclude them from the copy rule of the backup plan. Replaying will fail again.",
        False,
        f"{_GUIDE}/backup-feature-availability.html",
    ),
    Entry(
        "unsupported_copy_route",
        (r"cannot be initiated for .* resources", r"feature is not supported for provided"),
        "This copy route is not supported for the resource type in one step",
        "AWS Backup will not copy {resource_type} from {region} to {destination_region} across "
        "accounts in one job: copy it in two hops, across accounts in the same region first, "
        "then across regions (backup-relay's copy chain does this; remove {resource_type} from "
        "the stack's SingleActionResourceTypes). The same single-step copy fails again.",
        False,
        f"{_GUIDE}/backup-feature-availability.html",
    ),
    Entry(
        "option_group_missing",
        (r"requires a target option group",),
        "The destination region lacks the RDS option group the snapshot needs",
        "In account {destination_account}, region {destination_region}, create an option group "
        "for the snapshot's engine and major version with the options {options} (RDS console > "
        "Option groups, or `aws rds create-option-group` then `add-option-to-option-group`); "
        "AWS Backup copies an RDS snapshot across regions only into a region that has them.",
        True,
        f"{_GUIDE}/cross-region-backup.html",
    ),
    Entry(
        "default_vault_key",
        (r"aws/backup is not supported", r"vault encrypted with the aws managed key aws/backup"),
        "The destination vault is encrypted with the AWS managed key aws/backup",
        "A vault encrypted with aws/backup cannot receive cross-account copies of types that "
        "AWS Backup does not fully manage ({resource_type}), and a vault's key cannot change: "
        "create the destination vault again with a customer managed KMS key (in account "
        "{destination_account}) whose key policy lets the source accounts' "
        "AWSServiceRoleForBackup use it, and copy into that vault.",
        True,
        f"{_GUIDE}/encryption.html",
    ),
    Entry(
        "aws_managed_key",
        (r"default cmk", r"alias/aws/", r"aws managed key", r"aws-managed key"),
        "The recovery point is encrypted with an AWS managed key, which cannot be shared",
        "An AWS managed key's policy (aws/rds, aws/ebs) cannot be changed, so account "
        "{destination_account} can never use it: cross-account copy with AWS managed keys is "
        "not supported for resources AWS Backup does not fully manage. Encrypt the source with a "
        "customer managed key (RDS and Aurora: copy a snapshot with a customer managed key and "
        "restore from it; EBS: set the volume's key to one), share that key with {service_role} "
        "({key_statements}), and back up again.",
        True,
        f"{_GUIDE}/encryption.html",
    ),
    Entry(
        "kms_key_not_shared",
        (
            r"source snapshot kms key .*does not exist, is not enabled or you do not have "
            r"permissions",
            r"given key id is not accessible",
            r"kms key .* is not accessible",
        ),
        "The source KMS key does not let the destination account use it",
        "Add a statement to the key policy of {key} (in account {source_account}) allowing the "
        "principal {service_role} {key_statements}. RDS's 'source snapshot KMS key ... does not "
        "exist, is not enabled or you do not have permissions' and EBS's 'Given key ID is not "
        "accessible' both mean this statement is missing (or the key is disabled or pending "
        "deletion). If the key is AWS managed (aws/rds, aws/ebs), its policy cannot change: "
        "re-encrypt with a customer managed key (aws_managed_key).",
        True,
        "https://repost.aws/knowledge-center/backup-cross-account-copy-error",
    ),
    Entry(
        "vault_access_policy",
        (r"access denied trying to call aws backup service", r"copyintobackupvault"),
        "The destination vault's access policy does not allow the copy",
        "Despite its words, this message on a copy usually means the destination vault's access "
        "policy, not IAM: add to the access policy of {destination_vault} (account "
        "{destination_account}) a statement allowing backup:CopyIntoBackupVault to account "
        "{source_account} (or to the whole organization with aws:PrincipalOrgID). If it "
        "already does, check that the role the copy ran with has backup:CopyFromBackupVault "
        "and backup:CopyIntoBackupVault.",
        True,
        "https://repost.aws/knowledge-center/backup-resolve-access-denied-error",
        kinds=frozenset({"COPY"}),
    ),
    Entry(
        "iam_role_permissions",
        (r"iam role .* does not have sufficient permissions", r"does not have sufficient perm"),
        "The role AWS Backup ran the job with lacks permissions, or does not exist",
        "Give the role {role} in account {account} the permissions of the AWS managed policies "
        "AWSBackupServiceRolePolicyForBackup (and ...ForRestores for restores). AWS gives this "
        "same message when the role does not exist yet: the console creates "
        "AWSBackupDefaultServiceRole on first use only, so in an account never opened in the "
        "console create it (trusting backup.amazonaws.com) or point the plan at a role that "
        "exists.",
        True,
        f"{_GUIDE}/iam-service-roles.html",
    ),
    Entry(
        "iam_role_permissions",
        (r"access denied exception while trying to list tags",),
        "The role AWS Backup ran the job with cannot read the resource's tags",
        "Give the role the job ran with ({role}, account {account}) permission to list the "
        "resource's tags (for example rds:ListTagsForResource, ec2:DescribeTags, "
        "tag:GetResources), as AWSBackupServiceRolePolicyForBackup grants.",
        True,
        f"{_GUIDE}/iam-service-roles.html",
    ),
    Entry(
        "iam_role_permissions",
        (r"does not permit attaching a new instance profile",),
        "The restore would attach an instance profile other than the backed-up one",
        "Restore with the instance profile the backup recorded, or give the restore role "
        "iam:PassRole on the new instance profile's role (account {account}).",
        True,
        f"{_GUIDE}/restoring-ec2.html",
    ),
    Entry(
        "iam_role_permissions",
        (r"access ?denied", r"not authori[sz]ed to perform"),
        "AWS denied the job access",
        "The role the job ran with ({role}, account {account}) lacks a permission the job "
        "needed, or a resource policy (vault, key) or an SCP denies it: the message above names "
        "the action. CloudTrail in account {account} shows the denied call.",
        True,
        f"{_GUIDE}/security-iam.html",
    ),
    Entry(
        "throttled",
        (r"rate exceeded", r"throttl", r"limitexceeded", r"limit .*(reached|exceeded)"),
        "AWS throttled the request or a concurrency quota was reached",
        "Retry later. If it recurs, lower the concurrency (the stack's MaxConcurrentCopies, the "
        "number of plans starting at once), spread the plans' start times, or ask for a quota "
        "increase where AWS allows one (AWS Backup: 100 concurrent copy jobs per account and "
        "destination region for fully managed types; RDS and its family: a few snapshot copies "
        "in progress per destination region).",
        True,
        f"{_GUIDE}/aws-backup-limits.html",
    ),
    Entry(
        "resource_busy",
        (
            r"running job for the same resource",
            r"already (a job )?in progress",
            r"another (backup|copy) job",
        ),
        "Another job of the same resource was running",
        "Only one backup or copy job runs at a time per resource: move the rules that act on "
        "{resource} apart (start times, frequency), or lengthen their completion window so a "
        "job can wait its turn.",
        True,
        f"{_GUIDE}/recov-point-create-a-copy.html",
    ),
    Entry(
        "backup_window_expired",
        (r"(start|completion|backup) window", r"window (has )?expired"),
        "The job did not start or finish within its window",
        "Widen the backup rule's start window (StartWindowMinutes) or completion window "
        "(CompletionWindowMinutes), or move the plan's schedule away from other jobs of the "
        "resource.",
        True,
        f"{_GUIDE}/creating-a-backup-plan.html",
    ),
    Entry(
        "backup_window_expired",
        (),
        "The job did not start or finish within its window",
        "AWS ended it EXPIRED without a message: widen the backup rule's start window "
        "(StartWindowMinutes) or completion window (CompletionWindowMinutes), or move the "
        "plan's schedule away from other jobs of the resource.",
        True,
        f"{_GUIDE}/creating-a-backup-plan.html",
        states=frozenset({"EXPIRED"}),
    ),
    Entry(
        "stopped_by_user",
        (r"stopped by (the )?user", r"was (stopped|cancell?ed)"),
        "Someone stopped the job",
        "Nothing to fix if it was meant: CloudTrail (StopBackupJob) in account {account} says "
        "who stopped it. Otherwise run it again.",
        True,
        f"{_GUIDE}/API_StopBackupJob.html",
    ),
    Entry(
        "stopped_by_user",
        (),
        "Someone stopped the job",
        "AWS ended it ABORTED without a message: CloudTrail (StopBackupJob) in account "
        "{account} says who stopped it. Run it again if it was not meant.",
        True,
        f"{_GUIDE}/API_StopBackupJob.html",
        states=frozenset({"ABORTED"}),
    ),
    Entry(
        "vault_missing",
        (r"backup vault .* does not exist",),
        "The backup vault the job writes to does not exist",
        "Create the vault {vault} (its account and region are in its ARN), or point the backup "
        "plan's rule or copy action at a vault that exists.",
        True,
        f"{_GUIDE}/vaults.html",
    ),
    Entry(
        "partial",
        (),
        "Part of the resource was not backed up or copied",
        "AWS ended the job PARTIAL: its console page lists what is missing. Run it again once "
        "the cause is fixed.",
        True,
        f"{_GUIDE}/troubleshooting.html",
        states=frozenset({"PARTIAL"}),
    ),
)

UNKNOWN = Entry(
    "unknown",
    (),
    "A failure the catalogue does not know",
    "AWS's message is kept whole above. Open the job in the AWS Backup console (account "
    "{account}, region {region}) and look the message up in AWS Backup's troubleshooting guide; "
    "if it recurs, add it to backup-relay's failure catalogue (backup_relay/diagnosis.py).",
    False,
    f"{_GUIDE}/troubleshooting.html",
)

#: Every category the catalogue can answer, in the catalogue's order.
CATEGORIES: tuple[str, ...] = tuple(
    dict.fromkeys([*(entry.category for entry in CATALOGUE), UNKNOWN.category])
)

_PREFIXES = re.compile(r'^(?:\s|"|\\"|access denied:\s*|error:\s*)+', re.IGNORECASE)
_ARN = r"arn:aws[a-z-]*:{service}:[^\s\"'\]\[,;()]+"


def diagnose(
    message: str | None,
    *,
    resource_type: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    context: Mapping[str, str] | None = None,
) -> Diagnosis:
    """The catalogue's entry for a job's status message (with its kind and final state, when
    known), its remediation filled with what the message and `context` name."""
    text = clean(message or "")
    kind_name = kind.upper() if kind else None
    entry = next((e for e in CATALOGUE if e.matches(text, kind_name, state)), UNKNOWN)
    values = _values(text, resource_type, dict(context or {}))
    return Diagnosis(
        category=entry.category,
        title=entry.title,
        remediation=entry.remediation.format_map(values),
        retryable=entry.retryable,
        docs=entry.docs,
        message=message or "",
    )


def clean(message: str) -> str:
    """The message without the quotes and prefixes AWS and its callers wrap it in."""
    text = _PREFIXES.sub("", message.strip())
    return text.rstrip('"\\ ').strip()


def _found(service: str, text: str) -> str | None:
    match = re.search(_ARN.format(service=service), text)
    return match.group(0).rstrip(".") if match else None


def _account_of(arn: str | None) -> str | None:
    parts = arn.split(":") if arn else []
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def _region_of(arn: str | None) -> str | None:
    parts = arn.split(":") if arn else []
    return parts[3] if len(parts) > 3 and parts[3] else None


def _values(text: str, resource_type: str | None, context: dict[str, str]) -> dict[str, str]:
    source_vault = context.get("source_vault_arn")
    destination_vault = context.get("destination_vault_arn") or _found("backup", text)
    key = _found("kms", text) or context.get("key_arn")
    route = re.search(r"from ([a-z]{2}(?:-[a-z]+)+-\d) to ([a-z]{2}(?:-[a-z]+)+-\d)", text)
    options = re.search(r"following options:\s*(.+?)\.?$", text)
    role = _found("iam", text) or context.get("iam_role_arn")
    account = context.get("account") or _account_of(source_vault)
    destination_account = (
        context.get("destination_account") or _account_of(destination_vault) or None
    )
    values = {
        "account": account or "<the job's account>",
        "region": (route.group(1) if route else None)
        or context.get("region")
        or "<the source region>",
        "source_account": _account_of(source_vault) or account or "<the source account>",
        "destination_account": destination_account or "<the destination account>",
        "destination_region": (route.group(2) if route else None)
        or _region_of(destination_vault)
        or "<the destination region>",
        "destination_vault": destination_vault or "the destination vault",
        "vault": _found("backup", text) or destination_vault or "the vault",
        "key": key or "the source recovery point's KMS key",
        "role": role or "the job's IAM role",
        "options": options.group(1).strip() if options else "the snapshot lists",
        "resource_type": resource_type or "this resource type",
        "resource": context.get("resource_arn") or "the resource",
        "key_statements": KEY_STATEMENTS,
    }
    values["service_role"] = SERVICE_ROLE.format(
        destination_account=destination_account or "<destination account>"
    )
    return values
