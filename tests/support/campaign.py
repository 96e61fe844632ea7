"""Fault campaigns: a sandbox night under one kind of fault, held to the invariants every
campaign shares, with a line of figures (docs/reliability.md)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backup_relay.adapters import ledger_schema
from backup_relay_sandbox.backup_sim.model import CopyJob
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, client
from backup_relay_sandbox.organization import DATABASE_TYPES, Organization
from tests.support.chain import CENTRAL, DR


@dataclass
class Campaign:
    """One campaign's outcome, read back from the sandbox after its night."""

    name: str
    org: Organization
    started: float = field(default_factory=time.perf_counter)
    reconcile_runs: int = 0

    def night(
        self, *, before_copies: Callable[[], None] = lambda: None, reconcile: bool = False
    ) -> None:
        """Back up every resource, run the plans' copy actions (databases into the central
        vault, EBS straight to DR), and let the chains run; with `reconcile`, run the scheduled
        reconcile until nothing is left to recover (as its schedule would, every 15 minutes)."""
        org = self.org
        points = {key: org.backup(*key) for key in org.resources}
        org.settle()
        before_copies()
        for (account, resource_type), point in points.items():
            org.plan_copy(account, point, CENTRAL if resource_type in DATABASE_TYPES else DR)
        org.settle()
        while reconcile and self.reconcile_runs < 5:
            report = org.central.functions["ReconcileFunction"]({})
            self.reconcile_runs += 1
            org.settle()
            if not any(report.get(key) for key in ("chains_started", "hops_resumed")):
                break

    # -- what happened ------------------------------------------------------------------------

    def chains(self) -> dict[str, str]:
        """Chain id -> its state in the ledger."""
        return {
            ledger_schema.chain_id_of(item["pk"]["S"]): item["state"]["S"]
            for item in self._of_kind(ledger_schema.CHAIN)
        }

    def chain_copy_jobs(self) -> list[CopyJob]:
        """The copy jobs the chain started (in the central account)."""
        return [job for job in self.org.copy_jobs() if job.account == CENTRAL_ACCOUNT]

    def jobs_per_hop(self) -> Counter[tuple[str, str]]:
        return Counter(
            (job.source_recovery_point_arn, job.destination_vault_arn)
            for job in self.chain_copy_jobs()
        )

    def delivered_event_ids(self) -> set[str]:
        return {str(e.event["id"]) for e in self.org.sim.emitted}

    def recorded_event_ids(self) -> set[str]:
        return {
            item["sk"]["S"].rsplit("#", 1)[-1] for item in self._of_kind(ledger_schema.JOB_EVENT)
        }

    def quarantined(self) -> dict[str, str]:
        """Quarantined message -> its reason (the event id when the body was an event)."""
        found: dict[str, str] = {}
        for item in self._of_kind(ledger_schema.QUARANTINED):
            try:  # the event as delivered, or as normalized (an event AWS did not confirm)
                body = json.loads(item["body"]["S"])
                key = str(body.get("id") or body["event_id"])
            except (ValueError, KeyError, TypeError, AttributeError):
                key = item["sk"]["S"]
            found[key] = item["reason_code"]["S"]
        return found

    def alerts(self) -> list[dict[str, Any]]:
        return self.org.alerts()

    # -- the invariants -----------------------------------------------------------------------

    def check(self, *, chains: int, failed: dict[str, str] | None = None) -> str:
        """`chains` ended, each COMPLETED or FAILED; `failed`: chain id -> the category its one
        alert gives. One copy job per hop; every delivered event recorded or quarantined with a
        reason; no execution left running. Returns the campaign's line of figures."""
        failed = failed or {}
        states = self.chains()
        assert len(states) == chains, states
        assert {c for c, s in states.items() if s == "FAILED"} == set(failed), states
        assert set(states.values()) <= {"COMPLETED", "FAILED"}, states
        assert self.org.running_executions() == []
        per_hop = self.jobs_per_hop()
        assert all(n == 1 for n in per_hop.values()), per_hop
        missing = self.delivered_event_ids() - self.recorded_event_ids() - set(self.quarantined())
        assert not missing, f"events neither recorded nor quarantined: {missing}"
        chain_alerts = [a for a in self.alerts() if a["attributes"]["kind"] == "CHAIN"]
        by_chain = {a["document"]["chain_id"]: a["attributes"]["category"] for a in chain_alerts}
        assert by_chain == failed, self.alerts()
        assert len(chain_alerts) == len(failed)  # one alert per failed chain
        return self.figures()

    def figures(self) -> str:
        states = Counter(self.chains().values())
        deliveries = len(self.org.sim.emitted)
        faults = self.org.sim.faults
        alerts = Counter(a["attributes"]["kind"] for a in self.alerts())
        parts = [
            f"{sum(states.values())} chains ({states['COMPLETED']} completed, "
            f"{states['FAILED']} failed)",
            f"{len(self.chain_copy_jobs())} copy jobs for {len(self.jobs_per_hop())} hops",
            f"{faults.start_copy_job_calls} StartCopyJob calls "
            f"({faults.start_copy_job_throttled} throttled)",
            f"{deliveries} deliveries of {len(self.delivered_event_ids())} events",
            f"{len(self.org.sim.lost)} lost by AWS",
            f"{len(self.quarantined())} quarantined",
            f"alerts {dict(alerts) or 0}",
            f"{self.reconcile_runs} reconcile runs",
            f"{time.perf_counter() - self.started:.1f} s",
        ]
        line = f"{self.name}: " + "; ".join(parts)
        print(line)
        return line

    def _ledger(self) -> list[dict[str, Any]]:
        dynamodb = client("dynamodb")
        table = self.org.central.tables["LedgerTable"]
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            items += page["Items"]
        return items

    def _of_kind(self, kind: ledger_schema.ItemKind) -> list[dict[str, Any]]:
        return [
            i for i in self._ledger() if ledger_schema.kind_of(i["pk"]["S"], i["sk"]["S"]) is kind
        ]
