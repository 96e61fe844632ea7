"""Cold-start cost of each Lambda handler's imports, measured in fresh interpreters.

Run: make bench   (or .venv/bin/python bench/cold_start_imports.py)
Prints the median wall time of importing each handler (what a Lambda init pays before the
first event), and of importing it plus what its first event loads: the adapters with boto3, and
the X-Ray SDK behind Powertools' Tracer. Laziness moves that second part to the first
invocation that needs it. For the import breakdown of a handler:
  .venv/bin/python -X importtime -c "import runpy; runpy.run_path('functions/ingest/app.py')"
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
#: every function of the template (functions/<name>/app.py)
HANDLERS = tuple(sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py")))
#: what a handler's first event loads: the adapters (and boto3), and the X-Ray SDK (the tracer)
FIRST_EVENT = (
    "import backup_relay.adapters.backup, backup_relay.adapters.chain_ledger, "
    "backup_relay.adapters.event_ledger, backup_relay.adapters.idempotency, "
    "backup_relay.adapters.workflow, backup_relay.adapters.alerts, boto3, aws_xray_sdk.core"
)
GOAL_MS = 300


def _median_seconds(code: str) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code], check=True, env={"AWS_DEFAULT_REGION": "us-east-1"}
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    baseline = _median_seconds("pass")
    print(f"interpreter start: {baseline * 1000:.0f} ms (subtracted below), median of {RUNS}")
    print(f"{'handler':<30} {'import':>8} {'+ first event':>14}   (goal: import <= {GOAL_MS} ms)")
    for name in HANDLERS:
        load = f"import runpy; runpy.run_path({str(ROOT / 'functions' / name / 'app.py')!r})"
        imported = (_median_seconds(load) - baseline) * 1000
        first = (_median_seconds(f"{load}; {FIRST_EVENT}") - baseline) * 1000
        verdict = "ok" if imported <= GOAL_MS else "OVER"
        label = f"functions/{name}/app.py"
        print(f"{label:<30} {imported:>6.0f} ms {first:>11.0f} ms   {verdict}")


if __name__ == "__main__":
    main()
