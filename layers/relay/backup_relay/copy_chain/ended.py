"""An execution of the copy chain ended: free what it held, and record how it ended if its own
steps could not (stopped by hand, timed out, failed outside the Catch paths).

A concurrency slot is freed only by the state machine's FreeSlot states; an execution that ends
any other way would hold its slot for ever, and once MaxConcurrentCopies slots leak, every chain
of that account and region waits in TakeSlot. Step Functions emits "Step Functions Execution
Status Change" to EventBridge for every execution that ends; a rule hands it here. Releasing is
idempotent: a holder not in its slot is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from backup_relay.ports import ChainEndTelemetry, ChainLedger

#: Execution statuses after which nothing of the chain runs (RUNNING and PENDING_REDRIVE do).
ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


class ExecutionEndedReport(BaseModel):
    chain_id: str
    status: str
    slots_released: int = 0
    recorded_failed: bool = False


@dataclass
class ExecutionEnded:
    ledger: ChainLedger
    telemetry: ChainEndTelemetry

    def __call__(self, chain_id: str, status: str) -> ExecutionEndedReport:
        report = ExecutionEndedReport(chain_id=chain_id, status=status)
        if status not in ENDED:
            return report
        for hop in self.ledger.hops_of(chain_id):
            self.ledger.release_slot(hop)
            report.slots_released += 1
        if status != "SUCCEEDED":
            report.recorded_failed = self.ledger.chain_died(
                chain_id, f"execution {status}: ended outside the chain's steps"
            )
        self.telemetry.execution_ended(
            chain_id, status, report.slots_released, report.recorded_failed
        )
        return report
