"""Emit events the way AWS services do: whole, with their own id, account, region and time.

moto's PutEvents rebuilds every event from the request (new id, the caller's account, `time` as
an epoch number), which is not how AWS Backup's events look. These helpers hand the documented
shape to the bus's rules unchanged, in the account and region given. moto still adds an
`ingestion-time` key to the `<aws.events.event.json>` it substitutes.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from moto.events.models import events_backends

from backup_relay_sandbox import moto_fidelity


def emit(event: Mapping[str, Any], *, account: str, region: str, bus: str = "default") -> None:
    """Deliver `event` to the rules of `bus` in `account`/`region`."""
    moto_fidelity.apply()
    backend = events_backends[account][region]
    message = copy.deepcopy(dict(event))
    # moto's InputTransformer reads this key for <aws.events.event.ingestion-time>
    message.setdefault("ingestion-time", datetime.now(UTC).timestamp())
    for rule in list(backend.describe_event_bus(bus).rules.values()):
        if rule.state == "ENABLED":
            rule.send_to_targets(message)  # type: ignore[arg-type]  # moto types it as a TypedDict


def as_member_event(
    documented: Mapping[str, Any], *, account: str, region: str, time: datetime | None = None
) -> dict[str, Any]:
    """A documented example re-homed in `account`/`region`, with a fresh event id.

    The documentation's account (`1112233445566`, 13 digits) and region are replaced everywhere,
    ARNs included, so the event reads as if that member account had emitted it.
    """
    old_account, old_region = documented["account"], documented["region"]

    def rehome(node: Any) -> Any:
        if isinstance(node, str):
            return node.replace(old_account, account).replace(old_region, region)
        if isinstance(node, list):
            return [rehome(item) for item in node]
        if isinstance(node, dict):
            return {key: rehome(value) for key, value in node.items()}
        return node

    event: dict[str, Any] = rehome(copy.deepcopy(dict(documented)))
    event["id"] = str(uuid.uuid4())
    if time is not None:
        event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ")
    return event
