"""The Security Hub adapter against moto, with the sandbox's corrections where moto's findings
differ from AWS's (backup_relay_sandbox/moto_securityhub.py): batches of 100, FailedFindings,
the filter on a generator's ACTIVE findings, a hub that is not enabled, Workflow kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.securityhub.models import securityhub_backends

from backup_relay.adapters.securityhub import SecurityHubFindings
from backup_relay.domain.errors import Refused
from backup_relay.domain.security_findings import (
    BEST_PRACTICES,
    Cause,
    Generator,
    Label,
    Product,
    SecurityFinding,
    raised,
    resolved,
    resource,
)
from backup_relay.security_findings.publish import PublishFindings
from backup_relay.settings import SecurityHubSettings
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.template import load_template

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PRODUCT = Product(account=CENTRAL_ACCOUNT, region=REGION, scope="relay")


def _cause(n: int, generator: Generator = Generator.DOCTOR) -> Cause:
    arn = f"arn:aws:rds:{REGION}:{MEMBER_ACCOUNTS[0]}:cluster:db-{n}"
    return Cause(
        generator=generator, key=(str(n),), severity=Label.MEDIUM, title=f"cause {n}",
        description="why", remediation="fix", account=MEMBER_ACCOUNTS[0], region=REGION,
        subject=arn, resources=(resource(arn, "Aurora", MEMBER_ACCOUNTS[0], REGION),),
        types=(BEST_PRACTICES,),
    )  # fmt: skip


def _finding(n: int, generator: Generator = Generator.DOCTOR) -> SecurityFinding:
    return raised(_cause(n, generator), PRODUCT, NOW)


@pytest.fixture
def hub(moto: None) -> SecurityHubFindings:
    moto_fidelity.apply()
    client("securityhub").enable_security_hub()
    return SecurityHubFindings(REGION)


def _stored() -> dict[str, dict[str, Any]]:
    return {f.id: f.data for f in securityhub_backends[CENTRAL_ACCOUNT][REGION].findings}


def test_more_than_a_hundred_findings_are_imported_in_batches(hub: SecurityHubFindings) -> None:
    # GIVEN 250 findings (AWS takes at most 100 a request; the sandbox refuses more, as AWS does)
    findings = [_finding(n) for n in range(250)]
    # WHEN they are imported THEN every one is in Security Hub, as ASFF, NEW
    assert hub.import_findings(findings) == []
    stored = _stored()
    assert len(stored) == 250
    assert stored[findings[0].id]["Workflow"] == {"Status": "NEW"}
    assert stored[findings[0].id]["SchemaVersion"] == "2018-10-08"
    # AND a request of 101 is refused whole, as AWS refuses it
    with pytest.raises(Exception, match="InvalidInputException"):
        client("securityhub").batch_import_findings(Findings=[f.asff() for f in findings[:101]])


def test_a_refused_finding_is_returned_and_the_others_imported(hub: SecurityHubFindings) -> None:
    # GIVEN a finding that says it is another account's (the default product takes only the
    # caller's) beside a correct one
    wrong = _finding(1).model_copy(update={"aws_account_id": MEMBER_ACCOUNTS[0]})
    # WHEN both are imported
    [failure] = hub.import_findings([wrong, _finding(2)])
    # THEN the wrong one is in FailedFindings, the other imported
    assert failure.id == wrong.id
    assert failure.code == "InvalidInput"
    assert set(_stored()) == {_finding(2).id}


def test_a_generators_active_findings_are_read_back(hub: SecurityHubFindings) -> None:
    # GIVEN findings of the doctor (one of them resolved) and of the stale-copy check
    hub.import_findings([_finding(1), _finding(2), _finding(3, Generator.STALE_DR_COPY)])
    hub.import_findings([resolved(_finding(2), NOW + timedelta(hours=1))])
    # WHEN the doctor's ACTIVE ones are read
    active = hub.active_findings(PRODUCT.product_arn, PRODUCT.generator_id(Generator.DOCTOR))
    # THEN only its active one comes back, the same report it imported
    assert [f.id for f in active] == [_finding(1).id]
    assert active[0].same_as(_finding(1))
    assert active[0].workflow is not None
    assert active[0].workflow.status == "NEW"


def test_a_hub_that_is_not_enabled_refuses(moto: None) -> None:
    # GIVEN an account where Security Hub is not enabled
    moto_fidelity.apply()
    hub = SecurityHubFindings(REGION)
    # THEN importing and reading are refused, as AWS refuses them
    with pytest.raises(Refused, match="InvalidAccessException"):
        hub.import_findings([_finding(1)])
    with pytest.raises(Refused, match="InvalidAccessException"):
        hub.active_findings(PRODUCT.product_arn, PRODUCT.generator_id(Generator.DOCTOR))


def test_publishing_keeps_the_security_teams_workflow_and_reopens_a_cause_that_comes_back(
    hub: SecurityHubFindings,
) -> None:
    # GIVEN a finding the security team marked RESOLVED (BatchUpdateFindings; set in moto here),
    # whose cause the next run resolves
    publish = PublishFindings(hub, PRODUCT, now=lambda: NOW)
    publish(Generator.DOCTOR, [_cause(1)], lambda _: True)
    finding_id = _finding(1).id
    _stored()[finding_id]["Workflow"] = {"Status": "RESOLVED"}
    publish(Generator.DOCTOR, [], lambda _: True)
    assert _stored()[finding_id]["RecordState"] == "ARCHIVED"
    assert _stored()[finding_id]["Workflow"] == {"Status": "RESOLVED"}
    # WHEN the cause comes back
    publish(Generator.DOCTOR, [_cause(1)], lambda _: True)
    # THEN the same finding is ACTIVE and FAILED again, and Security Hub reopened its workflow
    stored = _stored()[finding_id]
    assert (stored["RecordState"], stored["Compliance"]) == ("ACTIVE", {"Status": "FAILED"})
    assert stored["Workflow"] == {"Status": "NEW"}


@pytest.mark.parametrize("logical_id", ["DoctorFunction", "ReconcileFunction"])
def test_the_functions_that_publish_findings_get_every_variable_it_reads(logical_id: str) -> None:
    # GIVEN the template's Globals and the function's own environment (and Lambda's AWS_REGION)
    template = load_template()
    variables = {
        *template["Globals"]["Function"]["Environment"]["Variables"],
        *template["Resources"][logical_id]["Properties"]["Environment"]["Variables"],
        "AWS_REGION",
    }
    # THEN the Security Hub settings can load there (none missing at start)
    assert set(SecurityHubSettings.aliases()) <= variables
