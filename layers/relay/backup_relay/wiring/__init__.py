"""Wiring: the one place where settings, adapters and use cases meet, one builder per function.

Each builder runs on first use and is cached for the life of the Lambda sandbox; the use case,
its adapters (and boto3 with them) are imported only then, so a function's cold start loads
what its own builder needs and nothing of the others'. `reset()` forgets everything (tests, the
sandbox).

`functions.py` builds what the stack's functions run, `operator.py` what the CLI's commands
read of a deployed stack, `shared.py` the pieces both use; a new family gets its own module,
re-exported here, so that callers keep writing `wiring.<builder>`.
"""

from __future__ import annotations

from backup_relay.wiring.cache import reset
from backup_relay.wiring.drills import validate_drill
from backup_relay.wiring.functions import (
    bring_back,
    chain_ended,
    deliver_alert,
    doctor_alerts,
    hop_steps,
    ingest,
    once_per_event,
    reconcile,
    replay,
)
from backup_relay.wiring.operator import coverage, deployed_stack, doctor, preflight, status
from backup_relay.wiring.restore import restore
from backup_relay.wiring.security_findings import security_findings
from backup_relay.wiring.shared import endpoint_now, probe

__all__ = [
    "bring_back",
    "chain_ended",
    "coverage",
    "deliver_alert",
    "deployed_stack",
    "doctor",
    "doctor_alerts",
    "endpoint_now",
    "hop_steps",
    "ingest",
    "once_per_event",
    "preflight",
    "probe",
    "reconcile",
    "replay",
    "reset",
    "restore",
    "security_findings",
    "status",
    "validate_drill",
]
