"""Opening the database: read-only, missing file, stale views, the duckdb shell, CLI errors."""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

import analytics.metrics as m
import analytics.views as views_module
from analytics.cli import main
from analytics.metrics import DatabaseNotFoundError, Filters
from analytics.metrics.db import _frame
from analytics.views import SQL_FILES, create_views, metrics_sql, views_current

AS_OF = date(2026, 11, 1)
SQL_DIR = Path(__file__).resolve().parent.parent / "analytics" / "sql" / "metrics"


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFoundError, match="postmortems ingest"):
        m.open_db(tmp_path / "nope.duckdb")
    result = CliRunner().invoke(main, ["summary", "--db", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "run `postmortems ingest`" in result.output


@pytest.mark.parametrize(
    ("option", "value", "hint"),
    [("--service", "checkout", "checkout-api"), ("--category", "deploy-pipeline",
     "deployment-pipeline"), ("--team", "payment", "payments")],
)  # fmt: skip
def test_unknown_filter_value_names_close_matches(
    fixture_db: Path, option: str, value: str, hint: str
) -> None:
    result = CliRunner().invoke(main, ["summary", "--db", str(fixture_db), option, value])
    assert result.exit_code == 2
    assert f"unknown {option[2:]}" in result.output and hint in result.output


def test_bad_severity_is_a_usage_error(fixture_db: Path) -> None:
    result = CliRunner().invoke(main, ["summary", "--db", str(fixture_db), "--severity", "huge"])
    assert result.exit_code == 2 and "not a severity" in result.output


def test_readers_never_write(fixture_db: Path) -> None:
    before = hashlib.sha256(fixture_db.read_bytes()).hexdigest()
    m.summary(fixture_db, Filters(as_of=AS_OF))
    m.incidents(fixture_db, Filters(as_of=AS_OF))
    assert hashlib.sha256(fixture_db.read_bytes()).hexdigest() == before


def test_stored_views_serve_the_duckdb_shell(fixture_db: Path) -> None:
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        assert views_current(con)
        row = con.execute(
            "SELECT incidents, repeats FROM repeat_rate(as_of := DATE '2026-11-01')"
        ).fetchone()
        assert row == (17, 8)
        # the same answer whatever the session TimeZone: local dates come from meta.timezone
        con.execute("SET TimeZone = 'America/Los_Angeles'")
        months = con.execute(
            "SELECT month FROM scoped_incidents(as_of := DATE '2026-11-01') WHERE id = 'PM-09'"
        ).fetchone()
        assert months == ("2026-04",)


def test_stale_views_fall_back_to_temp_definitions(fixture_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old.duckdb"
    shutil.copy(fixture_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("CREATE OR REPLACE MACRO metrics_sql_version() AS 'old'")
        con.execute("DROP MACRO TABLE repeat_rate")
        assert not views_current(con)
    assert m.repeat_rate(copy, Filters(as_of=AS_OF))["repeats"].tolist() == [8]


def test_a_database_of_the_older_layout_is_read_through_temp_views(
    fixture_db: Path, tmp_path: Path
) -> None:
    before = m.summary(fixture_db, Filters(as_of=AS_OF))
    copy = tmp_path / "schema2.duckdb"
    shutil.copy(fixture_db, copy)
    with duckdb.connect(str(copy)) as con:  # as schema 2 left it: files a table, no file_rows
        texts = dict(con.execute("SELECT path, raw_text FROM files").fetchall())
        con.execute("CREATE TABLE old_files AS SELECT * FROM files")
        con.execute("DROP VIEW files")
        con.execute("DROP TABLE file_rows")
        con.execute("ALTER TABLE old_files RENAME TO files")
        con.execute("CREATE OR REPLACE MACRO metrics_sql_version() AS 'old'")
    after = m.summary(copy, Filters(as_of=AS_OF))
    assert (after["rejected"], after["postmortems"]) == (before["rejected"], before["postmortems"])
    files = m.data_quality_files(copy)
    assert sorted(files["path"]) == sorted(texts)
    path = files["path"].iloc[0]
    stored = m.source_file(copy, path)
    assert stored is not None and stored["raw_text"] == texts[path]


def test_compute_facts_refuses_a_fact_it_cannot_find(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "facts.duckdb"
    shutil.copy(fixture_db, copy)
    hidden = "/* a block comment */ CREATE OR REPLACE FACT fact_x AS SELECT 1 AS x;"
    monkeypatch.setattr(views_module, "metrics_sql", lambda: (("x.sql", hidden),))
    with duckdb.connect(str(copy)) as con, pytest.raises(RuntimeError, match="fact_x"):
        views_module.compute_facts(con)


def test_create_views_is_idempotent(fixture_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again.duckdb"
    shutil.copy(fixture_db, copy)
    with duckdb.connect(str(copy)) as con:
        create_views(con)
        create_views(con)
        assert views_current(con)
    assert m.summary(copy, Filters(as_of=AS_OF))["repeats"] == 8


def test_every_sql_file_is_loaded_and_documented() -> None:
    assert sorted(SQL_FILES) == sorted(p.name for p in SQL_DIR.glob("*.sql"))
    docs = (SQL_DIR.parent.parent.parent / "docs" / "metrics.md").read_text(encoding="utf-8")
    for name, text in metrics_sql():
        assert text.startswith("-- "), name  # a header comment says what the file defines
        for macro in re.findall(r"CREATE OR REPLACE (?:MACRO|VIEW) (\w+)", text):
            assert macro in text.split("CREATE", 1)[0] or macro in docs, (name, macro)


def test_empty_archive_gives_nulls(make_db: Callable[..., Path]) -> None:
    db = make_db({"broken.md": "---\ntitle: no start\n---\n# x\n"})
    data = m.summary(db, Filters(as_of=AS_OF))
    assert (data["postmortems"], data["rejected"]) == (0, 1)
    assert data["repeat_rate"] is None and data["ttp"]["p90_hours"] is None
    assert data["fix_levels"]["no_fix"] == 0
    assert m.incidents_by_month(db, Filters(as_of=AS_OF)).empty
    assert m.monthly_rates(db, Filters(as_of=AS_OF)).empty


def test_default_timezone_is_utc_and_simultaneous_incidents_are_no_repeats(
    make_db: Callable[..., Path],
) -> None:
    db = make_db(
        {
            "a.md": "---\nid: A\nstarted: 2026-01-31 23:30\nservices: [x]\ncategory: c\n---\n",
            "b.md": "---\nid: B\nstarted: 2026-02-01T00:30:00+01:00\nservices: [x]\n"
            "category: c\n---\n",
        }
    )
    database = m.open_db(db)
    assert database.timezone == "UTC"
    frame = m.recurrence_incidents(database)  # as_of: today
    assert dict(zip(frame["id"], frame["month"], strict=True)) == {"A": "2026-01", "B": "2026-01"}
    # 00:30+01:00 is 23:30Z: the same instant as A. Simultaneous incidents repeat neither way.
    assert not frame["is_repeat"].any()
    assert m.summary(database)["as_of"] == database.today().isoformat()


def test_one_database_follows_an_ingest_swap_while_an_old_query_runs(
    make_db: Callable[..., Path], tmp_path: Path
) -> None:
    one = "---\nid: A\nstarted: 2026-01-05\nservices: [x]\ncategory: c\n---\n"
    two = "---\nid: B\nstarted: 2026-01-06\nservices: [x]\ncategory: c\n---\n"
    old, new = make_db({"a.md": one}), make_db({"a.md": one, "b.md": two})
    live = tmp_path / "live.duckdb"
    shutil.copy(old, live)
    database = m.open_db(live)
    with database.connect() as running:  # a reader still on the old file
        assert m.archive_info(database)["postmortems"] == "1"
        shutil.copy(new, tmp_path / "next.duckdb")
        (tmp_path / "next.duckdb").replace(live)  # what ingest does: an atomic swap
        # DuckDB's own connection cache would hand back the old file here.
        assert m.archive_info(database)["postmortems"] == "2"
        assert m.incidents(database, Filters(as_of=AS_OF))["id"].tolist() == ["B", "A"]
        assert running.execute("SELECT count(*) FROM postmortems").fetchone() == (1,)


def test_a_pinned_database_reads_one_file_version_across_an_ingest_swap(
    make_db: Callable[..., Path], tmp_path: Path
) -> None:
    """A notebook's cells run one by one: an ingest between two of them mixed two versions
    of the archive in one review (review R10). A pinned copy keeps the version it opened."""
    one = "---\nid: A\nstarted: 2026-01-05\nservices: [x]\ncategory: c\n---\n"
    two = "---\nid: B\nstarted: 2026-01-06\nservices: [x]\ncategory: c\n---\n"
    old, new = make_db({"a.md": one}), make_db({"a.md": one, "b.md": two})
    live = tmp_path / "live.duckdb"
    shutil.copy(old, live)
    following, pinned = m.open_db(live), m.open_db(live).pinned()
    assert repr(pinned).endswith(", pinned)") and repr(following).endswith(".duckdb')")
    shutil.copy(new, tmp_path / "next.duckdb")
    (tmp_path / "next.duckdb").replace(live)  # the ingest's swap, between two cells
    assert m.summary(following, Filters(as_of=AS_OF))["postmortems"] == 2
    assert m.summary(pinned, Filters(as_of=AS_OF))["postmortems"] == 1
    assert m.incidents(pinned, Filters(as_of=AS_OF))["id"].tolist() == ["A"]
    assert m.archive_info(m.open_db(live).pinned())["postmortems"] == "2"  # opened again
    # pinned from a snapshot's copy: that version, and usable after its block (its cursor
    # closes with the block)
    shutil.copy(old, tmp_path / "next.duckdb")
    with following.snapshot() as snap:
        (tmp_path / "next.duckdb").replace(live)  # swapped while the block reads version 2
        kept = snap.pinned()
    assert m.summary(kept, Filters(as_of=AS_OF))["postmortems"] == 2
    assert m.summary(following, Filters(as_of=AS_OF))["postmortems"] == 1


def test_create_views_turns_an_older_view_into_a_stored_fact(
    fixture_db: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "older.duckdb"
    shutil.copy(fixture_db, copy)
    with duckdb.connect(str(copy)) as con:  # as an older version of the SQL left it
        con.execute("DROP TABLE stg_incidents")
        con.execute("CREATE VIEW stg_incidents AS SELECT 1 AS id")
        create_views(con)
        kind = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stg_incidents'"
        ).fetchone()
    assert kind == (1,)
    assert m.summary(copy, Filters(as_of=AS_OF))["repeats"] == 8


def test_parallel_runs_tasks_in_order_on_one_file_version(fixture_db: Path) -> None:
    database = m.open_db(fixture_db)
    months = [date(2026, month, 1) for month in range(1, 12)]
    tasks = [
        functools.partial(m.summary, filters=Filters(as_of=first, end=first)) for first in months
    ]
    found = database.parallel(tasks)
    assert found == [m.summary(database, Filters(as_of=first, end=first)) for first in months]
    assert len({item["postmortems"] for item in found}) > 3  # the months really differ


def test_long_results_convert_through_arrow_with_the_dtypes_of_df() -> None:
    """A listing goes through Arrow (faster) and must give what `.df()` gives: dates as
    datetime64, decimals and sums (HUGEINT) as float, NULL-holding integers and booleans as
    pandas' nullable dtypes, the rest alike; a column without NULLs keeps its numpy dtype."""
    sql = """
        SELECT * FROM (VALUES
            (DATE '2026-01-31', 1::INTEGER, 7::BIGINT, true, 2.5, 'a', ['x', 'y'],
             TIMESTAMPTZ '2026-01-31 10:00:00+00', 3::SMALLINT, false),
            (NULL, NULL, 8::BIGINT, NULL, NULL, NULL, NULL, NULL, 4::SMALLINT, true)
        ) AS t(day, n, big, flag, x, s, l, ts, small, ok)
        CROSS JOIN (SELECT sum(v) AS total FROM range(3) AS r(v))
        WHERE $keep
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for keep in (True, False):
        expected = con.execute(sql, {"keep": keep}).df()
        got = _frame(con, sql, {"keep": keep}, long=True)
        if keep:
            pd.testing.assert_frame_equal(got, expected)
            assert str(got["n"].dtype) == "Int32" and str(got["flag"].dtype) == "boolean"
            assert str(got["big"].dtype) == "int64" and str(got["ok"].dtype) == "bool"
            assert list(got["l"].iloc[0]) == ["x", "y"]
        else:  # no rows: the same columns (Arrow types text `str` where .df() says object)
            assert list(got.columns) == list(expected.columns) and got.empty
    assert _frame(con, sql, {"keep": True}, long=False).equals(
        con.execute(sql, {"keep": True}).df()
    )


def test_metric_columns_select_those_columns_of_the_same_rows(fixture_db: Path) -> None:
    db = m.open_db(fixture_db)
    for macro, columns in (("action_summary", ("overdue", "done")), ("fix_levels", ("count",))):
        whole = db.metric(macro, Filters(as_of=AS_OF))
        some = db.metric(macro, Filters(as_of=AS_OF), columns=columns)
        assert list(some.columns) == list(columns)
        assert some.equals(whole[list(columns)])
    with pytest.raises(ValueError, match="not a column name"):
        db.metric("action_summary", Filters(as_of=AS_OF), columns=("overdue; DROP TABLE x",))


def test_metric_each_gives_each_scopes_rows_as_metric_does(fixture_db: Path) -> None:
    """One lateral query per call must give, scope by scope, what a query per scope gives:
    each its own as_of and dates (a month in progress, a cut month, an empty one), the
    other filters shared."""
    db = m.open_db(fixture_db)
    shared = {"window_days": 90, "ttp_hours": 24}
    scopes = [
        Filters(start=date(2026, 10, 1), end=date(2026, 10, 31), as_of=date(2026, 11, 1)),
        Filters(start=date(2026, 10, 1), end=date(2026, 10, 31), as_of=date(2026, 10, 30)),
        Filters(start=date(2024, 1, 1), end=date(2024, 1, 31), as_of=date(2024, 2, 1)),
        Filters(start=date(2026, 5, 1), end=date(2026, 5, 31), as_of=date(2026, 6, 1)),
        Filters(start=date(2026, 9, 10), end=date(2026, 9, 30), as_of=date(2026, 10, 1)),
    ]
    scopes = [scope.replace(**shared) for scope in scopes]
    for macro, order in (("monthly_rates", ["month", "metric"]), ("ttp_summary", [])):
        each = db.metric_each(macro, scopes)
        assert list(each["scope"].unique()) == [
            i for i, s in enumerate(scopes) if not db.metric(macro, s).empty
        ]
        for i, scope in enumerate(scopes):
            got = each[each["scope"] == i].drop(columns="scope")
            expected = db.metric(macro, scope)
            assert list(got.columns) == list(expected.columns)
            if expected.empty:  # (.df() types an empty text column object, not str)
                assert got.empty
                continue
            if order:
                got, expected = got.sort_values(order), expected.sort_values(order)
            pd.testing.assert_frame_equal(
                got.reset_index(drop=True), expected.reset_index(drop=True)
            )
        assert each["scope"].is_monotonic_increasing
    rates = db.metric_each("monthly_rates", scopes).set_index(["scope", "metric"])["denominator"]
    assert rates[(0, "repeat_rate")] == 3 and rates[(1, "repeat_rate")] == 2  # as_of differs
    with pytest.raises(ValueError, match="differ in severity_in"):
        db.metric_each("ttp_summary", [scopes[0], scopes[1].replace(severities=("SEV1",))])
    with pytest.raises(ValueError, match="at least one scope"):
        db.metric_each("ttp_summary", [])


def _stale_copy(fixture_db: Path, path: Path, timezone: str | None = None) -> Path:
    """A copy of the fixture whose stored views are older than the code (in `timezone`)."""
    shutil.copy(fixture_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE OR REPLACE MACRO metrics_sql_version() AS 'old'")
        if timezone:
            con.execute("UPDATE meta SET value = $tz WHERE key = 'timezone'", {"tz": timezone})
    return path


def _setup(con: duckdb.DuckDBPyConnection) -> tuple[str, bool]:
    """A cursor's TimeZone, and whether it reads the views from temp definitions."""
    timezone = con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]
    temp = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name = 'data_quality_files'"
    ).fetchall()[0][0]
    return timezone, temp == 1


def test_a_cursor_is_set_up_from_its_own_file_version_not_the_latest(
    fixture_db: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.duckdb"
    shutil.copy(fixture_db, live)
    db = m.open_db(live)
    first = db._current_root()
    own_zone = db.timezone
    _stale_copy(fixture_db, tmp_path / "next.duckdb", "Pacific/Auckland").replace(live)
    assert db.timezone == "Pacific/Auckland" != own_zone  # the swap is seen
    with db._bound(first) as old, old.connect() as con:  # a snapshot taken before the swap
        assert _setup(con) == (own_zone, False)  # its file's timezone, its stored views
    with db.connect() as con:
        assert _setup(con) == ("Pacific/Auckland", True)  # the new file's: temp views


def test_parallel_runs_on_one_cursor_where_each_would_build_the_views(
    fixture_db: Path, tmp_path: Path
) -> None:
    stale = m.open_db(_stale_copy(fixture_db, tmp_path / "stale.duckdb"))
    filters = Filters(as_of=AS_OF)
    here = threading.get_ident()
    seen = stale.parallel([lambda d: (threading.get_ident(), d.bound)] * 3)
    assert seen == [(here, True)] * 3
    assert m.summary(stale, filters) == m.summary(fixture_db, filters)


def test_summary_is_the_same_on_two_threads_and_on_one_connection(fixture_db: Path) -> None:
    # summary() runs its queries on two threads, or one after another on a bound database
    db = m.open_db(fixture_db)
    patterns = 0
    for filters in (Filters(as_of=AS_OF), Filters(as_of=date(2026, 3, 1), pattern_min=2),
                    Filters(as_of=AS_OF, services=("checkout-api",), window_days=90)):  # fmt: skip
        assert not db.bound
        threaded = m.summary(db, filters)
        with db.snapshot() as bound:
            assert bound.bound
            assert m.summary(bound, filters) == threaded
        assert threaded["postmortems"] > 0
        patterns += len(threaded["patterns"])
    assert patterns > 0


def test_each_action_rate_has_its_own_small_sample_flag(make_db: Callable[..., Path]) -> None:
    """An owner's on-time rate over 1 item read 100% beside an unticked "small sample": the
    flag spoke of completion's 6 items."""
    actions = "".join(
        f"  - {{title: A{n}, owner: ops, due: 2026-02-01, status: done"
        + (", done: 2026-01-20}\n" if n == 0 else "}\n")
        for n in range(6)
    )
    db = make_db(
        {
            "a.md": "---\nid: PM-A\nstarted: 2026-01-05\npostmortem_date: 2026-01-06\n"
            f"actions:\n{actions}---\n# A\n"
        }
    )
    filters = Filters(as_of=date(2026, 11, 1))
    for frame in (m.action_summary(db, filters), m.actions_by(db, filters, by="owner")):
        row = frame.iloc[0]
        assert (row["done"], row["done_with_dates"], row["on_time_rate"]) == (6, 1, 1.0)
        assert not row["small_sample"]  # completion: 6 of 6
        assert row["on_time_small_sample"]  # on time: 1 of 1
        assert row["slo_decided"] == 1 and row["slo_small_sample"]


def test_archive_first_date_is_the_least_start_date_of_the_universe(
    sample_db: Path, make_db: Callable[..., Path]
) -> None:
    # the stored first incident answers for universe(as_of) at any as_of: before it
    # (none), on its local day (none yet: as_of is 00:00), the day after, and later
    db = m.open_db(sample_db)
    first = db.query("SELECT min(started_date) AS d FROM stg_incidents")["d"].iloc[0].date()
    probes = [first - pd.Timedelta(days=1), first, first + pd.Timedelta(days=1), date(2030, 1, 1)]
    seen = []
    for as_of in probes:
        row = db.query(
            "SELECT archive_first_date(as_of := $a) AS stored, "
            "(SELECT min(started_date) FROM universe(as_of := $a)) AS scanned",
            {"a": as_of},
        ).iloc[0]
        assert (pd.isna(row["stored"]) and pd.isna(row["scanned"])) or (
            row["stored"] == row["scanned"]
        ), as_of
        seen.append(None if pd.isna(row["stored"]) else row["stored"])
    assert seen[:2] == [None, None] and seen[2] is not None
    # an empty archive has no first incident
    empty = m.open_db(make_db({"notes.md": "# not a postmortem\n"}))
    assert pd.isna(empty.query("SELECT archive_first_date() AS d")["d"].iloc[0])
