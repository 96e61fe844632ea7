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

from backup_relay.errors import InvalidJobEvent
from backup_relay.models import DETAIL_TYPES, JobEvent, JobKind, JobState

BACKUP_SOURCE = "aws.backup"
ENVELOPE_VERSION = "backup-relay/1"

_COMMON_PATHS = {
    "event_id": "$.id",
    "source": "$.source",
    "detail_type": "$.detail-type",
    "account": "$.account",
    "region": "$.region",
    "time": "$.time",
    "first_resource": "$.resources[0]",
    "resource_type": "$.detail.resourceType",
    "iam_role_arn": "$.detail.iamRoleArn",
    "size_bytes": "$.detail.backupSizeInBytes",
}

#: Per job kind: envelope key -> JSON path into the raw event. template.yaml's InputPathsMap
#: for each kind's rules must be exactly this mapping.
FIELD_PATHS: dict[JobKind, dict[str, str]] = {
    JobKind.BACKUP: {
        **_COMMON_PATHS,
        "job_id": "$.detail.backupJobId",
        "state": "$.detail.state",
        "resource_arn": "$.detail.resourceArn",
        "destination_vault_arn": "$.detail.backupVaultArn",
    },
    JobKind.COPY: {
        **_COMMON_PATHS,
        "job_id": "$.detail.copyJobId",
        "state": "$.detail.state",
        "resource_arn": "$.detail.resourceArn",
        "source_vault_arn": "$.detail.sourceBackupVaultArn",
        "destination_vault_arn": "$.detail.destinationBackupVaultArn",
        "destination_recovery_point_arn": "$.detail.destinationRecoveryPointArn",
    },
    JobKind.RESTORE: {
        **_COMMON_PATHS,
        "job_id": "$.detail.restoreJobId",
        # Restore events say `status`, except the documented CREATED example, which says `state`.
        "state": "$.detail.state",
        "status": "$.detail.status",
        "resource_arn": "$.detail.sourceResourceArn",
        "source_vault_arn": "$.detail.backupVaultArn",
        "source_recovery_point_arn": "$.detail.recoveryPointArn",
    },
}

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
    if "envelope" in payload:
        return _from_envelope(payload)
    return _from_raw(payload)


def normalize_json(text: str | bytes) -> JobEvent:
    try:
        payload = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidJobEvent("not_json", f"not valid JSON ({error})") from None
    return normalize(payload)


def _from_raw(event: Mapping[str, Any]) -> JobEvent:
    kind = _kind_of(event)
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidJobEvent("missing_detail", "the event has no `detail` object")
    fields = {key: extract(event, path) for key, path in FIELD_PATHS[kind].items()}
    return _finish(kind, fields, detail.get("statusMessage"))


def _from_envelope(envelope: Mapping[str, Any]) -> JobEvent:
    if envelope.get("envelope") != ENVELOPE_VERSION:
        raise InvalidJobEvent(
            "unsupported_envelope",
            f"envelope version {envelope.get('envelope')!r} is not {ENVELOPE_VERSION!r}",
        )
    try:
        kind = JobKind(str(envelope.get("kind")))
    except ValueError:
        raise InvalidJobEvent(
            "unsupported_kind", f"envelope kind {envelope.get('kind')!r} is not a job kind"
        ) from None
    if _kind_of(envelope) is not kind:
        raise InvalidJobEvent(
            "kind_mismatch",
            f"envelope kind {kind} does not match detail-type {envelope.get('detail_type')!r}",
        )
    fields = {key: _unplaced(key, envelope.get(key)) for key in FIELD_PATHS[kind]}
    original = envelope.get("original")
    detail = original.get("detail") if isinstance(original, Mapping) else None
    message = detail.get("statusMessage") if isinstance(detail, Mapping) else None
    return _finish(kind, fields, message)


def _kind_of(event: Mapping[str, Any]) -> JobKind:
    """Check source and detail-type (raw: `detail-type`, envelope: `detail_type`)."""
    source = event.get("source")
    if source != BACKUP_SOURCE:
        raise InvalidJobEvent("not_backup_event", f"source is {source!r}, not {BACKUP_SOURCE!r}")
    detail_type = event.get("detail-type", event.get("detail_type"))
    kind = DETAIL_TYPES.get(detail_type) if isinstance(detail_type, str) else None
    if kind is None:
        raise InvalidJobEvent(
            "unsupported_detail_type",
            f"detail-type {detail_type!r} is not one of {', '.join(DETAIL_TYPES)}",
        )
    return kind


def _unplaced(key: str, value: Any) -> Any:
    """A variable whose path is missing is not substituted; its slot may keep the placeholder."""
    return None if value == f"<{key}>" else value


def _finish(kind: JobKind, fields: Mapping[str, Any], status_message: Any) -> JobEvent:
    first_resource = _arn(fields, "first_resource")
    source_rp = _arn(fields, "source_recovery_point_arn")
    destination_rp = _arn(fields, "destination_recovery_point_arn")
    if kind is JobKind.BACKUP:
        destination_rp = first_resource  # the recovery point the backup created (COMPLETED)
    elif kind is JobKind.COPY:
        source_rp = first_resource  # copy events name the source recovery point only here
    elif source_rp is None:
        source_rp = first_resource  # restore: ARN in detail on COMPLETED, in resources before
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
    )


def _text(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidJobEvent("invalid_field", f"{key} must be a string, got {_type_name(value)}")
    return value.strip() or None


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
        raise InvalidJobEvent("invalid_field", f"state {raw!r} is not a job state") from None


def _time(fields: Mapping[str, Any]) -> datetime:
    raw = _required(fields, "time")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidJobEvent("invalid_field", f"time {raw!r} is not an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _size(fields: Mapping[str, Any]) -> int | None:
    """Sizes are numbers in copy events and strings in backup and restore events."""
    value = fields.get("size_bytes")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    raise InvalidJobEvent("invalid_field", f"size_bytes {value!r} is not a byte count")


def _message(value: Any) -> str | None:
    """AWS wraps some status messages in literal quotes: `"\\"Backup job was stopped.\\""`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidJobEvent(
            "invalid_field", f"statusMessage must be a string, got {_type_name(value)}"
        )
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text or None


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )
