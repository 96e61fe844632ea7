"""An execution of the copy chain ended: free what it held, and record how it ended if its own
steps could not (stopped by hand, timed out, failed outside the Catch paths).

A concurrency slot is freed only by the state machine's FreeSlot states; an execution that ends
any other way would hold its slot for ever, and once MaxConcurrentCopies slots leak, every chain
of that account and region waits in TakeSlot. Step Functions emits "Step Functions Execution
Status Change" to EventBridge for every execution that ends; a rule hands it here. Releasing is
idempotent: a holder not in its slot is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from backup_relay.alerts.build import for_failed_chain
from backup_relay.alerts.ports import AlertOutbox
from backup_relay.copy_chain.ports import ChainEndTelemetry, ChainLedger
from backup_relay.domain.chain import chain_of_execution
from backup_relay.domain.clock import Clock, utc_now

#: Execution statuses after which nothing of the chain runs (RUNNING and PENDING_REDRIVE do).
ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


class ChainEndedReport(BaseModel):
    chain_id: str
    status: str
    slots_released: int = 0
    recorded_failed: bool = False
    alerted: bool = False


@dataclass
class ChainEnded:
    ledger: ChainLedger
    alerts: AlertOutbox
    telemetry: ChainEndTelemetry
    now: Clock = field(default=utc_now)

    def __call__(
        self, execution: str, status: str, execution_arn: str | None = None
    ) -> ChainEndedReport:
        """`execution`: the execution's name (the chain id, with its attempt from the second)."""
        chain_id, attempt = chain_of_execution(execution)
        report = ChainEndedReport(chain_id=chain_id, status=status)
        if status not in ENDED:
            return report
        record = self.ledger.chain(chain_id)
        if record is not None and record.attempt != attempt:
            return report  # an earlier attempt's late news: a replay runs the chain now
        hops = list(self.ledger.hops_of(chain_id))
        for hop in hops:
            self.ledger.release_slot(hop)
            report.slots_released += 1
        if status != "SUCCEEDED":
            report.recorded_failed = self.ledger.chain_died(
                chain_id, f"execution {status}: ended outside the chain's steps"
            )
            # every chain that ends without its copy raises one alert (by its id), whether
            # its steps recorded the failure or it died outside them
            chain = self.ledger.chain(chain_id)
            if chain is not None:
                hops = list(self.ledger.hops_of(chain_id))  # as chain_died left them
                self.alerts.send(
                    for_failed_chain(
                        chain, hops, status, execution_arn=execution_arn, at=self.now()
                    )
                )
                report.alerted = True
        self.telemetry.chain_ended(chain_id, status, report.slots_released, report.recorded_failed)
        return report
