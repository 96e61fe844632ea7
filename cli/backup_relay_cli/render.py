"""What the CLI prints: tables for people, and the JSON shapes for machines."""

from __future__ import annotations

import textwrap

from backup_relay.diagnosis import Diagnosis
from backup_relay.models import JobEvent
from backup_relay.planner import Route


def render_event(event: JobEvent) -> str:
    fields = event.model_dump(mode="json")
    width = max(len(name) for name in fields)
    lines = [f"{event.kind} job {event.job_id or '(no id yet)'} is {event.state}"]
    lines += [f"  {name:<{width}}  {'-' if v is None else v}" for name, v in fields.items()]
    return "\n".join(lines)


def route_json(route: Route) -> dict[str, object]:
    return {
        "resource_type": route.resource_type,
        "source": route.source.arn,
        "destination": route.destination.arn,
        "hop_count": len(route.hops),
        "reason": route.reason,
        "hops": [
            {
                "kind": str(hop.kind),
                "source_vault_arn": hop.source.arn,
                "destination_vault_arn": hop.destination.arn,
                "lifecycle": hop.lifecycle.as_api(),
            }
            for hop in route.hops
        ],
    }


def render_route(route: Route) -> str:
    hops = "hop" if len(route.hops) == 1 else "hops"
    lines = [f"{route.resource_type}: {len(route.hops)} {hops} ({route.reason})"]
    lines += [
        f"  {number}. {hop.kind:<24} {hop.source} -> {hop.destination}"
        for number, hop in enumerate(route.hops, start=1)
    ]
    return "\n".join(lines)


def render_diagnosis(diagnosis: Diagnosis) -> str:
    def block(label: str, text: str) -> str:
        wrapped = textwrap.wrap(text, 88, break_long_words=False, break_on_hyphens=False) or [""]
        return "\n".join([f"{label:<11}{wrapped[0]}", *(" " * 11 + line for line in wrapped[1:])])

    retry = "yes, once the cause is fixed" if diagnosis.retryable else "no: it would fail again"
    return "\n".join(
        [
            block("category", diagnosis.category),
            block("why", diagnosis.title),
            block("fix", diagnosis.remediation),
            block("replay", retry),
            block("docs", diagnosis.docs),
        ]
    )
