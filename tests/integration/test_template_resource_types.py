"""What the resource types registry writes (scripts/generate_resource_types.py): the templates'
grants on recovery points and the doctor's reads, and the docs' table, as committed; and a type
added to the registry, in memory, reaching everything that must follow it: the planner, the
quota slots, the templates' grants (the chain's, a member replay's, lifecycle changes'), the
doctor's reads, the docs and the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from backup_relay.domain import resource_types
from backup_relay.domain.quotas import quota_group
from backup_relay.domain.resource_types import (
    REGISTRY,
    Copies,
    RecoveryPointArn,
    Registry,
    ResourceType,
)
from backup_relay.domain.routes import RoutePolicy, Vault, parse_types, plan_route
from backup_relay_sandbox.backup_sim.model import Ids, is_fully_managed
from backup_relay_sandbox.backup_sim.model import resource_types as simulated_types
from backup_relay_sandbox.template import (
    CENTRAL_TEMPLATE,
    MEMBER_TEMPLATE,
    load_template,
    parameter_defaults,
)
from scripts.generate_resource_types import DOCS, begin, end, table, with_lists, with_table
from scripts.generate_resource_types import main as generate

#: The actions authorized on a recovery point that the templates grant: StartCopyJob (the
#: chain's hops, a member's replay) and lifecycle changes (the chain's intermediate copies).
ON_RECOVERY_POINTS = ("backup:StartCopyJob", "backup:UpdateRecoveryPointLifecycle")
TEMPLATES = (CENTRAL_TEMPLATE, MEMBER_TEMPLATE)


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, statement) of every identity policy statement, each Fn::If's both ways."""
    for logical_id, resource in template["Resources"].items():
        for policy in resource.get("Properties", {}).get("Policies", []):
            if not isinstance(policy, dict):
                continue  # a managed policy's name or ARN
            statements = policy.get("PolicyDocument", policy).get("Statement", [])
            for entry in statements:
                branches = entry["Fn::If"][1:] if "Fn::If" in entry else [entry]
                for statement in branches:
                    if statement.get("Effect") == "Allow":
                        yield logical_id, statement


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def _grants_on_recovery_points(text: str) -> dict[str, list[str]]:
    """Each statement that grants an action on recovery points: its Resource patterns."""
    return {
        f"{logical_id} {statement.get('Sid')}": [r["Fn::Sub"] for r in statement["Resource"]]
        for logical_id, statement in _statements(yaml_parse(text))
        if set(_actions(statement)) & set(ON_RECOVERY_POINTS)
    }


def _doctor_reads(text: str) -> list[str]:
    [reads] = [
        _actions(statement)
        for logical_id, statement in _statements(yaml_parse(text))
        if logical_id == "DoctorRole" and statement.get("Sid") == "DatabasesAndTables"
    ]
    return reads


def _patterns(registry: Registry) -> list[str]:
    return list(registry.recovery_point_patterns("${AWS::Partition}", "${AWS::AccountId}"))


# ---- as committed --------------------------------------------------------------------------------
def test_the_generated_lists_and_table_are_what_the_registry_gives() -> None:
    # (else: run make generate)
    assert generate(["--check"]) == 0


def test_every_grant_on_recovery_points_is_the_registrys_every_form() -> None:
    # GIVEN every statement of both templates that grants StartCopyJob or a lifecycle change
    grants = {
        template.name + " " + where: patterns
        for template in TEMPLATES
        for where, patterns in _grants_on_recovery_points(template.read_text()).items()
    }
    # THEN they are the chain's hops, its intermediate copies and a member's replay, and each
    # holds every recovery point ARN form of every type: what the chain copies, a member's
    # replay may copy too (no "*": the forms are known)
    assert sorted(grants) == [
        "template.yaml ChainStepsFunction CopyThisAccountsRecoveryPoints",
        "template.yaml ChainStepsFunction ShortenIntermediateCopies",
        "template.yaml ReplayRole CopyThisAccountsRecoveryPoints",
    ]
    assert all(patterns == _patterns(REGISTRY) for patterns in grants.values())


def test_the_member_doctor_role_may_make_every_read_the_doctor_makes() -> None:
    assert _doctor_reads(MEMBER_TEMPLATE.read_text()) == list(REGISTRY.doctor_reads())


def test_the_stack_chains_the_types_the_registry_copies_in_two_hops_by_default() -> None:
    # (an operator's choice, ChainedResourceTypes: its default is the registry's two-hop types)
    default = parameter_defaults(load_template(CENTRAL_TEMPLATE))["ChainedResourceTypes"]
    assert parse_types(default) == REGISTRY.two_hop()


def test_the_docs_table_has_a_row_per_type() -> None:
    docs = DOCS.read_text()
    assert table(REGISTRY) in docs
    assert all(f"\n| {t.name} | " in docs for t in REGISTRY)


def test_a_list_without_its_end_marker_is_refused() -> None:
    text = "Resources:\n" + begin("doctor reads", indent="  ")
    with pytest.raises(ValueError, match=end("doctor reads").strip()):
        with_lists(text, REGISTRY)


# ---- a type added to the registry ----------------------------------------------------------------
NEW = ResourceType(
    "Memory DB",
    (RecoveryPointArn("memorydb", "snapshot/awsbackup-{uuid}", "snapshot/awsbackup-*"),),
    Copies(),
    quota_group="db-snapshot",
    doctor_reads=frozenset({"memorydb:DescribeClusters"}),
)
CENTRAL, MEMBER, HOME, DR = "123456789012", "222222222222", "us-west-2", "us-east-1"


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Registry:
    """The registry with NEW in it: the one change a developer makes to add a type."""
    extended = REGISTRY.with_type(NEW)
    monkeypatch.setattr(resource_types, "REGISTRY", extended)
    return extended


def test_a_type_added_to_the_registry_reaches_everything_that_depends_on_a_type(
    registry: Registry,
) -> None:
    # GIVEN NEW in the registry (and nowhere else)
    new_pattern = NEW.recovery_points[0].pattern("${AWS::Partition}", "${AWS::AccountId}")
    # WHEN the generated sections are written again
    templates = {path: with_lists(path.read_text(), registry) for path in TEMPLATES}
    docs = with_table(DOCS.read_text(), registry)
    # THEN the planner plans it, in one hop (it is not copied in two by default)
    route = plan_route(
        NEW.name,
        Vault(account=MEMBER, region=HOME, name="member"),
        Vault(account=CENTRAL, region=DR, name="dr"),
        RoutePolicy(CENTRAL, "central", chained_types=registry.two_hop()),
    )
    assert len(route.hops) == 1
    # AND its hops take its quota group's slots
    assert quota_group(NEW.name).name == "db-snapshot"
    # AND every grant on recovery points, the chain's and a member replay's alike, holds its
    # recovery points; nothing else in the templates changed
    for path, text in templates.items():
        for where, patterns in _grants_on_recovery_points(text).items():
            assert patterns == [*_patterns(REGISTRY), new_pattern], (path.name, where)
        assert _without(text, new_pattern, "memorydb:DescribeClusters") == path.read_text()
    # AND the member stack's DoctorRole may make its reads
    assert "memorydb:DescribeClusters" in _doctor_reads(templates[MEMBER_TEMPLATE])
    # AND the docs' table has its row
    assert f"\n| {NEW.name} | across accounts and regions | - | `arn:aws:memorydb:" in docs
    # AND the sandbox backs it up, its recovery points in the form the grants hold
    assert NEW.name in simulated_types()
    assert not is_fully_managed(NEW.name)
    arn = Ids().recovery_point_arn(NEW.name, MEMBER, HOME)
    assert arn.startswith(f"arn:aws:memorydb:{HOME}:{MEMBER}:snapshot/awsbackup-")
    assert fnmatchcase(arn, NEW.recovery_points[0].pattern("aws", MEMBER))


def _without(text: str, *lines: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not _has_any(line, lines))


def _has_any(line: str, needles: tuple[str, ...]) -> bool:
    return any(needle in line for needle in needles)
