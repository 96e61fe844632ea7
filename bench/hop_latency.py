"""The latency of our own hop, and what the ingest queue's batching window adds to it.

Run: make bench   (or .venv/bin/python bench/hop_latency.py)

Measured: from the moment ingest is handed a member's COMPLETED copy into the central vault
(hop 1 done) to the chain's StartCopyJob call for hop 2, over many chains of sandbox nights:
ingest, the ledger, StartExecution, the state machine's first states, the StartCopyJob Lambda.
AWS's own time (the copy, EventBridge's delivery) is zero here: the simulator's clock is
virtual.

Modelled: the wait the event source mapping adds in the queue, for MaximumBatchingWindowInSeconds
(the stack's IngestBatchingWindowSeconds) of 0, 1 and 5 s, on the arrival times of the same
nights' events (AWS Backup delivers "every 5 minutes": in bursts): a batch is invoked when it
holds BatchSize (10) messages or its window, opened by its first message, has passed. The
polling design adds half its interval on average (90 s for 180 s), and up to all of it.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from backup_relay_sandbox.cloud import (
    MEMBER_ACCOUNTS,
    SANDBOX_MOTO_CONFIG,
    client,
    use_fake_credentials,
)

use_fake_credentials()
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"

from moto import mock_aws  # noqa: E402

from backup_relay_sandbox import functions  # noqa: E402
from backup_relay_sandbox.backup_sim import Faults  # noqa: E402
from backup_relay_sandbox.organization import (  # noqa: E402
    CENTRAL_VAULT_ARN,
    DATABASE_TYPES,
    DR_VAULT_ARN,
    Organization,
)
from backup_relay_sandbox.template import load_template  # noqa: E402

NIGHTS = 5
ALONE = 10  # nights of a single chain: the hop without other work sharing the process
BATCH_SIZE = 10
WINDOWS = (0, 1, 5)
POLL_INTERVAL = 180


@contextmanager
def handed_to_ingest(seen: dict[str, float]) -> Iterator[None]:
    """Destination recovery point of each COMPLETED copy into the central vault -> when ingest
    was handed its message."""
    original = functions.Function.__call__

    def timed(function: functions.Function, event: dict[str, Any]) -> Any:
        if function.logical_id == "IngestFunction":
            now = time.time()
            for record in event.get("Records", []):
                try:
                    body = json.loads(record["body"])
                except ValueError:
                    continue
                landed = body.get("destination_vault_arn") == CENTRAL_VAULT_ARN
                if body.get("kind") == "COPY" and body.get("state") == "COMPLETED" and landed:
                    seen.setdefault(body["destination_recovery_point_arn"], now)
        return original(function, event)

    setattr(functions.Function, "__call__", timed)  # noqa: B010  (a patch, undone below)
    try:
        yield
    finally:
        setattr(functions.Function, "__call__", original)  # noqa: B010


def night(
    org: Organization, started: dict[str, float], arrivals: list[datetime]
) -> dict[str, float]:
    """One night; returns each chain's execution start (recovery point -> time)."""
    sim = org.sim
    original = sim.start_copy_job

    def timed_start(account: str, region: str, **request: Any) -> Any:
        started.setdefault(request["recovery_point_arn"], time.time())
        return original(account, region, **request)

    sim.start_copy_job = timed_start  # type: ignore[method-assign]
    points = {key: org.backup(*key) for key in org.resources}
    org.settle()
    for (account, resource_type), point in points.items():
        chained = resource_type in DATABASE_TYPES
        org.plan_copy(account, point, CENTRAL_VAULT_ARN if chained else DR_VAULT_ARN)
    org.settle()
    sim.start_copy_job = original  # type: ignore[method-assign]
    arrivals += [e.delivered_at for e in sim.emitted if e.delivered_at is not None]
    sfn = client("stepfunctions")
    executions = {}
    for execution in org.executions():
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        origin = json.loads(described["input"])["origin_recovery_point_arn"]
        executions[origin] = described["startDate"].timestamp()
    return executions


def batching(arrivals: list[datetime], window: float) -> tuple[list[float], int]:
    """Each message's wait in the queue, and the invocations, for a batching window."""
    times = sorted(arrivals)
    waits: list[float] = []
    invocations = 0
    i = 0
    while i < len(times):
        opened = times[i]
        closes = opened + timedelta(seconds=window)
        batch = [t for t in times[i : i + BATCH_SIZE] if t <= closes]
        if len(batch) == BATCH_SIZE:
            closes = batch[-1]
        waits += [(closes - t).total_seconds() for t in batch]
        invocations += 1
        i += len(batch)
    return waits, invocations


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    alone: list[float] = []
    for _ in range(ALONE):
        handed_alone: dict[str, float] = {}
        started_alone: dict[str, float] = {}
        with handed_to_ingest(handed_alone), mock_aws(config=SANDBOX_MOTO_CONFIG):
            org = Organization.build(members=MEMBER_ACCOUNTS[:1], resource_types=("Aurora",))
            night(org, started_alone, [])
        alone += [started_alone[p] - handed_alone[p] for p in handed_alone if p in started_alone]
    latencies: list[float] = []
    ingest_part: list[float] = []
    arrivals: list[datetime] = []
    for seed in range(NIGHTS):
        handed: dict[str, float] = {}
        started: dict[str, float] = {}
        with handed_to_ingest(handed), mock_aws(config=SANDBOX_MOTO_CONFIG):
            org = Organization.build(wait_timeout_seconds=30)
            org.sim.faults = Faults(seed=seed, batch_every=timedelta(minutes=5))
            executions = night(org, started, arrivals)
        latencies += [started[p] - handed[p] for p in handed if p in started]
        ingest_part += [executions[p] - handed[p] for p in handed if p in executions]
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    default = _default_window()
    print(
        f"our hop, a chain alone ({len(alone)} runs): p50 "
        f"{statistics.median(alone) * 1000:.0f} ms, p99 {percentile(alone, 0.99) * 1000:.0f} ms"
    )
    print(
        f"our hop, {len(latencies)} chains over {NIGHTS} sandbox nights (events in 5-minute "
        "bursts, as AWS Backup delivers them; one process runs ingest and every execution)"
    )
    print(f"  ingest handed hop 1's COMPLETED -> hop 2's StartCopyJob: p50 {p50 * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms (max {max(latencies) * 1000:.0f} ms)")  # fmt: skip
    print(f"  of which ingest (the record's batch, up to StartExecution): p50 "
          f"{statistics.median(ingest_part) * 1000:.0f} ms, p99 "
          f"{percentile(ingest_part, 0.99) * 1000:.0f} ms")  # fmt: skip
    print("\nwith the ingest queue's batching window (modelled on the nights' "
          f"{len(arrivals)} event arrivals; BatchSize {BATCH_SIZE})")  # fmt: skip
    print("| IngestBatchingWindowSeconds | queue wait p50 | p99 | hop latency p99 "
          "| Lambda invocations per 1,000 events |")  # fmt: skip
    print("|---|---|---|---|---|")
    for window in WINDOWS:
        waits, invocations = batching(arrivals, window)
        mark = " (default)" if window == default else ""
        print(f"| {window}{mark} | {statistics.median(waits):.2f} s | "
              f"{percentile(waits, 0.99):.2f} s | {percentile(waits, 0.99) + p99:.2f} s | "
              f"{invocations * 1000 / len(arrivals):.0f} |")  # fmt: skip
    print(f"| polling every {POLL_INTERVAL} s, for comparison | {POLL_INTERVAL / 2:.0f} s "
          f"| {POLL_INTERVAL * 0.99:.0f} s | {POLL_INTERVAL * 0.99 + p99:.0f} s | - |")  # fmt: skip
    waits, _ = batching(arrivals, default)
    print(f"\ngoal: hop latency p99 <= 1 s at the default window ({default} s): a chain alone "
          f"{percentile(waits, 0.99) + percentile(alone, 0.99):.2f} s; in a night's bursts "
          f"{percentile(waits, 0.99) + p99:.2f} s in the sandbox, where one process runs ingest's "
          "batch and every execution it starts")  # fmt: skip


def _default_window() -> int:
    return int(load_template()["Parameters"]["IngestBatchingWindowSeconds"]["Default"])


if __name__ == "__main__":
    main()
