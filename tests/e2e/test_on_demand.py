"""On-demand backups reach DR too (issue #25 item 4): in the sandbox, a member's on-demand
backup (StartBackupJob through a real boto3 client: no plan, so its events carry no
`createdBy`) is copied into the central vault through the member stack's replay role when the
central stack's OnDemandBackupsToDr says so, and its chain takes it on to the DR vault."""

from __future__ import annotations

from collections import Counter

from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS
from backup_relay_sandbox.organization import CENTRAL_VAULT_ARN, DR_VAULT_ARN, Organization
from tests.support.chain import on_demand_backup

MEMBER = MEMBER_ACCOUNTS[0]


def _on_demand_backup(org: Organization, resource_type: str = "Aurora") -> str:
    return on_demand_backup(org, MEMBER, resource_type)


def test_an_on_demand_aurora_backup_reaches_the_dr_vault_when_opted_in(moto: None) -> None:
    # GIVEN a central stack with OnDemandBackupsToDr on, and a member with an Aurora cluster
    org = Organization.build(
        members=[MEMBER], resource_types=("Aurora", "EBS"), OnDemandBackupsToDr="true"
    )
    # WHEN AWS delivers every event twice, and the member backs the cluster up on demand (and
    # its EBS volume, a type that is not chained)
    org.sim.faults.duplicate_share = 1.0
    point = _on_demand_backup(org)
    _on_demand_backup(org, "EBS")
    org.settle()
    # THEN one copy job, in the member account, took it into the central vault ...
    into_central = org.completed_copies_into(CENTRAL_VAULT_ARN)
    assert [(j.account, j.source_recovery_point_arn) for j in into_central] == [(MEMBER, point)]
    assert len(org.copy_jobs(to_vault=CENTRAL_VAULT_ARN)) == 1
    # AND its chain took that copy on to the DR vault, from the central account
    [execution] = org.executions()
    assert execution["status"] == "SUCCEEDED"
    [at_dr] = org.completed_copies_into(DR_VAULT_ARN)
    assert (at_dr.account, at_dr.resource.resource_type) == (CENTRAL_ACCOUNT, "Aurora")
    assert at_dr.source_recovery_point_arn == into_central[0].destination_recovery_point_arn
    assert Counter(j.resource.resource_type for j in org.copy_jobs()) == {"Aurora": 2}


def test_with_the_option_off_an_on_demand_backup_stays_in_the_member_account(moto: None) -> None:
    # GIVEN a central stack with OnDemandBackupsToDr at its default (off)
    org = Organization.build(members=[MEMBER], resource_types=("Aurora",))
    # WHEN the member backs its Aurora cluster up on demand
    _on_demand_backup(org)
    org.settle()
    # THEN nothing is copied, and no chain starts
    assert org.copy_jobs() == []
    assert org.executions() == []
