"""The corpus of AWS's documented failure messages (tests/support/message_corpus.py): every case
classifies to the cause its source states, and the same cause worded as AWS words it elsewhere,
or wrapped as callers and pages quote it, classifies the same (issue 24, item 2)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from backup_relay.domain.catalogue import CATEGORIES
from backup_relay.domain.diagnosis import diagnose
from tests.support.diagnosis import assert_classified, assert_wrapping_keeps_the_category
from tests.support.message_corpus import (
    CORPUS,
    NEW_CATEGORIES,
    PARAPHRASE_KINDS,
    PARAPHRASES,
    Case,
)

#: catalogue categories with no AWS wording: the relay's own words, or a final state alone
NO_AWS_WORDING = {"chain_timed_out", "partial", "unknown"}

#: how a message reaches the classifier besides as AWS gives it
WRAPPINGS: dict[str, Callable[[str], str]] = {
    "over lines": lambda m: textwrap.fill(
        m, width=38, subsequent_indent="    ", break_on_hyphens=False, break_long_words=False
    ),
    "quoted": lambda m: f'"{m}"',
    "JSON-escaped": lambda m: f'\\"{m}\\"',
    "access-denied prefix": lambda m: f"Access denied: {m}",
    "error prefix": lambda m: f"Error: {m}",
    "lower case": str.lower,
    "without its full stop": lambda m: m.rstrip("."),
    "after other words": lambda m: f"Copy job 1A2B3C4D: {m} See the console for details.",
}


def test_the_corpus_is_broad_and_every_case_names_its_source_and_cause() -> None:
    # GIVEN the corpus
    whole = {case.message.rstrip(".") for case in CORPUS if not case.aws_pattern}
    # THEN it holds at least 40 distinct whole messages, across most families of causes
    assert len(whole) >= 40
    assert len({case.category for case in CORPUS}) >= 20
    # AND every case has a public source, a cause, and a category of the catalogue
    known = set(CATEGORIES)
    for case in CORPUS:
        assert case.source.startswith("https://"), case.id
        assert case.cause.strip(), case.id
        assert case.category in known, case.id
    assert len({(case.message, case.source) for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_every_documented_message_classifies_to_the_cause_its_source_states(case: Case) -> None:
    # GIVEN a message as AWS's page (or a practitioner AWS cites) quotes it, with the job's kind,
    # state and resource type as the source gives them
    # WHEN it is diagnosed
    diagnosis = diagnose(
        case.message, resource_type=case.resource_type, kind=case.kind, state=case.state
    )
    # THEN it is the cause the source states, with a remediation and a page
    assert diagnosis.category == case.category, case.source
    assert diagnosis.remediation.strip()
    assert diagnosis.docs.startswith("https://")
    assert_classified(case.message, case.resource_type, case.kind, case.category)
    assert_wrapping_keeps_the_category(case.message, case.resource_type, case.kind, case.category)


def test_every_existing_category_has_its_aws_wordings_listed() -> None:
    # GIVEN the catalogue's categories that AWS's messages name (not the families issue 24
    # added: their phrasings are tests/unit/test_catalogue_families.py's)
    worded = set(CATEGORIES) - NEW_CATEGORIES - NO_AWS_WORDING
    # THEN each has its wordings, each with the page it comes from
    assert worded <= set(PARAPHRASES)
    for category, wordings in PARAPHRASES.items():
        assert wordings, category
        assert all(source.startswith("https://") for _, source in wordings), category


@pytest.mark.parametrize("category", sorted(PARAPHRASES))
def test_paraphrases_and_wrappings_of_a_cause_classify_the_same(category: str) -> None:
    kind = PARAPHRASE_KINDS.get(category, "BACKUP")
    for wording, source in PARAPHRASES[category]:
        # GIVEN the cause as one service, job kind or year words it, then wrapped and quoted
        for how, wrap in {"as AWS gives it": lambda m: m, **WRAPPINGS}.items():
            # WHEN it is diagnosed
            got = diagnose(wrap(wording), kind=kind).category
            # THEN it is the same category
            assert got == category, f"{wording!r} {how} ({source}) -> {got}"


def test_a_database_s_own_backup_window_is_not_a_backup_rule_s_window() -> None:
    # GIVEN AWS's pattern for a job that could not start near an RDS database's automated backup
    # window (the Jobs dashboard), which is a window of the database, not of the backup rule
    message = (
        "Backup job could not start because it is either inside or too close to the automated "
        "backup window configured"
    )
    # WHEN it is diagnosed
    got = diagnose(message, resource_type="RDS", kind="BACKUP").category
    # THEN it is not taken for a backup rule's start or completion window
    assert got != "backup_window_expired"
    # AND a rule's window still is
    expired = diagnose("Backup job expired before completion.", kind="BACKUP").category
    assert expired == "backup_window_expired"
