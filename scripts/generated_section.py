"""A section of template.yaml that a script writes: between BEGIN and END markers, rewritten by
`make generate`, checked (`--check`, exit 1 with a diff) by the tests."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path


def between(text: str, begin: str, end: str, section: str) -> str:
    """`text` with what lies from `begin` to `end` (markers included) replaced by `section`."""
    start, stop = text.index(begin), text.index(end) + len(end)
    return text[:start] + section + text[stop:]


def main(
    argv: list[str] | None,
    *,
    description: str,
    template: Path,
    wanted: Callable[[str], str],
    what: str,
) -> int:
    """`wanted(current text)` is the template with its section as it should be."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    current = template.read_text()
    new = wanted(current)
    if new == current:
        return 0
    if args.check:
        sys.stdout.writelines(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                new.splitlines(keepends=True),
                template.name,
                f"generated {what}",
            )
        )
        print(f"{template.name}'s {what} are stale: run make generate", file=sys.stderr)
        return 1
    template.write_text(new)
    print(f"wrote the {what} section of {template.name}")
    return 0


def main_between(
    argv: list[str] | None,
    *,
    description: str,
    document: Path,
    begin: str,
    end: str,
    render: Callable[[], str],
    what: str,
) -> int:
    """`main` for a section between markers already in `document` (put them in by hand once)."""

    def wanted(current: str) -> str:
        if begin not in current or end not in current:
            raise SystemExit(f"{document.name}: no {what} markers; add {begin!r} and {end!r}")
        return between(current, begin, end, render())

    return main(argv, description=description, template=document, wanted=wanted, what=what)
