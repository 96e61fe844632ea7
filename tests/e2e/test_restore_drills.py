"""Restore drills of the DR copies (issue #26 item 2) in the sandbox night: the vaults stack's
restore testing plan restores each DR copy on schedule, DrillsFunction validates what it
restored and reports it to AWS Backup, coverage shows each resource's last proven restore, a
failing drill alerts once, and the function's calls are all in its policy."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta

from backup_relay import wiring
from backup_relay_sandbox import api_calls
from backup_relay_sandbox.backup_sim.restore_testing import next_run
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.drills import deliver_drills, enable_drills
from backup_relay_sandbox.organization import Organization
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template
from tests.e2e.test_function_permissions import _allows, _statements
from tests.support.chain import night

MEMBER = MEMBER_ACCOUNTS[0]
TYPES = ("RDS", "Aurora")
SCHEDULE = "cron(0 5 ? * * *)"


def _env(org: Organization) -> dict[str, str]:
    return {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}


def _drill_night(org: Organization) -> None:
    """The night's DR copies, then the drills' next run, their restores' end, their events."""
    night(org, types=TYPES)
    org.sim.advance(next_run(SCHEDULE, org.sim.now) - org.sim.now)
    org.settle()
    deliver_drills(org)
    org.settle()


def test_a_drill_proves_each_dr_copy_and_coverage_shows_it(moto: None) -> None:
    # GIVEN a night whose RDS instance and Aurora cluster reached the DR vault, and drills on
    api_calls.clear()
    org = Organization.build(members=[MEMBER], resource_types=TYPES, RestoreDrills="true")
    enable_drills(org, RestoreDrillSchedule=SCHEDULE)

    # WHEN the plan runs its drills and DrillsFunction validates what they restored
    _drill_night(org)

    # THEN AWS Backup holds a SUCCESSFUL validation for each drill
    backup = client("backup", DR_REGION, CENTRAL_ACCOUNT)
    pages = backup.get_paginator("list_restore_jobs").paginate()
    jobs = [job for page in pages for job in page["RestoreJobs"]]
    assert sorted(j["ResourceType"] for j in jobs) == sorted(TYPES)
    for job in jobs:
        described = backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
        assert described["ValidationStatus"] == "SUCCESSFUL", described
    # AND coverage names each resource's last proven restore: its DR copy and the plan
    coverage = wiring.coverage(_env(org))
    coverage.now = lambda: org.sim.now
    report = coverage(timedelta(hours=26))
    proven = {r.resource_type: r.last_proven_restore for r in report.resources}
    assert set(proven) == set(TYPES)
    for resource in report.resources:
        proof = resource.last_proven_restore
        assert proof is not None
        assert proof.recovery_point_arn == resource.dr_recovery_point_arn
        assert ":restore-testing-plan:" in proof.restore_testing_plan_arn
    # AND no alert was raised for a drill
    assert [a for a in org.alerts() if a["attributes"]["kind"] == "DRILL_FAILED"] == []
    # AND every call DrillsFunction made is in its policy (template.yaml)
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    tables = {physical: logical for logical, physical in org.central.tables.items()}
    made: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for function, action, resource in api_calls.CALLS:
        made[function].add((action, tables.get(resource, resource) if resource else None))
    statements = _statements(template["DrillsFunction"], template)
    denied = [
        (action, resource)
        for action, resource in made["DrillsFunction"]
        if not any(_allows(s, action, resource, org) for s in statements)
    ]
    assert {action for action, _ in made["DrillsFunction"]} >= {
        "backup:PutRestoreValidationResult",
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
    }
    assert denied == []


def test_a_failing_drill_alerts_once(moto: None) -> None:
    # GIVEN drills that restore into a DB subnet group the DR region does not have
    org = Organization.build(members=[MEMBER], resource_types=("RDS",), RestoreDrills="true")
    enable_drills(org, RestoreDrillSchedule=SCHEDULE, RestoreDrillSubnetGroupName="missing")

    # WHEN the drill runs, fails, and its events are delivered twice
    _drill_night(org)
    org.sim.advance(timedelta(minutes=5))
    for function_event in org.sim.events("RESTORE"):
        if function_event["detail"].get("status") == "FAILED":
            org.central.functions["DrillsFunction"](function_event)
    org.settle()

    # THEN one DRILL_FAILED alert names the restore's failure, and nothing is proven
    drills = [a for a in org.alerts() if a["attributes"]["kind"] == "DRILL_FAILED"]
    assert len(drills) == 1, drills
    assert "missing" in json.dumps(drills[0]["document"])
    coverage = wiring.coverage(_env(org))
    coverage.now = lambda: org.sim.now
    assert [r.last_proven_restore for r in coverage(timedelta(hours=26)).resources] == [None]
