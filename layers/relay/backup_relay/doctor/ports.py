"""What the doctor reads of the accounts it checks."""

from __future__ import annotations

from typing import Protocol

from backup_relay.doctor.facts import CentralFacts, MemberFacts, PreflightFacts, StackPlan


class Prerequisites(Protocol):
    account: str

    def central(self) -> CentralFacts:
        """What the doctor checks in the central account."""
        ...


class MemberPrerequisites(Protocol):
    def member(self, account: str, region: str) -> MemberFacts:
        """What the doctor checks in a member account (through its member stack's DoctorRole)."""
        ...


class PreflightPrerequisites(Protocol):
    def preflight(self, plan: StackPlan) -> PreflightFacts:
        """What `sam deploy` of the central stack needs in the caller's account and the plan's
        region (doctor --preflight), read with read-only calls."""
        ...
