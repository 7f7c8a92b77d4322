"""What the commands share: the `--db` option, the one-line failures (exit 2: usage; exit
3: the system or the database failed, or another ingest runs) and how a problem reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

DEFAULT_DB = Path("data/postmortems.duckdb")


def db_option(function: click.decorators.FC) -> click.decorators.FC:
    """The shared `--db PATH` option."""
    return click.option(
        "--db",
        "db",
        type=click.Path(path_type=Path, dir_okay=False),
        default=DEFAULT_DB,
        show_default=True,
        help="DuckDB database file.",
    )(function)


def fail(message: str) -> NoReturn:
    """One line on stderr, exit 2 (a usage problem: no such archive, no database ...)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


EXIT_FAILED = 3  # not a usage problem: a full disk, a damaged database, a busy lock; retry


def failed(message: str) -> NoReturn:
    """One line on stderr, exit 3: the command could not finish for a reason outside its
    arguments (the disk, the file system, the database file, another ingest running)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_FAILED)


def environment_failure(exc: BaseException) -> str | None:
    """One line for a failure of the file system (OSError) or of DuckDB's storage (a full
    disk while writing, a damaged file, a lock, memory); None for anything else, a bug
    among them (its traceback is wanted). A DuckDB error about a query itself (binder,
    parser, catalog, conversion, constraint, not supported) is a bug in our SQL, as the
    user's own SQL is reported by `sql` before it gets here. Imports nothing: duckdb is
    checked only if loaded."""
    if isinstance(exc, BrokenPipeError):
        return None  # click's own: `postmortems sql ... | head`
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    duckdb = sys.modules.get("duckdb")
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    query_errors = (
        duckdb.ProgrammingError,
        duckdb.DataError,
        duckdb.IntegrityError,
        duckdb.NotSupportedError,
    )
    if isinstance(exc, query_errors):
        return None
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def problem_line(path: str, line: int | None, severity: str, code: str, message: str) -> str:
    """`path:line: severity [code] message`, as compilers and linters write it (the line
    once: a message's own "line N: " is dropped after the path)."""
    where = path
    if line:
        where += f":{int(line)}"
        message = message.removeprefix(f"line {int(line)}: ")
    return f"{where}: {severity} [{code}] {message}"
