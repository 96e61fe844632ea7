"""One registry of categories: every category belongs to exactly one family."""

from __future__ import annotations

from backup_relay.domain.catalogue import CATEGORIES
from backup_relay.domain.categories import NOT_CHECKABLE, SETUP_CATEGORIES, WARNINGS, Category


def test_every_category_is_a_failure_a_warning_or_a_setup_finding_and_only_one() -> None:
    # GIVEN the three families: the catalogue's failures, the relay's warnings, the doctor's setup
    families = [set(CATEGORIES), set(WARNINGS), set(SETUP_CATEGORIES)]
    # THEN together they are every category, and no category is in two
    assert set.union(*families) == set(Category)
    assert sum(len(family) for family in families) == len(Category)


def test_what_no_check_can_see_beforehand_is_a_failure() -> None:
    # GIVEN the categories the doctor cannot check THEN each is a failure the catalogue answers
    assert set(NOT_CHECKABLE) <= set(CATEGORIES)
