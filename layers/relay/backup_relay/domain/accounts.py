"""Which accounts a chain may copy from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backup_relay.domain.errors import InvalidJobEvent

if TYPE_CHECKING:  # the settings of every function read this module; not all of them need jobs
    from backup_relay.domain.jobs import JobEvent


@dataclass(frozen=True)
class AccountPolicy:
    """Which accounts may send events: the allow-list, or the whole organization when it is empty.

    The central account's own events are always accepted; the bus policy already limits the
    relay bus to the organization.
    """

    allowed: frozenset[str] = frozenset()
    central_account: str | None = None

    @classmethod
    def from_list(
        cls, accounts: Iterable[str], central_account: str | None = None
    ) -> AccountPolicy:
        return cls(frozenset(a.strip() for a in accounts if a.strip()), central_account or None)

    def allows(self, account: str) -> bool:
        return not self.allowed or account in self.allowed | {self.central_account}

    def check(self, event: JobEvent) -> None:
        if not self.allows(event.account):
            raise InvalidJobEvent(
                "account_not_allowed",
                f"account {event.account} is not in AllowedSourceAccounts",
            )
