"""Security Hub findings (ASFF) of the doctor's findings, stale DR copies and failed drills:
the mapping, and publishing them (raised, left unchanged, resolved) against an in-memory hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backup_relay.coverage.destinations import DestinationCoverage
from backup_relay.coverage.resources import NO_COPY_YET, CoverageReport, ResourceCoverage
from backup_relay.doctor.report import Check, DoctorReport, Finding
from backup_relay.domain.categories import Category
from backup_relay.domain.errors import Refused
from backup_relay.domain.failures import Severity
from backup_relay.domain.security_findings import (
    SCHEMA_VERSION,
    ComplianceStatus,
    Product,
    RecordState,
    SecurityFinding,
    Workflow,
    failed_drill,
    raised,
    resolved,
    resource,
)
from backup_relay.security_findings.publish import REFRESH, PublishFindings
from backup_relay.security_findings.sources import (
    DoctorFindings,
    DrillFindings,
    StaleCopyFindings,
    doctor_cause,
    stale_cause,
)
from tests.support.fakes import MemorySecurityHub

CENTRAL, MEMBER, REGION = "111111111111", "222222222222", "eu-west-1"
NOW = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
PRODUCT = Product(account=CENTRAL, region=REGION, scope="backup-relay-prod")
DR_VAULT = f"arn:aws:backup:eu-central-1:{CENTRAL}:backup-vault:backup-relay-dr"
LAG_VAULT = DR_VAULT.replace("backup-relay-dr", "backup-relay-lag")
DB = f"arn:aws:rds:{REGION}:{MEMBER}:cluster:ledger"


def _finding(category: str = "kms_key_not_shared", **changes: object) -> Finding:
    fields: dict[str, object] = {
        "severity": Severity.ERROR,
        "category": category,
        "account": MEMBER,
        "region": REGION,
        "resource": f"arn:aws:kms:{REGION}:{MEMBER}:key/1234",
        "problem": "the key is not shared with the central account",
        "fix": "add the central account to the key policy",
    }
    return Finding.model_validate(fields | changes)


def _report(*findings: Finding, checked: tuple[tuple[str, str], ...] = ((MEMBER, REGION),)):
    return DoctorReport(
        findings=list(findings),
        checked=[Check(account=a, region=r, what="keys") for a, r in checked],
    )


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def hub() -> MemorySecurityHub:
    return MemorySecurityHub()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def publish(hub: MemorySecurityHub, clock: Clock) -> PublishFindings:
    return PublishFindings(hub=hub, product=PRODUCT, now=clock)


# ---- the mapping ------------------------------------------------------------------------------
def test_a_doctor_finding_is_an_asff_finding_with_every_required_attribute() -> None:
    # GIVEN a doctor's finding in a member account
    # WHEN it becomes a Security Hub finding
    asff = raised(doctor_cause(_finding()), PRODUCT, NOW).asff()
    # THEN it carries every attribute ASFF requires, as the default product of the central
    # account (which imports it), the member named in its resource and its fields
    required = {"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt"}
    required |= {"UpdatedAt", "Title", "Description", "Resources", "Severity", "Types"}
    assert required <= set(asff)
    assert asff["SchemaVersion"] == SCHEMA_VERSION == "2018-10-08"
    assert asff["ProductArn"] == f"arn:aws:securityhub:{REGION}:{CENTRAL}:product/{CENTRAL}/default"
    assert asff["AwsAccountId"] == CENTRAL
    assert asff["GeneratorId"] == "backup-relay/backup-relay-prod/doctor"
    assert asff["CreatedAt"] == asff["UpdatedAt"] == "2026-03-01T06:00:00.000Z"
    assert asff["Severity"] == {"Label": "HIGH"}
    assert asff["Compliance"] == {"Status": "FAILED"}
    assert asff["RecordState"] == "ACTIVE"
    recommendation = asff["Remediation"]["Recommendation"]  # type: ignore[index]
    assert recommendation["Text"] == "add the central account to the key policy"
    assert recommendation["Url"].startswith("https://")  # the catalogue's page on it
    [resource] = asff["Resources"]  # type: ignore[misc]
    assert resource["Id"] == f"arn:aws:kms:{REGION}:{MEMBER}:key/1234"
    assert resource["Details"] == {"Other": {"Account": MEMBER}}
    assert asff["FindingProviderFields"] == {"Severity": {"Label": "HIGH"}, "Types": asff["Types"]}
    # AND Workflow is left to Security Hub (a provider cannot update it once the finding exists)
    assert "Workflow" not in asff


def test_the_same_cause_always_has_the_same_id_and_another_cause_another() -> None:
    # GIVEN the same finding seen by two runs, and findings that differ in one part of the cause
    first = raised(doctor_cause(_finding()), PRODUCT, NOW)
    again = raised(doctor_cause(_finding(problem="other words")), PRODUCT, NOW + timedelta(days=1))
    # THEN the same cause has the same id; another category, account or stack, another id
    assert first.id == again.id
    assert first.id.startswith("backup-relay/backup-relay-prod/doctor/")
    others = [
        raised(doctor_cause(_finding("vault_access_policy")), PRODUCT, NOW),
        raised(doctor_cause(_finding(account="333333333333")), PRODUCT, NOW),
        raised(doctor_cause(_finding()), PRODUCT.model_copy(update={"scope": "dev"}), NOW),
    ]
    assert len({first.id, *(o.id for o in others)}) == 4


def test_long_words_are_clipped_to_asffs_limits() -> None:
    # GIVEN a finding whose problem and fix are longer than ASFF allows
    finding = _finding(problem="p" * 5000, fix="f" * 5000)
    # WHEN it becomes a Security Hub finding THEN each text fits its attribute
    asff = raised(doctor_cause(finding), PRODUCT, NOW)
    assert len(asff.description) == 1024
    assert asff.remediation is not None
    assert len(asff.remediation.recommendation.text) == 512


def test_a_resolved_finding_is_archived_and_passed_and_keeps_when_it_was_created() -> None:
    # GIVEN a finding raised yesterday
    finding = raised(doctor_cause(_finding()), PRODUCT, NOW - timedelta(days=1))
    # WHEN it is resolved now
    done = resolved(finding, NOW)
    # THEN it is the same finding, ARCHIVED and PASSED, updated now, created yesterday
    assert (done.id, done.created_at) == (finding.id, finding.created_at)
    assert done.record_state is RecordState.ARCHIVED
    assert done.compliance.status is ComplianceStatus.PASSED
    assert done.updated_at == "2026-03-01T06:00:00.000Z"


def test_a_stale_dr_copy_is_a_finding_per_resource_and_destination() -> None:
    # GIVEN a resource with no DR copy
    item = _stale(DB)
    # WHEN it becomes a finding for the DR vault, and for another destination
    dr = raised(stale_cause(item, item.destinations[0], 26), PRODUCT, NOW)
    lag = raised(stale_cause(item, _destination(LAG_VAULT), 26), PRODUCT, NOW)
    # THEN each destination has its own finding, on the database (an RDS cluster for ASFF)
    assert dr.id != lag.id
    assert dr.generator_id.endswith("/stale-dr-copy")
    assert dr.severity.label == "MEDIUM"
    [resource] = dr.resources
    assert (resource.type, resource.id, resource.region) == ("AwsRdsDbCluster", DB, REGION)
    assert DR_VAULT in dr.description
    assert "no copy yet" in dr.description


def test_a_resource_keeps_its_arns_partition() -> None:
    arn = "arn:aws-cn:rds:cn-north-1:222222222222:db:ledger"
    assert resource(arn, "RDS", MEMBER, "cn-north-1").partition == "aws-cn"
    assert resource("backup-relay-central", None, MEMBER, "-").partition == "aws"
    assert resource("backup-relay-central", None, MEMBER, "-").region is None


def test_a_failed_drill_is_a_high_finding_on_its_resource() -> None:
    # GIVEN a drill whose restore of the DR copy failed validation
    cause = failed_drill(
        account=MEMBER,
        region=REGION,
        resource_arn=DB,
        resource_type="Aurora",
        recovery_point_arn=f"{DR_VAULT}:recovery-point:1",
        restore_job_id="restore-1",
        reason="engine version 15.4 is not the source's 16.2",
        fix="copy the source's parameter group to the DR region",
    )
    # THEN its finding names the restore job and why, on the resource
    finding = raised(cause, PRODUCT, NOW)
    assert finding.generator_id.endswith("/restore-drill")
    assert finding.severity.label == "HIGH"
    assert "restore-1" in finding.description
    assert "15.4" in finding.description
    assert [r.id for r in finding.resources] == [DB]


def test_a_finding_read_back_from_security_hub_validates_into_the_model() -> None:
    # GIVEN a finding as GetFindings returns it: with Security Hub's own fields beside ours
    asff = raised(doctor_cause(_finding()), PRODUCT, NOW).asff()
    returned = asff | {
        "Region": REGION,
        "Workflow": {"Status": "NOTIFIED"},
        "ProductFields": {**asff["ProductFields"], "aws/securityhub/ProductName": "Default"},  # type: ignore[dict-item]
        "Severity": {"Label": "HIGH", "Normalized": 70, "Original": "HIGH"},
    }
    # WHEN it is read back THEN it is the same report (what Security Hub added aside)
    back = SecurityFinding.model_validate(returned)
    assert back.workflow == Workflow(status="NOTIFIED")
    assert back.same_as(raised(doctor_cause(_finding()), PRODUCT, NOW + timedelta(hours=1)))


# ---- publishing -------------------------------------------------------------------------------
def test_a_doctor_finding_is_raised_once_and_resolved_once_its_cause_is_gone(
    hub: MemorySecurityHub, publish: PublishFindings, clock: Clock
) -> None:
    findings = DoctorFindings(publish)
    # GIVEN a doctor run that finds the key not shared
    first = findings(_report(_finding()))
    [finding_id] = first.raised
    assert hub.findings[finding_id].active
    # WHEN the next run finds it again THEN nothing is imported (the finding is current)
    clock.at += timedelta(days=1)
    again = findings(_report(_finding()))
    assert (again.raised, again.unchanged, len(hub.imports)) == ([], [finding_id], 1)
    # WHEN a run checks the member and finds it no more
    clock.at += timedelta(days=1)
    fixed = findings(_report())
    # THEN the finding is resolved: archived, passed, created when it was first raised
    assert fixed.resolved == [finding_id]
    done = hub.findings[finding_id]
    assert (done.record_state, done.compliance.status) == ("ARCHIVED", "PASSED")
    assert done.created_at == "2026-03-01T06:00:00.000Z"
    # AND a later run resolves nothing more
    assert findings(_report()).resolved == []


def test_a_finding_where_the_doctor_could_not_look_is_not_resolved(
    hub: MemorySecurityHub, publish: PublishFindings
) -> None:
    # GIVEN a member's finding, then a run that could not read that member (checked: central only)
    findings = DoctorFindings(publish)
    [finding_id] = findings(_report(_finding())).raised
    later = findings(_report(checked=((CENTRAL, REGION),)))
    # THEN its finding stays active
    assert later.resolved == []
    assert hub.findings[finding_id].active


def test_a_cause_that_comes_back_is_raised_again_on_the_same_finding(
    hub: MemorySecurityHub, publish: PublishFindings, clock: Clock
) -> None:
    findings = DoctorFindings(publish)
    [finding_id] = findings(_report(_finding())).raised
    findings(_report())
    clock.at += timedelta(days=1)
    # WHEN the cause is found again
    back = findings(_report(_finding()))
    # THEN the same finding is active again (Security Hub reopens its workflow itself)
    assert back.raised == [finding_id]
    assert hub.findings[finding_id].active
    assert hub.findings[finding_id].compliance.status is ComplianceStatus.FAILED


def test_a_changed_or_old_finding_is_imported_again(
    hub: MemorySecurityHub, publish: PublishFindings, clock: Clock
) -> None:
    findings = DoctorFindings(publish)
    [finding_id] = findings(_report(_finding())).raised
    # WHEN the same cause is described anew THEN its finding is updated
    assert findings(_report(_finding(fix="share it"))).raised == [finding_id]
    # WHEN it stays the same past REFRESH THEN it is imported again (Security Hub would drop it)
    clock.at += REFRESH
    assert findings(_report(_finding(fix="share it"))).raised == [finding_id]
    assert len(hub.imports) == 3


def test_what_security_hub_refuses_or_cannot_answer_is_reported(
    hub: MemorySecurityHub, publish: PublishFindings
) -> None:
    findings = DoctorFindings(publish)
    # GIVEN a hub that refuses the finding
    hub.refuse.add(raised(doctor_cause(_finding()), PRODUCT, NOW).id)
    refused = findings(_report(_finding()))
    assert refused.raised == []
    assert len(refused.failed) == 1
    # GIVEN a hub that is not enabled
    hub.broken = Refused("InvalidAccessException", "Account is not subscribed to AWS Security Hub")
    broken = findings(_report(_finding()))
    assert "not subscribed" in broken.errors[0]


def test_findings_of_one_generator_never_resolve_anothers(
    hub: MemorySecurityHub, publish: PublishFindings
) -> None:
    # GIVEN a stale copy's finding and a doctor run that checked everything and found nothing
    StaleCopyFindings(publish)(_coverage(_stale(DB)))
    DoctorFindings(publish)(_report(checked=((MEMBER, REGION), (CENTRAL, REGION))))
    # THEN the stale copy's finding is still active
    assert [f.active for f in hub.findings.values()] == [True]


def test_a_stale_copy_resolves_only_once_coverage_finds_it_current(
    hub: MemorySecurityHub, publish: PublishFindings
) -> None:
    findings = StaleCopyFindings(publish)
    [finding_id] = findings(_coverage(_stale(DB))).raised
    # WHEN coverage no longer sees the resource THEN its finding stays (nothing proved it covered)
    assert findings(_coverage()).resolved == []
    # WHEN coverage finds it current THEN its finding is resolved
    fresh = _destination(DR_VAULT).model_copy(update={"current": True, "reason": ""})
    current = _stale(DB).model_copy(update={"current": True, "reason": "", "destinations": [fresh]})
    assert findings(_coverage(current)).resolved == [finding_id]
    assert not hub.findings[finding_id].active


def test_a_failed_drill_resolves_when_the_resources_next_drill_passes(
    hub: MemorySecurityHub, publish: PublishFindings
) -> None:
    drills = DrillFindings(publish)
    cause = failed_drill(
        account=MEMBER, region=REGION, resource_arn=DB, resource_type="Aurora",
        recovery_point_arn="rp", restore_job_id="r-1", reason="not available", fix="look",
    )  # fmt: skip
    [finding_id] = drills([cause], passed=[]).raised
    assert drills([], passed=["arn:aws:rds:other"]).resolved == []
    assert drills([], passed=[DB]).resolved == [finding_id]


def _stale(arn: str) -> ResourceCoverage:
    return ResourceCoverage(
        resource_arn=arn,
        resource_type="Aurora",
        account=MEMBER,
        region=REGION,
        newest_dr_copy=None,
        dr_recovery_point_arn=None,
        age_hours=None,
        current=False,
        reason=NO_COPY_YET,
        destinations=[_destination(DR_VAULT)],
    )


def _destination(vault_arn: str) -> DestinationCoverage:
    """A destination with no copy yet (stale)."""
    name = vault_arn.rsplit(":", 1)[-1]
    return DestinationCoverage(
        destination=f"standard:{REGION}:{name}",
        vault_arn=vault_arn,
        vault_type="standard",
        reason=NO_COPY_YET,
    )


def _coverage(*resources: ResourceCoverage) -> CoverageReport:
    return CoverageReport(max_age_hours=26, resources=list(resources))


def test_the_stale_category_is_the_catalogues() -> None:
    item = _stale(DB)
    assert stale_cause(item, item.destinations[0], 26).category == Category.DR_COPY_STALE
