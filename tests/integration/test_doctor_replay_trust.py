"""With OnDemandBackupsToDr on, the doctor reads each member's ReplayRole (through its
DoctorRole's iam:GetRole) and finds one that is missing or does not trust the central stack's
functions' role path, which the ingest's on-demand copies assume it from (issue #25 leftovers).
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html"""

from __future__ import annotations

import json

from backup_relay.adapters import aws
from backup_relay.adapters.prerequisites.member import AwsMemberPrerequisites
from backup_relay.doctor.facts import CentralFacts, MemberFacts, ReplayRoleFacts
from backup_relay.doctor.replay_trust import replay_role_trusts_the_ingest
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.cloud import client as cloud_client

MEMBER = MEMBER_ACCOUNTS[0]
ROLE = "backup-relay-replay"
PATH = f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup-relay/backup-relay/"


def _trust(*patterns: str) -> str:
    """The member stack's ReplayRole trust: the central account, its roles by aws:PrincipalArn."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{CENTRAL_ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:PrincipalArn": list(patterns)}},
        }],
    })  # fmt: skip


def _read(trust: str | None) -> ReplayRoleFacts | None:
    """GIVEN the member's ReplayRole with `trust` (None: no role), WHEN the doctor reads it."""
    aws.reset()
    iam = cloud_client("iam", REGION, MEMBER)
    if trust is not None:
        iam.create_role(RoleName=f"{ROLE}-{REGION}", AssumeRolePolicyDocument=trust)
    scan = AwsMemberPrerequisites("doctor", CENTRAL_ACCOUNT, frozenset(), replay_role_name=ROLE)
    return scan._replay_role(iam, MEMBER, REGION)  # the read under test


def _check(role: ReplayRoleFacts | None, *, on: bool = True) -> list[str]:
    member = MemberFacts.model_construct(account=MEMBER, region=REGION, replay_role=role)
    central = CentralFacts.model_construct(
        account=CENTRAL_ACCOUNT, on_demand_backups_to_dr=on, function_role_path=PATH
    )
    return [f.problem for f in replay_role_trusts_the_ingest(member, central)]


def test_a_replay_role_trusting_the_central_stacks_path_passes(moto: None) -> None:
    role = _read(_trust(f"{PATH}*"))
    # THEN it is read as existing, with its trust, and nothing is found
    assert role is not None
    assert role.exists
    assert _check(role) == []


def test_a_replay_role_trusting_another_stack_is_found(moto: None) -> None:
    # GIVEN a member stack deployed with another CentralStackName
    role = _read(_trust(f"arn:aws:iam::{CENTRAL_ACCOUNT}:role/backup-relay/other/*"))
    # THEN the doctor says the ingest cannot assume it
    [problem] = _check(role)
    assert "does not trust the central stack's functions" in problem
    assert f"{PATH}*" in problem


def test_a_missing_replay_role_is_found_only_with_on_demand_backups_on(moto: None) -> None:
    # GIVEN a member without the ReplayRole
    role = _read(None)
    assert role is not None
    assert not role.exists
    # THEN with OnDemandBackupsToDr on, it is found; off, nothing is
    [problem] = _check(role)
    assert "does not exist" in problem
    assert _check(role, on=False) == []
