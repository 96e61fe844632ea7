"""The real ingest handler on moto: AWS's scan event that found threats in a recovery point the
chain copied raises one alert on the alerts queue, naming the copy the chain ledger recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from backup_relay.adapters import aws
from backup_relay.adapters.chain_ledger import DynamoChainLedger
from backup_relay.adapters.event_ledger import DynamoEventLedger
from backup_relay.copy_chain.decisions import WaitPolicy, chain_for_event, next_hop
from backup_relay.domain.chain import LedgerState
from backup_relay.domain.copy_jobs import CopyJobOutcome
from backup_relay.settings import ChainStepsSettings
from backup_relay.status.threats import threatened
from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import client
from tests.support.events import documented
from tests.support.lambda_events import Invoke, sqs_event
from tests.support.world import AWS_QUOTAS, DR, LANDED_RP, copy_event, settings

DR_COPY = "arn:aws:backup:us-east-1:123456789012:recovery-point:dr-copy-1"


def test_a_scan_that_found_threats_alerts_once_with_the_chains_copy(
    central: CentralStack, invoke_ingest: Invoke
) -> None:
    # GIVEN a chain, in the real chain ledger, whose hop copied LANDED_RP to DR_COPY
    aws.reset()
    chains = DynamoChainLedger(central.tables["LedgerTable"])
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    chains.chain_started(chain)
    opened = next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)
    assert opened.current is not None
    opened.current.copy_job_id = "job-1"
    opened.current.result = CopyJobOutcome(
        state="COMPLETED", copy_job_id="job-1", destination_recovery_point_arn=DR_COPY
    )
    chains.hop(opened, LedgerState.COMPLETED)
    # AND AWS's documented scan event (THREATS_FOUND) about LANDED_RP
    scan = documented("scan_job_completed.json")
    scan["resources"] = [LANDED_RP]
    scan["detail"]["recoveryPointArn"] = LANDED_RP
    # WHEN ingest receives it twice
    assert invoke_ingest(sqs_event(json.dumps(scan), json.dumps(scan))) == {"batchItemFailures": []}
    # THEN the alerts queue holds the alert (raised per delivery, one id: published once)
    messages = client("sqs").receive_message(
        QueueUrl=central.alerts_queue.url, MaxNumberOfMessages=10
    )["Messages"]
    alerts = [json.loads(m["Body"]) for m in messages]
    assert {a["alert_id"] for a in alerts} == {f"threats:{LANDED_RP}"}
    # AND it names the recovery point and the copy the chain made of it
    assert alerts[0]["kind"] == "THREATS_FOUND"
    assert alerts[0]["recovery_point_arn"] == LANDED_RP
    assert alerts[0]["copies"] == [DR_COPY]
    # AND status and coverage find it in the ledger: the point and the chain's copy are marked
    ledger = DynamoEventLedger(central.tables["LedgerTable"])
    since = datetime(2025, 1, 1, tzinfo=UTC)
    assert threatened(ledger, chains, since) == {LANDED_RP: LANDED_RP, DR_COPY: LANDED_RP}
