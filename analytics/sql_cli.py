"""`postmortems sql`: ad-hoc SQL against the database, opened read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import duckdb
import pandas as pd

from analytics.cli_common import db_option, fail

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
    with duckdb.connect(str(db), read_only=True) as con:
        timezone = con.execute("SELECT value FROM meta WHERE key = 'timezone'").fetchone()
        if timezone:
            con.execute("SET TimeZone = ?", [timezone[0]])
        try:
            frame = con.sql(query).df()
        except duckdb.Error as exc:
            fail(str(exc).splitlines()[0])
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        records = frame.to_dict(orient="records")
        click.echo(json.dumps(records, default=str, ensure_ascii=False))
    else:
        shown = frame.astype(object).where(frame.notna(), "")  # missing: blank, not NaN/None
        with pd.option_context("display.max_columns", 50, "display.width", 200):
            click.echo(shown.to_string(index=False, max_colwidth=CELL_CHARS))
        if any(len(str(value)) > CELL_CHARS for column in shown for value in shown[column]):
            click.echo(
                f"(cells cut at {CELL_CHARS} characters; --format csv or json gives them whole)",
                err=True,
            )
