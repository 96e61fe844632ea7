"""A simulator of the AWS Backup jobs backup-relay depends on, plugged into moto.

    from backup_relay_sandbox.backup_sim import simulator

    sim = simulator()  # inside mock_aws(); boto3 backup clients now reach it
    sim.advance(timedelta(minutes=30))  # jobs move on and emit their events

See docs/simulator.md for what is simulated, from which sources, and what is not.
"""

from backup_relay_sandbox.backup_sim.emitter import EmittedEvent
from backup_relay_sandbox.backup_sim.errors import BackupApiError
from backup_relay_sandbox.backup_sim.faults import Faults, RestoreFault
from backup_relay_sandbox.backup_sim.model import (
    CreatedBy,
    Durations,
    JobState,
    RecoveryPointStatus,
    RefusedBy,
    Settings,
)
from backup_relay_sandbox.backup_sim.service import Simulator
from backup_relay_sandbox.backup_sim.state import exact_delivery, reset, simulator

__all__ = [
    "BackupApiError",
    "CreatedBy",
    "Durations",
    "EmittedEvent",
    "Faults",
    "JobState",
    "RecoveryPointStatus",
    "RefusedBy",
    "RestoreFault",
    "Settings",
    "Simulator",
    "exact_delivery",
    "reset",
    "simulator",
]
