"""The alerts each use case raises, from what it knows: one function per kind of failure.

Failures take their diagnosis from the failure catalogue (`diagnosis.py`); warnings, which are
not AWS failures, from WARNINGS below.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backup_relay.doctor.report import Finding, docs_for
from backup_relay.domain.alert import Alert, AlertKind
from backup_relay.domain.catalogue import CATALOGUE, UNKNOWN
from backup_relay.domain.categories import WARNINGS, Category
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.failures import Diagnosis, Severity
from backup_relay.domain.jobs import DATA_JOB_KINDS, FAILURE_STATES, JobKind
from backup_relay.domain.proof import ProbeSubject, Proof, event_subject, hop_subject

if TYPE_CHECKING:  # in signatures only: the doctor's alerts load none of them
    from backup_relay.coverage.destinations import DestinationCoverage
    from backup_relay.coverage.resources import ResourceCoverage
    from backup_relay.domain.chain import ChainRecord, HopRecord
    from backup_relay.domain.jobs import JobEvent
    from backup_relay.domain.routes import RoutePolicy

_DOCS = "https://docs.aws.amazon.com/aws-backup/latest/devguide"


def warning(category: Category, message: str) -> Diagnosis:
    title, remediation, docs = WARNINGS[category]
    return Diagnosis(
        category=category,
        title=title,
        remediation=remediation,
        retryable=True,
        docs=docs,
        message=message,
    )


def for_job(event: JobEvent, routes: RoutePolicy) -> Alert | None:
    """A backup, copy or restore job that ended FAILED, ABORTED, EXPIRED or PARTIAL, unless it
    is a chain's own copy job (the chain's alert names it, with its hop) or a restore drill's
    job (the drill's alert names it)."""
    if event.state not in FAILURE_STATES or event.kind not in DATA_JOB_KINDS:
        return None  # a scan's or an index's failure moved no data (for_threats: a scan's find)
    if event.kind is JobKind.COPY and routes.is_chain_vault(event.source_vault_arn):
        return None
    if event.kind is JobKind.RESTORE and event.restore_testing_plan_arn:
        return None  # a restore drill's: the validation function alerts it (alerts/drills.py)
    context = {
        "account": event.account,
        "region": event.region,
        "source_vault_arn": event.source_vault_arn,
        "destination_vault_arn": event.destination_vault_arn,
        "resource_arn": event.resource_arn,
        "job_id": event.job_id,
        "iam_role_arn": event.iam_role_arn,
    }
    alert = Alert(
        alert_id=f"job:{event.kind}:{event.job_id}:{event.state}",
        severity=Severity.ERROR,
        kind=AlertKind(str(event.kind)),
        headline=f"{str(event.kind).lower()} job {event.state}",
        occurred_at=event.time,
        diagnosis=diagnose(
            event.status_message,
            resource_type=event.resource_type,
            kind=str(event.kind),
            state=str(event.state),
            context={k: v for k, v in context.items() if v},
            aws_category=event.message_category,
        ),
        account=event.account,
        region=event.region,
        resource_type=event.resource_type,
        resource_arn=event.resource_arn,
        job_id=event.job_id,
        status_message=event.status_message,
        message_category=event.message_category,
    )
    return _with_proof(alert, event_subject(alert.diagnosis, event))


def for_threats(event: JobEvent, copies: Sequence[str]) -> Alert | None:
    """A malware scan that found threats in a recovery point (`scan_result` THREATS_FOUND, AWS's
    ScanResultInfo), naming it and the copies the chains made of it. One alert per recovery
    point: a second scan, or a second delivery, of the same finding publishes nothing new."""
    if not event.found_threats or event.source_recovery_point_arn is None:
        return None
    point = event.source_recovery_point_arn
    named = f"; copies made from it: {', '.join(copies)}" if copies else "; no chain copied it"
    return Alert(
        alert_id=f"threats:{point}",
        severity=Severity.ERROR,
        kind=AlertKind.THREATS_FOUND,
        headline="malware scan found threats",
        occurred_at=event.time,
        diagnosis=warning(
            Category.THREATS_FOUND, f"scan {event.job_id} found threats in {point}{named}"
        ),
        account=event.account,
        region=event.region,
        resource_type=event.resource_type,
        resource_arn=event.resource_arn,
        job_id=event.job_id,
        status_message=event.status_message,
        recovery_point_arn=point,
        copies=tuple(copies),
    )


def for_failed_chain(
    chain: ChainRecord,
    hops: list[HopRecord],
    status: str,
    *,
    execution_arn: str | None,
    at: datetime,
) -> Alert:
    """A chain that ended without its DR copy (after any single-action fallback), naming the
    hop that failed and, from its status message, why."""
    failed = next((h for h in hops if h.state == "FAILED" and h.status_message), None)
    failed = failed or next((h for h in reversed(hops)), None)
    message = (failed.status_message if failed else None) or chain.reason or f"execution {status}"
    # AWS's MessageCategory of the hop's copy job, when its record kept one (HopSteps.hop_failed)
    category = failed.message_category if failed else None
    hop = (
        f"hop {failed.index + 1} of {len(hops)}, {failed.kind or 'copy'}: "
        f"{failed.source_vault_arn or failed.source_region} -> "
        f"{failed.destination_vault_arn or failed.destination_region}"
        if failed
        else None
    )
    context = {
        "account": failed.source_account if failed else None,
        "region": failed.source_region if failed else None,
        "source_vault_arn": failed.source_vault_arn if failed else None,
        "destination_vault_arn": failed.destination_vault_arn if failed else None,
        "job_id": failed.copy_job_id if failed else None,
    }
    alert = Alert(
        alert_id=f"chain:{chain.chain_id}",
        severity=Severity.ERROR,
        kind=AlertKind.CHAIN,
        headline=f"copy chain {status}" + (f" at hop {failed.index + 1}" if failed else ""),
        occurred_at=at,
        diagnosis=diagnose(
            message,
            resource_type=chain.resource_type or None,
            kind="COPY",
            context={k: v for k, v in context.items() if v},
            aws_category=category,
        ),
        account=context["account"],
        region=context["region"],
        resource_type=chain.resource_type or None,
        resource_arn=chain.origin_recovery_point_arn or None,
        job_id=failed.copy_job_id if failed else None,
        chain_id=chain.chain_id,
        execution_arn=execution_arn,
        hop=hop,
        status_message=message,
        message_category=category,
    )
    return _with_proof(alert, hop_subject(alert.diagnosis, failed, chain.resource_type or None))


def _with_proof(alert: Alert, subject: ProbeSubject | None) -> Alert:
    """With its probe's subject, not run: AlertsFunction runs it before it publishes the alert
    (none for a category no read-only check confirms)."""
    return alert if subject is None else alert.model_copy(update={"proof": Proof(subject=subject)})


def _warning(  # noqa: PLR0917  (what every warning has, in the Alert's order)
    alert_id: str,
    kind: AlertKind,
    headline: str,
    at: datetime,
    category: Category,
    message: str,
    **where: Any,
) -> Alert:
    """A warning (WARNINGS' category): its message is its diagnosis's and its status."""
    return Alert(
        alert_id=alert_id,
        severity=Severity.WARNING,
        kind=kind,
        headline=headline,
        occurred_at=at,
        diagnosis=warning(category, message),
        status_message=message,
        **where,
    )


def for_hop_past_sla(hop: HopRecord, job_state: str, sla_hours: float, at: datetime) -> Alert:
    since = hop.updated_at.isoformat(timespec="minutes")
    message = f"copy job {hop.copy_job_id} {job_state} since {since}, past {sla_hours:g} h"
    return _warning(
        f"sla:{hop.chain_id}:{hop.index}",
        AlertKind.HOP_PAST_SLA,
        f"copy hop past its {sla_hours:g} h SLA",
        at,
        Category.HOP_PAST_SLA,
        message,
        account=hop.source_account or None,
        region=hop.source_region,
        job_id=hop.copy_job_id,
        chain_id=hop.chain_id,
        hop=f"hop {hop.index + 1}",
    )


def for_recovered_chain(chain_id: str, hop_index: int | None, at: datetime) -> Alert:
    """Reconcile started a chain (`hop_index` None: its event never came) or resumed one of its
    hops (its completion never came)."""
    what = (
        "started a copy chain" if hop_index is None else f"resumed hop {hop_index + 1} of a chain"
    )
    suffix = "started" if hop_index is None else f"resumed-{hop_index}"
    message = f"reconcile {what}: {chain_id}"
    return _warning(
        f"recovered:{chain_id}:{suffix}",
        AlertKind.CHAIN_RECOVERED,
        f"reconcile {what}",
        at,
        Category.CHAIN_RECOVERED,
        message,
        chain_id=chain_id,
    )


def for_quarantine(hour: str, count: int, account: str, region: str, at: datetime) -> Alert:
    message = f"{count} messages quarantined in the hour from {hour}:00 UTC"
    return _warning(
        f"quarantine:{hour}",
        AlertKind.QUARANTINE,
        f"{count} events quarantined in an hour",
        at,
        Category.QUARANTINED_EVENTS,
        message,
        account=account,
        region=region,
    )


def for_stale_resource(
    resource: ResourceCoverage,
    destination: DestinationCoverage,
    max_age_hours: float,
    at: datetime,
) -> Alert:
    """A resource whose copy in one destination went stale ("current in the DR region, stale in
    the LAG vault"): one warning per (resource, destination, newest copy there). Its id names the
    newest copy, so it is raised again only once that destination was current and went stale
    anew; the DR vault's (the first destination) keeps the id it had before destinations, so an
    upgrade raises no second warning for a stale DR copy."""
    label = destination.destination
    newest = destination.newest_copy or "none"
    first = not resource.destinations or resource.destinations[0].destination == label
    message = (
        f"newest copy into {label} completed {destination.age_hours} h ago, "
        f"limit {max_age_hours:g} h"
        if destination.newest_copy
        else f"no copy in {label}"
    )
    if destination.failed_copy_job_id:  # a copy failed since: its diagnosis and replay
        message += f"; {destination.why}"
    current = [d.destination for d in resource.destinations if d.current and not d.pending]
    if current:
        message += f"; current in {', '.join(current)}"
    return _warning(
        f"stale:{resource.resource_arn}:{newest}"
        if first
        else f"stale:{resource.resource_arn}:{label}:{newest}",
        AlertKind.DR_COPY_STALE,
        ("DR copy stale" if destination.newest_copy else "no DR copy") + f" in {label}",
        at,
        Category.DR_COPY_STALE,
        message,
        account=resource.account,
        region=resource.region,
        resource_type=resource.resource_type,
        resource_arn=resource.resource_arn,
    )


def for_finding(finding: Finding, at: datetime) -> Alert:
    """The doctor's finding: one alert per finding (its id names the check and the resource),
    however many runs see it."""
    catalogued = next((e.docs for e in CATALOGUE if e.category == finding.category), None)
    docs = catalogued or docs_for(finding.category) or UNKNOWN.docs
    return Alert(
        alert_id=f"doctor:{finding.category}:{finding.account}:{finding.resource}",
        severity=finding.severity,
        kind=AlertKind.PREREQUISITE,
        headline=f"prerequisite missing: {finding.category}",
        occurred_at=at,
        diagnosis=Diagnosis(
            category=finding.category,
            title=finding.problem,
            remediation=finding.fix,
            retryable=True,
            docs=docs,
            message=finding.problem,
        ),
        account=finding.account,
        region=None if finding.region == "-" else finding.region,
        resource_arn=finding.resource,
        status_message=finding.problem,
    )
