"""The AWS reads the doctor's facts share: an answer or None when the thing is missing or this
account may not read it, pages, a KMS key, a bus's rules, RDS option groups."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from backup_relay.adapters.errors import code_of, domain_errors, translated
from backup_relay.doctor.facts import BusRuleFacts, OptionGroupFacts, VaultFacts
from backup_relay.doctor.policy import as_list

T = TypeVar("T")

_MISSING = {
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
}


#: What Organizations answers an account that may not read a setting (a member, an account
#: outside any organization, a service it does not know).
UNREADABLE = {
    "AccessDeniedException",
    "AccessDenied",
    "AWSOrganizationsNotInUseException",
    "InvalidInputException",
}


def or_none(call: Callable[[], T]) -> T | None:
    """The answer, or None when the thing does not exist."""
    try:
        return call()
    except ClientError as error:
        if code_of(error) in _MISSING:
            return None
        raise translated(error) from error


def readable(call: Callable[[], T]) -> T | None:
    """The answer, or None when this account may not read it."""
    try:
        return call()
    except ClientError as error:
        if code_of(error) in UNREADABLE:
            return None
        raise translated(error) from error


def pages(client: Any, operation: str, key: str, **query: Any) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**query):
        yield from page.get(key) or []


def key_facts(kms: Any, key_arn: str) -> tuple[bool, str | None, str | None]:
    """(AWS manages it, its state, its policy). AWS manages aws/rds, aws/backup, ...: their
    policies cannot be changed."""
    with domain_errors():
        key = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
        aliases = kms.list_aliases(KeyId=key["KeyId"]).get("Aliases", [])
        managed_alias = any(a.get("AliasName", "").startswith("alias/aws/") for a in aliases)
        managed = key.get("KeyManager") == "AWS" or managed_alias
        policy = None if managed else kms.get_key_policy(KeyId=key_arn, PolicyName="default")
    return managed, key.get("KeyState"), policy["Policy"] if policy else None


def bus_rules(events: Any, bus: str) -> list[BusRuleFacts]:
    """The bus's rules with their targets (and the roles targets use, as `missing_roles` until
    the caller checks them)."""
    found: list[BusRuleFacts] = []
    for rule in pages(events, "list_rules", "Rules", EventBusName=bus):
        targets = list(
            pages(events, "list_targets_by_rule", "Targets", Rule=rule["Name"], EventBusName=bus)
        )
        pattern = json.loads(rule.get("EventPattern") or "{}")
        found.append(
            BusRuleFacts(
                name=rule["Name"],
                enabled=rule.get("State") == "ENABLED",
                sources=[str(s) for s in as_list(pattern.get("source"))],
                targets=[t["Arn"] for t in targets],
                missing_roles=[t["RoleArn"] for t in targets if t.get("RoleArn")],
                dead_letter_queues=[
                    t["DeadLetterConfig"]["Arn"]
                    for t in targets
                    if t.get("DeadLetterConfig", {}).get("Arn")
                ],
            )
        )
    return found


def option_groups(rds: Any, **query: str) -> list[OptionGroupFacts]:
    return [
        OptionGroupFacts(
            name=group["OptionGroupName"],
            engine=group.get("EngineName", ""),
            major_version=group.get("MajorEngineVersion", ""),
            options=[o["OptionName"] for o in group.get("Options", [])],
        )
        for group in pages(rds, "describe_option_groups", "OptionGroupsList", **query)
    ]


def vault_facts_of(
    where: dict[str, str],
    vault: Mapping[str, Any],
    access_policy: Mapping[str, Any] | None,
    key: tuple[bool, str | None, str | None],
) -> VaultFacts:
    """A vault that exists, from DescribeBackupVault's answer or its ListBackupVaults entry
    (the same members), its access policy's answer and key_facts of its key."""
    locked = bool(vault.get("Locked"))
    managed, state, key_policy = key
    return VaultFacts(
        **where,
        exists=True,
        key_arn=vault.get("EncryptionKeyArn"),
        key_aws_managed=managed,
        key_state=state,
        key_policy=key_policy,
        access_policy=access_policy.get("Policy") if access_policy else None,
        lock_min_retention_days=vault.get("MinRetentionDays") if locked else None,
        lock_max_retention_days=vault.get("MaxRetentionDays") if locked else None,
        vault_type=vault.get("VaultType"),
    )
