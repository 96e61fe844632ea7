"""Hypothesis strategies shared by property tests: well-formed JSON, and the hostile inputs a
fuzz of the ingest path found (huge strings and digit strings, extreme dates with offsets, deep
nesting, text that is not valid Unicode, truncated and non-UTF-8 bodies)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

from tests.support.events import JOB_EVENT_FILES, documented

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

#: A placeholder that `with_deep_nesting` replaces in JSON text by nesting too deep to dump.
DEEP = "@@deep@@"


def nested(depth: int) -> list[Any]:
    """`depth` arrays, one inside the other, built without recursion."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_deep_nesting(body: str, depth: int) -> str:
    """JSON text with every `DEEP` string replaced by `depth` nested arrays."""
    return body.replace(json.dumps(DEEP), deep_json(depth))


def _iso_with_offset(moment: datetime, offset_minutes: int) -> str:
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{moment.isoformat()}{sign}{hours:02d}:{minutes:02d}"


#: ISO 8601 times anywhere in years 1..9999 (the edges included), with any UTC offset
extreme_times = st.builds(
    _iso_with_offset,
    st.sampled_from([datetime.min, datetime.max]) | st.datetimes(),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
)
#: one character repeated up to 300,000 times (hypothesis would take long to draw such text)
huge_strings = st.builds(
    lambda char, count: char * count, st.characters(), st.integers(1_000, 300_000)
)
#: digit strings up to past Python's 4,300-digit limit for int()
digit_strings = st.integers(1, 6_000).map(lambda count: "9" * count)
#: integers a JSON parser accepts that no byte count reaches
huge_integers = st.integers(min_value=2**63 - 2) | st.floats(min_value=1e18, allow_infinity=False)
#: text holding a lone surrogate: a JSON string may say "\ud800", UTF-8 cannot encode it
broken_text = st.builds(
    lambda text, surrogate: text + surrogate,
    st.text(max_size=5),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
)
#: nesting from a little past what normalize() accepts to far past Python's recursion limit
deep_values = st.integers(30, 5_000).map(nested)

#: any JSON value, or anything a fuzz found hostile; DEEP stands for nesting `deep_values` gives
hostile_values: st.SearchStrategy[Any] = (
    json_values
    | huge_strings
    | digit_strings
    | huge_integers
    | extreme_times
    | broken_text
    | st.just(DEEP)
)

#: the top-level and detail fields normalize() reads, and the envelope's keys
TOP_LEVEL_FIELDS = ["id", "account", "region", "time", "source", "detail-type", "resources"]
DETAIL_FIELDS = [
    "state",
    "status",
    "copyJobId",
    "backupJobId",
    "restoreJobId",
    "statusMessage",
    "backupSizeInBytes",
    "resourceArn",
    "resourceType",
    "iamRoleArn",
    "backupVaultArn",
    "sourceBackupVaultArn",
    "destinationBackupVaultArn",
    "destinationRecoveryPointArn",
    "recoveryPointArn",
]


@st.composite
def hostile_events(draw: st.DrawFn) -> dict[str, Any]:
    """A documented job event with one to three fields (top level or detail) made hostile;
    nesting stands in as DEEP (see `deepen`)."""
    event = documented(draw(st.sampled_from(JOB_EVENT_FILES)))
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            event[draw(st.sampled_from(TOP_LEVEL_FIELDS))] = draw(hostile_values)
        elif isinstance(event.get("detail"), dict):
            event["detail"][draw(st.sampled_from(DETAIL_FIELDS))] = draw(hostile_values)
    return event


def deepen(value: Any, depth: int) -> Any:
    """`value` with every DEEP replaced by `depth` nested arrays."""
    if value == DEEP:
        return nested(depth)
    if isinstance(value, dict):
        return {key: deepen(child, depth) for key, child in value.items()}
    if isinstance(value, list):
        return [deepen(child, depth) for child in value]
    return value


def _truncated(text: str, fraction: float) -> str:
    return text[: int(len(text) * fraction)]


#: message bodies: documented events cut anywhere, hostile events as JSON, nesting far past any
#: parser's limit, bodies too large, and plain text
hostile_bodies: st.SearchStrategy[str] = (
    st.builds(
        _truncated,
        st.sampled_from(JOB_EVENT_FILES).map(lambda name: json.dumps(documented(name))),
        st.floats(0, 1, exclude_max=True),
    )
    | st.builds(with_deep_nesting, hostile_events().map(json.dumps), st.integers(1, 100_000))
    | st.integers(1, 100_000).map(deep_json)
    | st.text(max_size=60)
)
