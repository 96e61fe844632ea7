"""Property-based: whatever JSON arrives, normalize and ingest answer clearly and never crash."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backup_relay.errors import InvalidJobEvent
from backup_relay.ingest import AccountPolicy, Outcome, QuarantinedMessage, ingest_message
from backup_relay.models import JobEvent
from backup_relay.normalize import normalize
from tests.support.events import JOB_EVENT_FILES, documented, envelope_of
from tests.support.strategies import json_values

field_names = st.sampled_from(
    [
        "state",
        "status",
        "copyJobId",
        "backupJobId",
        "restoreJobId",
        "statusMessage",
        "backupSizeInBytes",
        "destinationRecoveryPointArn",
        "resourceArn",
        "iamRoleArn",
    ]
)
top_level_names = st.sampled_from(
    ["id", "account", "region", "time", "source", "detail-type", "resources"]
)


def _normalize_or_refuse(payload: Any) -> JobEvent | None:
    try:
        return normalize(payload)
    except InvalidJobEvent as refused:
        reason = refused
    assert reason.code
    assert reason.message
    return None


@given(json_values)
def test_any_json_is_normalized_or_refused_with_a_reason(payload: Any) -> None:
    _normalize_or_refuse(payload)


@given(
    st.sampled_from(JOB_EVENT_FILES),
    st.dictionaries(field_names, json_values, max_size=3),
    st.dictionaries(top_level_names, json_values, max_size=2),
)
def test_mutated_documented_events_are_normalized_or_refused(
    name: str, detail_changes: dict[str, Any], top_changes: dict[str, Any]
) -> None:
    event = copy.deepcopy(documented(name))
    event["detail"].update(detail_changes)
    event.update(top_changes)
    result = _normalize_or_refuse(event)
    if result is not None:
        # a result is always a complete JobEvent that survives a JSON round trip
        assert JobEvent.model_validate_json(result.model_dump_json()) == result


@given(
    st.sampled_from(JOB_EVENT_FILES),
    st.dictionaries(
        st.sampled_from(["copyJobId", "statusMessage", "backupSizeInBytes"]),
        st.text(max_size=30) | st.integers(min_value=0),
        max_size=3,
    ),
)
def test_envelope_and_raw_agree_on_any_accepted_event(name: str, changes: dict[str, Any]) -> None:
    event = copy.deepcopy(documented(name))
    event["detail"].update(changes)
    raw_result = _normalize_or_refuse(event)
    if raw_result is not None:
        assert normalize(envelope_of(event)) == raw_result


@settings(max_examples=200)
@given(
    st.lists(
        st.text(max_size=60)
        | json_values.map(json.dumps)
        | st.sampled_from(JOB_EVENT_FILES).map(lambda name: json.dumps(documented(name))),
        min_size=1,
        max_size=10,
    )
)
def test_ingest_handles_every_body_of_a_batch(bodies: list[str]) -> None:
    recorded: list[JobEvent] = []
    quarantined: list[QuarantinedMessage] = []

    def record(event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        recorded.append(event)
        return True

    outcomes = [
        ingest_message(
            body, f"m{i}", policy=AccountPolicy(), record=record, quarantine=quarantined.append
        ).outcome
        for i, body in enumerate(bodies)
    ]
    # every message ends recorded or quarantined, none is lost
    assert outcomes.count(Outcome.RECORDED) == len(recorded)
    assert outcomes.count(Outcome.QUARANTINED) == len(quarantined)
    assert len(recorded) + len(quarantined) == len(bodies)
