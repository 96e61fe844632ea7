"""A deployed central stack, as CloudFormation describes it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeployedStack:
    """A deployed central stack, as CloudFormation describes it."""

    name: str
    partition: str
    account: str
    region: str
    parameters: dict[str, str]
    outputs: dict[str, str]
