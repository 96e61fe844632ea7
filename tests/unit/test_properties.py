"""Property-based: whatever JSON arrives, normalize and ingest answer clearly and never crash."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backup_relay.collect.ingest import ingest_message
from backup_relay.collect.normalize import normalize, normalize_json
from backup_relay.collect.ports import IngestOutcome, QuarantinedMessage
from backup_relay.domain.accounts import AccountPolicy
from backup_relay.domain.errors import InvalidJobEvent
from backup_relay.domain.jobs import JobEvent
from tests.support.events import JOB_EVENT_FILES, documented, envelope_of
from tests.support.profiles import examples
from tests.support.strategies import (
    DETAIL_FIELDS,
    TOP_LEVEL_FIELDS,
    deepen,
    hostile_bodies,
    hostile_events,
    json_values,
    with_deep_nesting,
)

#: what an error message may quote of its input, at most (a bounded excerpt, never the input)
MAX_REASON_CHARS = 300

field_names = st.sampled_from(DETAIL_FIELDS)
top_level_names = st.sampled_from(TOP_LEVEL_FIELDS)


def _normalize_or_refuse(payload: Any) -> JobEvent | None:
    try:
        return normalize(payload)
    except InvalidJobEvent as refused:
        reason = refused
    assert reason.code
    assert 0 < len(reason.message) <= MAX_REASON_CHARS
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


@settings(max_examples=examples(200))
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
    _ingest_all(bodies)


def _ingest_all(bodies: list[str]) -> None:
    recorded: list[JobEvent] = []
    quarantined: list[QuarantinedMessage] = []

    def record(event: JobEvent, original: Mapping[str, Any] | None) -> bool:
        # what the ledger does with them: both become JSON text (UTF-8)
        event.model_dump_json().encode()
        json.dumps(original).encode()
        recorded.append(event)
        return True

    outcomes = [
        ingest_message(
            body, f"m{i}", policy=AccountPolicy(), record=record, quarantine=quarantined.append
        ).outcome
        for i, body in enumerate(bodies)
    ]
    # every message ends recorded or quarantined, none is lost
    assert outcomes.count(IngestOutcome.RECORDED) == len(recorded)
    assert outcomes.count(IngestOutcome.QUARANTINED) == len(quarantined)
    assert len(recorded) + len(quarantined) == len(bodies)


# ---- hostile input: what a fuzz found must end as InvalidJobEvent, nothing else -----------------


@settings(max_examples=examples(1500), deadline=None)
@given(hostile_events(), st.integers(30, 5_000), st.booleans())
def test_hostile_events_are_normalized_or_refused_with_a_bounded_reason(
    event: dict[str, Any], depth: int, as_envelope: bool
) -> None:
    # GIVEN a documented event with fields made hostile (huge strings and digit strings, extreme
    # dates with offsets, broken Unicode, nesting past Python's recursion limit, wrong types)
    payload = deepen(event, depth)
    if as_envelope and isinstance(payload.get("detail-type"), str):
        with contextlib.suppress(KeyError):  # a detail-type no rule would match has no envelope
            payload = envelope_of(payload)
    # WHEN normalized THEN it is a JobEvent the ledger can write, or InvalidJobEvent with a short
    # reason: no other exception escapes
    result = _normalize_or_refuse(payload)
    if result is not None:
        result.model_dump_json().encode()


@settings(max_examples=examples(500), deadline=None)
@given(hostile_bodies | st.binary(max_size=200))
def test_any_text_or_bytes_is_normalized_or_refused_with_a_bounded_reason(
    body: str | bytes,
) -> None:
    # GIVEN any message body: truncated JSON, nesting deeper than the parser goes, bytes that
    # are not UTF-8  WHEN normalize_json reads it  THEN only InvalidJobEvent escapes
    try:
        normalize_json(body)
    except InvalidJobEvent as refused:
        reason = refused
    else:
        return
    assert reason.code
    assert 0 < len(reason.message) <= MAX_REASON_CHARS


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(hostile_bodies, min_size=1, max_size=10))
def test_ingest_records_or_quarantines_every_hostile_body(bodies: list[str]) -> None:
    # WHEN a batch of hostile bodies is ingested THEN each ends recorded or quarantined
    _ingest_all(bodies)


@settings(max_examples=examples(200), deadline=None)
@given(hostile_events().map(json.dumps), st.integers(1, 100_000))
def test_a_quarantined_reason_quotes_a_bounded_excerpt(body: str, depth: int) -> None:
    # GIVEN a hostile event as a message body
    body = with_deep_nesting(body, depth)
    quarantined: list[QuarantinedMessage] = []
    # WHEN ingest refuses it
    ingest_message(
        body, "m-1", policy=AccountPolicy(), record=lambda e, o: True, quarantine=quarantined.append
    )
    # THEN its reason is short, whatever the body held
    for message in quarantined:
        assert 0 < len(message.reason) <= MAX_REASON_CHARS
