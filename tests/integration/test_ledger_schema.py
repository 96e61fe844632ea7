"""The ledger's key schema (adapters/ledger_schema.py) is the one source of its keys: the docs'
table of ledger items is generated from it, the state machine's keys and its role's
`dynamodb:LeadingKeys` are its kinds', the docs and the code spell only its prefixes, and every
item the adapters write is one of its kinds, with the attributes it declares."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from backup_relay.adapters import aws, ledger_schema
from backup_relay.adapters.alerts import DynamoAlertLedger, DynamoQuarantineCounter
from backup_relay.adapters.chain_ledger import DynamoChainLedger
from backup_relay.adapters.drills import LedgerProvenRestores
from backup_relay.adapters.event_ledger import DynamoEventLedger
from backup_relay.adapters.ledger_schema import ITEMS, ItemKind, kind_of
from backup_relay.collect.ports import QuarantinedMessage
from backup_relay.copy_chain.decisions import WaitPolicy, chain_for_event, next_hop
from backup_relay.domain.alert import Alert, AlertKind, Severity
from backup_relay.domain.chain import ChainState, HopError, LedgerState
from backup_relay.domain.clock import utc_now
from backup_relay.domain.diagnosis import diagnose
from backup_relay.domain.drills import ProvenRestore
from backup_relay.domain.jobs import JobKind, JobState
from backup_relay.settings import ChainStepsSettings
from backup_relay_sandbox.central import CentralStack
from backup_relay_sandbox.cloud import client
from backup_relay_sandbox.template import load_template, resources_of_type
from scripts.generate_docs_ledger import main as generate_docs_ledger
from tests.support.world import AWS_QUOTAS, DR, copy_event, settings

ROOT = Path(__file__).resolve().parents[2]
ASL = json.loads((ROOT / "statemachines" / "copy_chain.asl.json").read_text())
_FORMAT = re.compile(r"States\.Format\('([^']*)', (.+)\)")


def _opened_chain() -> ChainState:
    """A chain as NextHop opens its first hop."""
    chain = chain_for_event(copy_event(), settings(ChainStepsSettings).routes, DR)
    assert chain is not None
    return next_hop(chain, WaitPolicy("us-west-2", 60), AWS_QUOTAS)


def _dynamodb_steps(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each state that calls DynamoDB, by name, with its parameters."""
    found = {}
    for name, state in states.items():
        if state.get("Resource", "").startswith("arn:aws:states:::dynamodb:"):
            found[name] = state["Parameters"]
        for branch in state.get("Branches", []):
            found |= _dynamodb_steps(branch["States"])
    return found


def _path(path: str, state: dict[str, Any]) -> str:
    value: Any = state
    for part in path.removeprefix("$.").split("."):
        value = value[part]
    return str(value)


def _value(attribute: dict[str, str], state: dict[str, Any]) -> str:
    """A string attribute as Step Functions writes it for `state` ("S", "S.$": a path or
    States.Format of paths)."""
    if "S" in attribute:
        return attribute["S"]
    expression = attribute["S.$"]
    formatted = _FORMAT.fullmatch(expression)
    if formatted is None:
        return _path(expression, state)
    template, paths = formatted.groups()
    return template.format(*(_path(path.strip(), state) for path in paths.split(",")))


def _keys_the_state_machine_writes(chain: ChainState) -> dict[str, ledger_schema.Key]:
    state = chain.model_dump(mode="json")
    return {
        name: {"pk": _value(p["Key"]["pk"], state), "sk": _value(p["Key"]["sk"], state)}
        for name, p in _dynamodb_steps(ASL["States"]).items()
    }


def test_the_docs_table_of_ledger_items_is_generated_from_the_schema() -> None:
    # GIVEN docs/copy-chain.md as committed THEN its table is the schema's (else: make generate)
    assert generate_docs_ledger(["--check"]) == 0


def test_the_state_machine_writes_the_keys_the_schema_gives() -> None:
    # GIVEN a chain as NextHop opens its first hop
    chain = _opened_chain()
    assert chain.current is not None
    # WHEN the definition's DynamoDB steps name their keys for it
    keys = _keys_the_state_machine_writes(chain)
    # THEN the slot steps name the hop's slot, and RecordChainFailed the chain's record
    slot: ledger_schema.Key = {"pk": chain.current.slot or "", "sk": ledger_schema.SLOT.sk()}
    assert keys == {
        "TakeSlot": slot,
        "FreeSlot": slot,
        "FreeSlotAfterFailure": slot,
        "RecordChainFailed": ledger_schema.chain(chain.chain_id),
    }
    assert kind_of(**slot) is ledger_schema.SLOT
    # AND RecordChainFailed files the chain under the index's FAILED chains
    failed = _dynamodb_steps(ASL["States"])["RecordChainFailed"]["ExpressionAttributeValues"]
    assert failed[":index"]["S"] == ledger_schema.chains_in(LedgerState.FAILED)


def test_the_state_machine_may_write_only_the_kinds_its_definition_writes() -> None:
    # GIVEN the kinds of the keys the state machine writes
    written = {kind_of(**key) for key in _keys_the_state_machine_writes(_opened_chain()).values()}
    assert None not in written
    # WHEN its role's statement on the ledger is read from the template
    [machine] = resources_of_type(load_template(), "AWS::Serverless::StateMachine").values()
    conditions = [
        statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        for policy in machine["Properties"]["Policies"]
        for statement in policy.get("Statement", [])
        if "dynamodb:LeadingKeys" in json.dumps(statement.get("Condition", {}))
    ]
    # THEN it names exactly those kinds' partitions
    assert [sorted(leading) for leading in conditions] == [
        sorted(f"{kind.pk.prefix}*" for kind in written if kind is not None)
    ]


def _prefixes() -> set[str]:
    """The prefixes the schema's keys and index keys begin with, and the job kinds that follow
    `JOB#` (`JOB#COPY#<job id>`)."""
    patterns = [p for kind in ITEMS for p in (kind.pk, kind.sk, *(kind.index or ()))]
    return {p.prefix for p in patterns if p.prefix.endswith("#")} | {f"{k}#" for k in JobKind}


def test_the_docs_and_the_code_spell_only_the_schemas_key_prefixes() -> None:
    # GIVEN every doc, the definition, the templates and the code outside the schema
    sources = [
        *ROOT.glob("docs/*.md"),
        ROOT / "README.md",
        *ROOT.glob("statemachines/*.json"),
        *ROOT.glob("*/template.yaml"),
        ROOT / "template.yaml",
        *(p for d in ("layers", "functions", "cli", "sandbox") for p in ROOT.glob(f"{d}/**/*.py")),
    ]
    known = _prefixes()
    for path in sources:
        if path.name == "ledger_schema.py":
            continue
        # THEN each key prefix they spell (`CHAINSTATE#FAILED`) is one of the schema's
        spelled = set(re.findall(r"\b[A-Z][A-Z0-9]+#", path.read_text()))
        assert spelled <= known, f"{path.relative_to(ROOT)}: {sorted(spelled - known)}"


def _write_one_of_each(table: str, chain: ChainState) -> None:
    """Every kind of item, as the adapters (and the state machine's TakeSlot) write it."""
    keep = timedelta(days=400)
    chains, events = DynamoChainLedger(table, keep), DynamoEventLedger(table, keep)
    chains.chain_started(chain)
    chains.execution_started(chain)
    chains.hop(chain, LedgerState.STARTING)
    running = chain.model_copy(deep=True)
    assert running.current is not None
    running.current.copy_job_id = "copy-job-1"
    chains.hop(running, LedgerState.RUNNING)
    chains.await_job("copy-job-1", "token-1", running)
    chains.claim_resume("copy-job-1")
    client("dynamodb").update_item(  # TakeSlot
        TableName=table,
        Key={"pk": {"S": running.current.slot}, "sk": {"S": "SLOT"}},
        UpdateExpression="ADD holders :me",
        ExpressionAttributeValues={":me": {"SS": [f"{chain.chain_id}#0", "other#1"]}},
    )
    [hop] = chains.hops_of(chain.chain_id)
    chains.release_slot(hop)
    failed = running.model_copy(update={"error": HopError(Error="E", Cause="Access denied")})
    chains.hop(failed, LedgerState.FAILED)
    chains.chain_ended(failed, LedgerState.FAILED, "hop 1 failed")
    chains.chain_retried(failed.model_copy(update={"attempt": 2}), 0)
    chains.chain_died(chain.chain_id, "execution aborted")
    for event in (
        copy_event(job_id=None, state=JobState.CREATED),
        copy_event(job_id="copy-job-2", state=JobState.FAILED, status_message="Access denied"),
    ):
        events.record_event(event, {"detail": {}})
    events.record_replay("copy-job-2", "copy-job-3")
    events.quarantine(QuarantinedMessage("m-1", "{", "unparsable", "not JSON", utc_now()))
    alerts = DynamoAlertLedger(table, keep)
    alert = Alert(
        alert_id="a-1",
        severity=Severity.ERROR,
        kind=AlertKind.COPY,
        headline="copy job FAILED",
        occurred_at=utc_now(),
        diagnosis=diagnose("Access denied"),
    )
    alerts.claim(alert)
    alerts.failed("a-1", "SNS refused", final=False)
    alerts.sent("a-1", "message-1")
    DynamoQuarantineCounter(table).count("2026-11-22T12")
    LedgerProvenRestores(table).record(
        ProvenRestore(
            resource_arn="arn:aws:rds:us-west-2:111122223333:db:orders",
            resource_type="RDS",
            proven_at=utc_now(),
            recovery_point_arn="arn:aws:rds:us-east-1:444455556666:snapshot:awsbackup:copyjob-1",
            restore_testing_plan_arn="arn:aws:backup:us-east-1:444455556666:restore-testing-plan:d",
            restore_job_id="R-1",
        )
    )


def _allowed(kind: ItemKind) -> set[str]:
    named = {name.rstrip("?") for name in kind.attributes}
    return {"pk", "sk", "gsi1pk", "gsi1sk", "expires_at", *named, *kind.later}


def test_every_item_the_adapters_write_is_a_kind_of_the_schema(central: CentralStack) -> None:
    # GIVEN a ledger in which every adapter wrote what it writes
    aws.reset()
    table = central.tables["LedgerTable"]
    _write_one_of_each(table, _opened_chain())
    # WHEN its items are read
    items = client("dynamodb").scan(TableName=table)["Items"]
    seen = set()
    for item in items:
        # THEN each is of a kind of the schema, with only the attributes that kind declares
        kind = kind_of(item["pk"]["S"], item["sk"]["S"])
        assert kind is not None, (item["pk"], item["sk"])
        assert set(item) <= _allowed(kind), (kind.name, sorted(set(item) - _allowed(kind)))
        seen.add(kind.name)
    # AND every kind of the schema was written (a new kind is written here too)
    assert seen == {kind.name for kind in ITEMS}
