"""How numbers, dates and changes read in the report (presentation only, no metric)."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from analytics.report.render import Cell

__all__ = ["Kind", "change", "day", "hours", "missing", "names", "num", "pct", "text"]


def missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def pct(rate: Any) -> str:
    return "–" if missing(rate) else f"{rate * 100:.0f}%"


def num(value: Any, digits: int = 0) -> str:
    return "–" if missing(value) else f"{value:,.{digits}f}"


def hours(value: Any) -> str:
    if missing(value):
        return "–"
    return f"{value:.0f} h" if value < 96 else f"{value / 24:.0f} d"


def day(value: Any) -> str:
    return "–" if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def names(values: Any) -> str:
    return "" if missing(values) else ", ".join(str(v) for v in values)


Kind = Literal["count", "rate", "hours"]


def change(current: Any, previous: Any, kind: Kind, higher_is_better: bool) -> Cell:
    """The change from the previous month, coloured by whether it is an improvement."""
    if missing(current) or missing(previous):
        return Cell("–", tone="muted")
    delta = (current - previous) * (100 if kind == "rate" else 1)
    if round(delta, 1) == 0:
        return Cell("no change", tone="muted")
    unit = {"count": "", "rate": " pp", "hours": " h"}[kind]
    text = f"{'+' if delta > 0 else '−'}{abs(delta):.0f}{unit}"
    return Cell(text, tone="good" if (delta > 0) == higher_is_better else "bad")


def text(value: Any) -> str:
    """Archive text as a string, "–" when absent."""
    return "–" if missing(value) else str(value)
