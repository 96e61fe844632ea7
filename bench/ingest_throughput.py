"""Ingest throughput: a burst of 5,000 job events through the real rules, queue and ingest.

Run: make bench   (or .venv/bin/python bench/ingest_throughput.py)

Each event is AWS's documented Backup Job State Change example (events/), re-homed in a member
account with its own event id and job id, emitted on the member's default bus: the member
stack's forwarding rule, the relay bus, the central stack's rules and InputTransformers, the
ingest queue, then the ingest function drains it in batches of 10 (the event source mapping's
BatchSize), as in the sandbox, 500 events at a time. Backup jobs of EBS volumes: recorded, no
chain to start, so the figure is ingest's own. Everything runs in one process on moto: AWS's
services would be faster than moto's emulation; the figure is a floor for the code, not AWS's.
"""

from __future__ import annotations

import json
import os
import time

from backup_relay_sandbox.cloud import (
    MEMBER_ACCOUNTS,
    REGION,
    SANDBOX_MOTO_CONFIG,
    client,
    use_fake_credentials,
)

use_fake_credentials()
os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"

from moto import mock_aws  # noqa: E402

from backup_relay_sandbox import api_calls  # noqa: E402
from backup_relay_sandbox.emit import as_member_event, emit  # noqa: E402
from backup_relay_sandbox.event_source import drain  # noqa: E402
from backup_relay_sandbox.organization import Organization  # noqa: E402
from backup_relay_sandbox.template import REPO_ROOT  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", "5000"))
CHUNK = 500
WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


def main() -> None:
    member = MEMBER_ACCOUNTS[0]
    documented = json.loads((REPO_ROOT / "events" / "backup_job_completed.json").read_text())
    with mock_aws(config=SANDBOX_MOTO_CONFIG):
        org = Organization.build(members=[member], resource_types=())
        events = []
        for n in range(EVENTS):
            event = as_member_event(documented, account=member, region=REGION)
            event["detail"] |= {"backupJobId": f"bench-{n:05d}", "resourceType": "EBS"}
            events.append(event)
        api_calls.clear()
        routed = ingested = 0.0
        invocations = delivered = 0
        for chunk in range(0, EVENTS, CHUNK):
            started = time.perf_counter()
            for event in events[chunk : chunk + CHUNK]:
                emit(event, account=member, region=REGION)
            routed += time.perf_counter() - started
            started = time.perf_counter()
            report = drain(
                client("sqs"), org.central.ingest_queue, org.central.ingest, region=REGION,
                max_rounds=CHUNK,
            )  # fmt: skip
            ingested += time.perf_counter() - started
            invocations += report.invocations
            delivered += report.delivered
        writes = sum(n for (f, a), n in api_calls.COUNTS.items() if a in WRITES)
        reads = sum(n for (f, a), n in api_calls.COUNTS.items() if a.startswith("dynamodb:"))
    assert delivered == EVENTS, delivered
    print(f"{EVENTS:,} Backup Job State Change events, put on the bus {CHUNK} at a time (moto's "
          "queue receives in time linear in its depth: a deeper burst measures moto)")  # fmt: skip
    print(f"  member bus -> forwarding rule -> relay bus -> rule -> ingest queue: {routed:.1f} s "
          f"({EVENTS / routed:,.0f} events/s, moto's EventBridge)")  # fmt: skip
    print(f"  ingest, {invocations} invocations of up to 10: {ingested:.1f} s "
          f"({EVENTS / ingested:,.0f} events/s in one process; the stack runs up to "
          "IngestMaxConcurrency of them at once)")  # fmt: skip
    print(f"  ledger and idempotency writes: {writes:,} ({writes / EVENTS:.1f} per event); "
          f"DynamoDB calls in all: {reads:,}")  # fmt: skip


if __name__ == "__main__":
    main()
