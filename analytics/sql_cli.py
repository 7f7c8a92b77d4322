"""`postmortems sql`: ad-hoc SQL against the database, opened read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import duckdb
import pandas as pd

from analytics.cli_common import db_option, fail


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
        with pd.option_context(
            "display.max_rows", 200, "display.max_columns", 50, "display.width", 200
        ):
            click.echo(frame.to_string(index=False))
