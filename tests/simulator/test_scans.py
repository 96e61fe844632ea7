"""Malware scan jobs as the simulator models them (issue #25 leftovers): StartScanJob,
DescribeScanJob and ListScanJobs in botocore's shapes, AWS's refusal of the types GuardDuty does
not scan, and each state's "Scan Job State Change" event in the documented examples' shape
(events/scan_job_<state>.json).
https://docs.aws.amazon.com/guardduty/latest/ug/malware-protection-backup-how-it-works.html"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay.collect.normalize import normalize
from backup_relay.domain.jobs import JobKind
from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.cloud import REGION
from backup_relay_sandbox.template import REPO_ROOT
from tests.support.simulator import MEMBER, Api, EventTap, Topology

pytestmark = pytest.mark.exact_delivery  # the tests read a scan's events, once each, in order

ROLE = f"arn:aws:iam::{MEMBER}:role/backup"
SCANNER = f"arn:aws:iam::{MEMBER}:role/RoleForAwsBackupGuarddutyScanner"


def _start(api: Api, point: str, **extra: Any) -> str:
    started = api(MEMBER).start_scan_job(
        BackupVaultName="member-vault",
        RecoveryPointArn=point,
        IamRoleArn=ROLE,
        ScannerRoleArn=SCANNER,
        MalwareScanner="GUARDDUTY",
        ScanMode=extra.pop("ScanMode", "FULL_SCAN"),
        **extra,
    )
    return str(started["ScanJobId"])


def test_a_scan_runs_to_its_result_with_its_events(
    api: Api, topology: Topology, sim: Simulator, tap: EventTap
) -> None:
    # GIVEN an EBS recovery point of an infected volume, and one of a clean volume
    infected, clean = topology.resource("EBS"), topology.resource("EBS")
    sim.scans.infected.add(infected)
    bad, good = topology.recovery_point(infected), topology.recovery_point(clean)
    # WHEN each is scanned, and the scans run
    bad_job, good_job = _start(api, bad), _start(api, good)
    sim.run_until_idle()
    # THEN DescribeScanJob gives each scan's result, in botocore's shape
    described = api(MEMBER).describe_scan_job(ScanJobId=bad_job)
    assert (described["State"], described["ScanResult"]) == (
        "COMPLETED", {"ScanResultStatus": "THREATS_FOUND"},
    )  # fmt: skip
    assert described["RecoveryPointArn"] == bad
    assert described["ResourceType"] == "EBS"
    clean_result = api(MEMBER).describe_scan_job(ScanJobId=good_job)["ScanResult"]
    assert clean_result == {"ScanResultStatus": "NO_THREATS_FOUND"}
    # AND ListScanJobs filters by result
    listed = api(MEMBER).list_scan_jobs(ByScanResultStatus="THREATS_FOUND")["ScanJobs"]
    assert [j["ScanJobId"] for j in listed] == [bad_job]
    # AND the infected point's scan emitted CREATED, RUNNING, COMPLETED, each with the
    # documented example's keys, in its order
    events = [e for e in tap.drain() if e["detail-type"] == "Scan Job State Change"]
    mine = [e for e in events if e["detail"]["scanJobId"] == bad_job]
    assert [e["detail"]["state"] for e in mine] == ["CREATED", "RUNNING", "COMPLETED"]
    for event in mine:
        example = json.loads(
            (REPO_ROOT / f"events/scan_job_{event['detail']['state'].lower()}.json").read_text()
        )
        optional = {"createdBy", "scanBaseRecoveryPointArn"}  # a plan's; an incremental scan's
        assert list(event["detail"]) == [k for k in example["detail"] if k not in optional]
    # AND the relay's normalizer reads the COMPLETED one as a scan that found threats
    scan = normalize(mine[-1])
    assert scan.kind is JobKind.SCAN
    assert scan.found_threats
    assert scan.source_recovery_point_arn == bad


@pytest.mark.parametrize("resource_type", ["RDS", "Aurora", "DocumentDB", "Neptune"])
def test_aws_scans_no_recovery_point_of_the_chained_types(
    api: Api, topology: Topology, resource_type: str
) -> None:
    # GIVEN a recovery point of a type GuardDuty's malware scanning does not cover
    point = topology.recovery_point(topology.resource(resource_type))
    # THEN StartScanJob refuses it
    with pytest.raises(ClientError, match="does not support resource type") as refused:
        _start(api, point)
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"


def test_an_incremental_scan_needs_its_base(api: Api, topology: Topology) -> None:
    point = topology.recovery_point(topology.resource("EBS"))
    with pytest.raises(ClientError, match="ScanBaseRecoveryPointArn"):
        _start(api, point, ScanMode="INCREMENTAL_SCAN")


def test_a_plans_scans_follow_its_backups(
    api: Api, topology: Topology, sim: Simulator, tap: EventTap
) -> None:
    # GIVEN a plan whose ScanSettings scan EBS, and a night's EBS and Aurora recovery points
    sim.scans.scanned_types = frozenset({"EBS"})
    ebs = topology.recovery_point(topology.resource("EBS"))
    aurora = topology.recovery_point(topology.resource("Aurora"))
    # WHEN the plan's scans start after the backups
    started = sim.scans.scan_backups(sim.recovery_points[arn] for arn in (ebs, aurora))
    sim.run_until_idle()
    # THEN only the EBS point was scanned, and its events name it
    assert [job.recovery_point_arn for job in started] == [ebs]
    states = [
        e["detail"]["state"] for e in tap.drain() if e["detail-type"] == "Scan Job State Change"
    ]
    assert states == ["CREATED", "RUNNING", "COMPLETED"]
    assert api(MEMBER, region=REGION).list_scan_jobs()["ScanJobs"][0]["RecoveryPointArn"] == ebs
