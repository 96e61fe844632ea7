"""EventBridge (moto) applies the template's rules and InputTransformers; the envelope it delivers
normalizes to the same JobEvent as the raw event.

moto deviations, and how this test stays strict despite them (see docs/testing.md):
* PutEvents in moto rebuilds events (new id, caller's account, epoch `time`), so events are
  emitted whole with `emit()`, exactly as AWS Backup emits them.
* moto leaves `<var>` in place when a path is missing, where EventBridge drops the variable;
  normalize() treats both as absent, and the CREATED copy event (no copyJobId) exercises it.
* moto's SQS delivery expects an epoch `time`; `moto_fidelity` lets ISO times (AWS's shape) through.
* moto's `<aws.events.event.json>` adds an `ingestion-time` key; it is removed before comparing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backup_relay.collect.normalize import normalize
from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION, client
from backup_relay_sandbox.emit import emit
from tests.support.events import JOB_EVENT_FILES, OTHER_EVENT_FILES, documented


def _delivered(central: CentralStack) -> list[dict[str, Any]]:
    messages = (
        client("sqs")
        .receive_message(QueueUrl=central.ingest_queue.url, MaxNumberOfMessages=10)
        .get("Messages", [])
    )
    return [json.loads(m["Body"]) for m in messages]


@pytest.mark.parametrize("bus", ["relay", "default"])
@pytest.mark.parametrize("name", JOB_EVENT_FILES)
def test_envelope_from_eventbridge_normalizes_like_the_raw_event(
    central: CentralStack, name: str, bus: str
) -> None:
    # GIVEN a documented job event arriving on the relay bus (from a member) or the default bus
    raw = documented(name)
    # WHEN EventBridge applies the template's rules to it
    emit(
        raw,
        account=CENTRAL_ACCOUNT,
        region=REGION,
        bus=central.bus_name if bus == "relay" else "default",
    )
    # THEN exactly one envelope reaches the ingest queue
    [envelope] = _delivered(central)
    assert envelope["envelope"] == "backup-relay/1"
    # AND it normalizes to the same JobEvent as the raw event, field for field
    assert normalize(envelope) == normalize(raw)
    # AND it carries the original event unchanged
    original = dict(envelope["original"])
    original.pop("ingestion-time")
    assert original == raw


@pytest.mark.parametrize("name", OTHER_EVENT_FILES)
def test_other_backup_events_never_reach_the_queue(central: CentralStack, name: str) -> None:
    emit(documented(name), account=CENTRAL_ACCOUNT, region=REGION, bus=central.bus_name)
    emit(documented(name), account=CENTRAL_ACCOUNT, region=REGION)
    assert _delivered(central) == []
