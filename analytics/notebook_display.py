"""How metric frames read in the notebooks: presentation only, never a metric.

`table` shows any frame as a review reads it, with `analytics.display`'s formats (those of
the report and the dashboard): rates as whole percents, hours as 42 h or 21.7 d (rounded up), counts
with thousands separators, lists as text, a missing value as "—", and a short message
instead of an empty table. `review_table` (from analytics.display) is the headline
comparison of `metrics.monthly_review`, as the dashboard shows it.

Example:

    from analytics.notebook_display import review_table, table
    table(metrics.ttp_summary(db, month))                # 69%, 42 h, 520 h -> 21.7 d
    table(metrics.l5_reflex(db, month), empty="No L5 fix on a non-L5 chain this month.")
    review_table(metrics.monthly_review(db, "2026-10"), "October 2026", "September 2026")
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from analytics import display
from analytics.display import MISSING, day, hours, missing, pct, review_table

__all__ = ["LIST_ITEMS", "MISSING", "Message", "Table", "review_table", "table"]

# A list cell (a pattern's ids) names at most this many, the last ones (ids are by start),
# as the dashboard does.
LIST_ITEMS = 10
SHORT = 24  # characters: a column whose values are all this short does not wrap
# A table shows at most this many rows, as the report lists them, and says how many more
# the frame holds: ten years of one category's repeats printed 3,374 rows, a 12 MB notebook
# (review R18)
ROWS = 100


@dataclass(frozen=True)
class Message:
    """A line of text shown where a table would be (an empty result)."""

    text: str

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<p><em>{html.escape(self.text)}</em></p>"


class Table(Styler):
    """A Styler (HTML, for Jupyter and an HTML export) whose plain text is the same table."""

    text = ""

    def __repr__(self) -> str:
        return self.text


def table(frame: pd.DataFrame, empty: str = "None.", rows: int | None = ROWS) -> Table | Message:
    """`frame` formatted for reading (its values unchanged: the formatting is the Styler's);
    `empty` when it has no rows. A column named *rate*/*share* (`repeat_rate`, `l5_share`)
    is a fraction shown as a whole percent, one named *hours* (`median_hours`,
    `hours_since_resolved`) is shown in hours, or in days from 96 h, and a span between two
    instants in days (`days_apart`, `recurred_after_days`) as the report shows it. The row
    numbers of a default, filtered or exploded index are hidden; a named index (`set_index`,
    a pivot) is shown. At most `rows` rows (None: every one), the first, with a caption that
    says how many the frame holds."""
    if frame.empty:
        return Message(empty)
    held = len(frame)
    if rows is not None and held > rows:
        frame = frame.head(rows)
    numbered = frame.index.name is None and pd.api.types.is_integer_dtype(frame.index)
    if not frame.index.is_unique:  # exploded, or set_index on a repeated key: the Styler
        # refuses repeats; row numbers are dropped, a named index becomes a column
        frame = frame.reset_index(drop=numbered)
        numbered = True
    formats = {column: _formatter(column) for column in frame.columns}
    shown = Table(frame)
    shown.format({column: f for column, f in formats.items()})  # in place, as Styler does
    if numbered:
        shown.hide(axis="index")
    as_text = pd.DataFrame({column: frame[column].map(f) for column, f in formats.items()})
    shown.text = as_text.to_string(index=not numbered)
    # A column of short values (a date, an id, "42 h") is not cut at a hyphen or a space.
    short = [column for column in as_text if as_text[column].str.len().max() <= SHORT]
    shown.set_properties(subset=short, **{"white-space": "nowrap"})
    if len(frame) < held:
        said = (
            f"The first {len(frame)} of {display.number(held)} rows: the frame holds them all "
            "(table(frame, rows=None) shows every one)."
        )
        shown.set_caption(said)
        shown.text += "\n" + said
    return shown


# spans between two instants, shown as the report shows them ("68.5 d", under a day "2 h");
# not counts of days such as days_to_close or age_days
SPANS_IN_DAYS = frozenset({"days_apart", "recurred_after_days"})


def _formatter(column: Hashable) -> Callable[[Any], str]:
    name = column[0] if isinstance(column, tuple) and column else column  # a pivot's (value, key)
    words = str(name).split("_")
    if "rate" in words or "share" in words:
        return partial(_cell, number=pct)
    if "hours" in words:
        return partial(_cell, number=hours)
    if str(name) in SPANS_IN_DAYS:
        return partial(_cell, number=display.days)
    return _cell


def _cell(value: Any, number: Callable[[Any], str] | None = None) -> str:
    """One value as text; `number` formats a number (pct, hours) instead of the default."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [str(item) for item in value]
        if len(items) <= LIST_ITEMS:
            return ", ".join(items)
        return f"… {len(items) - LIST_ITEMS} more, " + ", ".join(items[-LIST_ITEMS:])
    if missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, date):  # a datetime and a pd.Timestamp too: the day, as the report
        return day(value)
    if number is not None:
        return number(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return display.number(value)
    return str(value)
