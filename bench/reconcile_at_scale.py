"""What one reconcile run costs with 10,000 recovery points in the central vault.

Run: make bench   (or .venv/bin/python bench/reconcile_at_scale.py)
The vault holds 10,000 member copies of one chained type: 9,800 older than the lookback window
(192 h by default) and 200 inside it. Reconcile runs through the real adapters (AWS Backup in
the simulator, the ledger in moto's DynamoDB), listing only the window (`ByCreatedAfter`, one
chained type at a time, 1,000 per page). Executions are not started (a fake Step Functions
records the names): the figures are reconcile's own. For comparison, the same run with a window
that covers the whole vault, which is what listing the vault without `ByCreatedAfter` cost.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta

from backup_relay_sandbox.cloud import (
    MEMBER_ACCOUNTS,
    REGION,
    SANDBOX_MOTO_CONFIG,
    use_fake_credentials,
)

use_fake_credentials()
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # figures only, no EMF lines

from moto import mock_aws  # noqa: E402

from backup_relay.adapters.backup import BackupCopyJobs, BackupRecoveryPoints  # noqa: E402
from backup_relay.adapters.chain_ledger import DynamoChainLedger  # noqa: E402
from backup_relay.copy_chain.ports import ReconcileReport  # noqa: E402
from backup_relay.copy_chain.reconcile import Reconcile  # noqa: E402
from backup_relay.domain.chain import ChainState  # noqa: E402
from backup_relay.observability import Telemetry  # noqa: E402
from backup_relay.settings import ReconcileSettings  # noqa: E402
from backup_relay_sandbox import api_calls  # noqa: E402
from backup_relay_sandbox.organization import (  # noqa: E402
    CENTRAL_VAULT_ARN,
    MEMBER_VAULT,
    Organization,
)

POINTS, IN_WINDOW = 10_000, 200
MEMBER = MEMBER_ACCOUNTS[0]


@dataclass
class _NoExecutions:
    """Step Functions that records which chains would start, and says they all run."""

    names: set[str] = field(default_factory=set)

    def start(self, chain: ChainState) -> bool:
        new = chain.chain_id not in self.names
        self.names.add(chain.chain_id)
        return new

    def resume(self, task_token: str, outcome: object) -> bool:
        return False

    def running(self) -> set[str]:
        return set(self.names)

    def status(self, name: str) -> str | None:
        return "RUNNING" if name in self.names else None


class _Discarded:
    """The alerts outbox: reconcile's warnings are not what this measures."""

    def send(self, alert: object) -> None:
        pass


def _fill_the_vault(org: Organization, settings: ReconcileSettings) -> None:
    resource = org.resources[(MEMBER, "Aurora")]
    member_vault = f"arn:aws:backup:{REGION}:{MEMBER}:backup-vault:{MEMBER_VAULT}"
    window = settings.lookback - timedelta(hours=1)
    older = timedelta(days=90) - settings.lookback
    for n in range(POINTS):
        arn = org.sim.put_recovery_point(CENTRAL_VAULT_ARN, resource)
        point = org.sim.recovery_points[arn]
        if n < IN_WINDOW:
            point.creation = org.sim.now - window * (n / IN_WINDOW)
        else:
            point.creation = org.sim.now - settings.lookback - older * (n / POINTS)
        point.source_vault_arn = member_vault


def _run(label: str, reconcile: Reconcile) -> ReconcileReport:
    api_calls.clear()
    with api_calls.made_by("ReconcileFunction"):
        started = time.perf_counter()
        report = reconcile()
        elapsed = time.perf_counter() - started
    calls: Counter[str] = Counter({a: n for (_, a), n in api_calls.COUNTS.items()})
    listed = calls["backup:ListRecoveryPointsByBackupVault"]
    dynamodb = sum(n for action, n in calls.items() if action.startswith("dynamodb:"))
    print(
        f"{label:<44} {elapsed * 1000:>8,.0f} ms  {listed:>3} list pages  "
        f"{dynamodb:>6,} ledger calls  {len(report.chains_started):>6,} chains started"
    )
    return report


def main() -> None:
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        org = Organization.build(members=[MEMBER], resource_types=("Aurora",))
        org.sim.settings.page_size = 1000  # AWS's page, not the sandbox's 3 (docs/simulator.md)
        settings = ReconcileSettings.load()
        _fill_the_vault(org, settings)
        workflow = _NoExecutions()
        reconcile = Reconcile(
            policy=settings.policy,
            ledger=DynamoChainLedger(settings.ledger_table, settings.ledger_retention),
            workflow=workflow,
            copy_jobs=BackupCopyJobs(),
            recovery_points=BackupRecoveryPoints(),
            executions=workflow,
            alerts=_Discarded(),
            telemetry=Telemetry(),
        )
        print(
            f"{POINTS:,} recovery points in the central vault, {IN_WINDOW} created within "
            f"the {settings.lookback_hours:.0f} h window"
        )
        _run("first run: the window's chains are missing", reconcile)
        _run("steady state (every 15 min): all chained", reconcile)
        whole = timedelta(days=91)
        _run(
            "for comparison, the whole vault: first run",
            replace(reconcile, policy=replace(settings.policy, lookback=whole)),
        )
        _run(
            "for comparison, the whole vault: steady",
            replace(reconcile, policy=replace(settings.policy, lookback=whole)),
        )


if __name__ == "__main__":
    main()
