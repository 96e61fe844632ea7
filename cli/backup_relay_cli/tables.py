"""Plain-text pieces every report's rendering shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Columns as wide as their widest cell; the last one as long as it is."""
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header) - 1)]
    return [
        "  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths, strict=False))
        + f"  {row[-1]}"
        for row in [header, *rows]
    ]


def threats_found(lines: Iterable[str]) -> list[str]:
    """The THREATS FOUND section under a table (status, coverage), when it has lines."""
    listed = list(lines)
    return ["", "THREATS FOUND (docs/alerts.md):", *listed] if listed else []
