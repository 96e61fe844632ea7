"""The alert's proof through the sandbox: the real AlertsFunction probes the cause through the
member stack's DoctorRole before it publishes, and says "confirmed", "contradicted" (the cause
fixed before the alert went out) or "could not check" (the DoctorRole refused)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.sts.exceptions import STSClientError
from moto.sts.models import STSBackend

from backup_relay_sandbox import api_calls
from backup_relay_sandbox.backup_sim import policies
from backup_relay_sandbox.cloud import CENTRAL_ACCOUNT, MEMBER_ACCOUNTS, REGION, client
from backup_relay_sandbox.organization import CENTRAL_VAULT, Organization
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template
from tests.e2e.test_function_permissions import _allows, _statements
from tests.support.chain import night

MEMBER = MEMBER_ACCOUNTS[0]


def _night_with_an_unshared_key(org: Organization) -> str:
    """A member's Aurora cluster on a key the central account may not use; its copy fails."""
    key: str = org.add_resource(MEMBER, "Aurora", "ledger", key_shared_with=())[1]
    night(org, types=("Aurora",))
    return key


def _proof(org: Organization) -> dict[str, Any]:
    [alert] = [a for a in org.alerts() if a["attributes"].get("severity") == "error"]
    proof: dict[str, Any] = alert["document"]["proof"]
    return proof


def test_the_alert_for_an_unshared_key_says_confirmed(moto: None) -> None:
    # GIVEN a member's copy into the central vault that failed: its key is not shared
    org = Organization.build(members=[MEMBER], resource_types=())
    api_calls.clear()
    _night_with_an_unshared_key(org)
    # WHEN AlertsFunction publishes its alert
    proof = _proof(org)
    # THEN the probe read the key through the member's DoctorRole and confirms the cause
    assert proof["verdict"] == "confirmed"
    assert f"does not let account {CENTRAL_ACCOUNT} use it" in proof["finding"]
    assert proof["subject"]["category"] == "kms_key_not_shared"
    assert proof["reads"] == 2
    doctor_role = f"arn:aws:iam::{MEMBER}:role/backup-relay-doctor-{REGION}"
    read = {action for role, action, _ in api_calls.ROLE_CALLS if role == doctor_role}
    assert {"backup:ListRecoveryPointsByBackupVault", "kms:GetKeyPolicy"} <= read


def test_a_cause_fixed_before_the_alert_goes_out_is_contradicted(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the copy failed, and its alert waits on the alerts queue (AlertsFunction held back)
    org = Organization.build(members=[MEMBER], resource_types=())
    held: list[dict[str, Any]] = []
    alerts_function = org.central.functions["AlertsFunction"]
    monkeypatch.setitem(
        org.central.functions, "AlertsFunction", lambda event: held.append(event) or {}
    )
    key = _night_with_an_unshared_key(org)
    assert held
    # WHEN the operator shares the key, then AlertsFunction delivers the alert
    client("kms", REGION, MEMBER).put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps(policies.shared_key(MEMBER, [CENTRAL_ACCOUNT])),
    )
    for event in held:
        alerts_function(event)
    # THEN the alert still says what AWS said and why, and the probe that it no longer holds
    proof = _proof(org)
    assert proof["verdict"] == "contradicted"
    assert f"its policy lets account {CENTRAL_ACCOUNT} use it" in proof["finding"]


@pytest.fixture
def doctor_role_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS's answer when the member's DoctorRole is missing, or does not trust the caller:
    AccessDenied on sts:AssumeRole (moto lets any role be assumed)."""
    assume = STSBackend.assume_role

    def refuse(self: STSBackend, region_name: str, role_session_name: str, role_arn: str,
               *args: Any, **kwargs: Any) -> Any:  # fmt: skip
        if role_arn.startswith(f"arn:aws:iam::{MEMBER}:role/backup-relay-doctor-"):
            raise STSClientError(
                "AccessDenied",
                f"User: arn:aws:sts::{CENTRAL_ACCOUNT}:assumed-role/AlertsFunctionRole/x is not "
                f"authorized to perform: sts:AssumeRole on resource: {role_arn}",
            )
        return assume(self, region_name, role_session_name, role_arn, *args, **kwargs)

    monkeypatch.setattr(STSBackend, "assume_role", refuse)


def test_a_doctor_role_that_refuses_leaves_the_cause_unchecked_and_the_alert_goes_out(
    moto: None, doctor_role_refused: None
) -> None:
    # GIVEN the member's DoctorRole refuses the central stack, and its copy fails
    org = Organization.build(members=[MEMBER], resource_types=())
    _night_with_an_unshared_key(org)
    # WHEN AlertsFunction publishes the alert
    proof = _proof(org)
    # THEN it went out with its diagnosis, the probe saying it could not check and why
    assert proof["verdict"] == "could not check"
    assert proof["finding"] == (
        f"AccessDenied assuming arn:aws:iam::{MEMBER}:role/backup-relay-doctor-{REGION} "
        "(sts:AssumeRole: the member stack's DoctorRole must exist and trust this stack's roles)"
    )


def test_a_central_vault_that_refuses_the_member_is_confirmed_with_the_functions_own_reads(
    moto: None,
) -> None:
    # GIVEN the central vault's access policy lets another account copy in, not this member
    org = Organization.build(members=[MEMBER], resource_types=())
    other = MEMBER_ACCOUNTS[1]
    client("backup", REGION).put_backup_vault_access_policy(
        BackupVaultName=CENTRAL_VAULT,
        Policy=json.dumps(policies.copy_into_vault("o-unused", [other])),
    )
    org.add_resource(MEMBER, "Aurora", "ledger")
    api_calls.clear()
    night(org, types=("Aurora",))
    # WHEN AlertsFunction publishes the failed copy's alert
    proof = _proof(org)
    # THEN the probe read the central vault with the function's own credentials and confirms it
    assert proof["subject"]["category"] == "vault_access_policy"
    assert proof["verdict"] == "confirmed"
    assert f"not to account(s) {MEMBER}" in proof["finding"]
    # AND every call AlertsFunction made is one its policy in template.yaml allows
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    tables = {physical: logical for logical, physical in org.central.tables.items()}
    made = {
        (action, tables.get(resource, resource) if resource else None)
        for function, action, resource in api_calls.CALLS
        if function == "AlertsFunction"
    }
    assert {"backup:GetBackupVaultAccessPolicy", "kms:GetKeyPolicy"} <= {a for a, _ in made}
    statements = _statements(template["AlertsFunction"], template)
    refused = [call for call in made if not any(_allows(s, *call, org) for s in statements)]
    assert refused == []
    # AND ReplayFunction, probing the same cause, skips the copy with its own allowed reads
    api_calls.clear()
    [item] = org.central.functions["ReplayFunction"]({"since": "30d"})["items"]
    assert (item["outcome"], item["proof"][:10]) == ("skipped", "confirmed:")
    made = {
        (action, tables.get(resource, resource) if resource else None)
        for function, action, resource in api_calls.CALLS
        if function == "ReplayFunction"
    }
    assert "backup:GetBackupVaultAccessPolicy" in {a for a, _ in made}
    statements = _statements(template["ReplayFunction"], template)
    assert [call for call in made if not any(_allows(s, *call, org) for s in statements)] == []


def _night_with_options_missing_in_dr(org: Organization) -> None:
    """The doctor's rds_options_missing_in_dr: an RDS instance whose option group has APEX,
    none with it in the DR region; its chain's DR hop fails."""
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
    night(org, types=("RDS",))


def _chain_proof(org: Organization) -> dict[str, Any]:
    [alert] = [a for a in org.alerts() if a["document"].get("chain_id")]
    proof: dict[str, Any] = alert["document"]["proof"]
    return proof


def test_options_missing_in_dr_are_probed_with_the_functions_allowed_reads(moto: None) -> None:
    # GIVEN an RDS instance whose options no option group in the DR region has
    org = Organization.build(members=[MEMBER], resource_types=())
    api_calls.clear()
    # WHEN its chain's DR hop fails and AlertsFunction publishes the chain's alert
    _night_with_options_missing_in_dr(org)
    proof = _chain_proof(org)
    # THEN the probe reads the hop's source snapshot. The simulator's recovery points are not
    # snapshots in moto's RDS, so here it could not check, and says why
    assert proof["subject"]["category"] == "option_group_missing"
    assert proof["verdict"] == "could not check"
    assert proof["finding"].startswith("DBSnapshotNotFound reading snapshot_option_group")
    # AND every call AlertsFunction made is one its policy in template.yaml allows
    template = load_template(CENTRAL_TEMPLATE)["Resources"]
    tables = {physical: logical for logical, physical in org.central.tables.items()}
    made = {
        (action, tables.get(resource, resource) if resource else None)
        for function, action, resource in api_calls.CALLS
        if function == "AlertsFunction"
    }
    assert "rds:DescribeDBSnapshots" in {a for a, _ in made}
    statements = _statements(template["AlertsFunction"], template)
    assert [call for call in made if not any(_allows(s, *call, org) for s in statements)] == []
