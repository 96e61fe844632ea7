"""Cold-start cost of the ingest handler's imports, measured in fresh interpreters.

Run: make bench   (or .venv/bin/python bench/cold_start_imports.py)
Prints the median wall time of importing each module in a new process (python -X importtime
would give the breakdown).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
TARGETS = {
    "backup_relay.normalize (domain only)": "import backup_relay.normalize",
    "backup_relay.runtime (adapters)": "import backup_relay.runtime",
    "functions/ingest/app.py (handler)": (
        f"import runpy; runpy.run_path({str(ROOT / 'functions/ingest/app.py')!r})"
    ),
}


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
    for label, code in TARGETS.items():
        print(f"{label:<40} {(_median_seconds(code) - baseline) * 1000:>6.0f} ms")


if __name__ == "__main__":
    main()
