"""Reconcile's drills check: each chained resource that has gone longer than
MaxDaysWithoutProvenRestore without a proven restore raises one warning per gap."""

from __future__ import annotations

from datetime import datetime

from backup_relay.alerts.drills import for_unproven_restore
from backup_relay.coverage.resources import CoverageReport
from backup_relay.domain.alert import Alert
from backup_relay.domain.drills import unproven_since


def unproven_alerts(report: CoverageReport, max_days: int, now: datetime) -> list[Alert]:
    alerts = []
    for resource in report.resources:
        if resource.first_backup_at is None:
            continue
        proof = resource.last_proven_restore
        since = unproven_since(proof, resource.first_backup_at, now, max_days)
        if since is not None:
            alerts.append(
                for_unproven_restore(
                    resource.resource_arn,
                    resource.resource_type,
                    resource.account,
                    resource.region,
                    since,
                    proof is not None,
                    max_days,
                    now,
                )
            )
    return alerts
