"""A sandbox night with malware scanning configured (issue #25 leftovers): the member plan's
scans follow its backups in the simulator, their "Scan Job State Change" events travel the real
collection path (the member's forwarding rule, the central bus, ingest), and the one scan that
finds threats raises one THREATS_FOUND alert naming its recovery point. GuardDuty scans EBS,
EC2 and S3 recovery points only (docs/simulator.md), so the night scans the members' EBS."""

from __future__ import annotations

from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS
from backup_relay_sandbox.organization import Organization

INFECTED, CLEAN = MEMBER_ACCOUNTS[:2]


def test_a_night_with_scans_alerts_once_for_the_threat_found(moto: None) -> None:
    # GIVEN two members whose plans scan their EBS backups, one member's volume infected
    org = Organization.build(members=[INFECTED, CLEAN], resource_types=("EBS", "Aurora"))
    org.sim.scans.scanned_types = frozenset({"EBS"})
    org.sim.scans.infected.add(org.resources[(INFECTED, "EBS")])
    # WHEN the night backs up every resource, then the plans' scans run
    points = {key: org.backup(*key) for key in org.resources}
    org.settle()
    scans = org.sim.scans.scan_backups(org.sim.recovery_points[arn] for arn in points.values())
    org.settle()
    # THEN each EBS backup was scanned, the Aurora ones not (GuardDuty does not scan them)
    assert sorted(job.recovery_point_arn for job in scans) == sorted(
        points[(account, "EBS")] for account in (INFECTED, CLEAN)
    )
    assert {job.state for job in scans} == {"COMPLETED"}
    # AND one THREATS_FOUND alert names the infected member's recovery point, none the clean's
    threats = [a for a in org.alerts() if a["attributes"].get("category") == "threats_found"]
    assert len(threats) == 1
    document = threats[0]["document"]
    assert document["recovery_point_arn"] == points[(INFECTED, "EBS")]
    assert document["account"] == INFECTED
