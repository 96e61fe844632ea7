"""template.yaml's rules: patterns match exactly their job kind; transformers map FIELD_PATHS."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from moto.events.models import EventPattern
from samtranslator.yaml_helper import yaml_parse

from backup_relay.collect.field_paths import FIELD_PATHS
from backup_relay.collect.normalize import ENVELOPE_VERSION
from backup_relay.domain.jobs import DETAIL_TYPES, JobKind
from backup_relay_sandbox.template import CENTRAL_TEMPLATE, load_template, resources_of_type
from scripts.generate_asl_retries import main as generate_asl_retries
from scripts.generate_template_rules import main as generate_rules
from scripts.generate_template_rules import render, with_section
from tests.support.events import JOB_EVENT_FILES, OTHER_EVENT_FILES, documented

RULES = resources_of_type(load_template(), "AWS::Events::Rule")


def _transformer(rule: dict[str, Any]) -> dict[str, Any]:
    targets = rule["Properties"]["Targets"]
    assert len(targets) == 1
    transformer: dict[str, Any] = targets[0]["InputTransformer"]
    return transformer


def _kind(rule: dict[str, Any]) -> JobKind:
    match = re.search(r'"kind": "(\w+)"', _transformer(rule)["InputTemplate"])
    assert match, "the InputTemplate names its job kind"
    return JobKind(match.group(1))


def _matches(rule: dict[str, Any], event: dict[str, Any]) -> bool:
    return bool(
        EventPattern.load(json.dumps(rule["Properties"]["EventPattern"])).matches_event(event)
    )


def test_one_rule_per_job_kind_on_the_relay_bus_and_on_the_default_bus() -> None:
    on_relay_bus = sorted(_kind(r) for r in RULES.values() if "EventBusName" in r["Properties"])
    on_default_bus = sorted(
        _kind(r) for r in RULES.values() if "EventBusName" not in r["Properties"]
    )
    assert on_relay_bus == on_default_bus == sorted(JobKind)


@pytest.mark.parametrize("logical_id", sorted(RULES))
@pytest.mark.parametrize("name", JOB_EVENT_FILES + OTHER_EVENT_FILES)
def test_rule_matches_its_kind_and_nothing_else(logical_id: str, name: str) -> None:
    # GIVEN a rule of the template and a documented AWS Backup event
    rule, event = RULES[logical_id], documented(name)
    # THEN it matches exactly when the event is a job event of the rule's kind
    same_kind = DETAIL_TYPES.get(event["detail-type"]) is _kind(rule)
    assert _matches(rule, event) is same_kind


@pytest.mark.parametrize("logical_id", sorted(RULES))
def test_rule_ignores_the_same_detail_type_from_another_source(logical_id: str) -> None:
    rule = RULES[logical_id]
    name = {
        JobKind.BACKUP: "backup_job_completed",
        JobKind.COPY: "copy_job_completed",
        JobKind.RESTORE: "restore_job_completed",
        JobKind.SCAN: "scan_job_completed",
        JobKind.INDEX: "recovery_point_index_active",
    }[_kind(rule)]
    event = documented(f"{name}.json") | {"source": "custom.backup"}
    assert not _matches(rule, event)


@pytest.mark.parametrize("logical_id", sorted(RULES))
def test_input_paths_are_exactly_the_library_field_paths(logical_id: str) -> None:
    rule = RULES[logical_id]
    assert _transformer(rule)["InputPathsMap"] == FIELD_PATHS[_kind(rule)]


@pytest.mark.parametrize("logical_id", sorted(RULES))
def test_input_template_quotes_every_variable_and_keeps_the_original(logical_id: str) -> None:
    # GIVEN the rule's InputTemplate
    rule = RULES[logical_id]
    kind = _kind(rule)
    template = _transformer(rule)["InputTemplate"]
    # WHEN every variable is filled with a string that has no JSON meaning
    filled = re.sub(r'"<([a-z_]+)>"', r'"x-\1"', template).replace(
        "<aws.events.event.json>", '{"detail": {}}'
    )
    # THEN the result is a JSON object holding each envelope key once (so each variable was quoted)
    envelope = json.loads(filled)
    assert envelope["envelope"] == ENVELOPE_VERSION
    assert envelope["kind"] == str(kind)
    assert envelope["original"] == {"detail": {}}
    assert {key: envelope[key] for key in FIELD_PATHS[kind]} == {
        k: f"x-{k}" for k in FIELD_PATHS[kind]
    }
    assert set(envelope) == {"envelope", "kind", "original", *FIELD_PATHS[kind]}


def test_every_rule_retries_and_dead_letters_failed_deliveries() -> None:
    for rule in RULES.values():
        target = rule["Properties"]["Targets"][0]
        assert target["Arn"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
        assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 86400


def test_bus_policy_admits_only_the_organization() -> None:
    [policy] = resources_of_type(load_template(), "AWS::Events::EventBusPolicy").values()
    statement = policy["Properties"]["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}
    }


# ---- the rules are generated from FIELD_PATHS ---------------------------------------------------


def _rules_of(section: str) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse("Resources:\n" + section)["Resources"]
    return {lid: rule for lid, rule in parsed.items() if rule["Type"] == "AWS::Events::Rule"}


def test_the_templates_rules_are_what_the_field_table_gives() -> None:
    # GIVEN template.yaml as committed
    template = CENTRAL_TEMPLATE.read_text()
    # THEN its generated section is exactly what FIELD_PATHS gives (else: run make generate)
    assert with_section(template, render()) == template
    assert generate_rules(["--check"]) == 0


def test_a_field_added_to_the_table_reaches_exactly_its_kinds_two_rules() -> None:
    # GIVEN the field table with one more copy-job field
    table = copy.deepcopy(FIELD_PATHS)
    table[JobKind.COPY]["parent_job_id"] = "$.detail.parentJobId"
    # WHEN the rules are generated from it
    before, after = _rules_of(render()), _rules_of(render(table))
    # THEN both copy-job rules map it and carry it in their envelope, and nothing else changes
    changed = sorted(lid for lid in before if before[lid] != after[lid])
    assert changed == ["DefaultBusCopyJobRule", "RelayBusCopyJobRule"]
    for lid in changed:
        transformer = _transformer(after[lid])
        assert transformer["InputPathsMap"]["parent_job_id"] == "$.detail.parentJobId"
        assert '"parent_job_id": "<parent_job_id>"' in transformer["InputTemplate"]


def test_the_queue_admits_exactly_the_generated_rules() -> None:
    # GIVEN the queue policy the generator writes beside the rules
    policy = resources_of_type(load_template(), "AWS::SQS::QueuePolicy")["RuleDeliveryPolicy"]
    [statement] = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    # WHEN we read which rules may send to the queue
    admitted = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    # THEN they are exactly the template's rules, no more, no fewer
    assert sorted(arn["Fn::GetAtt"][0] for arn in admitted) == sorted(RULES)


def test_the_state_machine_retries_as_its_one_policy_per_kind_of_task() -> None:
    # GIVEN the retry policies written once (scripts/generate_asl_retries.py)
    # WHEN the state machine's definition is checked against them
    # THEN every Lambda task and every DynamoDB task retries as its kind's policy says
    assert generate_asl_retries(["--check"]) == 0
