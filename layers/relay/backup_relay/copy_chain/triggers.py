"""What a recorded job event does to the copy chain (ingest calls this for every delivery):
resume the hop waiting for a copy job that ended; start a chain for a recovery point that landed
in a central vault. Both are idempotent, so a duplicate delivery changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from backup_relay.copy_chain.decisions import chain_for_event
from backup_relay.copy_chain.outcome import outcome_of_event
from backup_relay.copy_chain.resume import resume_waiting_hop
from backup_relay.models import JobEvent
from backup_relay.planner import ChainSettings, Vault
from backup_relay.ports import ChainLedger, ChainTelemetry, Workflow


@dataclass
class ChainTriggers:
    chain_settings: ChainSettings
    dr_vault: Vault | None  # None: the copy chain is off (no DrRegion)
    ledger: ChainLedger
    workflow: Workflow
    telemetry: ChainTelemetry

    def on_event(self, event: JobEvent) -> list[str]:
        """What it did, in words (for the log)."""
        actions = []
        outcome = outcome_of_event(event)
        if outcome is not None and resume_waiting_hop(self.ledger, self.workflow, outcome):
            actions.append(f"resumed hop of copy job {outcome.copy_job_id}")
        if self.dr_vault is not None:
            chain = chain_for_event(event, self.chain_settings, self.dr_vault)
            if chain is not None:
                first = self.ledger.chain_started(chain)
                # always (re)start: the first delivery may have died before StartExecution;
                # an execution of the same name and input is not started twice
                self.workflow.start(chain)
                self.ledger.execution_started(chain)
                if first:
                    self.telemetry.chain_started(chain)
                    actions.append(f"started {chain.chain_id}")
        return actions
