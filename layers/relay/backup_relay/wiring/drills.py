"""Builders of what the restore drills run (each cached: cache.once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backup_relay.settings import DrillSettings
from backup_relay.wiring.cache import once
from backup_relay.wiring.security_findings import security_findings
from backup_relay.wiring.shared import outbox

if TYPE_CHECKING:
    from backup_relay.drills.validate import ValidateDrill


@once
def validate_drill() -> ValidateDrill:
    from backup_relay.adapters.drills import (
        BackupValidationResults,
        LedgerProvenRestores,
        RdsDatabases,
    )
    from backup_relay.drills.validate import ValidateDrill
    from backup_relay.security_findings.sources import DrillFindings

    settings = DrillSettings.load()
    publish = security_findings()
    return ValidateDrill(
        databases=RdsDatabases(),
        results=BackupValidationResults(settings.dr_region or settings.home_region),
        proven=LedgerProvenRestores(settings.ledger_table),
        outbox=outbox(settings),
        findings=DrillFindings(publish) if publish is not None else None,
    )
