"""`postmortems sql`: ad-hoc SQL against the database, opened read-only."""

from __future__ import annotations

import csv
import datetime
import decimal
import json
import math
import sys
from pathlib import Path
from typing import Any

import click
import duckdb
import pandas as pd

from analytics.cli_common import db_option, fail
from analytics.ingest import SCHEMA_VERSION

CELL_CHARS = 60  # a table cell's width: a postmortem body is kilobytes


@click.command("sql")
@click.argument("query")
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def sql_command(query: str, db: Path, fmt: str) -> None:
    """Run one SQL query against the database (read-only) and print the result.

    Example:

        postmortems sql "SELECT category, count(*) AS n FROM postmortems GROUP BY ALL"
    """
    if not db.exists():
        fail(f"no database at {db}; run `postmortems ingest` first")
    try:
        # read-only, and no file but the database: COPY ... TO could otherwise overwrite any
        # file (another database included). DuckDB refuses to turn external access back on
        # while the database runs, so other settings (SET TimeZone) stay the user's.
        con = duckdb.connect(str(db), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        fail(f"{db} cannot be read as a database: {str(exc).splitlines()[0]}")
    with con:
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            con.execute("SELECT 1 FROM postmortems LIMIT 0")
        except duckdb.Error as exc:  # no meta table, another program's meta, no postmortems
            fail(f"{db} is not a postmortems database ({str(exc).splitlines()[0]})")
        if meta.get("timezone"):
            con.execute("SET TimeZone = ?", [meta["timezone"]])
        written = str(meta.get("schema_version") or "0")
        if not written.isdigit() or int(written) < int(SCHEMA_VERSION):
            click.echo(
                f"Note: {db} was written by an older version (schema "
                f"{meta.get('schema_version', '?')}, now {SCHEMA_VERSION}): some columns "
                "docs/schema.md lists are missing until `postmortems ingest` runs again.",
                err=True,
            )
        try:
            # statements that return rows: sql prints one result, and DuckDB's gave the
            # last alone, so `SELECT 1; SELECT 2` printed 2 without a word (review R9).
            # Settings before it (SET TimeZone = ...; PRAGMA threads = 1; SELECT ...) are
            # welcome.
            statements = con.extract_statements(query)
            if not statements:
                fail("no query given (only comments or blanks)")
            results = [
                statement.query.strip()
                for statement in statements
                if duckdb.ExpectedResultType.QUERY_RESULT in statement.expected_result_type
                and statement.type != duckdb.StatementType.PRAGMA  # a setting, as SET
            ]
            if len(results) > 1:
                fail(
                    f"{len(results)} queries given ({'; '.join(_short(q) for q in results)}): "
                    "`postmortems sql` prints the result of one; run them one at a time"
                )
            result = con.sql(query)
            columns = _unique(result.columns) if result is not None else []
            rows = result.fetchall() if result is not None else []
        except duckdb.Error as exc:
            fail(str(exc).splitlines()[0])
    # Python values, not a DataFrame: NULL stays None (a DataFrame makes it NaN, as a real
    # NaN is), lists stay lists and JSON gets null, never the invalid `NaN`.
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(columns)
        out.writerows([_csv_cell(value) for value in row] for row in rows)
    elif fmt == "json":
        exact = _exact_decimals(rows, len(columns))
        records = [
            {
                name: str(value) if i in exact and value is not None else _json_value(value)
                for i, (name, value) in enumerate(zip(columns, row, strict=True))
            }
            for row in rows
        ]
        click.echo(json.dumps(records, ensure_ascii=False))
    elif not rows:
        click.echo("  ".join(columns) + "\n(no rows)")
    else:
        shown = pd.DataFrame(
            [[_table_cell(value) for value in row] for row in rows], columns=columns, dtype=object
        )
        with pd.option_context("display.max_columns", 50, "display.width", 200):
            click.echo(shown.to_string(index=False, max_colwidth=CELL_CHARS))
        if any(len(str(value)) > CELL_CHARS for column in shown for value in shown[column]):
            click.echo(
                f"(cells cut at {CELL_CHARS} characters; --format csv or json gives them whole)",
                err=True,
            )


def _short(query: str, chars: int = 30) -> str:
    """A query's start, on one line, to name it in a message."""
    text = " ".join(query.rstrip(";").split())
    return text if len(text) <= chars else text[: chars - 3] + "..."


def _exact_decimals(rows: list[tuple[Any, ...]], width: int) -> set[int]:
    """The columns holding a decimal that a float would change: written as text in every
    row (a number in one row and text in the next is no column a reader can use)."""
    return {
        i
        for i in range(width)
        if any(isinstance(row[i], decimal.Decimal) and not _float_keeps(row[i]) for row in rows)
    }


def _float_keeps(value: decimal.Decimal) -> bool:
    """A float holds this decimal exactly (1.50 yes; 123456789012345678.25 no)."""
    return decimal.Decimal(repr(float(value))) == value


def _json_value(value: Any) -> Any:
    """A DuckDB value as JSON has it: NULL, NaN and infinities as null, times as ISO 8601,
    decimals as numbers (as text when a float would change them), lists and structs as
    arrays and objects."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):  # a number, unless a float would change it
        return float(value) if _float_keeps(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return _plain(value)  # intervals and blobs as DuckDB writes them, UUIDs


def _csv_cell(value: Any) -> str:
    """NULL blank, a NaN as NaN; lists and structs as JSON."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(_json_value(value), ensure_ascii=False)
    return "" if value is None else _plain(value)


def _table_cell(value: Any) -> str:
    """NULL blank, a NaN as NaN; a list as [a, b]; a struct as JSON (not a Python dict); a
    double to 15 significant digits, the most it holds for sure, so float noise does not
    show (19.09, not 19.090000000000003; csv and json keep every digit)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_table_cell(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(_json_value(value), ensure_ascii=False)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.15g}"
    return "" if value is None else _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, bool):
        return "true" if value else "false"  # as DuckDB and JSON write them
    if isinstance(value, bytes):  # as DuckDB writes a blob: printable ASCII, else \xHH
        return "".join(
            chr(byte) if 32 <= byte < 127 and byte != 92 else f"\\x{byte:02X}" for byte in value
        )
    if isinstance(value, datetime.timedelta) and value >= datetime.timedelta(0):
        return _interval(value)
    return str(value)


def _interval(value: datetime.timedelta) -> str:
    """An interval as DuckDB writes one: 1 day, 2 days 03:00:00, 01:30:00 (Python's
    str() gave '1 day, 0:00:00')."""
    days = value.days
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if value.microseconds:
        clock += f".{value.microseconds:06d}"
    if not days:
        return clock
    text = f"{days} day{'s' if days != 1 else ''}"
    return text if clock == "00:00:00" else f"{text} {clock}"


def _unique(columns: list[str]) -> list[str]:
    """Column names made unique as pandas does (a, a_1): a join's two `id` columns were one
    key of a JSON record, the first lost. A suffix never takes a name given later."""
    taken = set(columns)
    names: list[str] = []
    for name in columns:
        if name in names:
            count = 1
            while f"{name}_{count}" in taken or f"{name}_{count}" in names:
                count += 1
            name = f"{name}_{count}"
        names.append(name)
    return names
