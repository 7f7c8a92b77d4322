"""The metric SQL files (analytics/sql/metrics/*.sql) and their version hash, without DuckDB.

`analytics.views` creates the views from them; the ingest puts the version in its fingerprint,
and its "nothing changed" fast path must compute it without importing duckdb.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

__all__ = ["SQL_FILES", "metrics_sql", "metrics_sql_version"]

# Dependency order: each file uses only views and macros of the files before it.
SQL_FILES: tuple[str, ...] = (
    "staging.sql",
    "recurrence.sql",
    "patterns.sql",
    "fix_levels.sql",
    "time_to_postmortem.sql",
    "actions.sql",
    "fix_effectiveness.sql",
    "discipline.sql",
    "incidents.sql",
    "monthly.sql",
    "data_quality.sql",
)


@cache
def metrics_sql() -> tuple[tuple[str, str], ...]:
    """(file name, SQL text) of every metric file, in dependency order."""
    folder = resources.files("analytics").joinpath("sql", "metrics")
    return tuple((name, folder.joinpath(name).read_text(encoding="utf-8")) for name in SQL_FILES)


@cache
def metrics_sql_version() -> str:
    """Short hash of the metric SQL, stored in the database as `metrics_sql_version()`."""
    digest = hashlib.sha256()
    for name, text in metrics_sql():
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:16]
