"""The restore testing operations on moto's BackupResponse (moto_plugin installs them): the
plans, their selections and PutRestoreValidationResult (restore_testing.py), in botocore's
shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backup_relay_sandbox.backup_sim.moto_plugin import Call
    from backup_relay_sandbox.backup_sim.service import Simulator

ROUTES = (
    "{0}/restore-testing/plans/?$",
    "{0}/restore-testing/plans/(?P<plan>[^/]+)$",
    "{0}/restore-testing/plans/(?P<plan>[^/]+)/selections/?$",
    "{0}/restore-testing/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)$",
    "{0}/restore-jobs/(?P<restore_job_id>[^/]+)/validations$",
)


def create_restore_testing_plan(call: Call, sim: Simulator) -> object:
    plan = sim.restore_testing.create_plan(
        call.account,
        call.region,
        call.body["RestoreTestingPlan"],
        call.body.get("CreatorRequestId"),
    )
    return {
        "CreationTime": plan.creation,
        "RestoreTestingPlanArn": plan.arn,
        "RestoreTestingPlanName": plan.name,
    }


def get_restore_testing_plan(call: Call, sim: Simulator) -> object:
    plan = sim.restore_testing.plan(call.account, call.region, call.uri["RestoreTestingPlanName"])
    return {"RestoreTestingPlan": plan.body()}


def list_restore_testing_plans(call: Call, sim: Simulator) -> object:
    listed = ("CreationTime", "LastExecutionTime", "RestoreTestingPlanArn")
    names = (*listed, "RestoreTestingPlanName", "ScheduleExpression", "StartWindowHours")
    plans: list[dict[str, Any]] = [
        {k: v for k, v in plan.body().items() if k in names or k == "ScheduleExpressionTimezone"}
        for plan in sim.restore_testing.in_region(call.account, call.region)
    ]
    return {"RestoreTestingPlans": plans}


def delete_restore_testing_plan(call: Call, sim: Simulator) -> object:
    sim.restore_testing.delete_plan(call.account, call.region, call.uri["RestoreTestingPlanName"])
    return {"RestoreTestingPlanName": call.uri["RestoreTestingPlanName"]}


def create_restore_testing_selection(call: Call, sim: Simulator) -> object:
    plan_name = call.uri["RestoreTestingPlanName"]
    selection = sim.restore_testing.create_selection(
        call.account, call.region, plan_name, call.body["RestoreTestingSelection"]
    )
    return {
        "CreationTime": selection.creation,
        "RestoreTestingPlanArn": sim.restore_testing.plan(call.account, call.region, plan_name).arn,
        "RestoreTestingPlanName": plan_name,
        "RestoreTestingSelectionName": selection.name,
    }


def get_restore_testing_selection(call: Call, sim: Simulator) -> object:
    selection = sim.restore_testing.selection(
        call.account,
        call.region,
        call.uri["RestoreTestingPlanName"],
        call.uri["RestoreTestingSelectionName"],
    )
    return {"RestoreTestingSelection": selection.body()}


def list_restore_testing_selections(call: Call, sim: Simulator) -> object:
    plan = sim.restore_testing.plan(call.account, call.region, call.uri["RestoreTestingPlanName"])
    names = {
        "CreationTime",
        "IamRoleArn",
        "ProtectedResourceType",
        "RestoreTestingPlanName",
        "RestoreTestingSelectionName",
        "ValidationWindowHours",
    }
    selections = [
        {k: v for k, v in s.body().items() if k in names} for s in plan.selections.values()
    ]
    return {"RestoreTestingSelections": selections}


def delete_restore_testing_selection(call: Call, sim: Simulator) -> object:
    sim.restore_testing.delete_selection(
        call.account,
        call.region,
        call.uri["RestoreTestingPlanName"],
        call.uri["RestoreTestingSelectionName"],
    )
    return None


def put_restore_validation_result(call: Call, sim: Simulator) -> object:
    job = sim.restore_job(call.account, call.region, call.uri["restoreJobId"])
    sim.restore_testing.put_validation(
        job, call.body["ValidationStatus"], call.body.get("ValidationStatusMessage")
    )
    return None


OPERATIONS = (
    create_restore_testing_plan,
    get_restore_testing_plan,
    list_restore_testing_plans,
    delete_restore_testing_plan,
    create_restore_testing_selection,
    get_restore_testing_selection,
    list_restore_testing_selections,
    delete_restore_testing_selection,
    put_restore_validation_result,
)
