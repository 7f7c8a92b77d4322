"""Recurrence and patterns (analytics/sql/metrics/recurrence.sql, patterns.sql)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analytics.metrics.db import DbLike, latest_ids, only_ids, open_db
from analytics.metrics.filters import Filters

__all__ = [
    "incident_repeats",
    "pattern_tags",
    "patterns",
    "recurrence_incidents",
    "repeat_matrix",
    "repeat_pairs",
    "repeat_rate",
    "repeat_rate_by_category",
    "repeat_rate_by_service",
]


def repeat_pairs(
    db: DbLike,
    filters: Filters | None = None,
    *,
    columns: Sequence[str] = (),
    latest: int | None = None,
) -> pd.DataFrame:
    """Every (repeat, earlier incident) pair: id, earlier_id, started, earlier_started,
    days_apart, category, shared_services, recurred_while_open; by the repeat's start, then
    the earlier incident's. Intrinsic: a pair is listed when the repeat (id) is among the
    filtered incidents, whatever the filters say of the earlier one. `columns`: only these,
    the rows the same (a month of a dense archive has hundreds of thousands of pairs: id,
    earlier_id and days_apart alone take about half the time and memory).

    With `latest=n`, only each repeat's latest n pairs (by the earlier incident's start, then
    id: the end of its repeat_of), plus earlier_count: how many earlier incidents it repeats
    in all. For a list that names a few of each: the other pairs are counted, not returned
    (a month of the dense 100k archive: 0.58 -> 0.16 s)."""
    if latest is None:
        return open_db(db).metric("repeat_pairs", filters, columns=columns)
    if latest < 1:
        raise ValueError(f"latest must be 1 or more, got {latest}")
    return open_db(db).metric(
        "repeat_pairs_latest", filters, named={"latest": latest}, columns=columns
    )


def incident_repeats(
    db: DbLike, filters: Filters | None = None, *, postmortem_id: str
) -> pd.DataFrame:
    """The repeat_pairs rows of one incident, both ways: the earlier incidents it repeats
    (id == postmortem_id) and the later ones that repeat it (earlier_id == postmortem_id).
    Intrinsic: only as_of and window_days apply. Found from that incident alone, so cheap
    where repeat_pairs lists every pair."""
    return open_db(db).metric("incident_repeats", filters, args=(postmortem_id,))


def recurrence_incidents(
    db: DbLike,
    filters: Filters | None = None,
    *,
    repeat_of: bool = True,
    repeat_of_latest: int | None = None,
    ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per filtered incident: is_repeat (+ service-alone / category-alone variants),
    repeat_of (the earlier incidents it repeats, by start), repeat_of_cut,
    recurred_while_open.

    With `repeat_of_latest=n`, repeat_of holds only the latest n earlier incidents and
    repeat_of_cut is True where there were more: in a dense archive an incident can repeat
    hundreds, and a table shows a few. Without it repeat_of_cut is always False.
    With `repeat_of=False`, neither column: the lists are the costliest part (a category of
    the dense 100k archive, 17k incidents: 160 -> 45 ms), so a table can read them by `ids`
    for the rows it shows. With `ids`, only those of the filtered incidents (same values).
    """
    if repeat_of_latest is not None and repeat_of_latest < 1:
        raise ValueError(f"repeat_of_latest must be 1 or more, got {repeat_of_latest}")
    if not repeat_of:
        if repeat_of_latest is not None:
            raise ValueError("repeat_of_latest= is for the rows with repeat_of")
        return open_db(db).metric("recurrence_rows", filters, named=only_ids(ids))
    return open_db(db).metric(
        "recurrence_incidents",
        filters,
        named={"repeat_of_latest": repeat_of_latest, **only_ids(ids)},
    )


def repeat_rate(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """One row: incidents, repeats, repeat_rate (None when no incidents), recurred_while_open,
    the service-alone and category-alone variants, small_sample (incidents < 5)."""
    return open_db(db).metric("repeat_rate", filters)


def repeat_rate_by_service(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Per service: incidents, repeats (through that service), repeat_rate,
    repeats_service_alone, repeat_rate_service_alone, small_sample."""
    return open_db(db).metric("repeat_rate_by_service", filters)


def repeat_rate_by_category(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Per primary category: incidents, repeats, repeat_rate, repeats_category_alone,
    repeat_rate_category_alone, small_sample."""
    return open_db(db).metric("repeat_rate_by_category", filters)


def repeat_matrix(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Service x primary category, long form: incidents, repeats, repeat_rate, small_sample.
    Pivot with `df.pivot(index="service", columns="category", values="repeats")`."""
    return open_db(db).metric("repeat_matrix", filters)


def patterns(
    db: DbLike, filters: Filters | None = None, *, latest: int | None = None
) -> pd.DataFrame:
    """Category patterns (service None) and service x category patterns with a member among
    the filtered incidents: category, service, count, first, last, active, ids (by start),
    ids_in_scope, members (how many ids).

    With `latest=n`, ids holds only the latest n (for a page that names a few of each
    pattern's incidents: at 100k, n = 10 saves about a third; past ~50 nothing)."""
    return open_db(db).metric("patterns", filters, named=latest_ids(latest))


def pattern_tags(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Tags shared by a pattern's incidents: per listed pattern (category, service) and tag,
    incidents (of the pattern's ids carrying the tag), members (the pattern's ids), share,
    ids. Most shared first within each pattern."""
    return open_db(db).metric("pattern_tags", filters)
