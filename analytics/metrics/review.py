"""The monthly review: one month against the previous one and the three before it, its trend
and its new patterns, each month as of the first day of the month after it.

The dashboard's monthly review page and `postmortems report` both show `monthly_review()`,
so they show the same numbers for the same month.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Literal

import pandas as pd

from analytics.metrics.db import Database, DbLike, latest_ids, none_if_nan, open_db
from analytics.metrics.filters import Filters
from analytics.metrics.headline import ACTION_COLUMNS, REJECTED_SQL, numbers_from_frames

__all__ = [
    "CARDS",
    "MEASURES",
    "TREND_MONTHS",
    "card_labels",
    "default_review_month",
    "month_filters",
    "month_patterns",
    "monthly_review",
    "monthly_trend",
    "new_patterns",
    "review_months",
]

Kind = Literal["count", "rate", "hours"]

# (measure, label, kind, higher is better: None where neither is). A measure names its
# place in summary(): "ttp.on_time_rate" is summary()["ttp"]["on_time_rate"].
MEASURES: tuple[tuple[str, str, Kind, bool | None], ...] = (
    ("postmortems", "Incidents", "count", False),
    ("repeats", "Repeats", "count", False),
    ("repeat_rate", "Repeat rate", "rate", False),
    ("recurred_while_open", "Repeats while the earlier follow-through was open", "count", False),
    ("l5_share", "L5 share of leveled fixes", "rate", False),
    ("ttp.on_time_rate", "Postmortems written within {hours} h", "rate", True),
    ("ttp.median_hours", "Median hours to postmortem", "hours", False),
    ("ttp.pending_late", "Postmortems pending late", "count", False),
    ("actions.completion_rate", "Action completion", "rate", True),
    ("actions.on_time_rate", "Actions done by their due date", "rate", True),
    ("actions.overdue", "Overdue (the month's incidents)", "count", False),
    ("actions.overdue_all", "Overdue (all incidents)", "count", False),
    ("fix_levels.L1", "Fixes at L1", "count", None),
    ("fix_levels.L2", "Fixes at L2", "count", None),
    ("fix_levels.L3", "Fixes at L3", "count", None),
    ("fix_levels.L4", "Fixes at L4", "count", None),
    ("fix_levels.L5", "Fixes at L5", "count", False),
    ("fix_levels.unleveled", "Fixes without a level", "count", False),
    ("fix_levels.no_fix", "Postmortems without a fix", "count", False),
)
# The monthly review's headline cards, in order: (measure, short label). The dashboard's
# page and `postmortems report` both show these; `card_labels()` fills in the hours.
CARDS: tuple[tuple[str, str], ...] = (
    ("postmortems", "Incidents"),
    ("repeat_rate", "Repeat rate"),
    ("ttp.on_time_rate", "Written within {hours} h"),
    ("l5_share", "L5 share of fixes"),
    ("actions.completion_rate", "Action completion"),
    ("actions.overdue_all", "Overdue (all incidents)"),
)
# The months a trend spans, this one last: a year and the same month the year before. The
# report's, the notebook's and the dashboard's trend charts all show this many.
TREND_MONTHS = 13
BACKLOG = "actions.overdue_all"  # a stock at the month's end, not a count over the month
TREND_METRICS = (
    "repeat_rate",
    "ttp_on_time_rate",
    "l5_share",
    "action_completion_rate",
    "action_on_time_rate",
)


# The months a review can be of: its trend reaches 12 months back and its end a month on.
FIRST_MONTH, LAST_MONTH = date(1900, 1, 1), date(9998, 12, 1)


def parse_month(month: str | date) -> date:
    """'2026-10' (or any date in it) -> date(2026, 10, 1). Raises ValueError otherwise, or
    for a month outside 1900-01 to 9998-12 (`0001-01` was a traceback in `report`)."""
    if isinstance(month, date):
        first = month.replace(day=1)
    else:
        try:
            first = datetime.strptime(month.strip(), "%Y-%m").date()
        except ValueError:
            raise ValueError(f"month must look like 2026-10, not {month!r}") from None
    if not FIRST_MONTH <= first <= LAST_MONTH:
        raise ValueError(
            f"month must be from 1900-01 to 9998-12, not {first.year:04d}-{first.month:02d}"
        )
    return first


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _window(first: date, last: date, filters: Filters) -> Filters | None:
    """Incidents started from `first` to `last` within the filters' dates, as of the day
    after `last` (or the filters' as_of when earlier); None when no day is left."""
    start = max(first, filters.start) if filters.start else first
    end = min(last, filters.end) if filters.end else last
    if start > end:
        return None
    as_of = last + timedelta(days=1)
    if filters.as_of is not None and filters.as_of < as_of:
        as_of = filters.as_of
    return filters.replace(start=start, end=end, as_of=as_of)


def month_filters(month: str | date, filters: Filters | None = None) -> Filters | None:
    """The filters of one review month: incidents started in `month` ('YYYY-MM' or a date in
    it) within the filters' dates, as of the first day of the next month (or the filters'
    as_of when that is earlier: a month in progress; `monthly_review` and the other
    functions given a database read an unset as_of as today first). None when the month
    lies outside the filters' dates.

    Example: month_filters("2026-10") == Filters(start=date(2026, 10, 1),
             end=date(2026, 10, 31), as_of=date(2026, 11, 1))
    """
    if isinstance(month, date) and month < FIRST_MONTH:
        # the months before 1900-01's review (its previous ones, its trend's): none to count,
        # as a month outside the filters' dates (it raised, review D5)
        return None
    first = parse_month(month)
    return _window(first, _add_months(first, 1) - timedelta(days=1), filters or Filters())


def _pick(data: dict[str, Any], measure: str) -> Any:
    value: Any = data
    for key in measure.split("."):
        value = value[key]
    return value


# what a review column reads of ttp_summary and action_summary (DuckDB skips the rest)
_TTP_COLUMNS = ("eligible", "on_time", "median_hours", "p90_hours", "pending_late")
_SUMMED = {"ttp": ("eligible", "on_time", "pending_late"), "actions": ACTION_COLUMNS}


def _per_scope(frame: pd.DataFrame, count: int) -> list[pd.DataFrame]:
    """metric_each's rows of scopes 0..count-1, each without the scope column."""
    scope = frame["scope"].to_numpy()
    rows = frame.drop(columns="scope")
    return [rows[scope == n].reset_index(drop=True) for n in range(count)]


def _pooled(frames: list[pd.DataFrame], part: str) -> pd.DataFrame:
    """One row: the months' counts of ttp_summary or action_summary summed."""
    total = pd.concat(frames, ignore_index=True)[list(_SUMMED[part])].sum()
    return total.to_frame().T.astype("int64")


def _columns(
    db: Database,
    filters: Filters,
    shown: list[Filters],
    threes: list[Filters],
    window: Filters | None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """summary_numbers() of each `shown` column (with the overdue backlog at its as_of), and
    of the three months together (None without them).

    The three months together: summary_numbers() over their incidents in one `window`
    (what does not depend on as_of: repeats, fix levels; an incident's flags and fixes are
    the same whatever as_of, see recurrence.sql) with the postmortem and action counts of
    each month as of its own end summed (they do depend on it). Every query runs once for
    all its scopes (metric_each), on two threads: one snapshot.
    """
    intrinsic = shown + ([window] if window is not None else [])
    monthly = shown + threes
    if not monthly:
        return [], None
    backlog = [filters.replace(as_of=scope.as_of) for scope in shown]
    tasks: dict[str, Callable[[Database], pd.DataFrame]] = {
        "ttp": partial(Database.metric_each, macro="ttp_summary", scopes=monthly,
                       columns=_TTP_COLUMNS),
        "actions": partial(Database.metric_each, macro="action_summary", scopes=monthly,
                           columns=ACTION_COLUMNS),
        "recurrence": partial(Database.metric_each, macro="repeat_rate", scopes=intrinsic),
        "levels": partial(Database.metric_each, macro="fix_levels", scopes=intrinsic),
        "rejected": partial(Database.query, sql=REJECTED_SQL),
    }  # fmt: skip
    if backlog:
        tasks["backlog"] = partial(
            Database.metric_each, macro="action_summary", scopes=backlog, columns=("overdue",)
        )
    if threes:
        tasks["hours"] = partial(
            Database.metric_each, macro="ttp_incidents", scopes=threes,
            columns=("ttp_state", "hours"),
        )  # fmt: skip
    got = dict(zip(tasks, db.parallel(list(tasks.values())), strict=True))
    by_month = {part: _per_scope(got[part], len(monthly)) for part in ("ttp", "actions")}
    by_scope = {part: _per_scope(got[part], len(intrinsic)) for part in ("recurrence", "levels")}
    backlogs = _per_scope(got["backlog"], len(backlog)) if backlog else []
    columns = []
    for n, scope in enumerate(shown):
        frames = {part: by_month[part][n] for part in by_month}
        frames |= {part: by_scope[part][n] for part in by_scope}
        data = numbers_from_frames(frames | {"rejected": got["rejected"]}, scope)
        data["actions"]["overdue_all"] = int(backlogs[n]["overdue"].iloc[0])
        columns.append(data)
    together = None
    if threes and window is not None:
        rows = got["hours"]
        hours = rows.loc[rows["ttp_state"] == "written", "hours"].astype("float64")
        months = {part: by_month[part][len(shown) :] for part in by_month}
        frames = {part: _pooled(months[part], part) for part in months}
        frames["ttp"] = frames["ttp"].assign(
            median_hours=hours.median() if len(hours) else float("nan"), p90_hours=float("nan")
        )
        frames |= {part: by_scope[part][-1] for part in by_scope}
        together = numbers_from_frames(frames | {"rejected": got["rejected"]}, window)
        together["actions"]["overdue_all"] = None
    return columns, together


def card_labels(ttp_hours: int) -> tuple[tuple[str, str], ...]:
    """CARDS with the postmortem deadline in its label ("Written within 72 h"): the
    `ttp_hours` of `Database.parameters`."""
    if isinstance(ttp_hours, bool) or not isinstance(ttp_hours, int):  # a Filters, as it took
        raise TypeError(f"card_labels takes the deadline in hours, not {ttp_hours!r}")
    return tuple((measure, label.format(hours=ttp_hours)) for measure, label in CARDS)


def monthly_review(db: DbLike, month: str | date, filters: Filters | None = None) -> pd.DataFrame:
    """The headline measures of `month` against the previous month and the 3-month average.

    One row per measure (see MEASURES): measure, label, kind ('count' | 'rate' | 'hours'),
    higher_is_better, this_month, previous_month, change (this - previous; rates as
    fractions), three_month_average, and for rates numerator, denominator and small_sample
    of each column (previous_*, three_month_*).

    Each month is `month_filters(month, filters)`: its incidents as of the first day of the
    next month. The 3-month average is over the three months before `month`, each as of its
    own end too, so that it compares like with like: counts summed and divided by the months
    (3, fewer when the filters' dates cut the window or a month has not begun by as_of),
    rates pooled (numerators and
    denominators summed), the median over the three months' written postmortems. The overdue
    backlog (`actions.overdue_all`: open past due over every incident of the filters at the
    column's as_of) is a stock, so it has no 3-month average.
    """
    filters = filters or Filters()
    first = parse_month(month)
    three_first = _add_months(first, -3)
    # the three months before, each as of its own end, as this month and the previous one
    # are: as of this month's first day the earlier months had had up to two months more
    # to close their actions, and the average read as a collapse every month (review R10)
    database = open_db(db)
    as_of = database.as_of(filters)
    # an unset as_of is today, as everywhere: a month in progress as of today, not as of
    # the next month's first day (R24: today's incidents and due dates counted)
    filters = filters.replace(as_of=as_of)
    ttp_hours = database.parameters(filters).ttp_hours
    # a month that starts on or after as_of is not one of them: nothing has happened in it
    # (an as_of before the review month divided by months not begun, review D5)
    threes = [
        scope
        for n in range(3)
        if (scope := month_filters(_add_months(three_first, n), filters)) is not None
        and (scope.start or as_of) < as_of
    ]
    scopes = (month_filters(first, filters), month_filters(_add_months(first, -1), filters))
    shown = [scope for scope in scopes if scope is not None]
    window = _window(three_first, first - timedelta(days=1), filters) if threes else None
    columns, together = _columns(database, filters, shown, threes, window)
    found = iter(columns)
    now, before = (next(found) if scope is not None else None for scope in scopes)

    rows = []
    for measure, label, kind, better in MEASURES:
        this_value, previous_value = (
            none_if_nan(_pick(d, measure)) if d else None for d in (now, before)
        )
        three_rate = together["rates"].get(measure) if together else None
        three_value: float | None
        if together is None or measure == BACKLOG:  # a stock: no average
            three_value = None
        elif kind == "count":  # the three months' total over the months
            three_value = _pick(together, measure) / len(threes)
        else:  # a pooled rate; the median over the three months' written postmortems
            three_value = none_if_nan(_pick(together, measure))
        rates = [d["rates"].get(measure) if d else None for d in (now, before)] + [three_rate]
        row: dict[str, Any] = {
            "measure": measure,
            "label": label.format(hours=ttp_hours),
            "kind": kind,
            "higher_is_better": better,
            "this_month": this_value,
            "previous_month": previous_value,
            "change": None
            if this_value is None or previous_value is None
            else this_value - previous_value,
            "three_month_average": three_value,
        }
        for prefix, rate in zip(("", "previous_", "three_month_"), rates, strict=True):
            row[f"{prefix}numerator"] = rate["numerator"] if rate else None
            row[f"{prefix}denominator"] = rate["denominator"] if rate else None
            row[f"{prefix}small_sample"] = rate["small_sample"] if rate else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("this_month", "previous_month", "change", "three_month_average"):
        frame[column] = frame[column].astype("float64")
    for prefix in ("", "previous_", "three_month_"):
        frame[f"{prefix}numerator"] = frame[f"{prefix}numerator"].astype("Int64")
        frame[f"{prefix}denominator"] = frame[f"{prefix}denominator"].astype("Int64")
        frame[f"{prefix}small_sample"] = frame[f"{prefix}small_sample"].astype("boolean")
    return frame


def monthly_trend(
    db: DbLike, month: str | date, filters: Filters | None = None, *, months: int = TREND_MONTHS
) -> pd.DataFrame:
    """monthly_rates' columns (month, metric, numerator, denominator, rate, small_sample) for
    the `months` months up to `month`, each month as of the first day of the next one (as in
    `monthly_review`), so a point equals the review's column of that month. Every one of
    the months within the filters' dates, from the archive's first incident on; a month
    with no incident with zeros (and no rate), the review month too (the report of a month
    with none ended its trend at the last month with one). A month that starts on or after
    as_of (today when unset) is left out: nothing has happened in it yet."""
    filters = filters or Filters()
    first = parse_month(month)
    database = open_db(db)
    now = database.as_of(filters)
    filters = filters.replace(as_of=now)  # a month in progress as of today (R24)
    scopes = [month_filters(_add_months(first, -n), filters) for n in range(months - 1, -1, -1)]
    # a month that starts on or after as_of has no incident yet: not drawn as a zero
    chosen = [scope for scope in scopes if scope is not None and (scope.start or now) < now]
    columns = ["month", "metric", "numerator", "denominator", "rate", "small_sample"]
    if not chosen:
        return pd.DataFrame(columns=columns)
    trend, archive = database.parallel([
        lambda d: d.metric_each("monthly_rates", chosen).drop(columns="scope"),
        lambda d: d.query(
            "SELECT strftime(archive_first_date(as_of := $as_of), '%Y-%m') AS month",
            {"as_of": chosen[-1].as_of},
        ),
    ])  # fmt: skip
    if trend.empty:
        return pd.DataFrame(columns=columns)
    present = set(trend["month"])
    first_seen = str(archive["month"].iloc[0])
    calendar = [f"{scope.start:%Y-%m}" for scope in chosen if scope.start is not None]
    gaps = [
        (key, metric, 0, 0, None, True)
        for key in calendar
        if key >= first_seen and key not in present
        for metric in TREND_METRICS
    ]
    if gaps:
        empty = pd.DataFrame(gaps, columns=columns).astype(trend.dtypes.to_dict())
        trend = pd.concat([trend, empty], ignore_index=True)
    order = trend["metric"].map({metric: i for i, metric in enumerate(TREND_METRICS)})
    trend = trend.assign(order=order).sort_values(["month", "order"])
    return trend.reset_index(drop=True)[columns]


def review_months(db: DbLike, filters: Filters | None = None) -> list[str]:
    """The months a monthly review can be of ('YYYY-MM'), newest first: from the month of
    the archive's first incident (of the filters' start, when later) to the last month
    begun before as_of (today when unset; the filters' end, when earlier). A month without
    an incident under the filters is among them: "none this month" is a review's answer,
    and its backlog still counts (the dashboard offered only the months from the first to
    the last incident under the filters, and showed another month, review R13). Empty when
    no incident started before as_of."""
    filters = filters or Filters()
    database = open_db(db)
    now = database.as_of(filters)
    first_sql = "SELECT archive_first_date(as_of := $as_of) AS first"
    found = database.query(first_sql, {"as_of": now})["first"].iloc[0]
    if pd.isna(found):
        return []
    low = pd.Timestamp(found).date()
    if filters.start is not None:
        low = max(low, filters.start)
    high = now - timedelta(days=1)  # a month begun before 00:00 of as_of
    if filters.end is not None:
        high = min(high, filters.end)
    months: list[str] = []
    month = high.replace(day=1)
    while month >= low.replace(day=1):
        months.append(f"{month:%Y-%m}")
        month = _add_months(month, -1)
    return months


def default_review_month(db: DbLike, filters: Filters | None = None) -> str:
    """The month a review is of unless told ('YYYY-MM'), on the dashboard, in `postmortems
    report` and in the monthly review notebook alike: the last month that has ended before
    as_of (today when unset) among `review_months`. Where none of those has ended (an
    archive whose first incident is in the month in progress), the month in progress: a
    review of the month before would be of nothing, and the dashboard could not offer it
    (the report reviewed that empty month while the dashboard showed the month in
    progress, review D7). Where no incident started before as_of, the month before
    as_of's."""
    filters = filters or Filters()
    months = review_months(db, filters)
    now = open_db(db).as_of(filters)
    current = f"{now:%Y-%m}"
    ended = [month for month in months if month < current]
    if ended:
        return ended[0]
    if months:
        return months[0]
    return f"{_add_months(now.replace(day=1), -1):%Y-%m}"


def _month_end(month: str | date, filters: Filters, database: Database) -> tuple[date, Filters]:
    """The month's first day, and the filters as of its end: the next month's first day, or
    as_of (today when unset) when earlier."""
    first = parse_month(month)
    return first, filters.replace(as_of=min(_add_months(first, 1), database.as_of(filters)))


def new_patterns(db: DbLike, month: str | date, filters: Filters | None = None) -> pd.DataFrame:
    """Patterns listed at the month's end (as of the next month's first day, or the filters'
    as_of when earlier) that were not listed at its start: patterns' columns. The filters'
    dates choose the incidents as in `patterns`, not the month; whether a pattern was
    listed at the month's start is read without them (with the other filters), so dates
    set to the month do not make every pattern new."""
    database = open_db(db)
    first, at_end = _month_end(month, filters or Filters(), database)
    return database.metric("new_patterns", at_end, args=(first.isoformat(),))


def month_patterns(
    db: DbLike, month: str | date, filters: Filters | None = None, *, latest: int | None = None
) -> pd.DataFrame:
    """Every pattern listed at the month's end (as `new_patterns` dates it), with `new`: not
    listed at the month's start. patterns' columns plus new; `new_patterns` is its rows with
    new. One query for a review's new and active patterns. `latest`: as in patterns."""
    database = open_db(db)
    first, at_end = _month_end(month, filters or Filters(), database)
    return database.metric(
        "patterns_since", at_end, args=(first.isoformat(),), named=latest_ids(latest)
    )
