"""The doctor's checks of AdditionalDestinations' vaults (issue #25 leftovers) against moto and
the AWS Backup simulator: a `lag:` entry names a logically air-gapped vault of the stack's
retention range, a `standard:` one a vault on a customer managed key; a shared LAG vault's AWS
RAM share reaches the served accounts, with RAM's sharing with the organization on.
https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"""

from __future__ import annotations

from typing import Any

from backup_relay.adapters import aws
from backup_relay.adapters.prerequisites.central import AwsPrerequisites, organization
from backup_relay.doctor.destinations import (
    destination_vaults_ready,
    lag_vaults_shared_for_restores,
)
from backup_relay.doctor.facts import CentralFacts, DestinationFacts, OrganizationFacts
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, ORGANIZATION_ID, REGION
from backup_relay_sandbox.cloud import client as cloud_client

LAG = f"lag:{REGION}:lag"


def _prerequisites() -> AwsPrerequisites:
    aws.reset()
    moto_fidelity.apply()
    simulator()  # AWS Backup's operations moto lacks (logically air-gapped vaults)
    return AwsPrerequisites(
        account=CENTRAL_ACCOUNT,
        organization_id=ORGANIZATION_ID,
        vaults=[],
        backup_role_arn=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup",
    )


def _lag_vault(name: str = "lag", low: int = 7, high: int = 365) -> str:
    created = cloud_client("backup").create_logically_air_gapped_backup_vault(
        BackupVaultName=name, MinRetentionDays=low, MaxRetentionDays=high
    )
    return str(created["BackupVaultArn"])


def _facts(*destinations: DestinationFacts, **more: Any) -> CentralFacts:
    return CentralFacts.model_construct(
        account=CENTRAL_ACCOUNT,
        organization_id=ORGANIZATION_ID,
        destinations=list(destinations),
        lag_retention=more.pop("lag_retention", (7, 365)),
        source_accounts=more.pop("source_accounts", []),
        organization=more.pop("organization", OrganizationFacts()),
    )


def test_a_lag_destination_of_the_stacks_range_passes_and_another_range_is_found(
    moto: None,
) -> None:
    # GIVEN a logically air-gapped vault keeping recovery points 7 to 365 days
    prerequisites = _prerequisites()
    _lag_vault()
    # WHEN the doctor reads the destination lag:<region>:lag
    destination = prerequisites.destination_facts(LAG, True, REGION, "lag")
    # THEN it is read as a LAG vault with its range, and the stack's range (7, 365) passes
    assert destination.vault.vault_type == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
    assert list(destination_vaults_ready(_facts(destination))) == []
    # AND a stack planning 7 to 3650 days is told to take the vault's range
    [finding] = destination_vaults_ready(_facts(destination, lag_retention=(7, 3650)))
    assert finding.category == "vault_lock_retention"
    assert "LagMaxRetentionDays=365" in finding.fix
    assert "logicallyairgappedvault" in str(finding.docs)


def test_a_lag_destination_naming_a_standard_vault_or_none_is_found(moto: None) -> None:
    # GIVEN a standard vault named "plain" and no vault named "gone"
    prerequisites = _prerequisites()
    sim = simulator()
    sim.create_vault(CENTRAL_ACCOUNT, REGION, "plain", sim.create_key(CENTRAL_ACCOUNT, REGION))
    # WHEN AdditionalDestinations names both as LAG vaults
    plain = prerequisites.destination_facts(f"lag:{REGION}:plain", True, REGION, "plain")
    gone = prerequisites.destination_facts(f"lag:{REGION}:gone", True, REGION, "gone")
    # THEN each is a vault_missing finding: one of the wrong type, one that is not there
    wrong, missing = destination_vaults_ready(_facts(plain, gone))
    assert (wrong.category, missing.category) == ("vault_missing", "vault_missing")
    assert "not the vault type" in wrong.problem
    assert f"standard:{REGION}:plain" in wrong.fix
    assert "LagVaultName=gone" in missing.fix


def test_a_standard_destination_needs_a_customer_managed_key(moto: None) -> None:
    # GIVEN a standard vault on a customer managed key and one on the AWS managed aws/backup key
    prerequisites = _prerequisites()
    sim = simulator()
    sim.create_vault(CENTRAL_ACCOUNT, REGION, "own", sim.create_key(CENTRAL_ACCOUNT, REGION))
    managed = sim.create_key(CENTRAL_ACCOUNT, REGION, aws_managed_alias="aws/backup")
    sim.create_vault(CENTRAL_ACCOUNT, REGION, "managed", managed)
    own = prerequisites.destination_facts(f"standard:{REGION}:own", False, REGION, "own")
    bad = prerequisites.destination_facts(f"standard:{REGION}:managed", False, REGION, "managed")
    # WHEN the doctor checks them
    found = list(destination_vaults_ready(_facts(own, bad)))
    # THEN only the vault on the AWS managed key is found, as default_vault_key
    assert [(f.category, f.resource) for f in found] == [("default_vault_key", bad.vault.arn)]


def test_a_lag_vault_shared_with_the_organization_is_found(moto: None) -> None:
    # GIVEN an organization, and a LAG vault shared through AWS RAM with the whole of it
    prerequisites = _prerequisites()
    organizations = cloud_client("organizations")
    org = organizations.create_organization(FeatureSet="ALL")["Organization"]
    vault_arn = _lag_vault()
    ram = cloud_client("ram")
    ram.create_resource_share(name="lag-restore", resourceArns=[vault_arn], principals=[org["Arn"]])
    destination = prerequisites.destination_facts(LAG, True, REGION, "lag")
    [share] = destination.shares or []
    assert (share.status, share.association_status, share.principals) == (
        "ACTIVE", "ASSOCIATED", [org["Arn"]],
    )  # fmt: skip
    # WHEN the doctor checks it for the served members
    found = list(
        lag_vaults_shared_for_restores(_facts(destination, source_accounts=MEMBER_ACCOUNTS[:2]))
    )
    # THEN it says AWS shares a LAG vault with accounts only, naming the accounts to list
    [finding] = found
    assert finding.category == "vault_access_policy"
    assert "accounts only" in finding.problem
    assert f"LagShareWith ({','.join(MEMBER_ACCOUNTS[:2])})" in finding.fix


def test_a_lag_vault_shared_with_accounts_needs_rams_organization_sharing(moto: None) -> None:
    # GIVEN an organization, and a LAG vault shared through AWS RAM with its member
    prerequisites = _prerequisites()
    cloud_client("organizations").create_organization(FeatureSet="ALL")
    ram = cloud_client("ram")
    member = MEMBER_ACCOUNTS[0]
    ram.create_resource_share(name="lag-restore", resourceArns=[_lag_vault()], principals=[member])
    destination = prerequisites.destination_facts(LAG, True, REGION, "lag")
    # WHEN RAM's sharing with AWS Organizations is off
    off = organization()
    assert off.ram_trusted_access is False
    [finding] = lag_vaults_shared_for_restores(
        _facts(destination, organization=off, source_accounts=[member])
    )
    # THEN the doctor warns the member must accept an invitation, with the management fix
    assert (finding.category, finding.severity) == ("organization_setup", "warning")
    assert "aws ram enable-sharing-with-aws-organization" in finding.fix
    # AND once the management account turns it on, nothing is found
    ram.enable_sharing_with_aws_organization()
    on = organization()
    assert on.ram_trusted_access is True
    facts = _facts(destination, organization=on, source_accounts=[member])
    assert list(lag_vaults_shared_for_restores(facts)) == []


def test_a_lag_vault_shared_with_named_accounts_must_name_every_served_one(moto: None) -> None:
    # GIVEN a LAG vault shared through AWS RAM with the first member only
    prerequisites = _prerequisites()
    vault_arn = _lag_vault()
    first, second = MEMBER_ACCOUNTS[:2]
    cloud_client("ram").create_resource_share(
        name="lag-restore", resourceArns=[vault_arn], principals=[first]
    )
    destination = prerequisites.destination_facts(LAG, True, REGION, "lag")
    # WHEN the relay serves both members
    found = list(
        lag_vaults_shared_for_restores(_facts(destination, source_accounts=[first, second]))
    )
    # THEN the second is named, with the share's fix
    [finding] = found
    assert (finding.category, finding.severity) == ("vault_access_policy", "warning")
    assert second in finding.problem
    assert first not in finding.problem
    assert f"--principals {second}" in finding.fix
    # AND serving the first only, nothing is found
    assert list(lag_vaults_shared_for_restores(_facts(destination, source_accounts=[first]))) == []


def test_a_lag_vault_shared_with_no_one_is_not_a_finding(moto: None) -> None:
    # GIVEN a LAG vault no share names
    prerequisites = _prerequisites()
    _lag_vault()
    destination = prerequisites.destination_facts(LAG, True, REGION, "lag")
    # THEN its shares are read as none, and nothing is found (restores stay in the central account)
    assert destination.shares == []
    assert list(lag_vaults_shared_for_restores(_facts(destination))) == []
