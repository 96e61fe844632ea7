"""The sandbox organization's databases in moto's RDS (what the doctor reads: tags, engines,
option groups), and its AWS Organizations (what the doctor asks the management account)."""

from __future__ import annotations

from typing import Any

from moto.organizations.models import organizations_backends

from backup_relay.domain import resource_types
from backup_relay_sandbox.backup_sim import moto_state
from backup_relay_sandbox.cloud import client

_LOGIN = {"MasterUsername": "relay", "MasterUserPassword": "sandbox-password-1"}


def create_database(
    account: str,
    region: str,
    resource_type: str,
    name: str,
    *,
    key_arn: str | None,
    tags: dict[str, str],
    options: tuple[str, ...] = (),
) -> str | None:
    """The database in moto's RDS, of the engine the resource types registry gives the type
    (an RDS instance with options: moto_state.OPTIONS_ENGINE's); its ARN (None: not a database,
    EBS for example)."""
    known = resource_types.REGISTRY.get(resource_type)
    database = known.database if known else None
    if database is None:
        return None
    rds = client("rds", region, account)
    common: dict[str, Any] = {
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        **({"StorageEncrypted": True, "KmsKeyId": key_arn} if key_arn else {}),
    }
    if database.cluster:
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=name, Engine=database.engine, **_LOGIN, **common
        )["DBCluster"]
        return str(cluster["DBClusterArn"])
    engine = database.engine
    if options:
        engine = moto_state.OPTIONS_ENGINE[0]
        group = moto_state.create_option_group(account, region, f"{name}-options", options)
        common["OptionGroupName"] = group
    instance = rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine=engine,
        DBInstanceClass="db.t4g.medium",
        AllocatedStorage=20,
        **_LOGIN,
        **common,
    )["DBInstance"]
    return str(instance["DBInstanceArn"])


def create_organization(
    management: str, organization_id: str, members: tuple[str, ...], *, backup_policies: bool
) -> None:
    """An organization of `management` with `members` (moto makes up ids: set to ours), AWS
    Backup's trusted access, and backup policies enabled on the root when `backup_policies`."""
    organizations = client("organizations", account=management)
    organizations.create_organization(FeatureSet="ALL")
    backend: Any = organizations_backends[management]["aws"]
    backend.org.id = organization_id
    for account in members:
        created = organizations.create_account(AccountName=account, Email=f"{account}@example.com")
        status_id = created["CreateAccountStatus"]["Id"]
        member = next(a for a in backend.accounts if a.create_account_status_id == status_id)
        organizations_backends.master_accounts.pop(member.id, None)
        member.id, member.organization_id = account, organization_id
        organizations_backends.master_accounts[account] = (management, "aws")
    organizations.enable_aws_service_access(ServicePrincipal="backup.amazonaws.com")
    if backup_policies:
        root = organizations.list_roots()["Roots"][0]["Id"]
        organizations.enable_policy_type(RootId=root, PolicyType="BACKUP_POLICY")
