"""How numbers, dates and changes read in the report (presentation only, no metric)."""

from __future__ import annotations

from typing import Any

from analytics.display import (
    MISSING,
    Kind,
    change_said,
    day,
    hours,
    judged,
    missing,
    number,
    pct,
    plural,
)
from analytics.report.render import Block, Cell, Note

__all__ = [
    "MISSING",
    "Kind",
    "change",
    "day",
    "hours",
    "missing",
    "names",
    "num",
    "number",
    "pct",
    "first_rows",
    "plural",
    "text",
]


def num(value: Any, digits: int = 0) -> str:
    return MISSING if missing(value) else f"{value:,.{digits}f}"


def names(values: Any) -> str:
    return "" if missing(values) else ", ".join(str(v) for v in values)


def change(current: Any, previous: Any, kind: Kind, higher_is_better: bool | None) -> Cell:
    """The change from the previous month with its verdict (`change_said`), coloured by it:
    a worse one red, and bold (in Markdown too)."""
    text = change_said(current, previous, kind, higher_is_better)
    verdict = judged(current, previous, kind, higher_is_better)
    if verdict is None:
        return Cell(text, tone="muted")
    return Cell(text, tone="good" if verdict == "better" else "bad")


def text(value: Any) -> str:
    """Archive text as a string, MISSING when absent."""
    return MISSING if missing(value) else str(value)


# A list that grows with the archive (a busy month of the 100k archive: 2,553 fixes that did
# not hold, 1,032 late postmortems) is cut here, so that the report can be mailed and printed;
# the dashboard lists them all. The month's repeats and postmortems are listed whole.
ROWS_SHOWN = 100


def first_rows(rows: tuple[Any, ...], what: str, where: str) -> tuple[tuple[Any, ...], list[Block]]:
    """The first ROWS_SHOWN of `rows`, and a note saying how many there are and `where` they
    all are (no note when none is cut)."""
    if len(rows) <= ROWS_SHOWN:
        return rows, []
    note = f"The first {ROWS_SHOWN} of {len(rows):,} {what}; {where} lists them all."
    return rows[:ROWS_SHOWN], [Note(note)]
