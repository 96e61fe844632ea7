"""The documented AWS Backup events of events/ (verbatim from the AWS docs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
#: The detail-types the relay takes (domain/jobs.py DETAIL_TYPES, spelled out here so a test
#: notices a change): backup, copy, restore and scan jobs, recovery point indexes.
JOB_DETAIL_TYPES = frozenset(
    {
        "Backup Job State Change",
        "Copy Job State Change",
        "Restore Job State Change",
        "Scan Job State Change",
        "Recovery Point Index State Change",
    }
)
JOB_EVENT_FILES = sorted(
    p.name
    for p in EVENTS_DIR.glob("*.json")
    if json.loads(p.read_text())["detail-type"] in JOB_DETAIL_TYPES
)
OTHER_EVENT_FILES = sorted(
    p.name for p in EVENTS_DIR.glob("*.json") if p.name not in JOB_EVENT_FILES
)


def documented(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text())
    return event


def envelope_of(raw: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What the template's InputTransformer makes of `raw` (see test_template_rules)."""
    from backup_relay.collect.field_paths import FIELD_PATHS
    from backup_relay.collect.normalize import ENVELOPE_VERSION, extract
    from backup_relay.domain.jobs import DETAIL_TYPES

    kind = DETAIL_TYPES[raw["detail-type"]]
    fields = {key: extract(raw, path) for key, path in FIELD_PATHS[kind].items()}
    envelope = {"envelope": ENVELOPE_VERSION, "kind": str(kind), **fields, "original": raw}
    return envelope | overrides
