"""AWS RAM's shares of a vault, as the central account (their owner) reads them:
GetResourceShareAssociations (the vault's, then each share's principals) and GetResourceShares
(each share's status): https://docs.aws.amazon.com/ram/latest/APIReference/API_GetResourceShareAssociations.html"""

from __future__ import annotations

from typing import Any

from backup_relay.adapters.prerequisites.reads import readable
from backup_relay.doctor.facts import ResourceShareFacts


def vault_shares(ram: Any, vault_arn: str) -> list[ResourceShareFacts] | None:
    """The shares (this account's) the vault is associated with; None: not readable."""

    def read() -> list[ResourceShareFacts]:
        associations = _all(
            ram,
            "get_resource_share_associations",
            "resourceShareAssociations",
            associationType="RESOURCE",
            resourceArn=vault_arn,
        )
        found = {
            a["resourceShareArn"]: a
            for a in associations
            if a.get("associatedEntity") == vault_arn and a.get("status") not in ("DISASSOCIATED",)
        }
        if not found:
            return []
        arns = sorted(found)
        shares = {
            share["resourceShareArn"]: share
            for share in _all(
                ram,
                "get_resource_shares",
                "resourceShares",
                resourceOwner="SELF",
                resourceShareArns=arns,
            )
        }
        principals = _all(
            ram,
            "get_resource_share_associations",
            "resourceShareAssociations",
            associationType="PRINCIPAL",
            resourceShareArns=arns,
        )
        return [
            ResourceShareFacts(
                arn=arn,
                name=found[arn].get("resourceShareName") or shares.get(arn, {}).get("name", ""),
                status=shares.get(arn, {}).get("status", "DELETED"),
                association_status=found[arn].get("status", ""),
                principals=sorted(
                    p["associatedEntity"]
                    for p in principals
                    if p.get("resourceShareArn") == arn and p.get("status") == "ASSOCIATED"
                ),
            )
            for arn in arns
        ]

    return readable(read)


def _all(client: Any, operation: str, key: str, **query: Any) -> list[dict[str, Any]]:
    """Every page (RAM's nextToken)."""
    found: list[dict[str, Any]] = []
    while True:
        page = getattr(client, operation)(**query)
        found += page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return found
        query["nextToken"] = token
