"""Why a backup, copy or restore job failed, and how to fix it: `diagnose` reads the catalogue.

The catalogue (`catalogue.py`) is data, one entry per way of failing, checked in order (the
first that matches decides): what AWS's status message says (regular expressions over its
meaning, not whole strings: messages carry prefixes, ARNs, regions and option lists), optionally
for which job kinds and states. Each entry gives a category (`categories.py`), a title, a
remediation naming what to change and where, whether a replay after the fix should succeed, and
AWS's page on it, which is also its source. Values found in the message and in the job
(accounts, regions, vaults, keys, roles) are filled in; an unknown one is named generically
("<destination account>"). AWS's documented job events are in `events/`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from backup_relay.domain.aws_categories import fallback
from backup_relay.domain.catalogue import CATALOGUE, UNKNOWN
from backup_relay.domain.failures import KEY_STATEMENTS, SERVICE_ROLE, Diagnosis, Entry

_PREFIXES = re.compile(r'^(?:\s|"|\\"|access denied:\s*|error:\s*)+', re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_ARN = r"arn:aws[a-z-]*:{service}:[^\s\"'\]\[,;()]+"


def diagnose(
    message: str | None,
    *,
    resource_type: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    context: Mapping[str, str] | None = None,
    aws_category: str | None = None,
) -> Diagnosis:
    """The catalogue's entry for a job's status message (with its kind and final state, when
    known), its remediation filled with what the message and `context` name. When no entry
    matches, AWS's own MessageCategory (`aws_category`) picks a family (aws_categories.py)."""
    return explain(
        message,
        resource_type=resource_type,
        kind=kind,
        state=state,
        context=context,
        aws_category=aws_category,
    ).diagnosis


@dataclass(frozen=True)
class Trial:
    """One catalogue entry, as `explain` tried it."""

    index: int  # its place in CATALOGUE
    category: str
    title: str
    matched: str | None  # the pattern that matched ("state X" for an entry of states alone)
    skipped: str | None  # why it was not tried (it is for other kinds or states)


@dataclass(frozen=True)
class Explanation:
    """How a message was classified: each entry tried in order up to the one that matched, and,
    when none did, what AWS's category chose."""

    text: str  # the message as the patterns saw it (diagnosis.clean)
    trials: tuple[Trial, ...]
    aws_category: str | None
    fallback: str | None  # the category AWS's picked, when no entry matched
    diagnosis: Diagnosis


def explain(
    message: str | None,
    *,
    resource_type: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    context: Mapping[str, str] | None = None,
    aws_category: str | None = None,
) -> Explanation:
    text = clean(message or "")
    kind_name = kind.upper() if kind else None
    trials: list[Trial] = []
    entry: Entry | None = None
    for index, candidate in enumerate(CATALOGUE):
        matched = candidate.match(text, kind_name, state)
        skipped = candidate.skipped(kind_name, state)
        trials.append(Trial(index, candidate.category, candidate.title, matched, skipped))
        if matched is not None:
            entry = candidate
            break
    by_aws = fallback(aws_category, kind_name) if entry is None else None
    chosen = entry or (by_aws.entry if by_aws else UNKNOWN)
    values = _values(text, resource_type, dict(context or {}))
    values["aws_category"] = aws_category or "no category"
    diagnosis = Diagnosis(
        category=chosen.category,
        title=chosen.title,
        remediation=chosen.remediation.format_map(values),
        retryable=chosen.retryable,
        docs=chosen.docs,
        message=message or "",
        aws_category=aws_category or None,
        catalogued=entry is not None,
    )
    return Explanation(
        text=text,
        trials=tuple(trials),
        aws_category=aws_category or None,
        fallback=by_aws.entry.category if by_aws else None,
        diagnosis=diagnosis,
    )


def clean(message: str) -> str:
    """The message without the quotes and prefixes AWS and its callers wrap it in, its
    whitespace and line breaks folded to single spaces (messages are often quoted wrapped over
    lines, as the RDS key message is)."""
    text = _PREFIXES.sub("", _SPACES.sub(" ", message).strip())
    return text.rstrip('"\\ ').strip()


def _found(service: str, text: str) -> str | None:
    match = re.search(_ARN.format(service=service), text)
    return match.group(0).rstrip(".") if match else None


def _account_of(arn: str | None) -> str | None:
    parts = arn.split(":") if arn else []
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def _region_of(arn: str | None) -> str | None:
    parts = arn.split(":") if arn else []
    return parts[3] if len(parts) > 3 and parts[3] else None


def _values(text: str, resource_type: str | None, context: dict[str, str]) -> dict[str, str]:
    source_vault = context.get("source_vault_arn")
    destination_vault = context.get("destination_vault_arn") or _found("backup", text)
    key = _found("kms", text) or context.get("key_arn")
    route = re.search(r"from ([a-z]{2}(?:-[a-z]+)+-\d) to ([a-z]{2}(?:-[a-z]+)+-\d)", text)
    options = re.search(r"following options:\s*(.+?)\.?$", text)
    role = _found("iam", text) or context.get("iam_role_arn")
    account = context.get("account") or _account_of(source_vault)
    destination_account = (
        context.get("destination_account") or _account_of(destination_vault) or None
    )
    values = {
        "account": account or "<the job's account>",
        "region": (route.group(1) if route else None)
        or context.get("region")
        or "<the source region>",
        "source_account": _account_of(source_vault) or account or "<the source account>",
        "destination_account": destination_account or "<the destination account>",
        "destination_region": (route.group(2) if route else None)
        or _region_of(destination_vault)
        or "<the destination region>",
        "destination_vault": destination_vault or "the destination vault",
        "vault": _found("backup", text) or destination_vault or "the vault",
        "key": key or "the source recovery point's KMS key",
        "role": role or "the job's IAM role",
        "options": options.group(1).strip() if options else "the snapshot lists",
        "resource_type": resource_type or "this resource type",
        "resource": context.get("resource_arn") or "the resource",
        "key_statements": KEY_STATEMENTS,
    }
    values["service_role"] = SERVICE_ROLE.format(
        destination_account=destination_account or "<destination account>"
    )
    return values
