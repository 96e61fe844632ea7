"""The organization's accounts, from AWS Organizations' ListAccounts, cached for a few minutes.

ListAccounts "can be called only from the organization's management account or by a member
account that is a delegated administrator" (AWS Organizations API Reference, ListAccounts:
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html and
https://docs.aws.amazon.com/organizations/latest/APIReference/action-reference.html). From any
other account it answers AccessDeniedException, from an account outside any organization
AWSOrganizationsNotInUseException: both leave as the domain's Refused (errors.py), and bring-back
then refuses; nothing is cached on an error.

Cached for TTL (5 minutes) per process (a Lambda sandbox, a CLI run): an operator bringing back
several resources in a row pages through ListAccounts once, not once per resource (Organizations
throttles its API per account); and an account that leaves the organization is refused at most
5 minutes later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backup_relay.adapters import aws
from backup_relay.adapters.errors import domain_errors

TTL_SECONDS = 300.0


def _organizations() -> Any:
    return aws.client("organizations")


@dataclass
class OrganizationsAccounts:
    ttl_seconds: float = TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    client: Callable[[], Any] = _organizations  # this account's Organizations client
    _cached: tuple[float, frozenset[str]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def active_accounts(self) -> frozenset[str]:
        with self._lock:
            now = self.clock()
            if self._cached is None or now - self._cached[0] >= self.ttl_seconds:
                self._cached = (now, self._list())
            return self._cached[1]

    def _list(self) -> frozenset[str]:
        organizations = self.client()
        with domain_errors():
            return frozenset(
                account["Id"]
                for page in organizations.get_paginator("list_accounts").paginate()
                for account in page.get("Accounts", [])
                if account.get("Status", "ACTIVE") == "ACTIVE"
            )
