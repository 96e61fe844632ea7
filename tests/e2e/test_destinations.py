"""Several destinations per chained recovery point, end to end (issue #25 item 2): the sandbox's
central account has a logically air-gapped vault in the DR region, named in AdditionalDestinations;
each landed recovery point of a cluster type goes to the DR vault AND the LAG vault, each its own
chain; an RDS instance, which no LAG vault takes, goes to the DR vault only."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from backup_relay import wiring
from backup_relay.domain.chain import chain_id_for
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.organization import (
    DATABASE_TYPES,
    DR_VAULT_ARN,
    LAG_DESTINATION,
    LAG_VAULT_ARN,
    Organization,
)
from tests.support.chain import landed_in_central, night

CLUSTER_TYPES = ("Aurora", "DocumentDB", "Neptune")
MEMBER = MEMBER_ACCOUNTS[0]
LAG_POINT = f"arn:aws:backup:{DR_REGION}:{CENTRAL_ACCOUNT}:recovery-point:"


def _replay(org: Organization, **request: Any) -> dict[str, Any]:
    report: dict[str, Any] = org.central.functions["ReplayFunction"](request)
    org.settle()
    return report


def test_a_night_with_a_lag_destination_lands_every_copy_in_both_vaults(moto: None) -> None:
    # GIVEN two members with an RDS, Aurora, DocumentDB, Neptune and EBS resource each, and the
    # central account's LAG vault in the DR region as an additional destination
    org = Organization.build(lag_destination=True)
    # WHEN a night of backups and backup-plan copies runs
    night(org)
    landed = landed_in_central(org)
    # THEN every chain succeeded: one to DR per database, one to the LAG vault per cluster
    statuses = Counter(e["status"] for e in org.executions())
    assert statuses == {"SUCCEEDED": len(DATABASE_TYPES) * 2 + len(CLUSTER_TYPES) * 2}
    # AND every database's central copy reached the DR vault, as before
    at_dr = [j for j in org.completed_copies_into(DR_VAULT_ARN) if j.account == CENTRAL_ACCOUNT]
    assert sorted(j.source_recovery_point_arn for j in at_dr) == sorted(
        j.destination_recovery_point_arn for j in landed
    )
    # AND every cluster's central copy reached the LAG vault, in one copy, with AWS Backup's
    # recovery-point ARN; no RDS instance did
    at_lag = org.completed_copies_into(LAG_VAULT_ARN)
    assert Counter(j.resource.resource_type for j in at_lag) == dict.fromkeys(CLUSTER_TYPES, 2)
    assert all((j.destination_recovery_point_arn or "").startswith(LAG_POINT) for j in at_lag)
    # AND the ledger holds each LAG chain COMPLETED, its hop's landed point in that ARN form
    for job in landed:
        chain_id = chain_id_for(job.destination_recovery_point_arn or "", LAG_VAULT_ARN)
        record = org.chain_record(chain_id)
        if job.resource.resource_type == "RDS":
            assert record is None
            continue
        assert record is not None
        assert record["state"] == "COMPLETED"
        [planned] = org.hops(chain_id)
        assert (planned["kind"], planned["destination_vault_type"]) == (
            "cross-region",
            "logically-air-gapped",
        )
        hop = org.ledger_item(f"CHAIN#{chain_id}", "HOP#00")
        assert hop is not None
        assert hop["state"] == "COMPLETED"
        assert hop["destination_recovery_point_arn"].startswith(LAG_POINT)
    # AND status names every destination of a cluster's recovery point together
    env = {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}
    status = wiring.status(env)
    now = org.sim.now
    status.now = lambda: now
    report = status(now - timedelta(hours=24))
    destinations = Counter((c.resource_type, c.destination) for c in report.chains)
    for resource_type in CLUSTER_TYPES:
        assert destinations[(resource_type, LAG_DESTINATION)] == 2
    assert destinations[("RDS", LAG_DESTINATION)] == 0
    assert destinations[("RDS", f"standard:{DR_REGION}:backup-relay-dr")] == 2
    # AND no alert: an RDS instance without a route into a LAG vault is counted, not alerted
    assert org.alerts() == []


def test_a_failed_lag_copy_fails_only_its_chain_alerts_once_and_is_replayed_alone(
    moto: None,
) -> None:
    # GIVEN one member's Aurora cluster, and copies into the LAG vault failing
    org = Organization.build(members=[MEMBER], resource_types=(), lag_destination=True)
    org.add_resource(MEMBER, "Aurora", "orders")
    broken = "Copy job failed. The destination answered in words nobody wrote down."
    org.sim.faults.copy_failures[LAG_VAULT_ARN] = (broken, "AccessDenied")
    # WHEN the night runs
    night(org, types=("Aurora",))
    [landed] = landed_in_central(org)
    origin = landed.destination_recovery_point_arn or ""
    to_dr, to_lag = chain_id_for(origin, DR_VAULT_ARN), chain_id_for(origin, LAG_VAULT_ARN)
    # THEN the DR chain succeeded; the LAG chain alone failed, with AWS's message
    assert {e["name"]: e["status"] for e in org.executions()} == {
        to_dr: "SUCCEEDED",
        to_lag: "FAILED",
    }
    assert len(org.completed_copies_into(DR_VAULT_ARN)) == 1
    # AND one alert names the failed chain
    [alert] = org.alerts()
    assert alert["attributes"]["kind"] == "CHAIN"
    assert alert["document"]["chain_id"] == to_lag
    # WHEN the cause is gone and the operator replays that destination alone
    del org.sim.faults.copy_failures[LAG_VAULT_ARN]
    report = _replay(org, since="24h", destination=LAG_DESTINATION)
    # THEN only the LAG chain ran again, and its copy landed in the LAG vault
    [item] = report["items"]
    assert (item["id"], item["outcome"]) == (to_lag, "replayed")
    statuses = {e["name"]: e["status"] for e in org.executions()}
    assert statuses[f"{to_lag}-attempt-2"] == "SUCCEEDED"
    assert statuses[to_dr] == "SUCCEEDED"
    assert len(statuses) == 3
    [at_lag] = org.completed_copies_into(LAG_VAULT_ARN)
    assert (at_lag.destination_recovery_point_arn or "").startswith(LAG_POINT)
    assert org.chain_record(to_lag)["state"] == "COMPLETED"  # type: ignore[index]
    # AND no second alert was raised
    assert len(org.alerts()) == 1
