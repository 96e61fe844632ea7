"""A ledger key as a format string, and how the docs write it (ledger_schema.py's keys)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter

#: How the docs name a part of a key that is not just its name with spaces.
_LABELS = {"index": "<nn>", "job_key": "<kind>#<job id>", "date": "<yyyy-mm-dd>"}


@dataclass(frozen=True)
class Pattern:
    """A key as a format string: `Pattern("CHAIN#{chain_id}")(chain_id="c")` is `CHAIN#c`."""

    text: str

    def __call__(self, **parts: object) -> str:
        return self.text.format(**parts)

    @property
    def prefix(self) -> str:
        """What every key of this pattern begins with (the whole key when it has no parts)."""
        return self.text.split("{", 1)[0]

    def part_of(self, key: str) -> str:
        """The one part of `key` (a pattern whose only part ends it: `CHAIN#{chain_id}`)."""
        return key.removeprefix(self.prefix)

    def matches(self, key: str) -> bool:
        regex = "".join(
            re.escape(literal) + (".+" if field is not None else "")
            for literal, field, _, _ in Formatter().parse(self.text)
        )
        return re.fullmatch(regex, key) is not None

    @property
    def doc(self) -> str:
        """`CHAIN#<chain id>`: the pattern as the docs write it."""
        return "".join(
            literal
            + (_LABELS.get(field, f"<{field.replace('_', ' ')}>") if field is not None else "")
            for literal, field, _, _ in Formatter().parse(self.text)
        )
