"""Restore testing through boto3: plans and selections (Create, Get, List, Delete) in botocore's
shapes and AWS's refusals, the drills a plan starts on its schedule with events carrying
`restoreTestingPlanArn`, and PutRestoreValidationResult's checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backup_relay.collect.normalize import normalize
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay_sandbox.backup_sim.restore_testing import next_run
from backup_relay_sandbox.cloud import REGION
from tests.support.simulator import MEMBER, Api, EventTap, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole"


def _plan(api: Api, vault: str, name: str = "drills", schedule: str = "cron(0 5 ? * * *)") -> str:
    arn: str = api(MEMBER).create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": name,
            "ScheduleExpression": schedule,
            "StartWindowHours": 1,
            "RecoveryPointSelection": {
                "Algorithm": "LATEST_WITHIN_WINDOW",
                "IncludeVaults": [vault],
                "RecoveryPointTypes": ["SNAPSHOT"],
                "SelectionWindowDays": 7,
            },
        }
    )["RestoreTestingPlanArn"]
    return arn


def _select(api: Api, plan: str = "drills", resource_type: str = "RDS", **extra: Any) -> None:
    api(MEMBER).create_restore_testing_selection(
        RestoreTestingPlanName=plan,
        RestoreTestingSelection={
            "RestoreTestingSelectionName": f"{resource_type.lower()}_drill",
            "ProtectedResourceType": resource_type,
            "IamRoleArn": ROLE,
            "ProtectedResourceArns": ["*"],
            **extra,
        },
    )


def test_plans_and_selections_read_back_in_the_models_shapes(api: Api, topology: Topology) -> None:
    # GIVEN a plan over the member vault with an RDS selection and its overrides
    arn = _plan(api, topology.member_vault)
    _select(api, RestoreMetadataOverrides={"DBSubnetGroupName": "drills"})

    # WHEN they are read back
    plan = api(MEMBER).get_restore_testing_plan(RestoreTestingPlanName="drills")
    plans = api(MEMBER).list_restore_testing_plans()["RestoreTestingPlans"]
    selection = api(MEMBER).get_restore_testing_selection(
        RestoreTestingPlanName="drills", RestoreTestingSelectionName="rds_drill"
    )["RestoreTestingSelection"]
    listed = api(MEMBER).list_restore_testing_selections(RestoreTestingPlanName="drills")

    # THEN they say what was created
    assert plan["RestoreTestingPlan"]["RestoreTestingPlanArn"] == arn
    assert plan["RestoreTestingPlan"]["RecoveryPointSelection"]["IncludeVaults"] == [
        topology.member_vault
    ]
    assert [p["RestoreTestingPlanName"] for p in plans] == ["drills"]
    assert selection["RestoreMetadataOverrides"] == {"DBSubnetGroupName": "drills"}
    assert [s["ProtectedResourceType"] for s in listed["RestoreTestingSelections"]] == ["RDS"]


def test_refusals_follow_the_documented_rules(api: Api, topology: Topology) -> None:
    # GIVEN a plan with a selection
    _plan(api, topology.member_vault)
    _select(api)

    # WHEN an operator breaks a rule THEN AWS refuses it
    with pytest.raises(ClientError) as name:
        _plan(api, topology.member_vault, name="drills-with-dashes")
    with pytest.raises(ClientError) as taken:
        _plan(api, topology.member_vault)
    with pytest.raises(ClientError) as no_plan:
        _select(api, plan="nothing")
    with pytest.raises(ClientError) as still_selected:
        api(MEMBER).delete_restore_testing_plan(RestoreTestingPlanName="drills")
    codes = [e.value.response["Error"]["Code"] for e in (name, taken, no_plan, still_selected)]
    assert codes == [
        "InvalidParameterValueException",
        "AlreadyExistsException",
        "ResourceNotFoundException",
        "InvalidRequestException",
    ]
    # AND once its selections are gone, the plan may go
    api(MEMBER).delete_restore_testing_selection(
        RestoreTestingPlanName="drills", RestoreTestingSelectionName="rds_drill"
    )
    api(MEMBER).delete_restore_testing_plan(RestoreTestingPlanName="drills")
    assert api(MEMBER).list_restore_testing_plans()["RestoreTestingPlans"] == []


@pytest.mark.exact_delivery
def test_a_plan_restores_on_schedule_and_its_events_name_it(
    api: Api, topology: Topology, tap: EventTap
) -> None:
    # GIVEN two RDS recovery points of one database and a plan over their vault at 05:00
    db = topology.resource("RDS")
    topology.recovery_point(db)
    topology.sim.advance(timedelta(minutes=5))
    newest = topology.recovery_point(db)
    arn = _plan(api, topology.member_vault)
    _select(api)
    tap.drain()

    # WHEN the clock passes the plan's next run and the restore ends
    topology.sim.advance(next_run("cron(0 5 ? * * *)", topology.sim.now) - topology.sim.now)
    topology.sim.advance(timedelta(hours=2))

    # THEN one restore of the newest point ran, and its events carry the plan
    jobs = api(MEMBER).list_restore_jobs()["RestoreJobs"]
    assert [(j["RecoveryPointArn"], j["Status"]) for j in jobs] == [(newest, "COMPLETED")]
    assert jobs[0]["CreatedBy"] == {"RestoreTestingPlanArn": arn}
    events = [e for e in tap.drain() if e["detail-type"] == "Restore Job State Change"]
    completed = normalize(events[-1])
    assert (completed.kind, completed.state) == (JobKind.RESTORE, JobState.COMPLETED)
    assert completed.restore_testing_plan_arn == arn


def test_a_validation_result_is_kept_for_a_completed_drill_only(
    api: Api, topology: Topology
) -> None:
    # GIVEN a drill that completed, and a restore that no plan started
    db = topology.resource("RDS")
    point = topology.recovery_point(db)
    _plan(api, topology.member_vault)
    _select(api)
    plan = topology.sim.restore_testing.plan(MEMBER, REGION, "drills")
    (drill,) = topology.sim.restore_testing.run(plan)
    manual = api(MEMBER).start_restore_job(
        RecoveryPointArn=point, Metadata={"DBInstanceIdentifier": "manual"}, IamRoleArn=ROLE
    )
    early = drill.job_id

    # WHEN validations are reported before, and after, the drill completed
    with pytest.raises(ClientError) as not_yet:
        api(MEMBER).put_restore_validation_result(RestoreJobId=early, ValidationStatus="SUCCESSFUL")
    topology.sim.run_until_idle()
    api(MEMBER).put_restore_validation_result(
        RestoreJobId=drill.job_id, ValidationStatus="FAILED", ValidationStatusMessage="engine"
    )
    with pytest.raises(ClientError) as not_a_drill:
        api(MEMBER).put_restore_validation_result(
            RestoreJobId=manual["RestoreJobId"], ValidationStatus="SUCCESSFUL"
        )
    with pytest.raises(ClientError) as unknown:
        api(MEMBER).put_restore_validation_result(RestoreJobId="NOPE", ValidationStatus="FAILED")

    # THEN only the completed drill's is kept, and DescribeRestoreJob shows it
    job = api(MEMBER).describe_restore_job(RestoreJobId=drill.job_id)
    assert (job["ValidationStatus"], job["ValidationStatusMessage"]) == ("FAILED", "engine")
    codes = [e.value.response["Error"]["Code"] for e in (not_yet, not_a_drill, unknown)]
    assert codes == [
        "InvalidRequestException",
        "InvalidRequestException",
        "ResourceNotFoundException",
    ]
