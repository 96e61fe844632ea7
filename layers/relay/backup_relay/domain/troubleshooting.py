"""AWS's troubleshooting page for a failed job, by resource type: what an `unknown` failure's alert
points to (one table). Keys are resource types of the registry (`resource_types.REGISTRY`, a test
holds them to it); a type without its own page gets AWS's general pages: the knowledge-center
article on failed backup jobs, or the one on failed cross-account copies for a copy.

Sources: the developer guide's page on each type's backups, cited below, and re:Post's
knowledge center (https://repost.aws/knowledge-center/backup-failed-job,
https://repost.aws/knowledge-center/backup-troubleshoot-cross-account-copy).
"""

from __future__ import annotations

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"

#: Resource type -> the guide's page on backing it up (its prerequisites and limits).
BY_RESOURCE_TYPE: dict[str, str] = {
    "S3": f"{_GUIDE}/s3-backups.html",
    "DynamoDB": f"{_GUIDE}/advanced-ddb-backup.html",
    "RDS": f"{_GUIDE}/rds-backup.html",
    "Aurora": f"{_GUIDE}/rds-backup.html",
    "EKS": f"{_GUIDE}/eks-backups.html",
}
FAILED_BACKUP = "https://repost.aws/knowledge-center/backup-failed-job"
FAILED_COPY = "https://repost.aws/knowledge-center/backup-troubleshoot-cross-account-copy"


def troubleshooting_page(resource_type: str | None, kind: str | None) -> str:
    """The page to read first for a failure the catalogue does not know."""
    if kind and kind.upper() in {"COPY", "CHAIN"}:
        return FAILED_COPY
    return BY_RESOURCE_TYPE.get(resource_type or "", FAILED_BACKUP)
