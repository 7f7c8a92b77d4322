"""Action completion and fix effectiveness (actions.sql, fix_effectiveness.sql)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import pandas as pd

from analytics.metrics.db import DbLike, only_ids, open_db
from analytics.metrics.filters import Filters

__all__ = [
    "action_aging",
    "action_items",
    "action_summary",
    "actions_by",
    "actions_closed",
    "fix_effectiveness",
    "fix_outcomes",
    "fixes_recurred",
    "overdue_actions",
]

Dimension = Literal["owner", "service", "team", "level", "month"]


def action_items(
    db: DbLike, filters: Filters | None = None, *, ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Every fix and action of the filtered incidents, with overdue, done_on_time,
    days_to_close, slo_deadline, closed_within_slo and age_days; by incident start, then
    postmortem id and seq. With `ids`, only those of these incidents (same values)."""
    return open_db(db).metric("action_list", filters, named=only_ids(ids))


def action_summary(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """One row: total, open, done, dropped, overdue, completion_rate, done_on_time,
    done_with_dates, on_time_rate, no_owner, no_due, median_days_to_close,
    closed_within_slo, slo_decided, slo_rate, small_sample (completion_rate's),
    on_time_small_sample, slo_small_sample (each rate's denominator under 5)."""
    return open_db(db).metric("action_summary", filters)


def actions_by(
    db: DbLike, filters: Filters | None = None, *, by: Dimension = "owner"
) -> pd.DataFrame:
    """action_summary's columns per owner, service, team, level or month (column `key`).
    An item of an incident with two services or teams counts under both; the team is the
    incident's, whoever owns the item. A missing one is a NULL key."""
    if by not in ("owner", "service", "team", "level", "month"):
        raise ValueError(f"actions_by: by must be owner, service, team, level or month, not {by!r}")
    return open_db(db).metric("actions_by", filters, args=(by,))


def _iso(day: date | str) -> str:
    return (day if isinstance(day, date) else date.fromisoformat(day)).isoformat()


def actions_closed(
    db: DbLike, filters: Filters | None, start: date | str, end: date | str
) -> pd.DataFrame:
    """Fixes and actions of the filtered incidents (of any month) done from `start` to `end`
    (local dates, both inclusive), by done date: action_items' columns."""
    return open_db(db).metric("actions_closed", filters, args=(_iso(start), _iso(end)))


def overdue_actions(
    db: DbLike, filters: Filters | None = None, *, limit: int | None = None
) -> pd.DataFrame:
    """Open fixes and actions whose due date is before as_of, with days_overdue; by due date
    (the longest overdue first), then postmortem and place. `limit`: only the first
    `limit` (a table's first page; how many there are in all is action_summary's overdue)."""
    return open_db(db).metric("overdue_actions", filters, limit=limit)


def action_aging(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Open items per age bucket (days since the postmortem date), with how many are overdue."""
    return open_db(db).metric("action_aging", filters)


def fix_outcomes(
    db: DbLike, filters: Filters | None = None, *, ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per fix: outcome 'held' | 'recurred' | 'watching' | 'not_done' | 'dropped' |
    'unknown', recurred_by, recurred_at, recurred_after_days (from 00:00 of the done date),
    window_ends. With `ids`, only the fixes of these incidents (same values)."""
    return open_db(db).metric("fix_outcomes", filters, named=only_ids(ids))


def fix_effectiveness(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Count of fixes per outcome (held, recurred, watching, not_done, dropped, unknown)."""
    return open_db(db).metric("fix_effectiveness", filters)


def fixes_recurred(
    db: DbLike, filters: Filters | None, start: date | str, end: date | str
) -> pd.DataFrame:
    """Done fixes of the filtered incidents (of any month) whose recurrence started from
    `start` to `end` (local dates, both inclusive): the fixes that did not hold then.
    fix_outcomes' columns, by recurred_at."""
    return open_db(db).metric("fixes_recurred", filters, args=(_iso(start), _iso(end)))
