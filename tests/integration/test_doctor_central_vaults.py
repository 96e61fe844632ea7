"""The doctor's central vault facts against the simulator: AWS answers AccessDenied for a vault
that does not exist (aws-sdk-js#2625), and the doctor reads that as missing or unreadable, with
the fix for both, instead of failing."""

from __future__ import annotations

from backup_relay.adapters import aws
from backup_relay.adapters.prerequisites.central import AwsPrerequisites
from backup_relay.doctor.central import vaults_exist
from backup_relay.doctor.facts import CentralFacts
from backup_relay_sandbox.backup_sim import simulator
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, ORGANIZATION_ID, REGION


def test_a_vault_aws_denies_is_found_missing_or_unreadable(moto: None) -> None:
    # GIVEN a central vault that exists in the region and a DR vault that does not
    aws.reset()
    sim = simulator()
    sim.create_vault(CENTRAL_ACCOUNT, REGION, "central", sim.create_key(CENTRAL_ACCOUNT, REGION))
    prerequisites = AwsPrerequisites(
        account=CENTRAL_ACCOUNT,
        organization_id=ORGANIZATION_ID,
        vaults=[("central", REGION, "central"), ("DR", DR_REGION, "gone")],
        backup_role_arn=f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup",
    )
    # WHEN the doctor reads them (DescribeBackupVault answers the missing one AccessDenied)
    central, dr = (prerequisites.vault_facts(*vault) for vault in prerequisites.vaults)
    # THEN the existing one is read, the missing one is not an error but a fact
    assert central.exists
    assert not dr.exists
    assert dr.denied
    # AND the rule says what it may be and how to fix either
    [finding] = vaults_exist(CentralFacts.model_construct(vaults=[central, dr]))
    assert finding.category == "vault_missing"
    assert "may not read" in finding.problem
    assert "vaults/template.yaml" in finding.fix
    assert "backup:DescribeBackupVault" in finding.fix
