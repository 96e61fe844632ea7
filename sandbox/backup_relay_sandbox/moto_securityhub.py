"""AWS Security Hub (CSPM) findings where moto's differ from AWS's (docs/security-hub.md).

moto 5 stores what BatchImportFindings gets and returns all of it from GetFindings. AWS also:

- accepts findings only where Security Hub is enabled ("Security Hub CSPM can only accept
  finding updates for accounts that have Security Hub CSPM enabled",
  https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html);
  moto imports into a disabled hub. Here: InvalidAccessException, moto's own words for a
  disabled hub (AWS's message is INFERRED);
- takes at most 100 findings a request (API_BatchImportFindings.html; botocore does not check a
  list's maximum): InvalidInputException (its message INFERRED);
- refuses a finding without a required attribute (asff-required-attributes.html), or whose
  AwsAccountId is not the caller's with the default product ARN (API_BatchImportFindings.html),
  as a FailedFindings entry, the others imported (ErrorCode and message INFERRED);
- keeps `Workflow` as it is when a provider updates its finding ("After a finding is created,
  BatchImportFindings cannot be used to update ... Workflow"); a new finding's workflow is NEW;
  RESOLVED or NOTIFIED go back to NEW when RecordState goes ARCHIVED -> ACTIVE or
  Compliance.Status PASSED -> another (findings-workflow-status.html);
- adds ProductFields of its own (aws/securityhub/FindingId, ProductName, CompanyName: INFERRED,
  as AWS's sample findings show them);
- filters GetFindings (Filters: string filters, EQUALS, PREFIX, NOT_EQUALS, PREFIX_NOT_EQUALS,
  on the top-level attributes and ComplianceStatus, WorkflowStatus; the others are ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.securityhub import models
from moto.securityhub.exceptions import InvalidInputException
from moto.securityhub.exceptions import SecurityHubClientError as RESTError

hub_models: Any = models

REQUIRED = (
    "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt",
    "Title", "Description", "Resources", "Severity", "Types",
)  # fmt: skip
#: GetFindings filters on nested attributes: the filter's name -> the path to the value
NESTED = {"ComplianceStatus": ("Compliance", "Status"), "WorkflowStatus": ("Workflow", "Status")}
_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "EQUALS": lambda value, wanted: value == wanted,
    "NOT_EQUALS": lambda value, wanted: value != wanted,
    "PREFIX": lambda value, wanted: value.startswith(wanted),
    "PREFIX_NOT_EQUALS": lambda value, wanted: not value.startswith(wanted),
}


def install() -> None:
    """Once (moto_fidelity.apply calls it once per process)."""
    backend = hub_models.SecurityHubBackend
    imported = backend.batch_import_findings
    listed = backend.get_findings

    def batch_import_findings(self: Any, findings: list[dict[str, Any]]) -> Any:
        _enabled(self)
        if len(findings) > 100:
            raise InvalidInputException(
                op="BatchImportFindings", msg="Findings must contain at most 100 items"
            )
        refused = [(f, _refusal(self, f)) for f in findings]
        accepted = [_as_stored(self, f) for f, why in refused if why is None]
        _, success_count, failed = imported(self, accepted)
        failed += [
            {"Id": f.get("Id", ""), "ErrorCode": "InvalidInput", "ErrorMessage": why}
            for f, why in refused
            if why is not None
        ]
        return len(failed), success_count, failed

    def get_findings(self: Any, filters: dict[str, Any] | None = None, **rest: Any) -> Any:
        _enabled(self)
        if not filters:
            return listed(self, filters=filters, **rest)
        kept, self.findings = self.findings, [f for f in self.findings if _matches(f.data, filters)]
        try:
            return listed(self, filters=filters, **rest)
        finally:
            self.findings = kept

    backend.batch_import_findings = batch_import_findings
    backend.get_findings = get_findings


def _enabled(backend: Any) -> None:
    if not backend.enabled:
        raise RESTError("InvalidAccessException", "Account is not subscribed to AWS Security Hub")


def _refusal(backend: Any, finding: dict[str, Any]) -> str | None:
    missing = [name for name in REQUIRED if not finding.get(name)]
    if missing:
        return f"Finding is missing required attributes: {', '.join(missing)}"
    default = f"product/{backend.account_id}/default"
    if finding["ProductArn"].endswith(default) and finding["AwsAccountId"] != backend.account_id:
        return "AwsAccountId must be the account calling BatchImportFindings"
    return None


def _as_stored(backend: Any, finding: dict[str, Any]) -> dict[str, Any]:
    """What AWS stores of an import: the known finding's Workflow, reset to NEW when the cause
    came back; Security Hub's own ProductFields."""
    known = next((f.data for f in backend.findings if f.id == finding["Id"]), None)
    stored = dict(finding)
    workflow = dict(known.get("Workflow") or {"Status": "NEW"}) if known else {"Status": "NEW"}
    if known is not None and workflow["Status"] in ("RESOLVED", "NOTIFIED"):
        reopened = known.get("RecordState") == "ARCHIVED" and stored.get("RecordState") == "ACTIVE"
        failing = (known.get("Compliance") or {}).get("Status") == "PASSED" and (
            stored.get("Compliance") or {}
        ).get("Status") not in (None, "PASSED")
        if reopened or failing:
            workflow = {"Status": "NEW"}
    stored["Workflow"] = workflow
    stored.setdefault("RecordState", "ACTIVE")
    stored["ProductFields"] = {
        **(finding.get("ProductFields") or {}),
        "aws/securityhub/FindingId": f"{finding['ProductArn']}/{finding['Id']}",
        "aws/securityhub/ProductName": "Default",
        "aws/securityhub/CompanyName": "Personal",
    }
    return stored


def _matches(finding: dict[str, Any], filters: dict[str, Any]) -> bool:
    for name, conditions in filters.items():
        path = NESTED.get(name, (name,))
        value: Any = finding
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(conditions, list) or not all(
            isinstance(c, dict) and c.get("Comparison") in _COMPARE for c in conditions
        ):
            continue  # a filter this sandbox does not model: ignored, as moto ignores them all
        if not isinstance(value, str):
            return False
        positive = [c for c in conditions if not c["Comparison"].startswith(("NOT", "PREFIX_NOT"))]
        negative = [c for c in conditions if c not in positive]
        if positive and not any(_COMPARE[c["Comparison"]](value, c["Value"]) for c in positive):
            return False
        if not all(_COMPARE[c["Comparison"]](value, c["Value"]) for c in negative):
            return False
    return True
