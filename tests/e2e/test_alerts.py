"""Alerts through the sandbox: the real handlers, the alerts queue, the SNS topic, and an
operator's SQS subscription reading what subscribers get."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from backup_relay.adapters import aws
from backup_relay_sandbox.cloud import MEMBER_ACCOUNTS, REGION
from backup_relay_sandbox.organization import DR_VAULT_ARN, Organization
from tests.support.chain import night

MEMBER = MEMBER_ACCOUNTS[0]


def _aurora_with_a_key_not_shared(org: Organization) -> str:
    """A member's Aurora cluster encrypted with a key whose policy does not let the central
    account use it: its copy into the central vault fails."""
    return org.add_resource(MEMBER, "Aurora", "orders", key_shared_with=())[0]


def test_a_failed_copy_gives_one_message_with_its_diagnosis_and_attributes(moto: None) -> None:
    # GIVEN a member whose Aurora copy into the central vault will fail (KMS key not shared),
    # and AWS delivering every event three times (twice at once, once again later)
    org = Organization.build(members=[MEMBER], resource_types=())
    _aurora_with_a_key_not_shared(org)
    org.sim.faults.duplicate_share = 1.0
    org.sim.faults.late_duplicate_share = 1.0
    # WHEN the night runs
    night(org, types=("Aurora",))
    # THEN the operator's subscription received one alert for it
    alerts = [a for a in org.alerts() if a["attributes"]["kind"] == "COPY"]
    [alert] = alerts
    assert alert["attributes"] == {
        "severity": "error",
        "kind": "COPY",
        "account": MEMBER,
        "region": REGION,
        "resource_type": "Aurora",
        "category": "kms_key_not_shared",
    }
    document = alert["document"]
    assert document["schema"] == "backup-relay/alert/1"
    assert "AWSServiceRoleForBackup" in document["diagnosis"]["remediation"]
    assert document["next_command"].startswith("backup-relay replay --job-id ")
    assert len(alert["subject"]) <= 100
    # AND no chain started for a copy that never landed
    assert org.executions() == []


def test_an_alert_batch_retried_after_an_error_still_sends_one_message(moto: None) -> None:
    # GIVEN a failed copy whose alert is queued, and SNS failing the first publish
    org = Organization.build(members=[MEMBER], resource_types=())
    _aurora_with_a_key_not_shared(org)
    calls = {"n": 0}

    def fail_first(**_: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ClientError(
                {
                    "Error": {"Code": "InternalError", "Message": "SNS unavailable"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                },
                "Publish",
            )

    aws.sns().meta.events.register("before-call.sns.Publish", fail_first)
    # WHEN the night runs
    night(org, types=("Aurora",))
    # THEN the retried delivery published it, once
    assert calls["n"] == 2
    assert len([a for a in org.alerts() if a["attributes"]["kind"] == "COPY"]) == 1


def test_a_failed_chain_gives_one_alert_naming_the_hop(moto: None) -> None:
    # GIVEN an RDS instance whose option group the DR region lacks (its hop to DR will fail)
    org = Organization.build(members=[MEMBER], resource_types=())
    org.add_resource(MEMBER, "RDS", "billing", option_groups=("APEX",))
    # WHEN the night runs
    night(org, types=("RDS",))
    # THEN one alert says the chain failed, at which hop, and why
    [execution] = org.executions()
    assert execution["status"] == "FAILED"
    [alert] = org.alerts()
    document = alert["document"]
    assert alert["attributes"]["kind"] == "CHAIN"
    assert alert["attributes"]["category"] == "option_group_missing"
    assert document["chain_id"] == execution["name"]
    assert document["hop"].startswith("hop 1 of 1")
    assert document["status_message"].startswith("The snapshot requires a target option group")
    assert json.dumps(document["links"]).count("states/home") == 1


def test_a_chain_hop_failing_in_words_no_entry_knows_alerts_with_awss_class(moto: None) -> None:
    # GIVEN an RDS instance whose hop to DR fails with a message no catalogue entry knows, which
    # AWS classes AccessDenied (the simulator's DescribeCopyJob says so; its events do not)
    org = Organization.build(members=[MEMBER], resource_types=())
    org.add_resource(MEMBER, "RDS", "billing")
    unheard = "Copy job failed. The destination answered in words nobody wrote down."
    org.sim.faults.copy_failures[DR_VAULT_ARN] = (unheard, "AccessDenied")
    # WHEN the night runs
    night(org, types=("RDS",))
    # THEN the chain's one alert carries AWS's message and class, and the family AWS's class
    # picked (access) diagnoses it
    [execution] = org.executions()
    assert execution["status"] == "FAILED"
    [alert] = org.alerts()
    document = alert["document"]
    assert alert["attributes"]["kind"] == "CHAIN"
    assert alert["attributes"]["category"] == "iam_role_permissions"
    assert document["status_message"] == unheard
    assert document["message_category"] == "AccessDenied"
    assert document["diagnosis"]["aws_category"] == "AccessDenied"
    assert "AWS Backup classed this failure as AccessDenied" in document["diagnosis"]["remediation"]
