"""Replay through the sandbox: the real ReplayFunction, the member stack's replay role, the
state machine; each failure fixed, then replayed once to COMPLETED."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from backup_relay import wiring
from backup_relay_sandbox.backup_sim import policies
from backup_relay_sandbox.cloud import (
    CENTRAL_ACCOUNT,
    DR_REGION,
    MEMBER_ACCOUNTS,
    REGION,
    client,
)
from backup_relay_sandbox.organization import Organization
from backup_relay_sandbox.template import MEMBER_TEMPLATE, load_template, resolve
from tests.support.chain import DR, night

MEMBER = MEMBER_ACCOUNTS[0]


def _replay(org: Organization, **request: Any) -> dict[str, Any]:
    report: dict[str, Any] = org.central.functions["ReplayFunction"](request)
    org.settle()
    return report


def _aurora_whose_key_is_not_shared(org: Organization) -> str:
    return org.add_resource(MEMBER, "Aurora", "ledger", key_shared_with=())[1]


def test_a_failed_member_copy_is_replayed_once_after_its_key_is_shared(moto: None) -> None:
    # GIVEN a member's Aurora copy into the central vault that failed: its key is not shared
    org = Organization.build(members=[MEMBER], resource_types=())
    key = _aurora_whose_key_is_not_shared(org)
    night(org, types=("Aurora",))
    assert org.completed_copies_into(DR) == []
    # WHEN a dry run and a replay look while the key is still unshared
    dry, waiting = _replay(org, dry_run=True), _replay(org)
    # THEN both skip it: the probe (through the member's DoctorRole) confirms the cause is there
    for report in (dry, waiting):
        [item] = report["items"]
        assert item["outcome"] == "skipped"
        assert item["proof"].startswith("confirmed: 1 Aurora recovery point(s)")
        assert item["why"].endswith("fix it, or --force")
    assert org.executions() == []
    # WHEN the key is shared with the central account, and it is replayed
    client("kms", REGION, MEMBER).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(MEMBER, [CENTRAL_ACCOUNT])),
    )
    first = _replay(org)
    second = _replay(org)
    # THEN one new copy job ran in the member account, its chain carried it to DR, and the
    # second replay did nothing new
    [item] = first["items"]
    assert (item["kind"], item["outcome"], item["category"]) == (
        "member copy",
        "replayed",
        "kms_key_not_shared",
    )
    assert item["proof"].startswith("contradicted: key ")
    assert [job.resource.resource_type for job in org.completed_copies_into(DR)] == ["Aurora"]
    assert [e["status"] for e in org.executions()] == ["SUCCEEDED"]
    assert [i["outcome"] for i in second["items"]] == ["skipped"]


def test_a_failed_chain_hop_is_replayed_as_a_new_attempt_to_completed(moto: None) -> None:
    # GIVEN an RDS instance whose chain to DR failed: the DR region lacked its option group
    org = Organization.build(members=[MEMBER], resource_types=())
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
    night(org, types=("RDS",))
    [failed] = org.executions()
    assert failed["status"] == "FAILED"
    # WHEN the option group is added in the DR region and what failed is replayed, twice
    org.sim.add_option_group(CENTRAL_ACCOUNT, DR_REGION, "APEX")
    first = _replay(org, category="option_group_missing")
    second = _replay(org)
    # THEN the chain ran again as attempt 2 and reached DR; the second replay found nothing
    [item] = first["items"]
    assert item["outcome"] == "replayed"
    assert item["started"] == f"{failed['name']}-attempt-2"
    statuses = {e["name"]: e["status"] for e in org.executions()}
    assert statuses == {failed["name"]: "FAILED", item["started"]: "SUCCEEDED"}
    assert org.chain_record(failed["name"])["state"] == "COMPLETED"  # type: ignore[index]
    assert len(org.completed_copies_into(DR)) == 1
    assert second["items"] == []


def test_after_a_replay_the_chains_first_attempt_is_shown_as_an_earlier_attempt(
    moto: None,
) -> None:
    # GIVEN an RDS chain to DR that failed (no option group in the DR region), replayed before
    # its cause was fixed: attempt 2 failed too
    org = Organization.build(members=[MEMBER], resource_types=())
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
    night(org, types=("RDS",))
    [failed] = org.executions()
    _replay(org)
    # WHEN the operator lists what failed
    listed = _replay(org, dry_run=True)
    # THEN the chain runs again as attempt 3, and the first attempt's copy job (AWS Backup
    # still lists it FAILED) is shown as the chain's earlier attempt: never "started by hand"
    chain, earlier = sorted(listed["items"], key=lambda i: i["kind"])
    assert (chain["kind"], chain["why"]) == ("chain hop", "would run hop 1 of 1 again as attempt 3")
    assert (earlier["kind"], earlier["outcome"]) == ("earlier attempt", "skipped")
    assert earlier["why"].startswith(f"earlier attempt of {failed['name']} hop 1, replayed: ")
    assert f"backup-relay replay --chain-id {failed['name']}" in earlier["why"]
    assert "start-copy-job" not in str(listed)
    # WHEN its cause is fixed and it is replayed
    org.sim.add_option_group(CENTRAL_ACCOUNT, DR_REGION, "APEX")
    replayed = _replay(org)
    # THEN the earlier attempts need nothing, and once the copy is made nothing is listed
    assert {(i["kind"], i["outcome"]) for i in replayed["items"]} == {
        ("chain hop", "replayed"),
        ("earlier attempt", "skipped"),
    }
    assert all(
        i["why"].endswith(": nothing to do")
        for i in replayed["items"]
        if i["kind"] == "earlier attempt"
    )
    assert _replay(org, dry_run=True)["items"] == []


def test_the_member_replay_role_trusts_only_the_central_replay_function_and_named_principals() -> (
    None
):
    # GIVEN the member stack's replay role, deployed with operators' roles named and without
    role = load_template(MEMBER_TEMPLATE)["Resources"]["ReplayRole"]
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    central = "arn:aws:iam::123456789012:role/backup-relay/backup-relay/*"
    operator = "arn:aws:iam::123456789012:role/operators/oncall"

    def trusted(**parameters: str) -> Any:
        values = {
            "AWS::Partition": "aws",
            "AWS::Region": REGION,
            "CentralAccountId": "123456789012",
            "CentralStackName": "backup-relay",
            **parameters,
        }
        values["Condition:HasReplayPrincipals"] = bool(parameters.get("ReplayPrincipalArns"))
        return resolve(trust["Condition"]["ArnLike"]["aws:PrincipalArn"], values)

    # THEN the principal is the central account, and the condition names its replay function's
    # roles (under the central stack's path) and the operators' roles, nothing else
    assert trust["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:root"}
    }
    assert trusted() == central
    assert trusted(ReplayPrincipalArns=operator) == [central, operator]
    [policy] = role["Properties"]["Policies"]
    actions = sorted(
        a
        for s in policy["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    assert actions == ["backup:DescribeCopyJob", "backup:StartCopyJob", "iam:PassRole"]


def _env(org: Organization) -> dict[str, str]:
    """The environment the stack gives its functions (what the CLI rebuilds from the stack)."""
    return {**org.central.functions["ReplayFunction"].variables, "AWS_REGION": REGION}


def test_status_and_coverage_read_back_the_night_and_the_replay(moto: None) -> None:
    # GIVEN a night where a member's Neptune reached DR and its Aurora did not (key not shared)
    org = Organization.build(members=[MEMBER], resource_types=("Neptune",))
    key = _aurora_whose_key_is_not_shared(org)
    night(org, types=("Neptune", "Aurora"))
    now = org.sim.now
    # WHEN coverage is asked (26 h) THEN the Aurora cluster is stale (no DR copy), listed first
    coverage = wiring.coverage(_env(org))
    coverage.now = lambda: now
    report = coverage(timedelta(hours=26))
    assert [(r.resource_type, r.current) for r in report.resources] == [
        ("Aurora", False),
        ("Neptune", True),
    ]
    assert report.resources[0].newest_dr_copy is None
    # AND status shows the one chain COMPLETED with its hop
    status = wiring.status(_env(org))
    status.now = lambda: now
    [chain] = status(now - timedelta(days=1)).chains
    assert (chain.state, chain.resource_type, chain.attempt) == ("COMPLETED", "Neptune", 1)
    assert [h.state for h in chain.hops] == ["COMPLETED"]
    # AND for the Neptune cluster, the path its copies took: backed up, copied to the central
    # vault, chained to DR
    neptune = org.resources[(MEMBER, "Neptune")]
    path = status(now - timedelta(days=1), resource_arn=neptune)
    assert [
        (j.kind, j.state, (j.destination_vault_arn or "").rsplit(":", 1)[-1]) for j in path.jobs
    ] == [
        ("BACKUP", "COMPLETED", "member-vault"),
        ("COPY", "COMPLETED", "backup-relay-central"),
        ("COPY", "COMPLETED", "backup-relay-dr"),
    ]
    assert [c.chain_id for c in path.chains] == [chain.chain_id]
    # WHEN the key is shared and the copy replayed THEN every chained resource is current
    client("kms", REGION, MEMBER).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(MEMBER, [CENTRAL_ACCOUNT])),
    )
    _replay(org)
    coverage.now = lambda: org.sim.now
    assert coverage(timedelta(hours=26)).stale == []


def test_the_member_doctor_role_only_reads_and_trusts_only_the_central_account() -> None:
    role = load_template(MEMBER_TEMPLATE)["Resources"]["DoctorRole"]
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    # the central account; with DoctorPrincipalArns, only those roles and the central doctor
    # function's (its path), by condition: a principal IAM checks when the policy is saved
    assert trust["Principal"]["AWS"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${CentralAccountId}:root"
    }
    assert trust["Condition"]["Fn::If"][0] == "HasDoctorPrincipals"
    assert trust["Condition"]["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    assert "/backup-relay/${CentralStackName}/*" in str(trust["Condition"]["Fn::If"][1])
    [policy] = role["Properties"]["Policies"]
    actions = {
        a for s in policy["PolicyDocument"]["Statement"] for a in _as_list(s["Action"])
    }  # every one a read
    assert all(a.split(":")[1].startswith(("List", "Get", "Describe")) for a in actions)
    # the doctor's reads, and no more (a new read is a change to review here; that every call
    # the doctor makes is among them, tests/e2e/test_doctor_coverage.py holds)
    assert actions == {
        "backup:ListBackupVaults",
        "backup:ListRecoveryPointsByBackupVault",
        "backup:GetBackupVaultAccessPolicy",  # its vaults admit bring-back's copies
        "backup:ListBackupPlans",
        "backup:GetBackupPlan",
        "backup:ListBackupSelections",  # what its plans select
        "backup:GetBackupSelection",
        "backup:DescribeRegionSettings",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:ListAliases",
        "events:ListRules",
        "events:ListTargetsByRule",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",  # the backup roles' managed policies
        "iam:ListRolePolicies",
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
        "rds:DescribeOptionGroups",
        "dynamodb:ListTables",
        "dynamodb:DescribeTable",
        "dynamodb:ListTagsOfResource",
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "elasticfilesystem:DescribeFileSystems",
        "fsx:DescribeFileSystems",  # FSx's keys and deployment types
        "storagegateway:ListGateways",  # volume gateways only are backed up
        "storagegateway:ListVolumes",
        "storagegateway:ListTagsForResource",
        "redshift:DescribeClusters",
        "s3:ListAllMyBuckets",
        "s3:GetBucketTagging",
        "s3:GetBucketVersioning",
        "sqs:GetQueueUrl",  # the forward dead-letter queue
        "sqs:GetQueueAttributes",
    }


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]
