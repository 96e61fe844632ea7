"""Emitted events have exactly the documented shapes, and backup-relay's normalize() reads them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from backup_relay.collect.normalize import normalize
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay_sandbox.backup_sim import Simulator
from backup_relay_sandbox.cloud import REGION
from tests.support.events import documented
from tests.support.simulator import CENTRAL, MEMBER, EventTap, Topology

ROLE = f"arn:aws:iam::{MEMBER}:role/backup"
#: Documented examples of the states the simulator produces (PARTIAL has none: see below)
EXAMPLES = [
    *(f"backup_job_{s}.json" for s in ("created", "pending", "running", "completed", "failed")),
    "backup_job_expired.json",
    "backup_job_aborted.json",
    *(f"copy_job_{s}.json" for s in ("created", "running", "completed", "failed")),
]


def _night(sim: Simulator, topology: Topology) -> None:
    """Every state of both kinds, from on-demand jobs and from jobs a backup plan started."""
    sim.settings.durations.backup_pending = timedelta(minutes=2)
    plan = sim.plan(MEMBER, REGION)
    for creator in (None, plan):
        backup = sim.start_backup_job(
            MEMBER,
            REGION,
            vault_name="member-vault",
            resource_arn=topology.resource("EBS"),
            iam_role_arn=ROLE,
            created_by=creator,
        )
        sim.run_until_idle()
        for destination in (topology.central_vault, topology.dr_vault):
            sim.start_copy_job(
                MEMBER,
                REGION,
                recovery_point_arn=backup.recovery_point_arn,
                source_vault_name="member-vault",
                destination_vault_arn=destination,
                iam_role_arn=ROLE,
                created_by=creator,
            )
        sim.run_until_idle()
    # failures: a backup into a missing vault, a copy without a vault policy, an expired backup
    sim.delete_vault_access_policy(CENTRAL, REGION, "central-vault")
    for creator in (None, plan):
        busy = topology.resource("EFS")
        sim.start_backup_job(
            MEMBER, REGION, vault_name="gone", resource_arn=busy, iam_role_arn=ROLE
        )
        sim.start_backup_job(
            MEMBER,
            REGION,
            vault_name="member-vault",
            resource_arn=busy,
            iam_role_arn=ROLE,
            start_window=timedelta(minutes=1),
            created_by=creator,
        )
        sim.start_copy_job(
            MEMBER,
            REGION,
            recovery_point_arn=topology.recovery_point(topology.resource("EC2")),
            source_vault_name="member-vault",
            destination_vault_arn=topology.central_vault,
            iam_role_arn=ROLE,
            created_by=creator,
        )
        sim.run_until_idle()
    # ends no documented example shows the rest of: stopped and PARTIAL jobs
    for creator in (None, plan):
        stopped, partial = (
            sim.start_backup_job(
                MEMBER,
                REGION,
                vault_name="member-vault",
                resource_arn=topology.resource("EBS"),
                iam_role_arn=ROLE,
                created_by=creator,
            )
            for _ in range(2)
        )
        sim.settings.partial_jobs.add(partial.job_id)
        sim.advance(timedelta(minutes=5))
        sim.stop_backup_job(MEMBER, REGION, stopped.job_id)
        copy = sim.start_copy_job(
            MEMBER,
            REGION,
            recovery_point_arn=topology.recovery_point(topology.resource("EBS")),
            source_vault_name="member-vault",
            destination_vault_arn=topology.dr_vault,
            iam_role_arn=ROLE,
            created_by=creator,
        )
        sim.settings.partial_jobs.add(copy.job_id)
        sim.run_until_idle()


@pytest.fixture
def emitted(sim: Simulator, topology: Topology, tap: EventTap) -> list[dict[str, Any]]:
    _night(sim, topology)
    return tap.drain()


def _json_types(node: Any) -> Any:
    """The JSON type of every value, nested objects included."""
    if isinstance(node, dict):
        return {key: _json_types(value) for key, value in node.items()}
    return {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}.get(
        type(node), type(node).__name__
    )


def _mismatch(example: str, emitted: list[dict[str, Any]]) -> str | None:
    expected = documented(example)
    # the examples with createdBy come from backup plans' jobs: compare like with like
    from_plan = "createdBy" in expected["detail"]
    same = [
        e
        for e in emitted
        if e["detail-type"] == expected["detail-type"]
        and e["detail"]["state"] == expected["detail"]["state"]
        and ("createdBy" in e["detail"]) == from_plan
    ]
    if not same:
        return "none emitted"
    for event in same:
        if event.keys() != expected.keys():
            return f"top-level keys {sorted(event)}"
        if _json_types(event["detail"]) != _json_types(expected["detail"]):
            return f"detail {_json_types(event['detail'])}"
        if _json_types(event["resources"]) != _json_types(expected["resources"]):
            return f"resources {event['resources']}"
    return None


def test_emitted_events_have_the_documented_shapes(emitted: list[dict[str, Any]]) -> None:
    # GIVEN the documented example of each kind and state the simulator produces
    # WHEN the events of that kind and state that reached the buses are compared with it
    mismatches = {example: _mismatch(example, emitted) for example in EXAMPLES}

    # THEN each has exactly its top-level keys, detail keys and JSON types (nested ones too)
    assert {example: m for example, m in mismatches.items() if m} == {}


@pytest.mark.parametrize("kind", ["backup", "copy"])
def test_a_partial_event_has_the_completed_shape_and_a_status_message(
    kind: str, emitted: list[dict[str, Any]]
) -> None:
    # GIVEN the documented COMPLETED example (AWS documents no PARTIAL one: INFERRED shape)
    completed = documented(f"{kind}_job_completed.json")
    detail_type = completed["detail-type"]
    from_plan = "createdBy" in completed["detail"]

    # WHEN the PARTIAL events of that kind are compared with it
    partial = [
        e
        for e in emitted
        if e["detail-type"] == detail_type
        and e["detail"]["state"] == "PARTIAL"
        and ("createdBy" in e["detail"]) == from_plan
    ]

    # THEN each has COMPLETED's keys and types, and a statusMessage (quoted for backups)
    assert partial
    for event in partial:
        detail = dict(event["detail"])
        message = detail.pop("statusMessage")
        assert _json_types(detail) == _json_types(completed["detail"])
        assert _json_types(event["resources"]) == _json_types(completed["resources"])
        assert message
        assert message.startswith('"') == (kind == "backup")


def test_every_emitted_event_normalizes(sim: Simulator, emitted: list[dict[str, Any]]) -> None:
    # GIVEN every event the night emitted (every kind and state)
    assert len(emitted) == len(sim.emitted) > 30

    for event in emitted:
        # WHEN backup-relay normalizes it
        job = normalize(event)

        # THEN kind, state, job id and recovery points are the simulator's
        state = JobState(event["detail"]["state"])
        assert (job.state, job.account, job.region) == (state, event["account"], event["region"])
        if job.kind is JobKind.BACKUP:
            backup = sim.backup_jobs[event["detail"]["backupJobId"]]
            assert job.job_id == backup.job_id
            landed = state in (JobState.COMPLETED, JobState.PARTIAL)
            assert job.destination_recovery_point_arn == (
                backup.recovery_point_arn if landed else None
            )
        else:
            assert job.kind is JobKind.COPY
            copy = next(
                c
                for c in sim.copy_jobs.values()
                if c.source_recovery_point_arn == job.source_recovery_point_arn
                and c.destination_vault_arn == job.destination_vault_arn
            )
            assert job.job_id == (None if state is JobState.CREATED else copy.job_id)
            landed = state in (JobState.COMPLETED, JobState.PARTIAL)
            assert job.destination_recovery_point_arn == (
                copy.destination_recovery_point_arn if landed else None
            )
            assert job.source_vault_arn == copy.source_vault_arn
        if state in (JobState.FAILED, JobState.EXPIRED, JobState.ABORTED, JobState.PARTIAL):
            assert job.status_message
            assert not job.status_message.startswith('"')
