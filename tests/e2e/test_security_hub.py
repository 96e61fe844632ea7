"""SecurityHubFindings on a sandbox organization: what the scheduled doctor and reconcile find
shows up in the central account's Security Hub, and is resolved once the cause is fixed."""

from __future__ import annotations

import json
from typing import Any

from backup_relay_sandbox.backup_sim import policies
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.organization import CENTRAL_VAULT, Organization
from tests.support.chain import DR, night

MEMBER = MEMBER_ACCOUNTS[0]
STACK_GENERATOR = "backup-relay/{stack}/{generator}"


def _findings(org: Organization, generator: str) -> list[dict[str, Any]]:
    generator_id = STACK_GENERATOR.format(stack=org.central.stack.name, generator=generator)
    found: list[dict[str, Any]] = client("securityhub").get_findings(
        Filters={"GeneratorId": [{"Value": generator_id, "Comparison": "EQUALS"}]}
    )["Findings"]
    return found


def _state(finding: dict[str, Any]) -> tuple[str, str]:
    return finding["RecordState"], finding["Compliance"]["Status"]


def test_a_doctor_finding_appears_in_security_hub_and_is_resolved_after_the_fix(
    moto: None,
) -> None:
    # GIVEN a stack with SecurityHubFindings on, in an account whose Security Hub is enabled,
    # and a central vault whose access policy lets no one copy in
    org = Organization.build(members=[MEMBER], resource_types=(), SecurityHubFindings="true")
    client("securityhub").enable_security_hub()
    client("backup").delete_backup_vault_access_policy(BackupVaultName=CENTRAL_VAULT)
    # WHEN the scheduled doctor runs
    report = org.central.functions["DoctorFunction"]({})
    # THEN its finding is in Security Hub: ACTIVE, FAILED, the central account's default product
    assert [f["category"] for f in report["findings"]] == ["vault_access_policy"]
    assert report["skipped"] == []
    [finding] = _findings(org, "doctor")
    assert _state(finding) == ("ACTIVE", "FAILED")
    assert finding["AwsAccountId"] == CENTRAL_ACCOUNT
    assert finding["ProductArn"].endswith(f":product/{CENTRAL_ACCOUNT}/default")
    assert finding["ProductFields"]["backup-relay/Category"] == "vault_access_policy"
    assert "backup:CopyIntoBackupVault" in finding["Remediation"]["Recommendation"]["Text"]
    # AND the next run, which finds it again, changes nothing
    org.central.functions["DoctorFunction"]({})
    assert _findings(org, "doctor") == [finding]
    # WHEN the policy is put back and the doctor runs again
    org.sim.allow_copy_into(CENTRAL_ACCOUNT, REGION, CENTRAL_VAULT)
    assert org.central.functions["DoctorFunction"]({})["findings"] == []
    # THEN the same finding is resolved: archived, passed
    [resolved] = _findings(org, "doctor")
    assert resolved["Id"] == finding["Id"]
    assert _state(resolved) == ("ARCHIVED", "PASSED")


def test_a_stale_dr_copy_appears_in_security_hub_and_is_resolved_once_replayed(
    moto: None,
) -> None:
    # GIVEN a night where a member's Aurora copy failed (its key not shared with the central
    # account), with SecurityHubFindings on
    org = Organization.build(members=[MEMBER], resource_types=(), SecurityHubFindings="true")
    client("securityhub").enable_security_hub()
    key = org.add_resource(MEMBER, "Aurora", "ledger", key_shared_with=())[1]
    night(org, types=("Aurora",))
    assert org.completed_copies_into(DR) == []
    # WHEN reconcile checks coverage
    org.central.functions["ReconcileFunction"]({})
    # THEN the cluster's stale DR copy is a finding, on the cluster, for the DR vault
    [finding] = _findings(org, "stale-dr-copy")
    assert _state(finding) == ("ACTIVE", "FAILED")
    [resource] = finding["Resources"]
    assert (resource["Type"], resource["Id"]) == (
        "AwsRdsDbCluster",
        org.resources[(MEMBER, "Aurora")],
    )
    assert "backup-relay replay --job-id" in finding["Remediation"]["Recommendation"]["Text"]
    # WHEN the key is shared, the copy replayed, and reconcile runs again
    client("kms", REGION, MEMBER).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(MEMBER, [CENTRAL_ACCOUNT])),
    )
    org.central.functions["ReplayFunction"]({})
    org.settle()
    assert org.completed_copies_into(DR)
    org.central.functions["ReconcileFunction"]({})
    # THEN the finding is resolved
    [resolved] = _findings(org, "stale-dr-copy")
    assert (resolved["Id"], _state(resolved)) == (finding["Id"], ("ARCHIVED", "PASSED"))


def test_with_security_hub_findings_off_nothing_is_imported(moto: None) -> None:
    # GIVEN the default stack (SecurityHubFindings "false") and a doctor finding
    org = Organization.build(members=[MEMBER], resource_types=())
    client("securityhub").enable_security_hub()
    client("backup").delete_backup_vault_access_policy(BackupVaultName=CENTRAL_VAULT)
    # WHEN the doctor runs THEN it alerts, and Security Hub has nothing of it
    assert org.central.functions["DoctorFunction"]({})["findings"]
    assert client("securityhub").get_findings()["Findings"] == []


def test_a_hub_that_is_not_enabled_is_reported_and_the_doctor_still_finds(moto: None) -> None:
    # GIVEN SecurityHubFindings on, in an account where Security Hub is not enabled, and a
    # doctor finding
    org = Organization.build(members=[MEMBER], resource_types=(), SecurityHubFindings="true")
    client("backup").delete_backup_vault_access_policy(BackupVaultName=CENTRAL_VAULT)
    # WHEN the doctor and reconcile run
    doctor = org.central.functions["DoctorFunction"]({})
    reconcile = org.central.functions["ReconcileFunction"]({})
    # THEN the doctor still finds (and alerts), Security Hub not enabled among its findings
    # (doctor/features.py), and each says Security Hub refused, and why
    assert [f["category"] for f in doctor["findings"]] == ["vault_access_policy", "security_hub"]
    [skipped] = doctor["skipped"]
    assert skipped.startswith("Security Hub: ")
    assert "InvalidAccessException" in skipped
    assert any("InvalidAccessException" in e for e in reconcile["errors"])
