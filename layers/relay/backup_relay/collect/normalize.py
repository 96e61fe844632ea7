"""Turn an AWS Backup job event, raw or mapped by an EventBridge InputTransformer, into a JobEvent.

Two inputs are accepted:

* the raw EventBridge event (`source: aws.backup`, `detail-type: ... Job State Change`);
* the *envelope* produced by the central stack's rules: `{"envelope": "backup-relay/1",
  "kind": ..., <FIELD_PATHS[kind] keys>..., "original": <the raw event>}`.

Both go through the same `_finish`: the raw event is first mapped with `FIELD_PATHS`, the very
table the template's InputPathsMap must equal (a test holds them together), so EventBridge and
this module extract the same fields and only the finishing rules live here.

Free text (`statusMessage`) is never mapped by the transformer: EventBridge does not escape
values it substitutes, and AWS's messages carry literal quotes. It is read from `original`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from backup_relay.collect.field_paths import FIELD_PATHS, MESSAGE_KEY
from backup_relay.domain.aws_categories import category_name
from backup_relay.domain.errors import InvalidJobEvent
from backup_relay.domain.jobs import DETAIL_TYPES, JobEvent, JobKind, JobState

BACKUP_SOURCE = "aws.backup"
ENVELOPE_VERSION = "backup-relay/1"

#: AWS Backup's events nest three levels deep, an envelope four. Anything deeper is refused
#: before it is read, so nothing after (error messages, the ledger's JSON) meets a recursion limit.
MAX_DEPTH = 32
#: Longest identifier (job and event ids, account, region, time, type, state), in UTF-8 bytes:
#: the ledger's sort keys hold one within DynamoDB's 1,024 bytes.
MAX_ID_BYTES = 256
#: Longest ARN, in UTF-8 bytes: AWS allows 2,048 characters; 2,000 keeps a ledger key holding one
#: within DynamoDB's 2,048-byte partition keys.
MAX_ARN_BYTES = 2000
#: AWS reports sizes as a Long.
MAX_SIZE_BYTES = 2**63 - 1
#: How much of an offending string an error message quotes.
EXCERPT_CHARS = 60

_PATH_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def extract(event: Mapping[str, Any], path: str) -> Any:
    """Evaluate the dot-and-index JSON path subset EventBridge's InputPathsMap supports."""
    node: Any = event
    for step in _steps(path):
        if isinstance(step, str):
            node = node.get(step) if isinstance(node, Mapping) else None
        else:
            node = node[step] if isinstance(node, list) and step < len(node) else None
        if node is None:
            return None
    return node


@cache
def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(name or int(index) for name, index in _PATH_STEP.findall(path.removeprefix("$")))


def normalize(payload: Any) -> JobEvent:
    """Normalize a raw job event or a relay envelope; raise InvalidJobEvent saying why not."""
    if not isinstance(payload, Mapping):
        raise InvalidJobEvent("not_an_object", f"expected a JSON object, got {_type_name(payload)}")
    if _deeper_than(payload, MAX_DEPTH):
        raise InvalidJobEvent("too_deep", f"nested more than {MAX_DEPTH} levels deep")
    if "envelope" in payload:
        return _from_envelope(payload)
    return _from_raw(payload)


def normalize_json(text: str | bytes) -> JobEvent:
    return normalize(parse_json(text))


def parse_json(text: str | bytes) -> Any:
    """JSON text (bytes must be UTF-8) to its value; InvalidJobEvent when it cannot be read."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidJobEvent(
                "not_utf8", f"not UTF-8 text (byte {error.start}: {error.reason})"
            ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise InvalidJobEvent("too_deep", "nested deeper than the JSON parser goes") from None
    except ValueError as error:  # includes numbers past Python's 4,300-digit limit
        raise InvalidJobEvent("not_json", f"not valid JSON ({_cut(str(error), 160)})") from None


def _deeper_than(value: Mapping[str, Any], limit: int) -> bool:
    """Does `value` nest JSON's objects or arrays more than `limit` levels? Level by level, no
    recursion: any depth, and a cycle, is answered."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node if isinstance(node, list) else node.values())
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def _from_raw(event: Mapping[str, Any]) -> JobEvent:
    kind = _kind_of(event)
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidJobEvent("missing_detail", "the event has no `detail` object")
    fields = {key: extract(event, path) for key, path in FIELD_PATHS[kind].items()}
    message = detail.get(MESSAGE_KEY.get(kind, "statusMessage"))
    return _finish(kind, fields, message, detail.get("messageCategory"))


def _from_envelope(envelope: Mapping[str, Any]) -> JobEvent:
    if envelope.get("envelope") != ENVELOPE_VERSION:
        raise InvalidJobEvent(
            "unsupported_envelope",
            f"envelope version {_excerpt(envelope.get('envelope'))} is not {ENVELOPE_VERSION!r}",
        )
    try:
        kind = JobKind(str(envelope.get("kind")))
    except ValueError:
        raise InvalidJobEvent(
            "unsupported_kind", f"envelope kind {_excerpt(envelope.get('kind'))} is not a job kind"
        ) from None
    if _kind_of(envelope) is not kind:
        raise InvalidJobEvent(
            "kind_mismatch",
            f"envelope kind {kind} does not match detail-type "
            f"{_excerpt(envelope.get('detail_type'))}",
        )
    fields = {key: _unplaced(key, envelope.get(key)) for key in FIELD_PATHS[kind]}
    original = envelope.get("original")
    detail = original.get("detail") if isinstance(original, Mapping) else None
    message_key = MESSAGE_KEY.get(kind, "statusMessage")
    message = detail.get(message_key) if isinstance(detail, Mapping) else None
    category = detail.get("messageCategory") if isinstance(detail, Mapping) else None
    return _finish(kind, fields, message, category)


def _kind_of(event: Mapping[str, Any]) -> JobKind:
    """Check source and detail-type (raw: `detail-type`, envelope: `detail_type`)."""
    source = event.get("source")
    if source != BACKUP_SOURCE:
        raise InvalidJobEvent(
            "not_backup_event", f"source is {_excerpt(source)}, not {BACKUP_SOURCE!r}"
        )
    detail_type = event.get("detail-type", event.get("detail_type"))
    kind = DETAIL_TYPES.get(detail_type) if isinstance(detail_type, str) else None
    if kind is None:
        raise InvalidJobEvent(
            "unsupported_detail_type",
            f"detail-type {_excerpt(detail_type)} is not one of {', '.join(DETAIL_TYPES)}",
        )
    return kind


def _unplaced(key: str, value: Any) -> Any:
    """A variable whose path is missing is not substituted; its slot may keep the placeholder."""
    return None if value == f"<{key}>" else value


def _finish(
    kind: JobKind, fields: Mapping[str, Any], status_message: Any, message_category: Any = None
) -> JobEvent:
    first_resource = _arn(fields, "first_resource")
    source_rp = _arn(fields, "source_recovery_point_arn")
    destination_rp = _arn(fields, "destination_recovery_point_arn")
    if kind is JobKind.BACKUP:
        destination_rp = first_resource  # the recovery point the backup created (COMPLETED)
    elif kind is JobKind.COPY:
        source_rp = first_resource  # copy events name the source recovery point only here
    elif source_rp is None:
        # restore: ARN in detail on COMPLETED, in resources before; a scan and an index: both
        source_rp = first_resource
    return JobEvent(
        kind=kind,
        job_id=_text(fields, "job_id"),
        state=_state(fields),
        status_message=_message(status_message),
        account=_required(fields, "account"),
        region=_required(fields, "region"),
        time=_time(fields),
        resource_arn=_arn(fields, "resource_arn"),
        resource_type=_text(fields, "resource_type"),
        source_recovery_point_arn=source_rp,
        destination_recovery_point_arn=destination_rp,
        source_vault_arn=_arn(fields, "source_vault_arn"),
        destination_vault_arn=_arn(fields, "destination_vault_arn"),
        size_bytes=_size(fields),
        iam_role_arn=_arn(fields, "iam_role_arn"),
        event_id=_required(fields, "event_id"),
        created_resource_arn=_arn(fields, "created_resource_arn"),
        message_category=_category(message_category),
        scan_result=_text(fields, "scan_result"),
        restore_testing_plan_arn=_arn(fields, "restore_testing_plan_arn"),
        backup_plan_arn=_arn(fields, "backup_plan_arn"),
    )


def _category(value: Any) -> str | None:
    """AWS's MessageCategory, when an event carries one (INFERRED: AWS's documented events do
    not; its name is camel case like `statusMessage`'s). A value that is not a short name is
    left out, not quarantined: the event is good without it."""
    if not isinstance(value, str):
        return None
    try:
        return category_name(value)
    except ValueError:
        return None


def _text(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidJobEvent("invalid_field", f"{key} must be a string, got {_type_name(value)}")
    limit = MAX_ARN_BYTES if key.endswith("_arn") or key == "first_resource" else MAX_ID_BYTES
    return _checked_text(key, value.strip(), limit) or None


def _checked_text(key: str, text: str, max_bytes: int | None = None) -> str:
    """Text the ledger can write: valid Unicode (a JSON string may hold a lone surrogate, which
    UTF-8 cannot encode) and, for identifiers and ARNs, short enough for a key."""
    if max_bytes is not None and len(text) > max_bytes:  # a character is at least one byte
        raise InvalidJobEvent("invalid_field", f"{key} is longer than {max_bytes} bytes")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidJobEvent("invalid_field", f"{key} is not valid Unicode text") from None
    if max_bytes is not None and size > max_bytes:
        raise InvalidJobEvent("invalid_field", f"{key} is longer than {max_bytes} bytes")
    return text


def _arn(fields: Mapping[str, Any], key: str) -> str | None:
    """AWS sends `{}` for a destination that does not exist yet; the transformer may quote it."""
    value = fields.get(key)
    if value in ({}, "{}"):
        return None
    return _text(fields, key)


def _required(fields: Mapping[str, Any], key: str) -> str:
    value = _text(fields, key)
    if value is None:
        raise InvalidJobEvent("missing_field", f"{key} is missing")
    return value


def _state(fields: Mapping[str, Any]) -> JobState:
    raw = _text(fields, "state") or _text(fields, "status")
    if raw is None:
        raise InvalidJobEvent("missing_field", "state is missing (neither state nor status)")
    try:
        return JobState(raw.upper())
    except ValueError:
        raise InvalidJobEvent(
            "invalid_field", f"state {_excerpt(raw)} is not a job state"
        ) from None


def _time(fields: Mapping[str, Any]) -> datetime:
    raw = _required(fields, "time")
    try:
        parsed = datetime.fromisoformat(raw)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError:
        raise InvalidJobEvent(
            "invalid_field", f"time {_excerpt(raw)} is not an ISO 8601 time"
        ) from None
    except OverflowError:  # year 1 or 9999 with an offset: UTC is outside datetime's range
        raise InvalidJobEvent(
            "invalid_field", f"time {_excerpt(raw)} is outside years 1 to 9999 in UTC"
        ) from None


def _size(fields: Mapping[str, Any]) -> int | None:
    """Sizes are numbers in copy events and strings in backup and restore events."""
    value = fields.get("size_bytes")
    if value is None or value == "":
        return None
    size: int | None = None
    if isinstance(value, str):
        digits = value.strip()
        # int() refuses more than 4,300 digits; a Long has at most 19
        if digits.isascii() and digits.isdigit() and len(digits) <= len(str(MAX_SIZE_BYTES)):
            size = int(digits)
    elif isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, float) and value.is_integer():
        size = int(value)
    if size is None or not 0 <= size <= MAX_SIZE_BYTES:
        raise InvalidJobEvent("invalid_field", f"size_bytes {_excerpt(value)} is not a byte count")
    return size


def _message(value: Any) -> str | None:
    """AWS wraps some status messages in literal quotes: `"\\"Backup job was stopped.\\""`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidJobEvent(
            "invalid_field", f"statusMessage must be a string, got {_type_name(value)}"
        )
    text = _checked_text("statusMessage", value.strip())
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text or None


def _excerpt(value: Any) -> str:
    """What an error message quotes of an offending value: a string's first characters, a
    number, or else only its type; never the whole input, so a message stays short and safe."""
    if isinstance(value, str):  # repr escapes what does not print: cut it after, too
        return _cut(repr(value[: EXCERPT_CHARS + 1]), EXCERPT_CHARS)
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 64 else "an integer of more than 19 digits"
    return _type_name(value)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )
