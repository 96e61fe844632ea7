"""The sandbox's parse cache for moto's Step Functions interpreter changes no answer: the same
definition parses to the same tree once, each caller still gets its own evaluation components,
and a definition with a syntax error still fails every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto.stepfunctions.parser.asl.parse.asl_parser import (
    AmazonStateLanguageParser,
    ASLParserException,
)

from backup_relay_sandbox import moto_speed

_DEFINITION = json.dumps(
    {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
)


@pytest.fixture(autouse=True)
def _cached() -> None:
    moto_speed.apply()


def test_a_definition_is_parsed_once_and_each_caller_gets_its_own_program() -> None:
    # GIVEN a definition parsed once
    first_program, first_tree = AmazonStateLanguageParser.parse(_DEFINITION)
    # WHEN it is parsed again (as every StartExecution does)
    second_program, second_tree = AmazonStateLanguageParser.parse(_DEFINITION)
    # THEN the tree is the cached one and the evaluation components are new
    assert second_tree is first_tree
    assert second_program is not first_program
    assert type(second_program) is type(first_program)


def test_a_definition_with_a_syntax_error_fails_every_time() -> None:
    # GIVEN a definition that is not ASL
    broken = '{"StartAt": "Nowhere", "States": {"Nowhere": {"Type": "Teleport"}}}'
    # WHEN / THEN it fails on every parse, not only the first
    for _ in range(2):
        with pytest.raises(ASLParserException):
            AmazonStateLanguageParser.parse(broken)


def test_the_chain_definition_parses_as_it_did_without_the_cache() -> None:
    # GIVEN the product's state machine as the sandbox deploys it (substitutions left in: ASL
    # accepts any string where the ARNs go)
    definition = next(Path("statemachines").glob("*.asl.json")).read_text()
    # WHEN it is parsed through the cache
    program, tree = AmazonStateLanguageParser.parse(definition)
    # THEN the cached tree has the same text as a fresh parse outside the cache
    assert tree.getText() == moto_speed.fresh_tree(definition).getText()
    assert program is not None
