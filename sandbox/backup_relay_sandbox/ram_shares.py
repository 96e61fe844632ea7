"""Deploy a stack's AWS::RAM::ResourceShare resources into moto's RAM (the vaults stack's share of
its logically air-gapped vault, so that the accounts it names restore straight from it). moto's
RAM refuses backup vaults; the simulator's `restore_metadata.install` lets it share them, as
AWS RAM shares LAG vaults."""

from __future__ import annotations

from backup_relay_sandbox.backup_sim import restore_metadata
from backup_relay_sandbox.deployment import Deployment


def create_resource_shares(stack: Deployment) -> dict[str, str]:
    """Each share (its name, resources, principals), by logical id -> its ARN."""
    restore_metadata.install()
    ram = stack.client("ram")
    shares: dict[str, str] = {}
    for logical_id in stack.of_type("AWS::RAM::ResourceShare"):
        properties = stack.resolved(logical_id)
        principals = properties.get("Principals", [])
        if isinstance(principals, str):  # a CommaDelimitedList parameter, as given
            principals = [p for p in principals.split(",") if p]
        arn = ram.create_resource_share(
            name=properties["Name"],
            resourceArns=list(properties.get("ResourceArns", [])),
            principals=list(principals),
            allowExternalPrincipals=bool(properties.get("AllowExternalPrincipals", True)),
        )["resourceShare"]["resourceShareArn"]
        shares[logical_id] = arn
        stack.values |= {logical_id: arn, f"{logical_id}.Arn": arn}
    return shares
