"""On-demand backups reach DR too (issue #25 item 4, OnDemandBackupsToDr): a member's on-demand
backup of a chained type is copied into the central vault through its member stack's replay
role; anything else is left to its plan (or to nothing)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from backup_relay.copy_chain.on_demand import first_hop_for_backup
from backup_relay.copy_chain.triggers import ChainTriggers
from backup_relay.domain.jobs import JobEvent, JobKind, JobState
from backup_relay.settings import IngestSettings
from backup_relay.template_parameters import DEFAULTS
from tests.support.fakes import FakeMemberCopies
from tests.support.world import (
    CENTRAL,
    CENTRAL_HOME,
    DR,
    DR_REGION,
    HOME,
    MEMBER,
    MEMBER_VAULT,
    World,
    copy_event,
    settings,
)

pytestmark = pytest.mark.unit

POINT = f"arn:aws:rds:{HOME}:{MEMBER}:cluster-snapshot:awsbackup:job-ondemand"
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/backup-relay-backup"
PLAN = f"arn:aws:backup:{HOME}:{MEMBER}:backup-plan:plan-1"


def backup_event(**changes: Any) -> JobEvent:
    """A member's on-demand Aurora backup (StartBackupJob: no plan) that COMPLETED."""
    fields: dict[str, Any] = {
        "kind": JobKind.BACKUP,
        "job_id": "backup-1",
        "source_recovery_point_arn": None,
        "destination_recovery_point_arn": POINT,
        "source_vault_arn": None,
        "destination_vault_arn": MEMBER_VAULT.arn,
        "iam_role_arn": MEMBER_ROLE,
        "backup_plan_arn": None,
    }
    return copy_event(**(fields | changes))


def _triggers(world: World, members: FakeMemberCopies | None) -> ChainTriggers:
    return replace(world.triggers(), member_copies=members)


def test_the_option_is_off_by_default_as_the_templates_parameter() -> None:
    # GIVEN the template's default WHEN the ingest function loads its settings THEN it is off
    assert DEFAULTS["OnDemandBackupsToDr"] == "false"
    assert settings(IngestSettings).on_demand_backups_to_dr is False
    assert settings(IngestSettings, ON_DEMAND_BACKUPS_TO_DR="true").on_demand_backups_to_dr


def test_an_on_demand_backup_is_copied_into_the_central_vault_through_the_replay_role() -> None:
    # GIVEN the option on, and a member's on-demand Aurora backup that COMPLETED
    world, members = World(), FakeMemberCopies()
    # WHEN ingest acts on its event
    actions = _triggers(world, members).on_event(backup_event())
    # THEN one copy job starts in the member account and region, from its vault into the central
    # vault of its region, as the role the backup ran as, keyed by the backup job
    [(account, region, request)] = members.started
    assert (account, region) == (MEMBER, HOME)
    assert request.recovery_point_arn == POINT
    assert request.source_vault_name == MEMBER_VAULT.name
    assert request.destination_vault_arn == CENTRAL_HOME.arn
    assert request.iam_role_arn == MEMBER_ROLE
    assert request.idempotency_token == "on-demand-backup-1"
    assert actions == [f"started copy job member-job-1 of on-demand backup {POINT}"]
    # and no chain starts yet: the copy's COMPLETED event starts it
    assert world.workflow.started == []


def test_the_same_backup_event_twice_asks_for_the_same_copy_job() -> None:
    # GIVEN the option on WHEN the same backup event is delivered twice
    members = FakeMemberCopies()
    triggers = _triggers(World(), members)
    triggers.on_event(backup_event())
    triggers.on_event(backup_event(event_id="e-2"))
    # THEN both StartCopyJob calls carry one IdempotencyToken: AWS starts one copy job for it
    assert {request.idempotency_token for _, _, request in members.started} == {
        "on-demand-backup-1"
    }


def test_with_the_option_off_nothing_is_copied() -> None:
    # GIVEN the option off (no member copies) WHEN an on-demand backup completes
    world = World()
    actions = _triggers(world, None).on_event(backup_event())
    # THEN nothing is started
    assert actions == []
    assert world.workflow.started == []


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"backup_plan_arn": PLAN}, id="a plan's backup: its copy rule copies it"),
        pytest.param({"state": JobState.RUNNING}, id="not COMPLETED yet"),
        pytest.param({"state": JobState.FAILED}, id="failed"),
        pytest.param({"resource_type": "EBS"}, id="a type that is not chained"),
        pytest.param({"account": CENTRAL}, id="the central account's own backup"),
        pytest.param({"kind": JobKind.COPY}, id="a copy, not a backup"),
        pytest.param(
            {"region": DR_REGION, "destination_vault_arn": DR.arn.replace(CENTRAL, MEMBER)},
            id="in the DR region: its central vault starts no chain",
        ),
        pytest.param({"destination_vault_arn": CENTRAL_HOME.arn}, id="a vault of another account"),
        pytest.param({"destination_recovery_point_arn": None}, id="no recovery point"),
    ],
)
def test_anything_but_a_members_completed_on_demand_backup_of_a_chained_type_is_left_alone(
    changes: dict[str, Any],
) -> None:
    # GIVEN the option on WHEN any other backup event comes THEN no first hop is planned
    routes = settings(IngestSettings).routes
    assert first_hop_for_backup(backup_event(**changes), routes, DR) is None
    members = FakeMemberCopies()
    assert _triggers(World(), members).on_event(backup_event(**changes)) == []
    assert members.started == []


def test_a_backup_gone_before_its_copy_is_reported_not_retried() -> None:
    # GIVEN the option on, and an on-demand backup deleted before its event is handled
    members = FakeMemberCopies(gone={POINT})
    # WHEN its event comes THEN it says so, and raises nothing (SQS would retry in vain)
    [action] = _triggers(World(), members).on_event(backup_event())
    assert action.startswith(f"on-demand backup {POINT} is gone")
