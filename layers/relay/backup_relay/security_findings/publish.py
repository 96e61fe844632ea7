"""Publish one generator's findings: raise each cause seen now, leave unchanged ones be, resolve
the ACTIVE ones whose cause is gone.

"Gone" is the caller's to say (`resolves`): a finding is resolved only where this run could have
seen its cause again (the doctor checked its account and region; coverage found its resource
current), never because a part of the organization was not read this time.

An unchanged finding is imported again once it is `REFRESH` old: Security Hub deletes a finding
not updated for 90 days (https://docs.aws.amazon.com/securityhub/latest/userguide/ocsf-findings.html
says so of its findings; INFERRED for Security Hub CSPM's ASFF findings), and a cause that
persists must keep its finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel

from backup_relay.domain.clock import Clock, utc_now
from backup_relay.domain.errors import AwsError
from backup_relay.domain.security_findings import (
    Cause,
    Generator,
    Product,
    SecurityFinding,
    raised,
    resolved,
)
from backup_relay.security_findings.ports import SecurityHub

REFRESH = timedelta(days=30)


class FindingsReport(BaseModel):
    generator: str
    raised: list[str] = []  # new or changed findings' ids
    unchanged: list[str] = []
    resolved: list[str] = []
    failed: list[str] = []  # "id: code: message", as BatchImportFindings refused them
    errors: list[str] = []


@dataclass
class PublishFindings:
    hub: SecurityHub
    product: Product
    now: Clock = field(default=utc_now)

    def __call__(
        self,
        generator: Generator,
        causes: Iterable[Cause],
        resolves: Callable[[SecurityFinding], bool],
    ) -> FindingsReport:
        report = FindingsReport(generator=generator)
        generator_id = self.product.generator_id(generator)
        try:
            known = {
                f.id: f
                for f in self.hub.active_findings(self.product.product_arn, generator_id)
                if f.active and f.generator_id == generator_id  # whatever the hub's filter did
            }
        except AwsError as error:
            report.errors.append(f"reading {generator_id}'s findings from Security Hub: {error}")
            return report
        now = self.now()
        findings: dict[str, SecurityFinding] = {}
        for cause in causes:
            finding_id = self.product.finding_id(cause)
            finding = raised(cause, self.product, now, known.get(finding_id))
            if finding_id in known and self._current(known[finding_id], finding, now):
                report.unchanged.append(finding_id)
            elif finding_id not in findings:
                findings[finding_id] = finding
                report.raised.append(finding_id)
        seen = {*findings, *report.unchanged}
        for finding in known.values():
            if finding.id not in seen and resolves(finding):
                findings[finding.id] = resolved(finding, now)
                report.resolved.append(finding.id)
        if not findings:
            return report
        try:
            failures = self.hub.import_findings(list(findings.values()))
        except AwsError as error:
            report.errors.append(f"importing {len(findings)} findings into Security Hub: {error}")
            return report
        refused = {failure.id for failure in failures}
        report.failed = [f"{f.id}: {f.code}: {f.message}" for f in failures]
        report.raised = [i for i in report.raised if i not in refused]
        report.resolved = [i for i in report.resolved if i not in refused]
        return report

    @staticmethod
    def _current(known: SecurityFinding, finding: SecurityFinding, now: datetime) -> bool:
        updated = datetime.fromisoformat(known.updated_at.replace("Z", "+00:00"))
        return known.same_as(finding) and now - updated < REFRESH
