"""Create the metric views and macros (analytics/sql/metrics/*.sql) in a DuckDB database.

Ingest calls `create_views(con)` on the file it builds, so the views and macros persist and
the `duckdb` shell can use them (`SELECT * FROM repeat_rate(as_of := DATE '2026-11-01')`),
and `compute_facts(con)` once the rows are in. Readers whose file predates the current SQL
create them as TEMP objects per connection.
"""

from __future__ import annotations

import json
import re

import duckdb

from analytics.config import METRIC_DEFAULTS
from analytics.metrics_sql import SQL_FILES, metrics_sql, metrics_sql_version

__all__ = [
    "SQL_FILES",
    "archive_settings",
    "compute_facts",
    "create_views",
    "metrics_sql",
    "metrics_sql_version",
    "views_current",
]

_CREATE = re.compile(r"\bCREATE OR REPLACE (VIEW|MACRO)\b")
# `CREATE OR REPLACE FACT name AS SELECT ...`: a fact stored at ingest (a table computed once
# from the live macros); as a TEMP object on a read-only file it is a view computed per query.
_FACT = re.compile(r"\bCREATE OR REPLACE FACT (\w+)")
_STORED = re.compile(r"\s*(?:--[^\n]*\n\s*)*CREATE OR REPLACE TABLE (\w+)")


def create_views(con: duckdb.DuckDBPyConnection, *, temp: bool = False) -> None:
    """Create (or replace) every metric view and macro. Idempotent.

    With `temp=True` they are TEMP objects of this connection only (works on a read-only
    database). Otherwise they persist in the database, with a `metrics_sql_version()` macro
    readers use to tell whether the stored definitions are current, and the stored facts
    (`CREATE OR REPLACE FACT` in the SQL: tables computed from the loaded rows) are
    computed: run it again whenever the tables change.
    """
    kind = "TEMP " if temp else ""
    if temp and not _has_table(con, "file_rows"):
        # A database written before `file_rows` (schema 2: `files` was the table, whole texts
        # in raw_text): the views read the stored columns under the new name.
        con.execute(
            "CREATE OR REPLACE TEMP VIEW file_rows AS "
            "SELECT * EXCLUDE (raw_text), raw_text AS head_text FROM files"
        )
    if not temp:  # a fact that was a view in an older version of the SQL becomes a table
        facts = [fact for _, text in metrics_sql() for fact in _FACT.findall(text)]
        rows = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT temporary AND NOT internal"
            " AND database_name = current_database() AND list_contains($facts, view_name)",
            {"facts": facts},
        ).fetchall()
        for (view,) in rows:
            con.execute(f"DROP VIEW {view}")  # a name from our own SQL, never user input
    _settings(con, kind)
    for name, text in metrics_sql():
        sql = _CREATE.sub(lambda m: f"CREATE OR REPLACE {kind}{m.group(1)}", text)
        sql = _FACT.sub(rf"CREATE OR REPLACE {'TEMP VIEW' if temp else 'TABLE'} \1", sql)
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise RuntimeError(f"analytics/sql/metrics/{name}: {exc}") from exc
    # The archive timezone as a literal, so `local_ts(...)` of a constant folds to a constant
    # instead of a per-row conversion (ttp_summary at 100k: 32 -> 12 ms). meta is written
    # before the views; the name is a validated IANA name, quoted as a SQL string.
    row = con.execute("SELECT coalesce(max(value), 'UTC') FROM meta WHERE key = 'timezone'")
    timezone = str((row.fetchone() or ("UTC",))[0]).replace("'", "''")
    con.execute(f"CREATE OR REPLACE {kind}MACRO archive_tz() AS '{timezone}'")
    # The version is a hex literal we computed, never user input.
    con.execute(f"CREATE OR REPLACE {kind}MACRO metrics_sql_version() AS '{metrics_sql_version()}'")


def archive_settings(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The archive's metric parameters as the ingest stored them (meta.metrics, from
    postmortems.toml's [metrics]); SPEC's defaults for what it does not hold (a database of
    an older ingest holds none)."""
    row = con.execute("SELECT max(value) FROM meta WHERE key = 'metrics'").fetchone()
    stored = json.loads(row[0]) if row and row[0] else {}
    return {key: int(stored.get(key, default)) for key, default in METRIC_DEFAULTS.items()}


def _settings(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """`archive_window_days()` and the rest: the archive's metric parameters as literals,
    created before the macros whose parameters default to them (a default is bound when its
    macro is created), and the window and minimum the stored facts are computed for."""
    for key, value in archive_settings(con).items():
        con.execute(f"CREATE OR REPLACE {kind}MACRO archive_{key}() AS {int(value)}")


def compute_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the stored facts again from the tables as they are now, in dependency order.

    For a database whose views and macros are current (`views_current`): the ingest creates
    them over the empty tables while its workers parse, and computes the facts at the end.
    """
    for name, text in metrics_sql():
        facts = _FACT.findall(text)
        if not facts:
            continue
        sql = _FACT.sub(r"CREATE OR REPLACE TABLE \1", text)
        computed = []
        for statement in con.extract_statements(sql):
            stored = _STORED.match(statement.query)
            if stored and stored.group(1) in facts:
                try:
                    con.execute(statement.query)
                except duckdb.Error as exc:
                    raise RuntimeError(f"analytics/sql/metrics/{name}: {exc}") from exc
                computed.append(stored.group(1))
        if computed != facts:  # a fact written in a way _STORED does not find
            raise RuntimeError(f"analytics/sql/metrics/{name}: computed {computed}, not {facts}")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $name"
        " AND database_name = current_database()",
        {"name": name},
    ).fetchone()
    return bool(row and row[0])


def views_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database holds the metric views of this version of the code."""
    try:
        row = con.execute("SELECT metrics_sql_version()").fetchone()
    except duckdb.Error:
        return False
    return row is not None and row[0] == metrics_sql_version()
