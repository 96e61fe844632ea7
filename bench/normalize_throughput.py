"""How fast is normalize()? Prints events/second for raw events and for relay envelopes.

Run: make bench   (or .venv/bin/python bench/normalize_throughput.py)
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from backup_relay.collect.field_paths import FIELD_PATHS
from backup_relay.collect.normalize import (
    ENVELOPE_VERSION,
    extract,
    normalize,
    normalize_json,
)
from backup_relay.domain.jobs import JobKind

EVENTS = Path(__file__).resolve().parents[1] / "events"
ROUNDS, REPEAT = 5, 2000


def _envelope(raw: dict[str, object], kind: JobKind) -> dict[str, object]:
    fields = {key: extract(raw, path) for key, path in FIELD_PATHS[kind].items()}
    return {"envelope": ENVELOPE_VERSION, "kind": str(kind), **fields, "original": raw}


def _rate(label: str, inputs: Sequence[Any], work: Callable[[Any], object]) -> None:
    rates = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REPEAT):
            for item in inputs:
                work(item)
        rates.append(len(inputs) * REPEAT / (time.perf_counter() - started))
    print(f"{label:<34} {statistics.median(rates):>10,.0f} events/s  (median of {ROUNDS})")


def main() -> None:
    raws = [json.loads(p.read_text()) for p in sorted(EVENTS.glob("*_job_*.json"))]
    raws = [r for r in raws if r["detail-type"].split()[0] in {"Backup", "Copy", "Restore"}]
    envelopes = [_envelope(r, normalize(r).kind) for r in raws]
    bodies = [json.dumps(e) for e in envelopes]
    print(f"{len(raws)} documented job events x {REPEAT} per round")
    _rate("normalize(raw event)", raws, normalize)
    _rate("normalize(envelope)", envelopes, normalize)
    _rate("normalize_json(SQS body)", bodies, normalize_json)


if __name__ == "__main__":
    main()
