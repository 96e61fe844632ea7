"""The drills' adapters on moto: the ledger keeps a resource's newest proven restore (an older
proof, or a redelivery, changes nothing), and RDS's Describe* answer for restored databases
and DR copies' snapshots (None for what RDS does not know)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from moto.rds.models import rds_backends

from backup_relay.adapters import aws
from backup_relay.adapters.drills import LedgerProvenRestores, RdsDatabases
from backup_relay.domain.clock import utc_now
from backup_relay.domain.drills import AVAILABLE, ProvenRestore
from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION

ORDERS = "arn:aws:rds:us-west-2:444455556666:db:orders"


def _proof(days_ago: int, job: str) -> ProvenRestore:
    return ProvenRestore(
        resource_arn=ORDERS,
        resource_type="RDS",
        proven_at=utc_now() - timedelta(days=days_ago),
        recovery_point_arn=f"arn:aws:rds:{DR_REGION}:{CENTRAL_ACCOUNT}:snapshot:awsbackup:{job}",
        restore_testing_plan_arn="arn:aws:backup:us-east-1:123456789012:restore-testing-plan:p",
        restore_job_id=job,
    )


def test_the_ledger_keeps_the_newest_proof(central: CentralStack) -> None:
    # GIVEN a proof of orders from yesterday
    aws.reset()
    proven = LedgerProvenRestores(central.tables["LedgerTable"])
    proven.record(_proof(1, "R-new"))

    # WHEN an older proof arrives late, and yesterday's is delivered again
    proven.record(_proof(5, "R-old"))
    proven.record(_proof(1, "R-new"))

    # THEN yesterday's is orders' last proven restore
    kept = proven.all()
    assert list(kept) == [ORDERS]
    assert kept[ORDERS].restore_job_id == "R-new"


def test_rds_describes_restored_databases_and_snapshots(central: CentralStack) -> None:
    # GIVEN a restored instance and cluster in the DR region, with a snapshot of each
    aws.reset()
    backend: Any = rds_backends[CENTRAL_ACCOUNT][DR_REGION]
    backend.create_db_instance(
        {
            "db_instance_identifier": "restored-db",
            "engine": "postgres",
            "engine_version": "16.3",
            "db_instance_class": "db.t3.micro",
            "master_username": "u",
            "master_user_password": "password1",
            "allocated_storage": 20,
        }
    )
    backend.create_db_snapshot("restored-db", "awsbackup:copyjob-1")
    backend.create_db_cluster(
        {
            "db_cluster_identifier": "restored-cluster",
            "engine": "neptune",
            "engine_version": "1.3.2.1",
            "master_username": "u",
            "master_user_password": "password1",
        }
    )
    backend.create_db_cluster_snapshot("restored-cluster", "awsbackup:copyjob-2")
    prefix = f"arn:aws:rds:{DR_REGION}:{CENTRAL_ACCOUNT}"
    databases = RdsDatabases()

    # WHEN each is described THEN RDS's answer comes back; an unknown one is None
    instance = databases.restored(f"{prefix}:db:restored-db")
    assert instance is not None
    assert (instance.engine, instance.engine_version, instance.status) == (
        "postgres",
        "16.3",
        AVAILABLE,
    )
    cluster = databases.restored(f"{prefix}:cluster:restored-cluster")
    assert cluster is not None
    assert (cluster.engine, cluster.engine_version) == ("neptune", "1.3.2.1")
    snapshot = databases.snapshot(f"{prefix}:snapshot:awsbackup:copyjob-1")
    assert snapshot is not None
    assert snapshot.engine_version == "16.3"
    cluster_snapshot = databases.snapshot(f"{prefix}:cluster-snapshot:awsbackup:copyjob-2")
    assert cluster_snapshot is not None
    assert cluster_snapshot.engine == "neptune"
    assert databases.restored(f"{prefix}:db:nothing") is None
    assert databases.restored(f"{prefix}:cluster:nothing") is None
    assert databases.snapshot(f"{prefix}:snapshot:awsbackup:nothing") is None
    assert databases.snapshot("arn:aws:backup:us-east-1:1:recovery-point:x") is None
