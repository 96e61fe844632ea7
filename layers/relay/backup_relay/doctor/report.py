"""The doctor's findings and report, and the categories findings use.

A finding uses the failure catalogue's category when the copy it prevents would fail with one
(so the finding and the alert its failure raises agree). Prerequisites whose absence fails no
job with a message of its own (nothing is forwarded, nothing is copied, a lock refuses a
lifecycle) have categories of their own, below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, computed_field

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/userguide"

#: Doctor-only categories: (title, AWS's page on it).
SETUP_CATEGORIES: dict[str, tuple[str, str]] = {
    "key_disabled": (
        "A KMS key the copies use is disabled or pending deletion",
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html",
    ),
    "vault_lock_retention": (
        "A vault lock refuses the retention the chain gives its copies",
        f"{_GUIDE}/vault-lock.html",
    ),
    "organization_setup": (
        "AWS Organizations is not set up for AWS Backup",
        f"{_GUIDE}/manage-cross-account.html",
    ),
    "bus_policy": (
        "The central event bus does not accept the organization's events, or accepts anyone's",
        f"{_EVENTS}/eb-event-bus-perms.html",
    ),
    "event_rules": (
        "No enabled rule brings AWS Backup's events to the ingest queue",
        f"{_EVENTS}/eb-rules.html",
    ),
    "member_plan": (
        "No backup plan of the member copies into the central vault",
        f"{_GUIDE}/create-cross-account-backup.html",
    ),
    "forwarding": (
        "The member account does not forward AWS Backup's events to the central bus",
        f"{_EVENTS}/eb-cross-account.html",
    ),
    "forward_dead_letters": (
        "Events of the member account did not reach the central bus: they wait in its forward "
        "dead-letter queue",
        f"{_EVENTS}/eb-rule-dlq.html",
    ),
    "tagging": (
        "Databases outside the tagging convention have no copy outside their account",
        f"{_GUIDE}/assigning-resources.html",
    ),
    "dynamodb_advanced_features": (
        "DynamoDB tables cannot be copied across accounts without advanced backup features",
        f"{_GUIDE}/advanced-ddb-backup.html",
    ),
    # the preflight's (doctor --preflight): what `sam deploy` of the central stack needs
    "lambda_concurrency": (
        "The account's Lambda concurrency cannot spare what the stack reserves",
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
    ),
    "stack_parameters": (
        "A parameter the deploy would pass is missing, unknown or out of range",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html",
    ),
    "physical_names": (
        "The stack's name, or a name it gives a resource, breaks AWS's rules for that name",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html",
    ),
}

#: Catalogue categories with no prerequisite a check could see beforehand, and why.
NOT_CHECKABLE: dict[str, str] = {
    "stopped_by_user": "someone stopped the job or execution",
    "chain_timed_out": "a copy outlasted the chain's wait: its duration is AWS's",
    "throttled": "a rate of calls at the time of the copy",
    "resource_busy": "another job held the resource at the time",
    "backup_window_expired": "the job did not start within its window that night",
    "partial": "some items of the resource could not be copied that time",
    "unknown": "a message the catalogue does not know",
}

Severity = Literal["fail", "warn"]


class Finding(BaseModel):
    severity: Severity  # "fail": copies will fail; "warn": some will, or a gap in coverage
    category: str
    account: str
    region: str
    resource: str
    problem: str
    fix: str
    docs: str | None = None  # AWS's page on this finding, when it is not its category's


class Check(BaseModel):
    account: str
    region: str  # "-": global
    what: str


class DoctorReport(BaseModel):
    findings: list[Finding] = []
    checked: list[Check] = []
    skipped: list[str] = []  # what the caller could not read, and who can

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failed(self) -> bool:
        return any(finding.severity == "fail" for finding in self.findings)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> dict[str, int]:
        """Findings per category."""
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.category] = counts.get(finding.category, 0) + 1
        return counts

    def check(self, account: str, region: str, *what: str) -> None:
        self.checked.extend(Check(account=account, region=region, what=w) for w in what)

    def add(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def merge(self, other: DoctorReport) -> None:
        """Another region's report: what both saw (the organization's settings) counts once."""
        self.findings += [f for f in other.findings if f not in self.findings]
        self.checked += [c for c in other.checked if c not in self.checked]
        self.skipped += [s for s in other.skipped if s not in self.skipped]

    def groups(self) -> list[tuple[tuple[str, str], list[Finding], list[Check]]]:
        """By account and region: groups with failures first, then warnings, then passes;
        each with its findings (failures first) and its checks."""
        keys = dict.fromkeys(
            [(c.account, c.region) for c in self.checked]
            + [(f.account, f.region) for f in self.findings]
        )
        groups = [
            (
                key,
                sorted(
                    (f for f in self.findings if (f.account, f.region) == key),
                    key=lambda f: f.severity != "fail",
                ),
                [c for c in self.checked if (c.account, c.region) == key],
            )
            for key in keys
        ]

        def rank(group: tuple[tuple[str, str], list[Finding], list[Check]]) -> tuple[int, str, str]:
            (account, region), findings, _ = group
            severities = {f.severity for f in findings}
            return (0 if "fail" in severities else 1 if severities else 2, account, region)

        return sorted(groups, key=rank)


def docs_for(category: str) -> str | None:
    """AWS's page on a doctor-only category (the catalogue's categories carry their own)."""
    return SETUP_CATEGORIES[category][1] if category in SETUP_CATEGORIES else None
