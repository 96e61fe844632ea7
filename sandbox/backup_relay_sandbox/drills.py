"""Restore drills in the sandbox: the vaults stack's restore testing plan and selections in the
DR region (template: RestoreDrills), what a drill restores made real in moto's RDS, and the
drills' events handed to the central stack's DrillsFunction.

- The plan, its selections and the drills' role are created from vaults/template.yaml's
  resources, resolved as CloudFormation would (the simulator answers the restore testing API).
- A drill that completes made a database: moto's RDS gets it in the DR region, of the source
  database's engine and version (the member's, in moto), and the DR copy's snapshot beside it,
  of the same; AWS Backup would restore it from the snapshot, which exists from the copy on
  (INFERRED shortcut: the sandbox makes both when the drill completes).
- The vaults stack's rule forwards the drills' events to the relay bus (moto's EventBridge,
  across regions), whose rules queue them for ingest; DrillsFunction's own rule is SAM's (no
  AWS::Events::Rule to deploy): `deliver_drills` hands each new drill event that the function's
  rule pattern (template.yaml) matches to the function, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from moto.events.models import EventPattern
from moto.rds.models import rds_backends

from backup_relay_sandbox import deploy
from backup_relay_sandbox.backup_sim.model import JobState, RestoreJob
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, DR_REGION, ORGANIZATION_ID
from backup_relay_sandbox.deployment import Deployment
from backup_relay_sandbox.member import attach_aws_managed_policy
from backup_relay_sandbox.organization import Organization
from backup_relay_sandbox.template import VAULTS_TEMPLATE, load_template, resolve

RESTORES_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
_DELIVERED: set[str] = set()  # event ids handed to DrillsFunction


def enable_drills(org: Organization, **parameters: str) -> Deployment:
    """The vaults stack of the DR region with RestoreDrills on (`parameters`: its others, e.g.
    RestoreDrillSchedule); the organization's central stack must run DrillsFunction
    (Organization.build(RestoreDrills="true"))."""
    _DELIVERED.clear()
    stack = Deployment.of(
        "backup-relay-vaults",
        load_template(VAULTS_TEMPLATE),
        account=CENTRAL_ACCOUNT,
        region=DR_REGION,
        parameters={
            "OrganizationId": ORGANIZATION_ID,
            "DrRegion": DR_REGION,
            "DrVaultName": org.central.stack.values["DrVaultName"],
            "CentralVaultName": org.central.stack.values["CentralVaultName"],
            "RestoreDrills": "true",
            "RelayBusArn": org.central.stack.values["EventBus.Arn"],
            **parameters,
        },
    )
    stack.values["DrVault.BackupVaultArn"] = (
        f"arn:aws:backup:{DR_REGION}:{CENTRAL_ACCOUNT}:backup-vault:{stack.values['DrVaultName']}"
    )
    deploy.create_roles(stack, with_policies=False)
    attach_aws_managed_policy(CENTRAL_ACCOUNT, stack.values["RestoreDrillRole"], RESTORES_POLICY)
    backup = stack.client("backup")
    [plan_id] = stack.of_type("AWS::Backup::RestoreTestingPlan")
    plan = stack.resolved(plan_id)
    answer = backup.create_restore_testing_plan(RestoreTestingPlan=plan)
    stack.values |= {
        plan_id: answer["RestoreTestingPlanName"],
        f"{plan_id}.RestoreTestingPlanArn": answer["RestoreTestingPlanArn"],
    }
    for selection_id in stack.of_type("AWS::Backup::RestoreTestingSelection"):
        selection = stack.resolved(selection_id)
        plan_name = selection.pop("RestoreTestingPlanName")
        backup.create_restore_testing_selection(
            RestoreTestingPlanName=plan_name, RestoreTestingSelection=selection
        )
    deploy.put_role_policies(stack)
    deploy.create_rules(stack)  # the drills' events, on to the relay bus (and so to ingest)
    org.sim.restore_testing.on_restored.append(restored_in_rds)
    return stack


def weekly_drills(org: Organization) -> Deployment:
    """Drills on (enable_drills), weekly at this hour of yesterday's weekday: the next is about
    six days away, past the night the demo and `sandbox up` run (which drill_the_dr_copies
    drills itself), as the default Sunday schedule need not be."""
    before = org.sim.now - timedelta(days=1)
    day = before.strftime("%a").upper()
    return enable_drills(org, RestoreDrillSchedule=f"cron(0 {before.hour} ? * {day} *)")


def restored_in_rds(job: RestoreJob) -> None:
    """A drill that COMPLETED: its database, and its recovery point's snapshot, in moto's RDS."""
    if job.state is not JobState.COMPLETED or not job.created_resource_arn:
        return
    source = _database(job.resource.arn)
    if source is None:
        return
    backend: Any = rds_backends[job.account][job.region]
    name = job.created_resource_arn.rsplit(":", 1)[1]
    snapshot = job.recovery_point_arn.split(":", 6)[6]
    engine, version = source.engine, source.engine_version
    if ":cluster:" in job.resource.arn:
        cluster = backend.create_db_cluster(
            {
                "db_cluster_identifier": name,
                "engine": engine,
                "engine_version": version,
                "master_username": "drill",
                "master_user_password": "drill-password",
            }
        )
        cluster.status = "available"
        if snapshot not in backend.cluster_snapshots:  # a DR copy drilled again
            backend.create_db_cluster_snapshot(name, snapshot)
    else:
        backend.create_db_instance(
            {
                "db_instance_identifier": name,
                "engine": engine,
                "engine_version": version,
                "db_instance_class": "db.t3.micro",
                "master_username": "drill",
                "master_user_password": "drill-password",
                "allocated_storage": 20,
            }
        )
        if snapshot not in backend.database_snapshots:  # a DR copy drilled again
            backend.create_db_snapshot(name, snapshot)


def _database(arn: str) -> Any | None:
    """The source database of `arn` in moto's RDS (its account and region), or None."""
    parts = arn.split(":", 6)
    if len(parts) < 7:
        return None
    backend: Any = rds_backends[parts[4]][parts[3]]
    found = backend.clusters if parts[5] == "cluster" else backend.databases
    return found.get(parts[6])


def deliver_drills(org: Organization) -> int:
    """Hand each new drill event the DrillsFunction's rule matches to the function, once."""
    function = org.central.functions["DrillsFunction"]
    [event_spec] = org.central.stack.template["Resources"]["DrillsFunction"]["Properties"][
        "Events"
    ].values()
    pattern = EventPattern.load(
        json.dumps(resolve(event_spec["Properties"]["Pattern"], org.central.stack.values))
    )
    handed = 0
    for event in org.sim.events("RESTORE"):
        if event["id"] in _DELIVERED or not pattern.matches_event(event):  # type: ignore[arg-type]
            continue
        _DELIVERED.add(event["id"])
        function(event)
        handed += 1
    return handed


def validate_ended_drills(org: Organization) -> None:
    """Drills that ended since (a plan's schedule, reached as the clock moves): their events
    to DrillsFunction, once each, and what that starts settled."""
    if deliver_drills(org):
        org.settle()


def drill_the_dr_copies(
    org: Organization, on_step: Callable[[], None] = lambda: None
) -> list[dict[str, Any]]:
    """The DR region's drills an hour from now (the organization's central stack runs
    DrillsFunction): the plan restores each DR copy, the function validates each (and ingest
    records their events, forwarded to the relay bus); the restore jobs as DescribeRestoreJob
    answers them. Drills not yet on (enable_drills) are turned on, scheduled at that hour; a
    plan already there (on its weekly schedule) fires then, as if its schedule said so.
    `on_step`: as for Organization.settle."""
    at = org.sim.now + timedelta(hours=1)
    plans = org.sim.restore_testing.in_region(CENTRAL_ACCOUNT, DR_REGION)
    if not plans:
        enable_drills(org, RestoreDrillSchedule=f"cron({at.minute} {at.hour} ? * * *)")
    org.sim.advance(timedelta(hours=1))
    for plan in plans:  # the sandbox's stand-in for a schedule that says "now"
        org.sim.restore_testing.run(plan)
    org.settle(on_step=on_step)
    deliver_drills(org)
    org.settle(on_step=on_step)
    backup = org.backup_client(CENTRAL_ACCOUNT, DR_REGION)
    return [
        backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
        for page in backup.get_paginator("list_restore_jobs").paginate()
        for job in page["RestoreJobs"]
    ]


def render_drills(jobs: list[dict[str, Any]]) -> str:
    lines = [
        f"  {job['ResourceType']:<10} {job['Status']:<9} validation "
        f"{job.get('ValidationStatus', '-'):<10} {job.get('ValidationStatusMessage', '')}"
        for job in sorted(jobs, key=lambda j: (j["ResourceType"], j["RestoreJobId"]))
    ]
    return "\n".join(lines) if lines else "  no drill ran"
