"""`backup-relay demo` tells its story: sections with headers, a legend, the night's events
condensed by phase with the notable ones (every event with --verbose), and its own checks."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from backup_relay_cli import render
from backup_relay_sandbox.demo import run_demo
from backup_relay_sandbox.template import REPO_ROOT

SECTIONS = (
    "How to read it",
    "== 1. The night",
    "== 2. The doctor",
    "== 3. The night: copies",
    "== 4. The alert",
    "== 5. The fix",
    "== Drill",
    "== 6. Status",
    "== 7. Coverage",
    "== 8. Plan",
    "== 9. The restore",
    "== Summary",
)
#: an event's row (time, account) or a quarantined message's
EVENT_ROW = re.compile(r"^\s*(?:\d\d:\d\d  \d{12}  |-\s+\(message\)\s+quarantined: )", re.M)


def _run(*, verbose: bool) -> tuple[str, dict[str, Any]]:
    out = io.StringIO()
    summary = run_demo(out, render, verbose=verbose)
    return out.getvalue(), summary


@pytest.fixture(scope="module")
def condensed() -> tuple[str, dict[str, Any]]:
    return _run(verbose=False)


@pytest.fixture(scope="module")
def verbose() -> tuple[str, dict[str, Any]]:
    return _run(verbose=True)


@pytest.mark.parametrize("mode", ["condensed", "verbose"])
def test_the_demo_tells_its_story_in_sections_after_a_legend(
    mode: str, request: pytest.FixtureRequest
) -> None:
    # GIVEN the demo's output, condensed or verbose
    text, summary = request.getfixturevalue(mode)
    # THEN its sections come in the story's order, each under a header of its own
    positions = [text.find(f"\n{header}") for header in SECTIONS]
    assert -1 not in positions, dict(zip(SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    # AND the legend says what a duplicate, an out-of-order row and a quarantined message mean
    legend = text[positions[0] : positions[1]]
    for term in ("duplicate", "out of order", "quarantined"):
        assert re.search(rf"^  {term}\s", legend, flags=re.MULTILINE), term
    # AND each operator command runs in its section
    for header, command in [
        ("== 2. The doctor", "$ backup-relay doctor"),
        ("== 5. The fix", "$ backup-relay replay --since 24h --dry-run"),
        ("== 6. Status", "$ backup-relay status"),
        ("== 7. Coverage", "$ backup-relay coverage"),
        ("== 8. Plan", "$ backup-relay plan RDS"),
        ("== 9. The restore", "$ backup-relay restore"),
    ]:
        assert text.index(command) > text.index(header)
    # AND plan answers an RDS instance into the LAG vault: no route, AWS's reason and page, as
    # an expected answer (exit 1 is plan's answer, not the demo's failure)
    assert "backup-relay: no route: a logically air-gapped vault does not take RDS" in text
    assert summary["no_route"].endswith("devguide/logicallyairgappedvault.html")
    # AND the demo's own checks still hold
    assert summary["ok"] is True


def test_verbose_prints_every_event(verbose: tuple[str, dict[str, Any]]) -> None:
    # GIVEN the demo with --verbose
    text, summary = verbose
    # THEN every event delivered to ingest (duplicates included) and the quarantined message
    # has its row
    assert len(EVENT_ROW.findall(text)) == summary["delivered"]
    assert "(out of order)" in text


def test_condensed_counts_every_event_by_phase_and_shows_the_notable_ones(
    condensed: tuple[str, dict[str, Any]], verbose: tuple[str, dict[str, Any]]
) -> None:
    # GIVEN the demo condensed (the default) and verbose
    text, summary = condensed
    # THEN its phases account for every event delivered and the quarantined message
    counted = re.findall(r"^  \S.*: (\d+) (?:events?|messages?)$", text, flags=re.MULTILINE)
    assert sum(int(n) for n in counted) == summary["delivered"]
    # AND it shows the failed copy, the quarantined message and the duplicates as rows
    assert re.search(r"COPY    FAILED     Aurora", text)
    assert "quarantined: not valid JSON" in text
    assert len(re.findall(r"\d{12}  .*  duplicate\b", text)) == summary["duplicates"]
    # AND no other event's row: it is much shorter than verbose
    rows = len(EVENT_ROW.findall(text))
    assert rows == summary["duplicates"] + summary["quarantined"] + 1
    assert rows * 4 < summary["delivered"]
    assert len(text.splitlines()) < len(verbose[0].splitlines()) - summary["delivered"] // 3


def test_the_readme_shows_the_alert_as_the_demo_prints_it(
    condensed: tuple[str, dict[str, Any]],
) -> None:
    # GIVEN the alert the README quotes from the demo's section 4
    readme = (REPO_ROOT / "README.md").read_text()
    quoted = readme.split("The alert, as section 4 prints it:\n\n```text\n", 1)[1]
    quoted = quoted.split("```", 1)[0]
    # THEN the demo prints it so, line for line
    text, _ = condensed
    alert = text[text.index("\n== 4. The alert") : text.index("\n== 5. The fix")]
    assert quoted.strip() in alert
