"""The doctor's findings and report, and the categories findings use.

A finding uses the failure catalogue's category when the copy it prevents would fail with one
(so the finding and the alert its failure raises agree). Prerequisites whose absence fails no
job with a message of its own (nothing is forwarded, nothing is copied, a lock refuses a
lifecycle) have categories of their own, below.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, computed_field

from backup_relay.domain.categories import SETUP_CATEGORIES, Category
from backup_relay.domain.failures import Severity

_GUIDE = "https://docs.aws.amazon.com/aws-backup/latest/devguide"
_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/userguide"


class Finding(BaseModel):
    severity: Severity  # ERROR: copies will fail; WARNING: some will, or a gap in coverage
    category: Category
    account: str
    region: str
    resource: str
    problem: str
    fix: str
    docs: str | None = None  # AWS's page on this finding, when it is not its category's
    resources: list[str] = []  # every resource of a grouped finding (one finding per cause)


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
        return any(finding.severity is Severity.ERROR for finding in self.findings)

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
                    key=lambda f: f.severity is not Severity.ERROR,
                ),
                [c for c in self.checked if (c.account, c.region) == key],
            )
            for key in keys
        ]

        def rank(group: tuple[tuple[str, str], list[Finding], list[Check]]) -> tuple[int, str, str]:
            (account, region), findings, _ = group
            severities = {f.severity for f in findings}
            return (0 if Severity.ERROR in severities else 1 if severities else 2, account, region)

        return sorted(groups, key=rank)


def docs_for(category: Category) -> str | None:
    """AWS's page on a doctor-only category (the catalogue's categories carry their own)."""
    return SETUP_CATEGORIES[category][1] if category in SETUP_CATEGORIES else None
