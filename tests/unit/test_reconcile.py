"""Reconcile's decisions on running hops, with in-memory stand-ins for the ledger and AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backup_relay.chain import HopOutcome
from backup_relay.reconcile import Reconcile, ReconcileReport
from backup_relay.settings import ChainRuntimeSettings

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:backup-relay-central"


class Ledger:
    def __init__(self, hops: list[dict[str, str]]) -> None:
        self.hops = hops
        self.claimed: list[str] = []

    def hops_in_state(self, state: str) -> list[dict[str, str]]:
        return self.hops if state == "RUNNING" else []

    def claim_resume(self, job_id: str) -> str | None:
        if job_id in self.claimed:
            return None
        self.claimed.append(job_id)
        return f"token-{job_id}"


class Workflow:
    def __init__(self) -> None:
        self.resumed: list[tuple[str, HopOutcome]] = []

    def resume(self, token: str, outcome: HopOutcome) -> bool:
        self.resumed.append((token, outcome))
        return True


class Backup:
    def __init__(self, jobs: dict[str, dict[str, Any]]) -> None:
        self.jobs = jobs

    def describe_copy_job(self, *, CopyJobId: str) -> dict[str, Any]:
        return {"CopyJob": {"CopyJobId": CopyJobId, **self.jobs[CopyJobId]}}


def _hop(job_id: str, hours_ago: float) -> dict[str, str]:
    updated = (NOW - timedelta(hours=hours_ago)).isoformat()
    return {"pk": "CHAIN#c", "sk": f"HOP#{job_id}", "copy_job_id": job_id,
            "source_vault_arn": VAULT, "updated_at": updated}  # fmt: skip


def _reconcile(
    hops: list[dict[str, str]], jobs: dict[str, dict[str, Any]]
) -> tuple[ReconcileReport, Workflow]:
    workflow = Workflow()
    reconcile = Reconcile(
        settings=ChainRuntimeSettings.from_env({"CENTRAL_ACCOUNT_ID": "123456789012"}),
        ledger=Ledger(hops),  # type: ignore[arg-type]
        workflow=workflow,  # type: ignore[arg-type]
        backup=lambda region: Backup(jobs),
        hop_sla=timedelta(hours=24),
        now=lambda: NOW,
    )
    report = ReconcileReport()
    reconcile.check_running_hops(report)
    return report, workflow


def test_ended_jobs_resume_their_hops_once_and_slow_ones_are_reported() -> None:
    # GIVEN hops waiting: a job completed, one failed, one running 30 hours, one just started
    hops = [_hop("done", 1), _hop("broken", 2), _hop("slow", 30), _hop("young", 1)]
    denied = "Access Denied trying to call AWS Backup service"
    jobs = {
        "done": {"State": "COMPLETED", "DestinationRecoveryPointArn": "rp-dr"},
        "broken": {"State": "FAILED", "StatusMessage": denied},
        "slow": {"State": "RUNNING"},
        "young": {"State": "CREATED"},
    }
    # WHEN reconcile checks them
    report, workflow = _reconcile(hops, jobs)
    # THEN the ended ones are resumed with their outcome, the slow one is past its SLA
    assert [(token, outcome.state) for token, outcome in workflow.resumed] == [
        ("token-done", "COMPLETED"),
        ("token-broken", "FAILED"),
    ]
    assert workflow.resumed[1][1].status_message == denied
    assert len(report.hops_resumed) == 2
    assert [line.split(":")[0] for line in report.hops_past_sla] == ["CHAIN#c/HOP#slow"]
