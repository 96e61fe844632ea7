"""The probe's reads in memory (doctor/probe.py's ProbeReads), and the stack it knows."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from backup_relay.doctor.facts import OptionGroupFacts, VaultFacts
from backup_relay.doctor.resource_facts import RoleFacts
from backup_relay.domain.errors import AccessDenied
from tests.support.world import BACKUP_ROLE, CENTRAL, CENTRAL_HOME, DR

ORGANIZATION = "o-abcdef1234"
KEY_USE = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
]


def key_policy(owner: str, *users: str) -> str:
    """The owner administers the key; `users` may use it and create grants for AWS resources."""
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{owner}:root"},
         "Action": "kms:*", "Resource": "*"},
    ]  # fmt: skip
    if users:
        roots = [f"arn:aws:iam::{user}:root" for user in users]
        statements += [
            {"Effect": "Allow", "Principal": {"AWS": roots}, "Action": KEY_USE, "Resource": "*"},
            {"Effect": "Allow", "Principal": {"AWS": roots}, "Action": "kms:CreateGrant",
             "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
        ]  # fmt: skip
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass
class Scope:
    central_account: str = CENTRAL
    organization_id: str = ORGANIZATION
    central_vault_name: str = CENTRAL_HOME.name
    intermediate_retention_days: int = 0
    dr_vault_arn: str | None = DR.arn
    dr_retention_days: int = 35
    backup_role_arn: str = BACKUP_ROLE
    probe_timeout_seconds: float = 2.0


@dataclass
class MemoryProbeReads:
    """What AWS would answer; `denied` names the reads AWS refuses (AccessDenied)."""

    keys: dict[str, tuple[bool, str | None, str | None]] = field(default_factory=dict)
    points: dict[str, str] = field(default_factory=dict)  # recovery point -> key
    vaults: dict[str, VaultFacts] = field(default_factory=dict)
    cross_account: bool | None = True
    roles: dict[str, RoleFacts] = field(default_factory=dict)
    snapshots: dict[str, OptionGroupFacts] = field(default_factory=dict)  # snapshot -> its group
    option_groups_of: dict[tuple[str, str], list[OptionGroupFacts]] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    delay_seconds: float = 0.0
    calls: list[str] = field(default_factory=list)

    def _read(self, name: str) -> None:
        self.calls.append(name)
        time.sleep(self.delay_seconds)
        if name in self.denied:
            raise AccessDenied("AccessDenied", f"not authorized to perform {name}")

    def recovery_point_key(self, account: str, region: str, vault_arn: str, arn: str) -> str | None:
        self._read("recovery_point_key")
        return self.points.get(arn)

    def key(self, account: str, region: str, key_arn: str) -> tuple[bool, str | None, str | None]:
        self._read("key")
        return self.keys[key_arn]

    def vault(self, vault_arn: str) -> VaultFacts:
        self._read("vault")
        parts = vault_arn.split(":")
        missing = VaultFacts(
            role="destination", arn=vault_arn, account=parts[4], region=parts[3], exists=False
        )
        return self.vaults.get(vault_arn, missing)

    def cross_account_backup(self) -> bool | None:
        self._read("cross_account_backup")
        return self.cross_account

    def role(self, account: str, region: str, role_arn: str) -> RoleFacts:
        self._read("role")
        return self.roles.get(role_arn, RoleFacts(arn=role_arn, exists=False))

    def snapshot_option_group(
        self, account: str, region: str, snapshot_arn: str
    ) -> OptionGroupFacts | None:
        self._read("snapshot_option_group")
        return self.snapshots.get(snapshot_arn)

    def option_groups(
        self, account: str, region: str, engine: str, major_version: str
    ) -> list[OptionGroupFacts]:
        self._read("option_groups")
        return [
            g
            for g in self.option_groups_of.get((account, region), [])
            if (g.engine, g.major_version) == (engine, major_version)
        ]
