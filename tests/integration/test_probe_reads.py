"""The probe's RDS reads (adapters/prerequisites/probe.py) through real boto3 clients on moto:
an RDS snapshot's option group, and the destination region's groups, decide option_group_missing
with the doctor's rule."""

from __future__ import annotations

from typing import Any

from moto.rds.models import rds_backends

from backup_relay.adapters import aws
from backup_relay.adapters.prerequisites.probe import AwsProbeReads
from backup_relay.doctor.probe import Probe
from backup_relay.domain.proof import ProbeSubject, Verdict
from backup_relay_sandbox import moto_fidelity
from backup_relay_sandbox.backup_sim import moto_state
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, REGION, client
from backup_relay_sandbox.databases import create_database
from tests.support.probe_fakes import Scope

DR_REGION = "us-west-2" if REGION != "us-west-2" else "us-east-2"
#: AWS Backup names an RDS snapshot it makes awsbackup:job-<id> (docs/simulator.md)
SNAPSHOT_ID = "awsbackup:job-0123"
SNAPSHOT = f"arn:aws:rds:{REGION}:{CENTRAL_ACCOUNT}:snapshot:{SNAPSHOT_ID}"


def _dr_hop() -> ProbeSubject:
    return ProbeSubject(
        category="option_group_missing",
        kind="COPY",
        account=CENTRAL_ACCOUNT,
        region=REGION,
        resource_type="RDS",
        recovery_point_arn=SNAPSHOT,
        destination_vault_arn=f"arn:aws:backup:{DR_REGION}:{CENTRAL_ACCOUNT}:backup-vault:dr",
    )


def test_an_rds_snapshots_options_missing_in_the_destination_region_are_confirmed(
    moto: None,
) -> None:
    # GIVEN an Oracle instance whose option group has APEX, and AWS Backup's snapshot of it
    # (moto's API refuses a ':' in an identifier that AWS Backup's own snapshots have: the
    # snapshot is made in moto's backend)
    aws.reset()
    moto_fidelity.apply()  # the sandbox's stacks apply it; this test deploys none
    create_database(
        CENTRAL_ACCOUNT, REGION, "RDS", "billing", key_arn=None, tags={}, options=("APEX",)
    )
    backend: Any = rds_backends[CENTRAL_ACCOUNT][REGION]
    backend.create_db_snapshot("billing", SNAPSHOT_ID)
    reads = AwsProbeReads(CENTRAL_ACCOUNT, "backup-relay-doctor")
    probe = Probe(reads, Scope(central_account=CENTRAL_ACCOUNT))
    # WHEN probed, with no option group with APEX in the DR region
    proof = probe(_dr_hop())
    # THEN confirmed, by the doctor's rule, for the snapshot's engine and major version
    engine, version = moto_state.OPTIONS_ENGINE
    assert proof.verdict is Verdict.CONFIRMED, proof.line
    assert proof.finding.startswith(f"no option group of {engine} {version} in {DR_REGION}")
    assert proof.reads == 2
    # AND once the DR region has one, contradicted
    moto_state.create_option_group(CENTRAL_ACCOUNT, DR_REGION, "dr-options", ("APEX",))
    assert probe(_dr_hop()).verdict is Verdict.CONTRADICTED


def test_a_snapshot_rds_does_not_know_cannot_be_checked(moto: None) -> None:
    # GIVEN no such snapshot WHEN probed THEN it could not check, naming the read
    aws.reset()
    client("rds", REGION)  # the region's RDS, empty
    proof = Probe(AwsProbeReads(CENTRAL_ACCOUNT, "x"), Scope(central_account=CENTRAL_ACCOUNT))(
        _dr_hop()
    )
    assert proof.verdict is Verdict.UNCHECKED
    assert proof.finding.startswith("DBSnapshotNotFound reading snapshot_option_group")
