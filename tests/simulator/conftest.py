"""Fixtures of the simulator tier: moto (tests/support/sandbox_fixtures.py) and the AWS Backup
simulator's (helpers: tests/support/simulator.py)."""

from __future__ import annotations

from typing import Any

import pytest

from backup_relay_sandbox.backup_sim import Simulator, simulator
from backup_relay_sandbox.cloud import DR_REGION, REGION
from tests.support.sandbox_fixtures import moto
from tests.support.simulator import CENTRAL, MEMBER, Api, EventTap, StartCopy, Topology

__all__ = ["moto"]  # the sandbox's fixture, for this tier


@pytest.fixture
def api(moto: None) -> Api:
    return Api()


@pytest.fixture
def sim(moto: None) -> Simulator:
    return simulator()


@pytest.fixture
def tap(api: Api) -> EventTap:
    return EventTap(api, [(MEMBER, REGION), (CENTRAL, REGION), (CENTRAL, DR_REGION)])


@pytest.fixture
def topology(sim: Simulator, api: Api) -> Topology:
    top = Topology(sim, api)
    top.member_key = sim.create_key(MEMBER, REGION, grant_accounts=[CENTRAL])
    top.member_vault = sim.create_vault(MEMBER, REGION, "member-vault")  # aws/backup key
    top.central_vault = sim.create_vault(
        CENTRAL, REGION, "central-vault", sim.create_key(CENTRAL, REGION)
    )
    top.dr_vault = sim.create_vault(
        CENTRAL, DR_REGION, "central-dr-vault", sim.create_key(CENTRAL, DR_REGION)
    )
    sim.allow_copy_into(CENTRAL, REGION, "central-vault")
    sim.allow_copy_into(CENTRAL, DR_REGION, "central-dr-vault")
    return top


@pytest.fixture
def start_copy(api: Api, topology: Topology) -> StartCopy:
    """StartCopyJob from the member vault (as the member account, in its region)."""

    def start(recovery_point_arn: str, destination: str | None = None, **extra: Any) -> str:
        response = api(MEMBER).start_copy_job(
            RecoveryPointArn=recovery_point_arn,
            SourceBackupVaultName="member-vault",
            DestinationBackupVaultArn=destination or topology.central_vault,
            IamRoleArn=f"arn:aws:iam::{MEMBER}:role/service-role/AWSBackupDefaultServiceRole",
            **extra,
        )
        return str(response["CopyJobId"])

    return start
