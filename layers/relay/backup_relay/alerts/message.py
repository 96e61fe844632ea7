"""An alert rendered for each kind of subscriber, in one SNS message (MessageStructure=json):

- `default` and `email`: plain text a person reads, the diagnosis and fix first;
- `sqs` and `lambda`: a versioned JSON document (SCHEMA, written down in docs/alerts.md);
- `https`: AWS Chatbot's (Amazon Q Developer in chat applications) custom notification, which it
  renders in Slack and Teams as title, description and next steps; Chatbot subscribes to a topic
  over HTTPS and drops any other payload.

Message attributes carry what subscribers filter on (SNS filter policies).
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from backup_relay.domain.alert import Alert, AlertKind
from backup_relay.domain.troubleshooting import troubleshooting_page

SCHEMA = "backup-relay/alert/1"
#: SNS's limit for a subject: ASCII, no line breaks, at most 100 characters.
MAX_SUBJECT = 100
_JOB_PAGES = {AlertKind.BACKUP: "backup", AlertKind.COPY: "copy", AlertKind.RESTORE: "restore"}


@dataclass(frozen=True)
class AlertMessage:
    alert_id: str
    subject: str
    by_protocol: dict[str, str]
    attributes: dict[str, str]

    @property
    def structured(self) -> str:
        """The Message of an SNS Publish with MessageStructure=json."""
        return json.dumps(self.by_protocol)


def render(alert: Alert) -> AlertMessage:
    text = email_text(alert)
    return AlertMessage(
        alert_id=alert.alert_id,
        subject=subject(alert),
        by_protocol={
            "default": text,
            "email": text,
            "sqs": json.dumps(document(alert)),
            "lambda": json.dumps(document(alert)),
            "https": json.dumps(chat_notification(alert)),
        },
        attributes=attributes(alert),
    )


def subject(alert: Alert) -> str:
    """What failed, which resource, account and region, at a glance."""
    where = ", ".join(part for part in (alert.account, alert.region) if part)
    what = f"{alert.headline}: {_resource_name(alert)}" if _resource_name(alert) else alert.headline
    text = f"[backup-relay] {what}" + (f" ({where})" if where else "")
    text = _ascii(text)
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 3].rstrip() + "..."


def attributes(alert: Alert) -> dict[str, str]:
    """The attributes every message carries (subscribers filter on them), when it has a value."""
    values = {
        "severity": str(alert.severity),
        "kind": str(alert.kind),
        "account": alert.account,
        "region": alert.region,
        "resource_type": alert.resource_type,
        "category": alert.diagnosis.category,
    }
    return {name: str(value) for name, value in values.items() if value}


def console_links(alert: Alert) -> dict[str, str]:
    links: dict[str, str] = {}
    region = alert.region
    console = f"https://{region}.console.aws.amazon.com"
    if alert.job_id and region and alert.kind in _JOB_PAGES:
        page = _JOB_PAGES[alert.kind]
        links["job"] = f"{console}/backup/home?region={region}#/jobs/{page}/details/{alert.job_id}"
    if alert.execution_arn:
        execution_region = alert.execution_arn.split(":")[3]
        links["execution"] = (
            f"https://{execution_region}.console.aws.amazon.com/states/home?"
            f"region={execution_region}#/v2/executions/details/{alert.execution_arn}"
        )
    return links


def next_command(alert: Alert) -> str | None:
    """What to run once the cause is fixed."""
    if alert.kind is AlertKind.COPY and alert.job_id:
        return f"backup-relay replay --job-id {alert.job_id}"
    if alert.kind is AlertKind.CHAIN and alert.chain_id:
        return f"backup-relay replay --chain-id {alert.chain_id}"
    if alert.kind in (AlertKind.HOP_PAST_SLA, AlertKind.CHAIN_RECOVERED) and alert.chain_id:
        return f"backup-relay status --chain {alert.chain_id}"
    return None  # a backup or a restore: run it again from its plan or the console


def facts(alert: Alert) -> list[tuple[str, str]]:
    """What the alert knows, labelled for people, in the order they read it."""
    rows = [
        ("Resource", " ".join(p for p in (alert.resource_type, alert.resource_arn) if p)),
        ("Account", alert.account),
        ("Region", alert.region),
        ("Job", alert.job_id),
        ("Chain", alert.chain_id),
        ("Hop", alert.hop),
        ("AWS said", alert.status_message),
        ("AWS class", alert.message_category or alert.diagnosis.aws_category),
        ("Proof", alert.proof.line if alert.proof else None),  # confirmed / contradicted / ...
        ("Scanned", alert.recovery_point_arn),  # THREATS_FOUND: the recovery point, its copies
        *(("Copy", copy) for copy in alert.copies),
    ]
    return [(label, value) for label, value in rows if value]


def history_command(alert: Alert) -> str | None:
    """The command that shows the job's (or chain's) history: its resource's jobs and chains."""
    if alert.chain_id:
        return f"backup-relay status --chain {alert.chain_id} --since 7d"
    if alert.resource_arn and alert.kind in _JOB_PAGES:
        return f"backup-relay status --resource {alert.resource_arn} --since 7d"
    return None


def unknown_help(alert: Alert) -> list[tuple[str, str]]:
    """What a failure no catalogue entry matched still gives (issue #24): AWS's troubleshooting
    page for its resource type, and the command that shows the job's history. (AWS's message,
    its MessageCategory and the console link are in every failure's alert.)"""
    if alert.diagnosis.catalogued or alert.kind not in {*_JOB_PAGES, AlertKind.CHAIN}:
        return []
    rows = [("Guide", troubleshooting_page(alert.resource_type, str(alert.kind)))]
    history = history_command(alert)
    return rows + ([("History", history)] if history else [])


def email_text(alert: Alert) -> str:
    d = alert.diagnosis
    rows = [("What", alert.headline), *facts(alert)]
    rows.append(("When", alert.occurred_at.isoformat(timespec="seconds")))
    lines = [f"backup-relay {alert.severity}: {alert.headline}", ""]
    lines += [f"{label:<10}{value}" for label, value in rows]
    fix = textwrap.wrap(d.remediation, 90, break_long_words=False, break_on_hyphens=False) or [""]
    lines += ["", f"Why       {d.title} ({d.category})", f"Fix       {fix[0]}"]
    lines += [f"          {line}" for line in fix[1:]]
    command = next_command(alert)
    if command:
        retry = "should succeed" if d.retryable else "will fail again until the cause is fixed"
        lines.append(f"Then      {command}   (a replay {retry})")
    if d.docs:
        lines.append(f"Docs      {d.docs}")
    lines += [f"{label:<10}{value}" for label, value in unknown_help(alert)]
    for name, url in console_links(alert).items():
        lines.append(f"Console   {name}: {url}")
    lines += ["", f"Alert id  {alert.alert_id}"]
    return "\n".join(lines) + "\n"


def document(alert: Alert) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        **alert.model_dump(mode="json"),
        "links": console_links(alert),
        "next_command": next_command(alert),
        **{label.lower(): value for label, value in unknown_help(alert)},
    }


def chat_notification(alert: Alert) -> dict[str, Any]:
    d = alert.diagnosis
    steps = [d.remediation]
    command = next_command(alert)
    if command:
        steps.append(f"Then run `{command}`")
    if d.docs:
        steps.append(f"Docs: {d.docs}")
    steps += [f"{label}: {value}" for label, value in unknown_help(alert)]
    lines = [f"*{label}:* {value}" for label, value in facts(alert)]
    icon = ":rotating_light:" if alert.severity == "error" else ":warning:"
    return {
        "version": "1.0",
        "source": "custom",
        "id": alert.alert_id,
        "content": {
            "textType": "client-markdown",
            "title": f"{icon} {subject(alert).removeprefix('[backup-relay] ')}",
            "description": "\n".join([f"*{d.title}*", *lines]),
            "nextSteps": steps,
            "keywords": [v for v in (d.category, str(alert.kind), alert.account) if v],
        },
        "metadata": {
            "threadId": alert.chain_id or alert.job_id or alert.alert_id,
            "summary": subject(alert),
            "eventType": str(alert.kind),
            "relatedResources": [r for r in (alert.resource_arn, alert.execution_arn) if r],
            "additionalContext": attributes(alert),
        },
    }


def _resource_name(alert: Alert) -> str:
    """`Aurora orders` from arn:aws:rds:...:cluster:orders."""
    name = re.split(r"[:/]", alert.resource_arn)[-1] if alert.resource_arn else ""
    return " ".join(part for part in (alert.resource_type, name) if part)


def _ascii(text: str) -> str:
    text = re.sub(r"[\r\n\t]+", " ", text)
    return text.encode("ascii", "replace").decode("ascii").strip()
