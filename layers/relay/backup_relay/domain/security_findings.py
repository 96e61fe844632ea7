"""AWS Security Hub findings (AWS Security Finding Format, ASFF) of what backup-relay finds.

A `Cause` is what a finding reports (a doctor's finding, a stale DR copy, a failed restore
drill), named by its generator and a key: the same cause always gives the same finding `Id`, so
a later run updates the finding instead of adding one. Once the cause is gone the finding is
resolved the way AWS documents for a provider updating its own findings: imported again with
`RecordState` ARCHIVED and `Compliance.Status` PASSED.

AWS's pages:
- required attributes (SchemaVersion 2018-10-08, Id, ProductArn, GeneratorId, AwsAccountId,
  CreatedAt, UpdatedAt, Title, Description, Resources, Severity, Types):
  https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
- lengths and counts (Id and GeneratorId 512, Title 256, Description 1024 characters; 1 to 32
  Resources; ProductFields up to 50 pairs, values up to 2048 characters): AwsSecurityFinding,
  https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html
- a provider may update only its own findings, and after a finding is created BatchImportFindings
  cannot update `Workflow` (nor Note, UserDefinedFields, VerificationState); Severity and Types
  are provided through `FindingProviderFields`:
  https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html
- the default product ARN, `arn:<partition>:securityhub:<region>:<account>:product/<account>/
  default`, whose findings' AwsAccountId must be the calling account; at most 100 findings a
  request: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html
- Security Hub itself resets `Workflow.Status` RESOLVED or NOTIFIED to NEW when RecordState goes
  from ARCHIVED to ACTIVE or Compliance.Status from PASSED to FAILED (a cause that comes back):
  https://docs.aws.amazon.com/securityhub/latest/userguide/findings-workflow-status.html
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "2018-10-08"
TITLE_LIMIT, DESCRIPTION_LIMIT, TEXT_LIMIT, RESOURCES_LIMIT = 256, 1024, 512, 32
#: ProductFields keys this solution writes (its own namespace, as AWS's examples do)
FIELD = "backup-relay/"
ACCOUNT, REGION, SUBJECT, CATEGORY = (
    FIELD + k for k in ("Account", "Region", "Subject", "Category")
)


class Generator(StrEnum):
    """What found the cause: each is a GeneratorId of its own, `backup-relay/<stack>/<this>`."""

    DOCTOR = "doctor"
    STALE_DR_COPY = "stale-dr-copy"
    RESTORE_DRILL = "restore-drill"


class Label(StrEnum):
    """ASFF Severity.Label."""

    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class RecordState(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class ComplianceStatus(StrEnum):
    PASSED = "PASSED"
    WARNING = "WARNING"
    FAILED = "FAILED"
    NOT_AVAILABLE = "NOT_AVAILABLE"


class _Asff(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


class Resource(_Asff):
    type: str = Field(alias="Type")  # AWS's resource type (AwsRdsDbCluster ...) or "Other"
    id: str = Field(alias="Id")  # its ARN, or a name
    region: str | None = Field(default=None, alias="Region")
    partition: str = Field(default="aws", alias="Partition")
    details: dict[str, dict[str, str]] | None = Field(default=None, alias="Details")


class SeverityLabel(_Asff):
    label: Label = Field(alias="Label")


class Recommendation(_Asff):
    text: str = Field(alias="Text")
    url: str | None = Field(default=None, alias="Url")


class Remediation(_Asff):
    recommendation: Recommendation = Field(alias="Recommendation")


class Compliance(_Asff):
    status: ComplianceStatus = Field(alias="Status")


class Workflow(_Asff):
    status: str = Field(alias="Status")  # NEW | NOTIFIED | RESOLVED | SUPPRESSED


class ProviderFields(_Asff):
    severity: SeverityLabel = Field(alias="Severity")
    types: tuple[str, ...] = Field(alias="Types")


class SecurityFinding(_Asff):
    """One finding as ASFF names its attributes (`asff()` is what BatchImportFindings takes;
    GetFindings' findings validate back into it)."""

    schema_version: str = Field(default=SCHEMA_VERSION, alias="SchemaVersion")
    id: str = Field(alias="Id", max_length=512)
    product_arn: str = Field(alias="ProductArn")
    generator_id: str = Field(alias="GeneratorId", max_length=512)
    aws_account_id: str = Field(alias="AwsAccountId")
    types: tuple[str, ...] = Field(alias="Types")
    created_at: str = Field(alias="CreatedAt")
    updated_at: str = Field(alias="UpdatedAt")
    severity: SeverityLabel = Field(alias="Severity")
    title: str = Field(alias="Title", max_length=TITLE_LIMIT)
    description: str = Field(alias="Description", max_length=DESCRIPTION_LIMIT)
    resources: tuple[Resource, ...] = Field(alias="Resources", min_length=1)
    remediation: Remediation | None = Field(default=None, alias="Remediation")
    compliance: Compliance = Field(alias="Compliance")
    record_state: RecordState = Field(alias="RecordState")
    product_fields: dict[str, str] = Field(default_factory=dict, alias="ProductFields")
    finding_provider_fields: ProviderFields | None = Field(
        default=None, alias="FindingProviderFields"
    )
    #: Security Hub's, set by the security team (BatchUpdateFindings): read, never imported
    workflow: Workflow | None = Field(default=None, alias="Workflow")

    @property
    def active(self) -> bool:
        return self.record_state is RecordState.ACTIVE

    def field(self, key: str) -> str:
        return self.product_fields.get(key, "")

    def asff(self) -> dict[str, object]:
        """What BatchImportFindings takes: everything but Workflow, which a provider cannot
        update once the finding exists (Security Hub starts a new finding at NEW)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json", exclude={"workflow"})

    def same_as(self, other: SecurityFinding) -> bool:
        """The same report (what an update would change, not when it was made; of ProductFields,
        only this solution's: Security Hub adds its own, aws/securityhub/...)."""
        ignored = {"created_at", "updated_at", "workflow", "product_fields"}
        return self.model_dump(exclude=ignored) == other.model_dump(exclude=ignored) and (
            self._own_fields() == other._own_fields()
        )

    def _own_fields(self) -> dict[str, str]:
        return {k: v for k, v in self.product_fields.items() if k.startswith(FIELD)}


class Cause(BaseModel):
    """What a finding reports, before it is one. `key` names the cause within its generator;
    `account` and `region` are where the cause is (the finding itself is the central
    account's, which imports it); `subject` what it is about (a resource, a destination)."""

    model_config = ConfigDict(frozen=True)

    generator: Generator
    key: tuple[str, ...]
    severity: Label
    title: str
    description: str
    remediation: str
    docs: str | None = None
    account: str
    region: str  # "-": global (the organization's settings)
    subject: str
    category: str = ""
    resources: tuple[Resource, ...]
    types: tuple[str, ...]


class Product(BaseModel):
    """Where findings go: the central account's hub in this stack's region, as the default
    product (a custom integration); `scope` (the stack's name) keeps two stacks' findings apart."""

    model_config = ConfigDict(frozen=True)

    account: str
    region: str
    scope: str
    partition: str = "aws"

    @property
    def product_arn(self) -> str:
        return (
            f"arn:{self.partition}:securityhub:{self.region}:{self.account}"
            f":product/{self.account}/default"
        )

    def generator_id(self, generator: Generator) -> str:
        return f"backup-relay/{self.scope}/{generator}"

    def finding_id(self, cause: Cause) -> str:
        digest = hashlib.sha256("\n".join(cause.key).encode()).hexdigest()[:40]
        return f"{self.generator_id(cause.generator)}/{digest}"


def timestamp(at: datetime) -> str:
    """ASFF's timestamps: RFC 3339, UTC, e.g. 2017-03-22T13:22:13.933Z."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def raised(
    cause: Cause, product: Product, at: datetime, known: SecurityFinding | None = None
) -> SecurityFinding:
    """The finding of a cause seen at `at` (ACTIVE, FAILED); `known`: its finding already in
    Security Hub, whose CreatedAt it keeps."""
    severity = SeverityLabel(label=cause.severity)
    return SecurityFinding(
        id=product.finding_id(cause),
        product_arn=product.product_arn,
        generator_id=product.generator_id(cause.generator),
        aws_account_id=product.account,
        types=cause.types,
        created_at=known.created_at if known else timestamp(at),
        updated_at=timestamp(at),
        severity=severity,
        title=_clip(cause.title, TITLE_LIMIT),
        description=_clip(cause.description, DESCRIPTION_LIMIT),
        resources=cause.resources[:RESOURCES_LIMIT],
        remediation=Remediation(
            recommendation=Recommendation(text=_clip(cause.remediation, TEXT_LIMIT), url=cause.docs)
        ),
        compliance=Compliance(status=ComplianceStatus.FAILED),
        record_state=RecordState.ACTIVE,
        product_fields={
            ACCOUNT: cause.account,
            REGION: cause.region,
            SUBJECT: cause.subject,
            **({CATEGORY: cause.category} if cause.category else {}),
        },
        finding_provider_fields=ProviderFields(severity=severity, types=cause.types),
    )


def resolved(finding: SecurityFinding, at: datetime) -> SecurityFinding:
    """The finding once its cause is gone: ARCHIVED, PASSED (its CreatedAt kept)."""
    return finding.model_copy(
        update={
            "updated_at": timestamp(at),
            "record_state": RecordState.ARCHIVED,
            "compliance": Compliance(status=ComplianceStatus.PASSED),
            "workflow": None,
        }
    )


def resource(
    resource_id: str, resource_type: str | None, account: str, region: str | None
) -> Resource:
    """An ASFF resource: AWS's type for an ARN of one the relay handles, else Other (with the
    account it is in, as ASFF's resource has no account of its own)."""
    parts = resource_id.split(":")
    return Resource(
        type=_ASFF_TYPES.get(resource_type or "", "Other"),
        id=resource_id,
        partition=parts[1] if parts[0] == "arn" and len(parts) > 1 and parts[1] else "aws",
        region=None if region in (None, "-") else region,
        details={
            "Other": {"Account": account, **({"Type": resource_type} if resource_type else {})}
        },
    )


#: AWS Backup's resource types -> ASFF's resource types (asff-resources.html), where ASFF has one
_ASFF_TYPES = {
    "RDS": "AwsRdsDbInstance",
    "Aurora": "AwsRdsDbCluster",
    "DocumentDB": "AwsRdsDbCluster",  # INFERRED: ASFF has no DocumentDB type; its ARN is rds's
    "Neptune": "AwsRdsDbCluster",  # INFERRED: as DocumentDB
    "DynamoDB": "AwsDynamoDbTable",
    "EBS": "AwsEc2Volume",
    "EC2": "AwsEc2Instance",
    "EFS": "AwsEfsFileSystem",
    "S3": "AwsS3Bucket",
}

#: ASFF Types (namespace/category/classifier: securityhub-findings-format-type-taxonomy.html)
BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"


def failed_drill(
    *,
    account: str,
    region: str,
    resource_arn: str,
    resource_type: str,
    recovery_point_arn: str,
    restore_job_id: str,
    reason: str,
    fix: str,
    docs: str | None = None,
) -> Cause:
    """A restore drill of a DR copy that failed (the restore job, or its validation): one
    finding per resource, which its next passing drill resolves."""
    return Cause(
        generator=Generator.RESTORE_DRILL,
        key=(resource_arn,),
        severity=Label.HIGH,
        title=f"Restore drill failed: {resource_type} {resource_arn.rsplit(':', 1)[-1]}",
        description=(
            f"The restore drill of DR copy {recovery_point_arn} (restore job {restore_job_id}) "
            f"failed: {reason}"
        ),
        remediation=fix,
        docs=docs,
        account=account,
        region=region,
        subject=resource_arn,
        category="restore_drill_failed",
        resources=(resource(resource_arn, resource_type, account, region),),
        types=(f"{BEST_PRACTICES}/Restore Drill",),
    )


def by_id(findings: Iterable[SecurityFinding]) -> dict[str, SecurityFinding]:
    return {finding.id: finding for finding in findings}
