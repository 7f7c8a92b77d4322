"""`postmortems sql`: read-only; a readable table (missing values blank, long cells cut)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analytics.cli import main
from analytics.sql_cli import CELL_CHARS

LONG = "word " * 40  # 200 characters


def test_a_table_shows_missing_values_blank_and_cuts_long_cells(
    make_db: Callable[..., Path],
) -> None:
    db = make_db(
        {
            "a.md": f"---\nid: PM-A\nstarted: 2026-01-05\nresolved: 2026-01-06\n---\n{LONG}\n",
            "b.md": "---\nid: PM-B\nstarted: 2026-01-07\n---\nshort\n",
        }
    )
    query = "SELECT id, severity, resolved, body FROM postmortems ORDER BY id"
    table = CliRunner().invoke(main, ["sql", query, "--db", str(db)])
    assert table.exit_code == 0, table.output
    rows = table.stdout.splitlines()
    assert rows[0].split() == ["id", "severity", "resolved", "body"]
    assert "None" not in table.stdout and "NaN" not in table.stdout and "NaT" not in table.stdout
    assert rows[1].startswith("PM-A") and rows[1].endswith("...")
    assert max(len(row) for row in rows) <= 40 + CELL_CHARS  # the body was 200 characters
    assert rows[2].split() == ["PM-B", "short\\n"]  # no severity, no resolved: blank
    assert f"cells cut at {CELL_CHARS} characters" in table.stderr

    whole = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "csv"])
    records = list(csv.DictReader(io.StringIO(whole.stdout)))
    assert records[0]["body"].strip() == LONG.strip() and whole.stderr == ""

    short = CliRunner().invoke(main, ["sql", "SELECT id FROM postmortems", "--db", str(db)])
    assert short.exit_code == 0 and short.stderr == ""


def test_it_refuses_to_write(make_db: Callable[..., Path]) -> None:
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    result = CliRunner().invoke(main, ["sql", "DELETE FROM postmortems", "--db", str(db)])
    assert result.exit_code == 2 and "read-only" in result.output


def test_null_and_nan_differ_and_json_is_valid(make_db: Callable[..., Path]) -> None:
    """A DataFrame turned NULL into NaN: the table could not tell them apart, and the JSON
    printed `NaN` (not JSON) and lists as Python text ("['api']")."""
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\nservices: [api, web]\n---\n"})
    query = (
        "SELECT id, services, NULL::DOUBLE AS x, 'nan'::DOUBLE AS y, 2.50::DECIMAL(4, 2) AS d, "
        "started FROM postmortems"
    )

    def run(*options: str) -> str:
        result = CliRunner().invoke(main, ["sql", query, "--db", str(db), *options])
        assert result.exit_code == 0, result.output
        return result.stdout

    records = json.loads(run("--format", "json"), parse_constant=_no_constant)
    assert records == [
        {
            "id": "PM-A",
            "services": ["api", "web"],
            "x": None,
            "y": None,
            "d": 2.5,
            "started": "2026-01-05T00:00:00+00:00",
        }
    ]
    row = next(csv.DictReader(io.StringIO(run("--format", "csv"))))
    assert (row["x"], row["y"], json.loads(row["services"])) == ("", "NaN", ["api", "web"])
    header, line = run().splitlines()
    assert header.split() == ["id", "services", "x", "y", "d", "started"]
    assert line.split() == ["PM-A", "[api,", "web]", "NaN", "2.50", "2026-01-05", "00:00:00+00:00"]

    empty = CliRunner().invoke(
        main, ["sql", "SELECT id FROM postmortems WHERE false", "--db", str(db)]
    )
    assert empty.stdout == "id\n(no rows)\n"


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_it_writes_no_file_and_names_a_file_that_is_no_database(
    make_db: Callable[..., Path], tmp_path: Path
) -> None:
    """'Read-only' held for the database only: COPY ... TO overwrote any file, another
    database included; a file that is no database was a traceback."""
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    victim = tmp_path / "other.duckdb"
    victim.write_bytes(b"precious")
    for query in (
        f"COPY (SELECT 'x') TO '{victim}' (FORMAT csv)",
        "SET enable_external_access = true",
        "SET allowed_directories = ['/']",
        f"ATTACH '{victim}' AS other",
        f"SELECT * FROM read_text('{victim}')",
    ):
        result = CliRunner().invoke(main, ["sql", query, "--db", str(db)])
        assert result.exit_code == 2 and "Traceback" not in result.output, query
    assert victim.read_bytes() == b"precious"
    result = CliRunner().invoke(main, ["sql", "SELECT 1", "--db", str(victim)])
    assert result.exit_code == 2
    assert f"{victim} cannot be read as a database" in result.output


def test_times_show_in_the_archives_zone_and_the_session_may_set_another(
    make_db: Callable[..., Path],
) -> None:
    """schema.md says to `SET TimeZone` to see another zone's times: it was refused (the
    configuration was locked, which the refused external access does not need)."""
    db = make_db(
        {"a.md": "---\nid: PM-A\nstarted: 2026-01-05 10:00\n---\n"}, timezone="Europe/Berlin"
    )
    query = "SELECT started FROM postmortems"
    berlin = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "csv"])
    assert berlin.stdout.splitlines()[1] == "2026-01-05 10:00:00+01:00"
    utc = CliRunner().invoke(
        main, ["sql", f"SET TimeZone = 'UTC'; {query}", "--db", str(db), "--format", "csv"]
    )
    assert utc.exit_code == 0, utc.output
    assert utc.stdout.splitlines()[1] == "2026-01-05 09:00:00+00:00"


def test_json_keeps_every_column_and_exact_numbers(make_db: Callable[..., Path]) -> None:
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    query = "SELECT 1 AS a, 2 AS a, true AS ok, 12345678901234567890.123456789::DECIMAL(38, 9) AS d"
    result = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "json"])
    assert json.loads(result.stdout) == [
        {"a": 1, "a_1": 2, "ok": True, "d": "12345678901234567890.123456789"}
    ]
    row = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "csv"])
    assert row.stdout.splitlines() == ["a,a_1,ok,d", "1,2,true,12345678901234567890.123456789"]


def test_a_struct_reads_as_json_in_the_table(make_db: Callable[..., Path]) -> None:
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    result = CliRunner().invoke(
        main, ["sql", "SELECT {'a': 1, 'b': [1, NULL]} AS s", "--db", str(db)]
    )
    assert result.stdout.splitlines()[1].strip() == '{"a": 1, "b": [1, null]}'


def test_intervals_read_as_duckdb_writes_them(make_db: Callable[..., Path]) -> None:
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    query = (
        "SELECT INTERVAL 1 DAY AS a, INTERVAL 90 MINUTE AS b, INTERVAL 2 DAY + INTERVAL 3 HOUR AS c"
    )
    result = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "csv"])
    assert result.stdout.splitlines()[1] == "1 day,01:30:00,2 days 03:00:00"


def test_json_names_never_collide_and_a_decimal_column_is_one_kind(
    make_db: Callable[..., Path],
) -> None:
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})

    def records(query: str) -> list[dict[str, object]]:
        result = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "json"])
        return json.loads(result.stdout)

    assert records("SELECT 1 AS a, 2 AS a, 3 AS a_1") == [{"a": 1, "a_2": 2, "a_1": 3}]
    mixed = records(
        "SELECT 1.5::DECIMAL(38, 2) AS d UNION ALL SELECT 123456789012345678.25::DECIMAL(38, 2)"
    )
    assert sorted(r["d"] for r in mixed) == ["1.50", "123456789012345678.25"]  # text, both
    assert records("SELECT 1.5::DECIMAL(4, 2) AS d") == [{"d": 1.5}]
    assert records("SELECT '\\x01\\xFFab'::BLOB AS b") == [{"b": "\\x01\\xFFab"}]


@pytest.mark.parametrize(
    ("tables", "command"),
    [
        ("CREATE TABLE payroll AS SELECT 42 AS salary", "sql"),
        ("CREATE TABLE meta (id INTEGER, name VARCHAR)", "sql"),  # a meta of its own
        ("CREATE TABLE meta (key VARCHAR, value VARCHAR)", "sql"),
        ("CREATE TABLE meta (key VARCHAR, value VARCHAR)", "summary"),
        ("CREATE TABLE meta (key VARCHAR, value VARCHAR); CREATE TABLE files (x INT)", "report"),
    ],
)
def test_another_programs_database_is_named_so(tmp_path: Path, tables: str, command: str) -> None:
    """It was a traceback about a missing `meta` table, exit 1; with a `meta` table of its
    own, a traceback of a binder or catalog error (review D3)."""
    db = tmp_path / "other.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(tables)
    out = str(tmp_path / "r.html")
    args = {"sql": ["sql", "SELECT 1"], "summary": ["summary"],
            "report": ["report", "--month", "2026-10", "--out", out]}  # fmt: skip
    result = CliRunner().invoke(main, [*args[command], "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {db} is not a postmortems database (")
    assert len(result.stderr.splitlines()) == 1


def test_a_database_of_an_older_version_says_so(
    make_db: Callable[..., Path], tmp_path: Path
) -> None:
    """A column schema.md lists was missing with only DuckDB's binder error to say why."""
    import duckdb

    from analytics.ingest import SCHEMA_VERSION

    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n# A\n"})
    query = "SELECT count(*) AS n FROM postmortems"
    assert "older version" not in CliRunner().invoke(main, ["sql", query, "--db", str(db)]).stderr
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    result = CliRunner().invoke(main, ["sql", query, "--db", str(db)])
    assert result.exit_code == 0
    assert result.stderr.startswith(
        f"Note: {db} was written by an older version (schema 3, now {SCHEMA_VERSION}): some "
        "columns docs/schema.md lists are missing until `postmortems ingest` runs again."
    )


def test_a_failing_file_system_is_one_line_and_exit_3(tmp_path: Path, sample_db: Path) -> None:
    """A report written where it cannot be (a read-only or full disk) was a traceback and
    exit 1, which `lint` and `ingest --strict` use for rejected files."""
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "r.html"
    result = CliRunner().invoke(
        main, ["report", "--db", str(sample_db), "--month", "2026-10", "--out", str(out)]
    )
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "a-file" in result.stderr


def test_a_bug_in_our_own_sql_keeps_its_traceback(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 3 and one line are for the disk and the database file. A binder error in a
    metric's SQL is a bug: it became one line and exit 3, and the traceback was lost."""
    import analytics.summary

    def broken(*args: object, **kwargs: object) -> None:
        raise duckdb.BinderException('Referenced column "severty" not found')

    monkeypatch.setattr(analytics.summary, "headline_summary", broken)
    result = CliRunner().invoke(main, ["summary", "--db", str(sample_db)])
    assert result.exit_code == 1
    assert isinstance(result.exception, duckdb.BinderException)

    def disk_gone(*args: object, **kwargs: object) -> None:
        raise duckdb.IOException("Could not read from file: Input/output error")

    monkeypatch.setattr(analytics.summary, "headline_summary", disk_gone)
    result = CliRunner().invoke(main, ["summary", "--db", str(sample_db)])
    assert result.exit_code == 3
    assert result.stderr == "Error: Could not read from file: Input/output error\n"


def test_several_queries_are_refused_not_answered_by_the_last(
    make_db: Callable[..., Path],
) -> None:
    # DuckDB runs them all and returns the last: `SELECT 1; SELECT 2` printed 2 (review R9)
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    both = CliRunner().invoke(main, ["sql", "SELECT 1 AS one; SELECT 2 AS two", "--db", str(db)])
    assert both.exit_code == 2
    assert "2 queries given (SELECT 1 AS one; SELECT 2 AS two)" in both.stderr
    assert both.stdout == ""
    # one query with settings before it and a trailing semicolon is one query
    one = CliRunner().invoke(
        main, ["sql", "SET TimeZone = 'UTC'; SELECT 2 AS two;", "--db", str(db), "--format", "csv"]
    )
    assert one.exit_code == 0, one.output
    assert one.stdout.splitlines() == ["two", "2"]
    pragma = CliRunner().invoke(
        main, ["sql", "PRAGMA enable_profiling; SELECT 3 AS three", "--db", str(db)]
    )
    assert pragma.exit_code == 0, pragma.output
    nothing = CliRunner().invoke(main, ["sql", "--db", str(db), "--", " /* nothing */ "])
    assert nothing.exit_code == 2 and "no query given" in nothing.stderr


def test_a_table_shows_doubles_without_float_noise(make_db: Callable[..., Path]) -> None:
    """0.1 + 0.2 printed 0.30000000000000004 in the table (review R10); csv keeps every digit."""
    db = make_db({"a.md": "---\nid: PM-A\nstarted: 2026-01-05\n---\n"})
    query = "SELECT 0.1::DOUBLE + 0.2::DOUBLE AS sum, 1e20::DOUBLE AS big, [1 / 3] AS third"
    table = CliRunner().invoke(main, ["sql", query, "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[1].split() == ["0.3", "1e+20", "[0.333333333333333]"]
    whole = CliRunner().invoke(main, ["sql", query, "--db", str(db), "--format", "csv"])
    assert whole.stdout.splitlines()[1].startswith("0.30000000000000004,")
