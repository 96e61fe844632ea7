"""AWS Security Hub (CSPM) as the security findings' port: GetFindings, BatchImportFindings.

- BatchImportFindings takes at most 100 findings a request (API_BatchImportFindings.html;
  "up to 100 findings per batch, up to 240 KB per finding, and up to 6 MB per batch",
  https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html):
  findings go in batches of 100. A finding it refuses is in FailedFindings (Id, ErrorCode,
  ErrorMessage) while the others are imported: the refusals are returned, not raised.
- GetFindings returns at most 100 findings a page (MaxResults 1-100,
  https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html); it is
  filtered on the product, the generator and RecordState ACTIVE.
- An account where Security Hub is not enabled answers InvalidAccessException ("Security Hub
  CSPM can only accept finding updates for accounts that have Security Hub CSPM enabled",
  finding-update-batchimportfindings.html): a Refused, which the use case reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors
from backup_relay.domain.security_findings import SecurityFinding
from backup_relay.security_findings.ports import ImportFailure

BATCH = 100  # findings per BatchImportFindings request, AWS's limit
PAGE = 100  # findings per GetFindings page, AWS's limit


def _equals(value: str) -> list[dict[str, str]]:
    return [{"Value": value, "Comparison": "EQUALS"}]


@dataclass
class SecurityHubFindings:
    region: str | None = None  # the hub's region (the stack's): default, the function's

    def _client(self) -> Any:
        return aws.client("securityhub", self.region)

    def active_findings(self, product_arn: str, generator_id: str) -> list[SecurityFinding]:
        request: dict[str, Any] = {
            "Filters": {
                "ProductArn": _equals(product_arn),
                "GeneratorId": _equals(generator_id),
                "RecordState": _equals("ACTIVE"),
            },
            "MaxResults": PAGE,
        }
        found: list[SecurityFinding] = []
        with domain_errors():
            while True:
                page = self._client().get_findings(**request)
                found += [SecurityFinding.model_validate(f) for f in page.get("Findings", [])]
                if not page.get("NextToken"):
                    return found
                request["NextToken"] = page["NextToken"]

    def import_findings(self, findings: Sequence[SecurityFinding]) -> list[ImportFailure]:
        failures: list[ImportFailure] = []
        with domain_errors():
            for start in range(0, len(findings), BATCH):
                batch = [finding.asff() for finding in findings[start : start + BATCH]]
                answer = self._client().batch_import_findings(Findings=batch)
                failures += [
                    ImportFailure(
                        id=str(failed.get("Id", "")),
                        code=str(failed.get("ErrorCode", "")),
                        message=str(failed.get("ErrorMessage", "")),
                    )
                    for failed in answer.get("FailedFindings", [])
                ]
        return failures
