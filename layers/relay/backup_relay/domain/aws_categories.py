"""AWS's own taxonomy of job failures, `MessageCategory`, and what our catalogue makes of it.

AWS Backup gives backup and copy jobs a `MessageCategory` (DescribeBackupJob, DescribeCopyJob,
List*Jobs' `ByMessageCategory`, List*JobSummaries; restore jobs have none). AWS names only some
values in its API reference:
- ListBackupJobs / ListCopyJobs `ByMessageCategory`: "Example strings may include AccessDenied,
  SUCCESS, AGGREGATE_ALL, and InvalidParameters"
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListBackupJobs.html);
- BackupJobSummary `MessageCategory`: "Example strings include AccessDenied, Success, and
  InvalidParameters. See Monitoring for a list of MessageCategory strings"
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupJobSummary.html); the
  Monitoring page's jobs dashboard shows "job successes and failures, filtered by reasons"
  (https://docs.aws.amazon.com/aws-backup/latest/devguide/monitoring.html).
- "Completed with issues" is "a state of COMPLETED and a MessageCategory with a value other than
  SUCCESS" (ListBackupJobSummaries).
AWS's state-change events document no `messageCategory` (docs: eventbridge.html's examples;
events/): the normalizer keeps one when an event carries it, and the adapters read it from the
describe answers.

Our catalogue is finer than AWS's categories, so its patterns decide first; only when none
matches does AWS's category choose one of our families (FALLBACKS), with a remediation that says
what to look at in that family, instead of a bare `unknown`. INFERRED: the full list of values
is not in the pages above, so FALLBACKS recognize a value by the words in its name ("Access",
"Denied", "KMS", "Lifecycle", ...), case- and separator-insensitively, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backup_relay.domain.categories import Category
from backup_relay.domain.failures import GUIDE, Entry

#: The values AWS's API reference names (above), as it spells them.
DOCUMENTED = ("AccessDenied", "SUCCESS", "InvalidParameters")

_SAYS = "AWS Backup classed this failure as {aws_category}, and the message matches no entry."


@dataclass(frozen=True)
class Fallback:
    words: tuple[str, ...]  # any of these in the category's name (lowercase, letters only)
    entry: Entry


def _entry(  # noqa: PLR0917  (an Entry's fields, in its order)
    category: Category,
    title: str,
    fix: str,
    retryable: bool,
    docs: str,
    kinds: frozenset[str] = frozenset(),
) -> Entry:
    return Entry(category, (), title, f"{_SAYS} {fix}", retryable, docs, kinds=kinds)


FALLBACKS: tuple[Fallback, ...] = (
    Fallback(
        ("kms", "key", "encrypt"),
        _entry(
            Category.KMS_KEY_NOT_SHARED,
            "A KMS key problem (AWS's category)",
            "Check the key {key}: that it is enabled and not pending deletion, and that its "
            "policy lets {service_role} use it ({key_statements}); an AWS managed key (aws/...) "
            "cannot be shared across accounts.",
            True,
            f"{GUIDE}/encryption.html",
        ),
    ),
    Fallback(
        ("accessdenied", "denied", "permission", "unauthori", "forbidden"),
        _entry(
            Category.IAM_ROLE_PERMISSIONS,
            "Access was denied (AWS's category)",
            "Look in this order: the role the job ran with ({role}, account {account}) and its "
            "AWSBackupServiceRolePolicyForBackup permissions; for a copy, the destination "
            "vault's access policy (backup:CopyIntoBackupVault for {source_account}); the KMS "
            "key's policy; an SCP. CloudTrail in account {account} shows the denied call.",
            True,
            f"{GUIDE}/security-iam.html",
        ),
    ),
    Fallback(
        ("notenabled", "featurenot", "disabled"),
        _entry(
            Category.CROSS_ACCOUNT_DISABLED,
            "A feature the copy needs is not enabled (AWS's category)",
            "For a cross-account copy: turn on cross-account backup in the organization's "
            "management account (AWS Backup console > Settings); for DynamoDB, AWS Backup's "
            "advanced features for DynamoDB.",
            True,
            f"{GUIDE}/create-cross-account-backup.html",
            kinds=frozenset({"COPY"}),
        ),
    ),
    Fallback(
        ("notenabled", "featurenot", "optin", "subscri"),
        _entry(
            Category.NOT_SUBSCRIBED,
            "A feature, service or region is not enabled (AWS's category)",
            "Check that the region is enabled for account {account}, that the service is, and "
            "the AWS Backup settings the resource type needs (Settings > Service opt-in, "
            "advanced features for DynamoDB).",
            True,
            f"{GUIDE}/service-opt-in.html",
        ),
    ),
    Fallback(
        ("lifecycle", "retention", "vaultlock"),
        _entry(
            Category.VAULT_LOCK_RETENTION,
            "The lifecycle or retention is refused (AWS's category)",
            "Compare the rule's lifecycle (days to cold storage, days to deletion: at least 90 "
            "days apart) with the destination vault's lock or air-gapped range in account "
            "{destination_account}.",
            True,
            f"{GUIDE}/vault-lock.html",
        ),
    ),
    Fallback(
        ("concurren", "inprogress", "conflict", "busy"),
        _entry(
            Category.RESOURCE_BUSY,
            "Another job held the resource (AWS's category)",
            "Move the rules that act on {resource} apart, or lengthen their completion window.",
            True,
            f"{GUIDE}/recov-point-create-a-copy.html",
        ),
    ),
    Fallback(
        ("unsupported", "notsupported"),
        _entry(
            Category.UNSUPPORTED_COPY_ROUTE,
            "AWS Backup does not support this operation for the resource (AWS's category)",
            "Check AWS Backup's feature availability for {resource_type} from {region} to "
            "{destination_region}; the same job fails again.",
            False,
            f"{GUIDE}/backup-feature-availability.html",
        ),
    ),
    Fallback(
        ("throttl", "ratelimit", "ratexceeded", "toomanyrequests"),
        _entry(
            Category.THROTTLED,
            "AWS throttled the job (AWS's category)",
            "Retry later; lower the concurrency or spread the plans' start times.",
            True,
            f"{GUIDE}/aws-backup-limits.html",
        ),
    ),
    Fallback(
        ("quota", "limitexceeded", "limit"),
        _entry(
            Category.COUNT_QUOTA,
            "A quota is reached (AWS's category)",
            "Service Quotas in account {account}, region {region} shows which; delete old "
            "recovery points or ask for more.",
            True,
            f"{GUIDE}/aws-backup-limits.html",
        ),
    ),
    Fallback(
        ("internal", "serviceunavailable", "serviceerror", "transient"),
        _entry(
            Category.AWS_INTERNAL,
            "An internal error at AWS (AWS's category)",
            "Replay the job; if it recurs, open an AWS Support case with the job id.",
            True,
            f"{GUIDE}/CommonErrors.html",
        ),
    ),
    Fallback(
        ("notfound", "notexist", "deleted", "missing"),
        _entry(
            Category.RESOURCE_DELETED,
            "Something the job needs no longer exists (AWS's category)",
            "Check that {resource}, its recovery point and the vault {vault} still exist.",
            False,
            f"{GUIDE}/troubleshooting.html",
        ),
    ),
    Fallback(
        ("expired", "window", "timeout", "timedout"),
        _entry(
            Category.BACKUP_WINDOW_EXPIRED,
            "The job ran out of its window (AWS's category)",
            "Widen the rule's start or completion window, or move its schedule.",
            True,
            f"{GUIDE}/creating-a-backup-plan.html",
        ),
    ),
)


#: What a MessageCategory looks like (INFERRED from AWS's examples: one word of letters, digits
#: and `_`; a little wider, bounded): the normalizer keeps and the CLI takes only such a name.
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def category_name(text: str) -> str:
    """`text` stripped, if it is a MessageCategory's name; ValueError if not."""
    name = text.strip()
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"{name[:40]!r} is not an AWS message category: one word of up to 64 letters, "
            "digits or _ (for example AccessDenied)"
        )
    return name


def name_words(aws_category: str) -> str:
    """`Access_Denied`, `ACCESS DENIED` and `AccessDenied` alike: `accessdenied`."""
    return re.sub(r"[^a-z]", "", aws_category.lower())


def fallback(aws_category: str | None, kind: str | None) -> Fallback | None:
    """The family AWS's category picks when no catalogue entry matched; None for none (no
    category, SUCCESS, or words no fallback knows, as InvalidParameters)."""
    words = name_words(aws_category or "")
    if not words or words == "success":
        return None
    return next(
        (
            f
            for f in FALLBACKS
            if any(w in words for w in f.words) and (not f.entry.kinds or kind in f.entry.kinds)
        ),
        None,
    )
