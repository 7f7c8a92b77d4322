"""Small layout pieces every page uses: chart captions, empty states, number formats."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from analytics import display
from analytics.metrics import Filters, review
from dashboards import state
from dashboards.charts import ON_ANY

SMALL_SAMPLE_NOTE = "small sample (under 5): read with care"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# A rate, an hour count and a count read as in the report and the notebooks.
pct = display.pct
hours = display.hours
number = display.number


def counted(what: str, n: Any, unit: str = "incidents") -> str:
    """What a chart or table counts and the n behind it: its caption's text."""
    return f"{what} · n = {number(n)} {unit}"


def caption(what: str, n: Any, unit: str = "incidents", small: bool = False) -> None:
    """Caption under a chart: what it counts and the n behind it, small samples marked."""
    text = counted(what, n, unit)
    if small:
        text += f" · :orange[{SMALL_SAMPLE_NOTE}]"
    st.caption(text)


# A headline card's width: cards sit side by side and wrap onto a new line when the page is
# narrow (st.columns(6) cut their labels at 1,200 px, "Written on ti…", and their numbers
# at 800 px, "1…").
CARD_WIDTH = 200


def follow_through_column() -> Any:
    """`recurred_while_open` as every table names it: "follow-through open", as the review
    and the report say "while the earlier follow-through was open" ("recurred while open"
    stood beside the fix's "recurred by", which is another thing, R13)."""
    return st.column_config.CheckboxColumn(
        "follow-through open",
        help="A repeat that started while a fix or action of the earlier incident was still "
        "open: one that follow-through might have prevented.",
    )


def as_of_said(filters: Filters) -> str:
    """The filters' as of as a card says it: "2026-11-29 (today)", or the date alone. The
    Monthly review counts a month over as of its end and the other pages as of today:
    the same card's number changed from page to page with no date to say why (R13)."""
    as_of = filters.as_of or state.today()
    return f"{as_of} (today)" if as_of == state.today() else str(as_of)


def cards(count: int) -> list[Any]:
    """`count` containers for headline cards (a metric and its caption each), in a row
    that wraps."""
    row = st.container(horizontal=True, wrap=True, gap="medium")
    return [row.container(width=CARD_WIDTH) for _ in range(count)]


# The narrowest a table or chart of a pair is drawn beside the other: below two of these
# (and the gap) the second sits under the first, full width. st.columns(2) halved them at
# any width: at 1,280 px a half-width table cut its decisive columns off-screen and a chart
# was too small to read (R25). Streamlit has no minimum width for a container, hence the
# rule in STYLE on the flex item that holds each keyed container (a container of the key
# `k` has the class `st-key-k`).
PAIR_WIDTH = "38rem"
# Streamlit draws a caption in the text's colour at an opacity of 0.6: 3.9:1 on white (R27,
# WCAG asks 4.5:1). The text's own colour CAPTION_SHARE% over the background reads 5:1 or
# more on either theme; a colour, not an opacity, which faded its :orange[] notes to 3.6:1
# (D16)
CAPTION_SHARE = 72
# The app's own rules, set once by app.py: the pairs; the captions; a focus ring on what
# the keyboard reaches (the sidebar's links showed focus as a background 1.1:1 against
# their own, R27) in ON_ANY's grey, 3:1 or more on either theme
STYLE = f"""<style>
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-pair-"]) {{
  flex: 1 1 {PAIR_WIDTH}; min-width: min({PAIR_WIDTH}, 100%); }}
[data-testid="stCaptionContainer"] {{
  opacity: 1; color: color-mix(in srgb, currentColor {CAPTION_SHARE}%, transparent); }}
:focus-visible {{ outline: 2px solid {ON_ANY} !important; outline-offset: 2px; }}
</style>"""


def pair(name: str) -> tuple[Any, Any]:
    """Two containers side by side where both fit at PAIR_WIDTH, else one above the other
    (by STYLE)."""
    row = st.container(horizontal=True, wrap=True, gap="medium")
    return row.container(key=f"pair-{name}-left"), row.container(key=f"pair-{name}-right")


def chart(spec: alt.Chart | alt.LayerChart, what: str, n: Any, **kwargs: Any) -> None:
    """An Altair chart with its caption, which is also what a screen reader says of it (the
    chart's aria-label, from its `description`: it read out the axes' ticks, R27)."""
    said = counted(what, n, kwargs.get("unit", "incidents")).replace("`", "")
    st.altair_chart(spec.properties(description=said), width="stretch")
    caption(what, n, **kwargs)


ONE_MONTH_NOTE = (
    "The sidebar's Started from/to leave {months} to draw: clear or widen them for the months "
    "before."
)


def say_if_one_month(months: Any, filters: Filters) -> None:
    """Under a trend chart: where the sidebar's dates leave it a single month (or none), it
    is one point, which read as a broken chart (review R13); say why and what shows more."""
    shown = {month for month in months if isinstance(month, str)}
    if len(shown) < 2 and (filters.start is not None or filters.end is not None):
        # months with a value, not the months the dates hold: Jan-Jun with incidents in
        # March alone is one point too (D8)
        said = f"one month with a value, {min(shown)}," if shown else "no month with a value"
        st.caption(ONE_MONTH_NOTE.format(months=said))


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

# A table's header for a column the page gives no label: these, else the name in words
# ("days_overdue": "days overdue"); the CSV download keeps the names.
COLUMN_LABELS = {
    "started_date": "started",
    "is_repeat": "repeat",
    "ttp_state": "postmortem state",
    "ttp_hours": "hours to postmortem",
}
MISSING = display.MISSING  # a table cell with no value, as pct() and hours() show one

# Link to a postmortem in the explorer, its id shown; wide enough for a slug-like id's start.
POSTMORTEM_LINK = st.column_config.LinkColumn(
    "postmortem", display_text=r"incident=(.*)", width="medium"
)
# Months a trend chart shows, the latest: a year and the same month the year before (as
# the report's and the notebook's)
TREND_MONTHS = review.TREND_MONTHS


def trend_months(filters: Filters) -> int | None:
    """How many months a trend chart shows: every month of the sidebar's Started from/to when
    either is set, else the latest TREND_MONTHS (a range of ten years showed its last 13
    months, and one of 2018-2019 none, review R18)."""
    return None if filters.start is not None or filters.end is not None else TREND_MONTHS


def trend_through(filters: Filters) -> str:
    """The last month ('YYYY-MM') a trend chart shows: that of the last day counted (the day
    before as of), or the sidebar's Started to when earlier. The same on every page: the
    Actions and Fix levels charts ended at the filters' last incident, a service quiet
    since April showing "last 13 months" to April (R21)."""
    as_of = filters.as_of or state.today()  # a Started to in the future: not past today (D8)
    ends = [f"{as_of - timedelta(days=1):%Y-%m}"]
    ends += [f"{filters.end:%Y-%m}"] if filters.end else []
    return min(ends)


def trend_said(filters: Filters) -> str:
    """The months a trend chart shows, as its caption says them."""
    months = trend_months(filters)
    return "each month of the sidebar's dates" if months is None else f"last {months} months"


def every_month_by(
    frame: pd.DataFrame, key: str, filters: Filters, fill: dict[str, Any] | None = None
) -> pd.DataFrame:
    """A long-form monthly series (a row per month and `key`: a rate's metric, a level) over
    the months a trend chart shows (`trend_months` through `trend_through`), every `key` in
    each: a month without its row gets one with no values (a rate's line breaks there) or
    `fill`'s (a count's 0)."""
    if frame.empty:
        return frame
    calendar = every_month(
        frame[["month"]].drop_duplicates(),
        through=trend_through(filters),
        months=trend_months(filters),
    )["month"]
    index = pd.MultiIndex.from_product([calendar, frame[key].unique()], names=["month", key])
    out = frame.set_index(["month", key]).reindex(index).reset_index()
    for column, value in (fill or {}).items():
        out[column] = out[column].fillna(value).astype(frame[column].dtype)
    return out[frame.columns]


def every_month(
    frame: pd.DataFrame, through: str | None = None, months: int | None = TREND_MONTHS
) -> pd.DataFrame:
    """The `months` calendar months of `frame` ('YYYY-MM' month column) up to `through`
    (default: its latest; None months: from its first), a month without a row given one
    with no values: a line then breaks there (the months with no eligible incident were left
    out, and the line ran on from April to August as if they were next to each other)."""
    if frame.empty:
        return frame
    last = pd.Period(max([*frame["month"], *([through] if through else [])]), freq="M")
    first_seen = min(frame["month"])
    count = months if months is not None else (last - pd.Period(first_seen, freq="M")).n + 1
    calendar = [str(last - n) for n in range(count - 1, -1, -1)]
    calendar = [month for month in calendar if month >= first_seen]
    return frame.set_index("month").reindex(calendar).rename_axis("month").reset_index()


def literal(text: str) -> str:
    """`text` (from the address, or an archive) escaped for st.markdown and friends: each
    Markdown character shown as itself, not as emphasis, a link or a heading."""
    return re.sub(r"([\\`*_{}\[\]()#!|<>~$])", r"\\\1", text)  # inline: not - . +


def column_label(column: str) -> str:
    return COLUMN_LABELS.get(column, column.replace("_", " "))


# Rows a table sends to the browser. Every row of a table goes over the websocket on each
# view, and at 100k postmortems a whole listing is megabytes (57k overdue actions: 12 MB,
# seconds to arrive and draw); past this the table shows its first rows, says so, and
# offers every row as CSV, built only when the button is clicked.
TABLE_ROWS = 1000


def table(
    frame: pd.DataFrame,
    *,
    name: str,
    rows_as: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    total: int | None = None,
    every_row: Callable[[], pd.DataFrame] | None = None,
    **kwargs: Any,
) -> None:
    """A sortable table; date columns as YYYY-MM-DD. At most TABLE_ROWS rows, in the frame's
    order; past that a caption says how many are shown and a button downloads them all
    (`name`: the CSV's file name and the button's key, unique on the page). `rows_as` turns
    rows of `frame` into the table's columns (links, ids as text): it is given only the rows
    shown, and all of them for the download, so a long listing is not formatted whole.
    `frame` may be only the first rows of a listing (loaded with a limit): then `total` is
    how many rows it has, and `every_row` loads them all for the download, on its click.
    Shown, not in the CSV: a column without a label is headed by column_label, a missing
    value is MISSING, and a NumberColumn(format="percent") a whole percent (see _as_shown)."""
    as_rows = rows_as or (lambda rows: rows)
    if total is None:
        total = len(frame)
    shown = _lists_as_text(as_rows(frame.head(TABLE_ROWS)))
    config = {
        column: st.column_config.DateColumn(column_label(column), format="YYYY-MM-DD")
        for column in DATE_COLUMNS
        if column in shown.columns and not pd.api.types.is_numeric_dtype(shown[column])
    }
    config.update(kwargs.pop("column_config", {}))
    shown, config = _as_shown(shown, config)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=MISSING,
        **kwargs,
    )
    if len(shown) < total:
        st.caption(
            f"The first {len(shown):,} of {total:,} rows, in this order (a click on a column "
            "sorts these rows, not all of them); narrow them with the filters, or download "
            "them all."
        )
        load = every_row or (lambda: frame)
        st.download_button(
            f"Download all {total:,} rows (CSV)",
            data=lambda: _lists_as_text(as_rows(load())).to_csv(index=False),
            file_name=f"{name}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"download-{name}",
        )


# Streamlit's "percent" shows 0.2759 as 27.59%, and with step=0.01 cuts it to 27%; the
# cards round to 28% (pct). So a percent column is shown as pct's whole number.
WHOLE_PERCENT = "%d%%"


def _as_shown(frame: pd.DataFrame, config: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table's display copy and column config: every column labelled (column_label
    where the page gave none) and each percent column as whole percents, rounded as pct()
    rounds (a half up: display.whole_percent), with the WHOLE_PERCENT format."""
    labelled: dict[str, Any] = {}
    percents: dict[str, pd.Series] = {}
    for column in frame.columns:
        whole = pd.api.types.is_integer_dtype(frame[column]) and not pd.api.types.is_bool_dtype(
            frame[column]
        )
        if column not in config:
            # counts with thousands separators, as the cards write them (the browser's locale)
            labelled[column] = (
                st.column_config.NumberColumn(column_label(column), format="localized")
                if whole
                else column_label(column)
            )
            continue
        entry = config[column]
        if not isinstance(entry, dict):  # a label, or None: hidden
            labelled[column] = entry
            continue
        entry = {**entry, "label": entry.get("label") or column_label(column)}
        type_config = entry.get("type_config") or {}
        if whole and type_config.get("type") == "number" and not type_config.get("format"):
            entry["type_config"] = type_config = {**type_config, "format": "localized"}
        if type_config.get("type") == "number" and type_config.get("format") == "percent":
            entry["type_config"] = {**type_config, "format": WHOLE_PERCENT}
            rates = pd.to_numeric(frame[column], errors="coerce").astype("float64")
            percents[column] = rates.map(
                lambda rate: pd.NA if pd.isna(rate) else display.whole_percent(rate)
            ).astype("Int64")
        labelled[column] = entry
    return (frame.assign(**percents) if percents else frame), {**config, **labelled}


def _lists_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns holding lists (services, teams, flags) as comma-separated text."""
    lists = [
        column
        for column in frame.columns
        if frame[column].dtype == object
        and any(isinstance(value, (list, tuple, np.ndarray)) for value in frame[column])
    ]
    return frame.assign(**{column: frame[column].map(join_list) for column in lists})


# A pattern's incidents a table names, the latest (patterns(..., latest=...) loads as many).
PATTERN_IDS_SHOWN = 10


def pattern_ids(rows: pd.DataFrame) -> list[str]:
    """Each pattern's latest PATTERN_IDS_SHOWN ids as text, the newest first (a narrow cell
    showed the oldest of them), then ', …' when it has more (`members`; a pattern can hold
    thousands, the Recurrence page lists them)."""
    return [
        join_list(list(ids)[-PATTERN_IDS_SHOWN:][::-1])
        + (", …" if members > PATTERN_IDS_SHOWN else "")
        for ids, members in zip(rows["ids"], rows["members"], strict=True)
    ]


_URL_SAFE = re.compile(r"[^A-Za-z0-9._~-]")


def filter_params(as_of: Any = None) -> list[tuple[str, str]]:
    """The sidebar's filters as this page's address holds them; with `as_of`, that date in
    place of the address's (a list counted at another date than the page's: the Monthly
    review's overdue items, at the month's end)."""
    params = [
        (key, value)
        for key in state.FILTER_PARAMS
        if as_of is None or key != "as_of"
        for value in st.query_params.get_all(key)
    ]
    return params if as_of is None else [*params, ("as_of", str(as_of))]


def explorer_link(params: list[tuple[str, str]] | None = None) -> str:
    """'explorer?<filters>&incident=': + a URL-quoted postmortem id opens it in the explorer.
    `params`: the filters to carry, by default those of this page's address."""
    if params is None:  # the sidebar's filters in the address (state.sidebar_filters binds
        # them): the incident opens as of the same date as the page it was on
        params = filter_params()
    return "explorer?" + urlencode([*params, ("incident", "")])


def incident_link(postmortem_id: str, params: list[tuple[str, str]] | None = None) -> str:
    """Relative link that opens one postmortem in the incident explorer."""
    return explorer_link(params) + quote(str(postmortem_id), safe="")


def incident_links(ids: pd.Series, params: list[tuple[str, str]] | None = None) -> pd.Series:
    """incident_link of each id, vectorised (100k ids: a few ms); an id with characters an
    address reserves (`#`, `&`, a space) is quoted."""
    text = ids.astype("str")
    odd = text.str.contains(_URL_SAFE)
    if odd.any():
        text = text.where(~odd, text[odd].map(lambda value: quote(value, safe="")))
    return explorer_link(params) + text


def pinned_link(choices: dict[str, str], as_of: Any) -> str:
    """This page's address with its choices written even where they are the default, and
    as of: a choice at its default is left out of the browser's address (Streamlit's
    binding), and a link without it opens what the default is then (the monthly review's
    month moves on when a month ends). The sidebar's filters as the address holds them."""
    return "?" + urlencode([*filter_params(as_of), *choices.items()])


def pin(choices: dict[str, str], as_of: Any) -> None:
    """A link to this view that keeps showing it (pinned_link), under the choices."""
    st.caption(  # the why in its tooltip: two lines above the numbers were too many (R25)
        f"[Link to this view as of {as_of}]({pinned_link(choices, as_of)})",
        help=f"With {', '.join(choices)} and the date written out, it opens the same after "
        "the defaults move on (the browser's address leaves out a choice at its default).",
    )


def say_unoffered(key: str, options: list[str], what: str, shown: str) -> None:
    """Say it when the address names a `key` the picker does not offer (a pattern with
    no incident in these filters, a month with none): the picker shows its default
    (`shown`), which the reader took for the one the link named. Call it before the picker
    runs: the picker drops such a value from the address."""
    given = st.query_params.get(key)
    if given is not None and given not in options:
        st.warning(
            f"The page address names {what} {given!r}, which these filters do not have: "
            f"showing {shown} instead."
        )


def waiting(rows: pd.DataFrame) -> pd.Series:
    """Hours since resolution of pending postmortems, "(from start)" where there is no
    `resolved` and they count from the incident's start (it read as since resolved)."""
    shown = rows["hours_since_resolved"].map(hours)
    return shown.where(~rows["approximate"].astype(bool), shown + " (from start)")


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


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_HTML_START = re.compile(r"^ {0,3}<(?:!--|/?[A-Za-z])")


def demoted_headings(markdown: str, levels: int = 3) -> str:
    """A postmortem body with its `#` headings `levels` deeper (at most ######): shown under
    the page's "Postmortem" heading, its `# Title` and `## Summary` were larger than the
    page's own headings (R25). Not in fenced code or an HTML block or comment (shown as
    text); an underlined (setext) heading keeps its size."""
    lines = markdown.split("\n")
    fence = ""  # the opening fence's run (``` or ~~~~) while inside a code block
    html = ""  # "-->" inside an HTML comment, "<" inside an HTML block (to a blank line)
    for index, line in enumerate(lines):
        if html:
            if (html == "-->" and "-->" in line) or (html == "<" and not line.strip()):
                html = ""
            continue
        found = _FENCE.match(line)
        # a backtick fence's info string holds no backtick: "```x``` is" is inline code (D15)
        if found and not (found.group(1)[0] == "`" and "`" in line[found.end() :]):
            run = found.group(1)
            if not fence:
                fence = run
            elif run[0] == fence[0] and len(run) >= len(fence) and not line[found.end() :].strip():
                fence = ""
            continue
        if fence:
            continue
        if _HTML_START.match(line):
            comment = line.lstrip().startswith("<!--")
            html = "" if comment and "-->" in line else "-->" if comment else "<"
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            depth = min(6, len(heading.group(2)) + levels)
            lines[index] = heading.group(1) + "#" * depth + line[heading.end() :]
    return "\n".join(lines)
