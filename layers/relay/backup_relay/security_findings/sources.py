"""What each source finds, as Security Hub causes, and when its findings are resolved:

- the doctor's findings (scheduled DoctorFunction): one per finding (category, account, region,
  resource); resolved when a later doctor checked that account and region and found it no more;
- stale DR copies (reconcile's coverage check): one per resource and destination; resolved when
  coverage finds the resource current there again (a resource coverage no longer sees keeps its
  finding: nothing proved it covered);
- failed restore drills: `domain.security_findings.failed_drill`, resolved by the resource's
  next passing drill (the drills' caller says which resources passed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backup_relay.coverage.destinations import DestinationCoverage
from backup_relay.coverage.resources import CoverageReport, ResourceCoverage
from backup_relay.doctor.report import DoctorReport, Finding, docs_for
from backup_relay.domain.catalogue import CATALOGUE
from backup_relay.domain.categories import WARNINGS, Category
from backup_relay.domain.failures import Severity
from backup_relay.domain.security_findings import (
    ACCOUNT,
    BEST_PRACTICES,
    REGION,
    SUBJECT,
    Cause,
    Generator,
    Label,
    SecurityFinding,
    failed_drill,
    resource,
)
from backup_relay.security_findings.publish import FindingsReport, PublishFindings

#: failed_drill: re-exported, the drills build their causes with it
__all__ = [
    "DoctorFindings",
    "DrillFindings",
    "StaleCopyFindings",
    "doctor_cause",
    "failed_drill",
    "stale_cause",
]

_LABELS = {Severity.ERROR: Label.HIGH, Severity.WARNING: Label.MEDIUM}


def doctor_cause(finding: Finding) -> Cause:
    docs = next((e.docs for e in CATALOGUE if e.category == finding.category), None)
    where = "global" if finding.region == "-" else finding.region
    arns = finding.resources or [finding.resource]
    return Cause(
        generator=Generator.DOCTOR,
        key=(finding.category, finding.account, finding.region, finding.resource),
        severity=_LABELS[finding.severity],
        title=f"backup-relay prerequisite: {finding.category} ({finding.account}, {where})",
        description=finding.problem,
        remediation=finding.fix,
        docs=finding.docs or docs or docs_for(finding.category),
        account=finding.account,
        region=finding.region,
        subject=finding.resource,
        category=finding.category,
        resources=tuple(
            resource(arn, None, finding.account, finding.region) for arn in dict.fromkeys(arns)
        ),
        types=(f"{BEST_PRACTICES}/Backup Copy Prerequisites",),
    )


def stale_cause(
    item: ResourceCoverage, destination: DestinationCoverage, max_age_hours: float
) -> Cause:
    """A resource whose newest copy into `destination` is too old or missing. Keyed by the
    destination vault's ARN: the DR vault's findings keep the ids they had with one destination."""
    title, remediation, docs = WARNINGS[Category.DR_COPY_STALE]
    name = item.resource_arn.rsplit(":", 1)[-1]
    vault = destination.vault_arn
    return Cause(
        generator=Generator.STALE_DR_COPY,
        key=(item.resource_arn, vault),
        severity=Label.MEDIUM,
        title=f"DR copy stale: {item.resource_type} {name} in {destination.destination}",
        description=(
            f"{title}. {item.resource_arn} has no copy in {vault} newer than "
            f"{max_age_hours:g} h: {destination.why}"
            + (f" (newest: {destination.newest_copy})" if destination.newest_copy else "")
        ),
        remediation=destination.replay_command or item.replay_command or remediation,
        docs=docs,
        account=item.account,
        region=item.region,
        subject=_subject(item.resource_arn, vault),
        category=Category.DR_COPY_STALE,
        resources=(resource(item.resource_arn, item.resource_type, item.account, item.region),),
        types=(f"{BEST_PRACTICES}/Backup Copy Freshness",),
    )


def _subject(resource_arn: str, destination: str) -> str:
    return f"{resource_arn} -> {destination}"


@dataclass
class DoctorFindings:
    publish: PublishFindings

    def __call__(self, report: DoctorReport) -> FindingsReport:
        checked = {(c.account, c.region) for c in report.checked}

        def gone(finding: SecurityFinding) -> bool:
            return (finding.field(ACCOUNT), finding.field(REGION)) in checked

        return self.publish(Generator.DOCTOR, map(doctor_cause, report.findings), gone)


@dataclass
class StaleCopyFindings:
    """One finding per resource and destination it is stale in; resolved once coverage finds
    that destination no longer stale (current, pending, or no route)."""

    publish: PublishFindings

    def __call__(self, report: CoverageReport) -> FindingsReport:
        fine = {
            _subject(r.resource_arn, d.vault_arn)
            for r in report.resources
            for d in r.destinations
            if not d.stale
        }
        causes = [
            stale_cause(r, d, report.max_age_hours)
            for r in report.resources
            for d in r.stale_destinations
        ]
        return self.publish(
            Generator.STALE_DR_COPY, causes, lambda finding: finding.field(SUBJECT) in fine
        )


@dataclass
class DrillFindings:
    """For the restore drills: `failed` the causes of this run's failed drills
    (`failed_drill(...)`), `passed` the resources whose drill passed (their findings resolve)."""

    publish: PublishFindings

    def __call__(self, failed: Iterable[Cause], passed: Iterable[str]) -> FindingsReport:
        proven = set(passed)
        return self.publish(
            Generator.RESTORE_DRILL, failed, lambda finding: finding.field(SUBJECT) in proven
        )
