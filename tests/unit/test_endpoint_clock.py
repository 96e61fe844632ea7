"""The operator's clock is the AWS endpoint's: the `Date` header of its answers (the sandbox's
virtual time; AWS's own), so `sandbox advance 30h` ages what status and coverage show, and a
local clock a few seconds off changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace

import pytest

from backup_relay.adapters import aws


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    aws.reset()
    yield
    aws.reset()


def _answer_dated(moment: datetime) -> None:
    aws._note_date(http_response=SimpleNamespace(headers={"Date": format_datetime(moment, True)}))


def test_now_follows_an_endpoint_whose_clock_is_ahead() -> None:
    # GIVEN the endpoint (a sandbox advanced 30 h) answers with a Date 30 h ahead
    _answer_dated(datetime.now(UTC) + timedelta(hours=30))
    # WHEN the CLI asks the time THEN it is the endpoint's
    ahead = (aws.endpoint_now() - datetime.now(UTC)).total_seconds()
    assert ahead == pytest.approx(30 * 3600, abs=2)


def test_a_clock_seconds_off_is_taken_as_right() -> None:
    # GIVEN AWS's Date (second resolution) a second from ours THEN now is ours
    _answer_dated(datetime.now(UTC) - timedelta(seconds=1))
    assert abs(aws.endpoint_now() - datetime.now(UTC)) < timedelta(milliseconds=100)


@pytest.mark.parametrize("header", [None, "", "not a date"])
def test_an_answer_without_a_usable_date_changes_nothing(header: str | None) -> None:
    _answer_dated(datetime.now(UTC) + timedelta(hours=3))
    aws._note_date(http_response=SimpleNamespace(headers={"Date": header} if header else {}))
    assert aws.endpoint_now() - datetime.now(UTC) > timedelta(hours=2)


def test_a_new_session_forgets_the_endpoints_clock() -> None:
    _answer_dated(datetime.now(UTC) + timedelta(hours=3))
    aws.reset()
    assert abs(aws.endpoint_now() - datetime.now(UTC)) < timedelta(seconds=1)
