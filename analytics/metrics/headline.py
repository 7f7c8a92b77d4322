"""`summary()`: SPEC's headline numbers as one JSON-ready dict (`postmortems summary --json`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from analytics.metrics.db import Database, DbLike, none_if_nan, open_db
from analytics.metrics.filters import Filters

__all__ = ["summary"]

SMALL_SAMPLE = 5  # a rate over fewer than this many is flagged
# what summary() shows of action_summary (DuckDB then skips its median and aging columns)
ACTION_COLUMNS = (
    "total", "open", "done", "dropped", "overdue", "done_on_time", "done_with_dates",
    "closed_within_slo", "slo_decided",
)  # fmt: skip
REJECTED_SQL = "SELECT count(*) AS n FROM file_rows WHERE status = 'rejected'"  # `rejected`


def _row(frame: pd.DataFrame) -> dict[str, Any]:
    return {str(key): none_if_nan(value) for key, value in frame.iloc[0].to_dict().items()}


def _int(value: Any) -> int:
    value = none_if_nan(value)
    return 0 if value is None else int(value)


def _hours(value: Any) -> float | None:
    """Hours to 15 significant digits, the most a double holds for sure: the quantile's
    float noise left out, so that `summary --json` says 77.2 where it said
    77.19999999999999 (R11), and nothing else changed (44.2833333333333 h)."""
    value = none_if_nan(value)
    return None if value is None else float(f"{float(value):.15g}")


def _iso(value: Any) -> str | None:
    value = none_if_nan(value)
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)


def _column(values: pd.Series, convert: Callable[[Any], Any]) -> list[Any]:
    """The column as Python values, `convert`ed, None for a missing value."""
    missing = values.isna().tolist()
    return [None if gone else convert(v) for v, gone in zip(values.tolist(), missing, strict=True)]


def _iso_column(values: pd.Series) -> list[str | None]:
    """A date column as ISO dates (None for a missing one), as _iso gives them."""
    if pd.api.types.is_datetime64_any_dtype(values) and values.dt.tz is None:
        return _column(values.dt.strftime("%Y-%m-%d"), str)
    return _column(values, _iso)


def _pattern_dicts(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The patterns' rows as summary()'s dicts, column by column (a decade of 100k
    postmortems lists ~2,900 patterns: row by row through pandas that took ~85 ms)."""
    columns = zip(
        rows["category"].tolist(),
        _column(rows["service"], str),
        _column(rows["count"], int),
        _iso_column(rows["first"]),
        _iso_column(rows["last"]),
        rows["active"].tolist(),
        rows["ids"],
        strict=True,
    )
    return [
        {
            "category": category,
            "service": service,
            "count": 0 if count is None else count,
            "first": first,
            "last": last,
            "active": bool(active),
            "ids": ids.tolist(),  # list(VARCHAR): str already
        }
        for category, service, count, first, last, active, ids in columns
    ]


def rate_numbers(numerator: int, denominator: int) -> dict[str, Any]:
    """A rate as summary()["rates"] holds it: numerator, denominator, rate, small_sample."""
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": numerator / denominator if denominator else None,
        "small_sample": denominator < SMALL_SAMPLE,
    }


def summary(db: DbLike, filters: Filters | None = None) -> dict[str, Any]:
    """SPEC's `summary --json` keys, in SPEC's order, then extras.

    Extras: `l5_share`, `recurred_while_open`, `rates` (numerator, denominator, rate and
    small_sample of every headline rate) and `small_samples` (names of the rates whose
    denominator is under 5), `filters`.
    """
    return summary_numbers(db, filters, with_patterns=True)


def summary_numbers(
    db: DbLike, filters: Filters | None = None, *, with_patterns: bool, with_fixes: bool = True
) -> dict[str, Any]:
    """summary(), or without its pattern list (`patterns` is None) where only the numbers
    are shown, as in the monthly review: the list is the costliest part at large sizes.
    Without fixes (`fixes` is None), where the fix outcomes are not shown either (the
    review: ~25 ms a column at 100k)."""
    db = open_db(db)
    filters = filters or Filters()
    as_of = db.as_of(filters)
    # the parameters used, in its `filters` (the archive's where the filters set none)
    filters = db.with_settings(filters).replace(as_of=as_of)

    # One snapshot for all the numbers: on a thread per core (two here: the pattern list,
    # the largest part, beside the rest), or one after another where db is already bound to
    # one connection (a column of the monthly review, which runs its columns on threads
    # itself) or its file's views are older than this code (see Database.parallel).
    tasks: dict[str, Callable[[Database], pd.DataFrame]] = {
        "patterns": partial(Database.metric, macro="patterns", filters=filters),
        "fixes": partial(Database.metric, macro="fix_effectiveness", filters=filters),
        "recurrence": partial(Database.metric, macro="repeat_rate", filters=filters),
        "levels": partial(Database.metric, macro="fix_levels", filters=filters),
        "ttp": partial(Database.metric, macro="ttp_summary", filters=filters),
        "actions": partial(
            Database.metric, macro="action_summary", filters=filters, columns=ACTION_COLUMNS
        ),
        "rejected": partial(Database.query, sql=REJECTED_SQL),
    }
    if not with_patterns:
        del tasks["patterns"]
    if not with_fixes:
        del tasks["fixes"]
    if db.bound:
        frames = dict(zip(tasks, [task(db) for task in tasks.values()], strict=True))
    else:
        frames = dict(zip(tasks, db.parallel(list(tasks.values())), strict=True))
    return numbers_from_frames(frames, filters)


def numbers_from_frames(frames: dict[str, pd.DataFrame], filters: Filters) -> dict[str, Any]:
    """summary_numbers() from its queries' results: `recurrence` (repeat_rate), `levels`
    (fix_levels), `ttp` (ttp_summary), `actions` (action_summary, ACTION_COLUMNS at least),
    `rejected` (a one-row frame with `n`), and optionally `patterns` and `fixes`
    (fix_effectiveness); `filters` with their as_of set. The monthly review reads its
    columns' queries for several months at once (Database.metric_each) and builds each
    column here, so a column is summary()'s numbers by construction."""
    as_of = filters.as_of
    if as_of is None:
        raise ValueError("numbers_from_frames needs the filters' as_of")
    recurrence = _row(frames["recurrence"])
    pattern_rows = frames.get("patterns")
    levels = frames["levels"]
    ttp = _row(frames["ttp"])
    actions = _row(frames["actions"])
    outcomes = frames.get("fixes")
    rejected = frames["rejected"]

    level_counts = {str(k): _int(v) for k, v in zip(levels["level"], levels["count"], strict=True)}
    outcome_counts = (
        None
        if outcomes is None
        else {str(k): _int(v) for k, v in zip(outcomes["outcome"], outcomes["count"], strict=True)}
    )
    leveled = sum(level_counts[f"L{n}"] for n in range(1, 6))
    rates = {
        "repeat_rate": rate_numbers(_int(recurrence["repeats"]), _int(recurrence["incidents"])),
        "ttp.on_time_rate": rate_numbers(_int(ttp["on_time"]), _int(ttp["eligible"])),
        "actions.completion_rate": rate_numbers(
            _int(actions["done"]), _int(actions["done"]) + _int(actions["open"])
        ),
        "actions.on_time_rate": rate_numbers(
            _int(actions["done_on_time"]), _int(actions["done_with_dates"])
        ),
        "l5_share": rate_numbers(level_counts["L5"], leveled),
    }
    # not a headline rate (not in `rates` nor `small_samples`, which the review's rows name)
    slo = rate_numbers(_int(actions["closed_within_slo"]), _int(actions["slo_decided"]))
    patterns = None if pattern_rows is None else _pattern_dicts(pattern_rows)
    return {
        "as_of": as_of.isoformat(),
        "postmortems": _int(recurrence["incidents"]),
        "rejected": _int(rejected["n"].iloc[0]),
        "repeats": _int(recurrence["repeats"]),
        "repeat_rate": rates["repeat_rate"]["rate"],
        "patterns": patterns,
        "fix_levels": {
            **{f"L{n}": level_counts[f"L{n}"] for n in range(1, 6)},
            "unleveled": level_counts["unleveled"],
            "no_fix": level_counts["no_fix"],
        },
        "ttp": {
            "eligible": _int(ttp["eligible"]),
            "on_time": _int(ttp["on_time"]),
            "on_time_rate": rates["ttp.on_time_rate"]["rate"],
            "median_hours": _hours(ttp["median_hours"]),
            "p90_hours": _hours(ttp["p90_hours"]),
            "pending_late": _int(ttp["pending_late"]),
        },
        "actions": {
            "total": _int(actions["total"]),
            "open": _int(actions["open"]),
            "done": _int(actions["done"]),
            "dropped": _int(actions["dropped"]),
            "overdue": _int(actions["overdue"]),
            "completion_rate": rates["actions.completion_rate"]["rate"],
            "on_time_rate": rates["actions.on_time_rate"]["rate"],
            # beyond SPEC's keys: closed within the action SLO (filters' action_slo_days)
            # of the items whose outcome is known (done, or open past the SLO)
            "closed_within_slo": _int(actions["closed_within_slo"]),
            "slo_decided": _int(actions["slo_decided"]),
            "slo_rate": slo["rate"],
        },
        "fixes": None
        if outcome_counts is None
        # fix_effectiveness' six rows in its order: SPEC's held / recurred / watching, then
        # not_done / dropped / unknown, so that they add up to the fixes (as on the
        # dashboard's Fix levels page)
        else outcome_counts,
        "l5_share": rates["l5_share"]["rate"],
        "recurred_while_open": _int(recurrence["recurred_while_open"]),
        "rates": rates,
        "small_samples": [name for name, rate in rates.items() if rate["small_sample"]],
        "filters": filters.as_dict(),
    }
