"""The alert's proof: built with its probe's subject, probed by AlertsFunction once the alert is
claimed (never on a repeated delivery), rendered, and never part of the alert's id."""

from __future__ import annotations

import json

import pytest

from backup_relay.alerts.build import for_job
from backup_relay.alerts.message import email_text, render
from backup_relay.alerts.publish import PublishAlert, Published
from backup_relay.doctor.probe import Probe
from backup_relay.domain.alert import Alert
from backup_relay.domain.jobs import JobState
from backup_relay.domain.proof import ProbeSubject, Proof, Verdict
from backup_relay.settings import ChainStepsSettings
from tests.support.fakes import MemoryAlerts
from tests.support.probe_fakes import MemoryProbeReads, Scope, key_policy
from tests.support.world import CENTRAL, CENTRAL_HOME, MEMBER, MEMBER_VAULT, copy_event, settings

pytestmark = pytest.mark.unit

ROUTES = settings(ChainStepsSettings).routes
KMS = (
    "The source snapshot KMS key does not exist, is not enabled or you do not have permissions "
    "to access it"
)
POINT = copy_event().source_recovery_point_arn or ""
KEY = f"arn:aws:kms:us-west-2:{MEMBER}:key/1111"


def _alert(message: str = KMS) -> Alert:
    alert = for_job(copy_event(state=JobState.FAILED, status_message=message), ROUTES)
    assert alert is not None
    return alert


def test_a_failure_a_read_can_confirm_is_built_with_its_probes_subject_not_run() -> None:
    # GIVEN a member's copy into the central vault that failed: its key is not shared
    # WHEN ingest builds its alert
    alert = _alert()
    # THEN it carries the probe's subject, from the job, and no verdict yet
    assert alert.proof is not None
    assert alert.proof.verdict is None
    assert alert.proof.subject == ProbeSubject(
        category="kms_key_not_shared",
        kind="COPY",
        account=MEMBER,
        region="us-west-2",
        resource_type="Aurora",
        recovery_point_arn=POINT,
        source_vault_arn=MEMBER_VAULT.arn,
        destination_vault_arn=CENTRAL_HOME.arn,
    )
    assert alert.proof.subject.destination_account == CENTRAL
    assert alert.alert_id == "job:COPY:copy-1:FAILED"


def test_a_failure_no_read_can_confirm_has_no_proof() -> None:
    # GIVEN a failure diagnosed throttled WHEN its alert is built THEN it has no proof
    assert _alert("Rate exceeded").proof is None


def _probe(reads: MemoryProbeReads) -> Probe:
    return Probe(reads, Scope())


def test_alerts_function_probes_once_claimed_and_publishes_the_verdict_under_the_same_id() -> None:
    # GIVEN the key still unshared, and the alert delivered three times
    reads = MemoryProbeReads(
        keys={KEY: (False, "Enabled", key_policy(MEMBER))}, points={POINT: KEY}
    )
    alerts, alert = MemoryAlerts(), _alert()
    publish = PublishAlert(ledger=alerts, publisher=alerts, probe=_probe(reads))
    # WHEN AlertsFunction publishes each delivery
    outcomes = [publish(alert) for _ in range(3)]
    # THEN one message, probed once, says "confirmed" under the alert's own id
    assert outcomes == [Published.PUBLISHED, Published.ALREADY_SENT, Published.ALREADY_SENT]
    [message] = alerts.published
    assert message.alert_id == alert.alert_id
    assert reads.calls == ["recovery_point_key", "key"]
    document = json.loads(message.by_protocol["sqs"])
    assert document["proof"]["verdict"] == "confirmed"
    assert document["proof"]["reads"] == 2
    assert "Proof     confirmed: 1 Aurora recovery point(s)" in message.by_protocol["email"]


def test_the_proof_is_rendered_for_people_and_machines() -> None:
    # GIVEN an alert whose probe could not check
    alert = _alert()
    assert alert.proof is not None
    proof = Proof(
        subject=alert.proof.subject,
        verdict=Verdict.UNCHECKED,
        finding="timed out after 5 s",
    )
    probed = alert.model_copy(update={"proof": proof})
    # WHEN rendered
    message = render(probed)
    # THEN the email, the chat notification and the document say so
    assert "Proof     could not check: timed out after 5 s" in email_text(probed)
    chat = json.loads(message.by_protocol["https"])
    assert "*Proof:* could not check: timed out after 5 s" in chat["content"]["description"]
    assert json.loads(message.by_protocol["sqs"])["proof"]["verdict"] == "could not check"


def test_a_chain_hops_role_is_the_stacks_backup_role_which_the_probe_reads() -> None:
    # GIVEN a chain whose DR hop failed on its role (a chain hop's copy job names no role on
    # the hop: ChainSteps started it as the stack's backup role)
    from datetime import UTC, datetime

    from backup_relay.alerts.build import for_failed_chain
    from backup_relay.doctor.resource_facts import RoleFacts
    from backup_relay.domain.chain import ChainRecord, HopRecord, LedgerState
    from tests.support.world import BACKUP_ROLE, DR

    at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    chain = ChainRecord("chain-1", LedgerState.FAILED, execution_started=True)
    hop = HopRecord(
        "chain-1",
        0,
        "copy-9",
        CENTRAL_HOME.region,
        at,
        source_account=CENTRAL,
        state=LedgerState.FAILED,
        source_vault_arn=CENTRAL_HOME.arn,
        destination_vault_arn=DR.arn,
        status_message="Access denied: the role cannot be assumed by AWS Backup",
    )
    alert = for_failed_chain(chain, [hop], "FAILED", execution_arn=None, at=at)
    assert alert.proof is not None
    assert alert.proof.subject.role_arn is None
    reads = MemoryProbeReads()  # the backup role is gone
    # WHEN AlertsFunction probes it
    proof = _probe(reads)(alert.proof.subject)
    # THEN the probe read the stack's backup role, and confirms it is missing
    assert proof.subject.role_arn == BACKUP_ROLE
    assert reads.calls == ["role"]
    assert proof.verdict is Verdict.CONFIRMED
    assert BACKUP_ROLE in proof.finding
    # AND once the role is there, ready, it contradicts the diagnosis
    reads.roles[BACKUP_ROLE] = RoleFacts(
        arn=BACKUP_ROLE,
        exists=True,
        trusts_backup=True,
        managed_policies=["AWSBackupServiceRolePolicyForBackup"],
    )
    assert _probe(reads)(alert.proof.subject).verdict is Verdict.CONTRADICTED


def test_a_members_copy_that_names_no_role_is_not_given_the_central_one() -> None:
    # GIVEN a member's copy whose event names no role WHEN probed for its role
    subject = _alert("Access denied: the role cannot be assumed by AWS Backup").proof
    assert subject is not None
    proof = _probe(MemoryProbeReads())(subject.subject)
    # THEN it says it could not check (the member's plan chose the role, not this stack)
    assert proof.line == "could not check: the job names no IAM role"
