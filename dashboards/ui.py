"""Small layout pieces every page uses: chart captions, empty states, number formats."""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from analytics.metrics import Filters
from dashboards import state

SMALL_SAMPLE_NOTE = "small sample (under 5): read with care"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def pct(value: Any) -> str:
    """A fraction as a percentage; an em dash when there is no rate (denominator 0)."""
    return "—" if is_missing(value) else f"{float(value):.0%}"


def hours(value: Any) -> str:
    if is_missing(value):
        return "—"
    value = float(value)
    return f"{value:.0f} h" if value < 96 else f"{value / 24:.1f} d"


def number(value: Any) -> str:
    if is_missing(value):
        return "—"
    value = float(value)
    return f"{value:.0f}" if math.isclose(value, round(value)) else f"{value:.1f}"


def caption(what: str, n: Any, unit: str = "incidents", small: bool = False) -> None:
    """Caption under a chart: what it counts and the n behind it, small samples marked."""
    text = f"{what} · n = {number(n)} {unit}"
    if small:
        text += f" · :orange[{SMALL_SAMPLE_NOTE}]"
    st.caption(text)


def chart(spec: alt.Chart | alt.LayerChart, what: str, n: Any, **kwargs: Any) -> None:
    """An Altair chart with its caption."""
    st.altair_chart(spec, width="stretch")
    caption(what, n, **kwargs)


def scope_count(filters: Filters) -> int:
    """How many incidents the filters select (from the metrics layer)."""
    frame = state.load("repeat_rate", filters)
    return int(frame["incidents"].iloc[0]) if not frame.empty else 0


def require_incidents(filters: Filters) -> int:
    """Stop the page with the empty state when no incident matches the filters."""
    count = scope_count(filters)
    if count == 0:
        st.info(state.EMPTY_MESSAGE)
        st.stop()
    return count


def nothing(message: str) -> None:
    """An empty list or chart, said in words."""
    st.caption(f"_{message}_")


# Date-only columns shown without a time of day.
DATE_COLUMNS = ("started_date", "first", "last", "due", "done")


def table(frame: pd.DataFrame, **kwargs: Any) -> None:
    """A sortable table; date columns as YYYY-MM-DD."""
    config = {
        name: st.column_config.DateColumn(name, format="YYYY-MM-DD")
        for name in DATE_COLUMNS
        if name in frame.columns and not pd.api.types.is_numeric_dtype(frame[name])
    }
    config.update(kwargs.pop("column_config", {}))
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, **kwargs)


def incident_link(postmortem_id: str) -> str:
    """Relative link that opens one postmortem in the incident explorer."""
    return f"explorer?incident={postmortem_id}"


def join_list(value: Any) -> str:
    """A list cell (services, ids, flags) as comma-separated text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return ", ".join(str(v) for v in value)
    except TypeError:
        return "" if is_missing(value) else str(value)


def start(title: str, intro: str) -> Filters:
    """Page header plus the current filters; stops with the empty state on no incidents."""
    st.title(title)
    st.caption(intro)
    filters = state.filters()
    require_incidents(filters)
    return filters
