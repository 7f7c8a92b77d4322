"""Incidents, discipline, monthly series, data quality and filter choices."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import pandas as pd

from analytics.metrics.db import DbLike, only_ids, open_db
from analytics.metrics.filters import Filters

__all__ = [
    "data_quality_files",
    "data_quality_problems",
    "discipline",
    "filter_options",
    "incidents",
    "incidents_by_month",
    "monthly_rates",
    "problem_counts",
]


def incidents(
    db: DbLike,
    filters: Filters | None = None,
    *,
    repeat_of: bool = True,
    ids: Sequence[str] | None = None,
    columns: Sequence[str] = (),
    limit: int | None = None,
) -> pd.DataFrame:
    """The filtered incidents, newest first, with is_repeat, in_pattern, ttp_state, fixes,
    open_actions and overdue_actions, and repeat_of (the earlier incidents each repeats)
    unless `repeat_of=False`: the list is the costliest column when repeats are many
    (see incidents.sql). With `ids`, only those of the filtered incidents (same values).
    `columns`: only these, the rows the same (id and path of 100k incidents: 0.48 -> 0.13 s).
    `limit`: only the newest `limit` (a table's first page of 1,000 of 100k: 0.46 -> 0.17 s).
    """
    if ids is not None and repeat_of:
        raise ValueError("ids= is for the rows without repeat_of: pass repeat_of=False")
    macro = "incident_list" if repeat_of else "incident_rows"
    return open_db(db).metric(macro, filters, named=only_ids(ids), columns=columns, limit=limit)


def discipline(
    db: DbLike, filters: Filters | None = None, *, ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per filtered postmortem, a boolean per discipline flag, plus flags (names of
    the flags set) and flag_count (see discipline.sql). With `ids`, only those of the
    filtered postmortems (same values)."""
    return open_db(db).metric("discipline", filters, named=only_ids(ids))


def incidents_by_month(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """month ('YYYY-MM'), severity ('unknown' when not stated), incidents; zero-filled."""
    return open_db(db).metric("incidents_by_month", filters)


def monthly_rates(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """month, metric (repeat_rate, ttp_on_time_rate, l5_share, action_completion_rate,
    action_on_time_rate), numerator, denominator, rate, small_sample."""
    return open_db(db).metric("monthly_rates", filters)


def data_quality_problems(db: DbLike) -> pd.DataFrame:
    """Every problem the ingest found (not filtered): path, line, severity, code, message."""
    return open_db(db).query("SELECT * FROM data_quality_problems")


def data_quality_files(db: DbLike) -> pd.DataFrame:
    """Every file read: path, status ('loaded' | 'rejected'), errors, warnings."""
    return open_db(db).query("SELECT * FROM data_quality_files", long=True)


def problem_counts(db: DbLike) -> pd.DataFrame:
    """Problems per severity and code (not filtered): severity, code, problems, files;
    errors first, then the most frequent."""
    return open_db(db).query("SELECT * FROM problem_counts")


def filter_options(db: DbLike) -> dict[str, list[str]]:
    """The values each filter can take: severities, services, categories, teams (sorted).
    Severities end with 'unknown' when an incident states none (a filter can choose them)."""
    frame = open_db(db).query(
        """
        SELECT 'severities' AS field, coalesce(severity, 'unknown') AS value FROM postmortems
        UNION SELECT 'services', service FROM postmortem_services
        UNION SELECT 'categories', category FROM postmortems WHERE category IS NOT NULL
        UNION SELECT 'teams', team FROM postmortem_teams
        ORDER BY field, value
        """
    )
    options: dict[str, list[str]] = {
        "severities": [],
        "services": [],
        "categories": [],
        "teams": [],
    }
    for field, value in frame.itertuples(index=False):
        options[str(field)].append(str(value))
    return options


def known_filters(db: DbLike, filters: Filters) -> Filters:
    """`filters` with a service, category or team given by an alias of postmortems.toml as
    its name, and the metric parameters it leaves unset as the archive's; ValueError for a
    service, category or team the archive does not have, naming the close ones ("unknown
    team 'payments-team'; did you mean payments?"). A filter on a
    value nothing has returns zeros, which read as an answer: `summary` refuses it, and a
    notebook checks its parameters with this.

    Example: scope = known_filters(db, Filters(teams=("payments",)))
    """
    database = open_db(db)
    filters = database.canonical(filters)
    known = filter_options(database)
    for kind, given, names in (
        ("service", filters.services, known["services"]),
        ("category", filters.categories, known["categories"]),
        ("team", filters.teams, known["teams"]),
    ):
        for value in given:
            if value in names:
                continue
            close = difflib.get_close_matches(value, names, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            listing = (
                f"known: {', '.join(names) or 'none'}"
                if len(names) <= 40
                else f"{len(names)} known"
            )
            raise ValueError(f"unknown {kind} {value!r}{hint} ({listing})")
    return filters
