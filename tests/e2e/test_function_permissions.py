"""Every AWS call a function makes in the sandbox is allowed by its policy in template.yaml, and
every call made with a member role's credentials by that role's policy in member/template.yaml:
moto enforces no IAM, so a missing action would pass every other test and fail in AWS."""

from __future__ import annotations

import json
from collections import defaultdict
from fnmatch import fnmatchcase
from typing import Any

from backup_relay_sandbox import api_calls
from backup_relay_sandbox.backup_sim import policies
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.drills import enable_drills
from backup_relay_sandbox.organization import CENTRAL_VAULT, MEMBER_VAULT, Organization
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template, resolve
from tests.support.chain import (
    DR,
    landed_in_central,
    lose_the_chains_completions,
    night,
    on_demand_backup,
)


def _statements(function: dict[str, Any], resources: dict[str, Any]) -> list[dict[str, Any]]:
    """The function's Allow statements; those of its own role when it names one. (The functions
    use no SAM policy template: their statements say what each grants.)"""
    role = function["Properties"].get("Role")
    if role is not None:
        policies = resources[role["Fn::GetAtt"][0]]["Properties"]["Policies"]
        return [
            s for p in policies for s in p["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
        ]
    statements: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        for entry in policy["Statement"]:  # a conditional grant: the test's stack has it on
            statement = entry["Fn::If"][1] if "Fn::If" in entry else entry
            if statement.get("Effect") == "Allow":
                statements.append(statement)
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allows(
    statement: dict[str, Any], action: str, resource: str | None, org: Organization
) -> bool:
    """Does it allow `action` on `resource` (a table's logical id, or an ARN) when the call
    names one? Resources written with !Sub are resolved as the sandbox deployed the stack."""
    if not any(fnmatchcase(action, pattern) for pattern in _as_list(statement["Action"])):
        return False
    if resource is None:
        return True
    resources = _as_list(statement["Resource"])
    if "*" in resources or {"Fn::GetAtt": [resource, "Arn"]} in resources:
        return True
    patterns = [resolve(r, org.central.stack.values) for r in resources if isinstance(r, dict)]
    return any(fnmatchcase(resource, pattern) for pattern in patterns)


def test_every_call_a_function_makes_is_in_its_policy(moto: None) -> None:
    # GIVEN a night that exercises every function: ingest, chains that poll and shorten
    # intermediate retention, reconcile, and a bring-back; and an on-demand backup, which
    # ingest copies into the central vault as the member's ReplayRole (OnDemandBackupsToDr);
    # the doctor and reconcile publish to Security Hub (SecurityHubFindings); the doctor checks
    # the DR region's restore drills (RestoreDrills)
    api_calls.clear()
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1],
        resource_types=("Aurora", "Neptune"),
        wait_timeout_seconds=2,
        IntermediateRetentionDays="3",
        OnDemandBackupsToDr="true",
        SecurityHubFindings="true",
        RestoreDrills="true",
    )
    client("securityhub", REGION).enable_security_hub()
    enable_drills(org)
    lose_the_chains_completions(org)
    night(org, types=("Aurora", "Neptune"))
    on_demand_backup(org, MEMBER_ACCOUNTS[0], "Neptune")
    org.central.functions["ReconcileFunction"]({})
    [at_dr] = [j for j in org.completed_copies_into(DR) if j.resource.resource_type == "Aurora"]
    org.central.functions["BringBackFunction"](
        {
            "recovery_point_arn": at_dr.destination_recovery_point_arn,
            "to_account": MEMBER_ACCOUNTS[0],
            "to_region": REGION,
            "to_vault": MEMBER_VAULT,
        }
    )
    org.settle()
    org.central.functions["ReplayFunction"]({"since": "30d"})
    # a finding for the doctor to publish
    client("backup", REGION).delete_backup_vault_access_policy(BackupVaultName=CENTRAL_VAULT)
    org.central.functions["DoctorFunction"]({})
    execution = org.executions()[0]
    org.central.functions["ChainEndedFunction"](
        {"detail": {"name": execution["name"], "status": "FAILED"}}
    )
    assert landed_in_central(org)
    # WHEN the calls each function made are held against its policy
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    tables = {physical: logical for logical, physical in org.central.tables.items()}
    made: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for function, action, resource in api_calls.CALLS:
        made[function].add((action, tables.get(resource, resource) if resource else None))
    missing = {
        function: sorted(
            f"{action} on {resource or 'its resource'}"
            for action, resource in calls
            if not any(
                _allows(s, action, resource, org) for s in _statements(template[function], template)
            )
        )
        for function, calls in made.items()
    }
    # THEN every function made calls, and its policy allows each of them
    assert set(made) >= {"IngestFunction", "ChainStepsFunction", "ReconcileFunction"}
    assert {"BringBackFunction", "ChainEndedFunction", "ReplayFunction"} <= set(made)
    assert "DoctorFunction" in made
    assert "sts:AssumeRole" in {action for action, _ in made["IngestFunction"]}  # on demand
    assert "securityhub:BatchImportFindings" in {action for action, _ in made["DoctorFunction"]}
    assert {"securityhub:DescribeHub", "backup:ListRestoreTestingSelections"} <= {
        action for action, _ in made["DoctorFunction"]
    }
    assert "securityhub:GetFindings" in {action for action, _ in made["ReconcileFunction"]}
    assert {function: actions for function, actions in missing.items() if actions} == {}


def test_a_members_hop_is_confirmed_through_its_replay_role_in_any_region() -> None:
    # GIVEN a member's replay roles, one per region its stack runs in (<MemberReplayRoleName>-
    # <region>), and a member hop (the quota overflow) copying out of a region other than the
    # central stack's: ingest confirms its copy event, the chain's steps start and poll its job,
    # reconcile checks it, each through the role of the region the hop copies out of
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    values = {"AWS::Partition": "aws", "AWS::Region": REGION, "MemberReplayRoleName": "replay"}
    for region in (REGION, "eu-west-1"):
        role = f"arn:aws:iam::{MEMBER_ACCOUNTS[0]}:role/replay-{region}"
        for function in ("IngestFunction", "ChainStepsFunction", "ReconcileFunction"):
            # WHEN its policy is asked for sts:AssumeRole on that role
            grants = [
                resolve(s["Resource"], values)
                for s in _statements(template[function], template)
                if "sts:AssumeRole" in _as_list(s["Action"])
            ]
            # THEN it allows it, whatever the region
            assert any(fnmatchcase(role, r) for g in grants for r in _as_list(g)), (function, role)


def _role_statements(role: dict[str, Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    """A role's Allow statements, resolved as the sandbox deployed its stack (conditional
    statements as its conditions hold)."""
    return [
        statement
        for policy in resolve(role["Properties"].get("Policies", []), values)
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow"
    ]


def _role_allows(statement: dict[str, Any], action: str, resource: str | None) -> bool:
    """Does it allow `action` on `resource` (an ARN, None when IAM scopes the call to none)?
    Its Condition is not evaluated (the test's calls meet the template's conditions)."""
    if not any(fnmatchcase(action, pattern) for pattern in _as_list(statement["Action"])):
        return False
    return resource is None or any(
        fnmatchcase(resource, pattern) for pattern in _as_list(statement["Resource"])
    )


def test_every_call_made_as_a_member_role_is_in_that_roles_policy(moto: None) -> None:
    # GIVEN a member (its stack deployed as a StackSet instance, its roles named as AWS names
    # them; the scheduled doctor checks it) whose Aurora copy into the central vault failed,
    # its key not shared, then shared; and its on-demand backup, which the central ingest copies
    # into the central vault as its ReplayRole (OnDemandBackupsToDr)
    api_calls.clear()
    org = Organization.build(
        members=MEMBER_ACCOUNTS[:1],
        resource_types=("Neptune",),
        AllowedSourceAccounts=MEMBER_ACCOUNTS[0],
        OnDemandBackupsToDr="true",
    )
    member = org.members[MEMBER_ACCOUNTS[0]].stack
    assert member.name.startswith("StackSet-backup-relay-member-")
    key = org.add_resource(member.account, "Aurora", "ledger", key_shared_with=())[1]
    night(org, types=("Aurora",))
    client("kms", REGION, member.account).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(member.account, [CENTRAL_ACCOUNT])),
    )
    # WHEN the central replay copies it again as the member's ReplayRole, and the central doctor
    # reads the member as its DoctorRole
    replayed = org.central.functions["ReplayFunction"]({})
    org.settle()
    on_demand_backup(org, member.account, "Neptune")
    org.central.functions["DoctorFunction"]({})
    # THEN the calls made with those roles' credentials were recorded against the roles (the
    # functions made only their own), each on the resource IAM authorizes it on ...
    assert [item["outcome"] for item in replayed["items"]] == ["replayed"]
    roles = {member.values[f"{lid}.Arn"]: lid for lid in member.of_type("AWS::IAM::Role")}
    made: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for role, action, resource in api_calls.ROLE_CALLS:
        made[roles[role]].add((action, resource))
    assert set(made) == {"ReplayRole", "DoctorRole"}
    assert ("iam:GetRole", member.values["ForwardRole.Arn"]) in made["DoctorRole"]
    assert {action for action, _ in made["ReplayRole"]} >= {"backup:StartCopyJob", "iam:PassRole"}
    assert not {
        (function, action)
        for function, action, resource in api_calls.CALLS
        if resource and f":{member.account}:" in resource and action != "sts:AssumeRole"
    }
    # AND the member template's policy of each role allows every one of them
    resources = member.template["Resources"]
    missing = {
        role: sorted(
            f"{action} on {resource or 'its resource'}"
            for action, resource in calls
            if not any(
                _role_allows(statement, action, resource)
                for statement in _role_statements(resources[role], member.values)
            )
        )
        for role, calls in made.items()
    }
    assert {role: actions for role, actions in missing.items() if actions} == {}
    # AND the ReplayRole trusts the central functions that assume it (IAM checks its
    # aws:PrincipalArn condition; moto does not): replay's, and ingest's for on-demand backups
    [trust] = member.template["Resources"]["ReplayRole"]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    trusted = _as_list(resolve(trust["Condition"]["ArnLike"]["aws:PrincipalArn"], member.values))
    # (and chain-steps' and reconcile's, for hops the quota overflow runs out of a member's vault)
    for function in ("ReplayFunction", "IngestFunction", "ChainStepsFunction", "ReconcileFunction"):
        role = org.central.stack.values[f"{function}Role.Arn"]
        assert any(fnmatchcase(role, pattern) for pattern in trusted), (function, role)
