"""The sandbox's deploy of a template's AWS RAM shares (the vaults stack's LagVaultShare)."""

from __future__ import annotations

from backup_relay_sandbox import moto_ram
from backup_relay_sandbox.deployment import Deployment


def create_resource_shares(stack: Deployment) -> dict[str, str]:
    """AWS RAM shares (the vaults stack's LagVaultShare): moto's RAM, taught to share a backup
    vault and to record sharing with the organization (moto_ram)."""
    moto_ram.install()
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
