"""Coverage per destination through the sandbox (issue #25 item 5): a central stack whose chains
go to the DR vault and to a logically air-gapped vault in the DR region (AdditionalDestinations).
The real ReconcileFunction, AlertsFunction and the CLI's coverage wiring, on the night's ledger.

An RDS DB instance has no route into a LAG vault (AWS: RDS DB instances and Multi-AZ DB clusters
cannot be copied into one): coverage answers "no route" there, never stale, and no warning is
raised for it; a cluster that goes stale in a destination raises one warning per destination.
"""

from __future__ import annotations

from datetime import timedelta

from backup_relay import wiring
from backup_relay_cli.render import render_coverage
from backup_relay_sandbox.cloud import DR_REGION, MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.organization import Organization
from tests.support.chain import night

MEMBER = MEMBER_ACCOUNTS[0]
LAG_LABEL = f"lag:{DR_REGION}:backup-relay-lag"
DR_LABEL = f"standard:{DR_REGION}:backup-relay-dr"
LAG_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html"


def _env(org: Organization) -> dict[str, str]:
    """The environment the stack gives its functions (what the CLI rebuilds from the stack)."""
    return {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}


def test_coverage_answers_per_destination_and_warns_once_per_destination(moto: None) -> None:
    # GIVEN a stack with a LAG destination in the DR region, and a night of a member's RDS DB
    # instance and Neptune cluster, both chained to the DR vault
    org = Organization.build(
        members=[MEMBER],
        resource_types=("RDS", "Neptune"),
        AdditionalDestinations=f"lag:{DR_REGION}:backup-relay-lag",
    )
    night(org, types=("RDS", "Neptune"))
    rds, neptune = org.resources[(MEMBER, "RDS")], org.resources[(MEMBER, "Neptune")]
    now = org.sim.now
    # WHEN coverage is asked, as the CLI asks it
    coverage = wiring.coverage(_env(org))
    coverage.now = lambda: now
    report = coverage(timedelta(hours=26))
    # THEN it answers per destination, the DR vault first
    assert report.destinations == [DR_LABEL, LAG_LABEL]
    found = {r.resource_arn: r for r in report.resources}
    assert found[neptune].destinations[0].state == "current"
    # AND the RDS instance has no route into the LAG vault, with AWS's reason and page: current
    dr, lag = found[rds].destinations
    assert (dr.state, lag.state, lag.route_page) == ("current", "no route", LAG_PAGE)
    assert found[rds].current
    # AND the cluster type has a route there (its copy is pending, or landed, not "no route")
    assert found[neptune].destinations[1].state != "no route"
    printed = render_coverage(report)
    assert f"RDS into {LAG_LABEL}: a logically air-gapped vault does not take RDS" in printed

    # WHEN 30 h pass without a new night, and reconcile checks coverage twice
    org.sim.advance(timedelta(hours=30))
    first = org.central.functions["ReconcileFunction"]({})
    second = org.central.functions["ReconcileFunction"]({})
    org.settle()
    # THEN each resource is stale in each destination it has a route to, and warned of once
    # per destination: never the RDS instance in the LAG vault
    expected = [f"{rds} in {DR_LABEL}", f"{neptune} in {DR_LABEL}", f"{neptune} in {LAG_LABEL}"]
    assert sorted(first["stale_copies"]) == sorted(second["stale_copies"]) == sorted(expected)
    stale = [a["document"] for a in org.alerts() if a["attributes"]["category"] == "dr_copy_stale"]
    named = sorted(
        (alert["resource_arn"], alert["headline"].rsplit(" in ", 1)[1]) for alert in stale
    )
    assert named == sorted([(rds, DR_LABEL), (neptune, DR_LABEL), (neptune, LAG_LABEL)])
