"""Loading an archive into DuckDB (analytics/ingest.py) and `postmortems ingest`."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from archive_factory import RECURRENCE_KEYS, postmortem, query, set_mtime, write_archive
from click.testing import CliRunner

import analytics.frontmatter as frontmatter_module
import analytics.ingest as ingest_module
import analytics.ingest_tables as ingest_tables
from analytics.archive import parse_file
from analytics.config import ArchiveConfig
from analytics.ingest import IngestError, ingest
from analytics.ingest_cli import describe, ingest_command

BAD = "---\nid: PM-BAD\nresolved: 2026-13-45\n" + RECURRENCE_KEYS + "---\n"
WITH_VIEWS = ingest_module._create_views


@pytest.fixture(autouse=True)
def _no_metric_views(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metrics' views are tested with the metrics; here they would triple each ingest's time."""
    monkeypatch.setattr(ingest_module, "_create_views", lambda con: None)


def _pm(n: int, service: str = "checkout-api") -> str:
    extra = f"services: [{service}]\ncategory: deployment-pipeline\n"
    return postmortem(f"PM-{n}", f"2026-03-{n:02d}T10:00:00Z", extra)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive", {f"pm-{n}.md": _pm(n) for n in range(1, 6)})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "pm.duckdb"


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths parsed by the (single-process) ingest."""
    calls: list[str] = []

    def counting(path, *args, **kwargs):
        calls.append(path)
        return parse_file(path, *args, **kwargs)

    monkeypatch.setattr(ingest_tables, "parse_file", counting)
    return calls


def _counts(result) -> tuple[int, ...]:
    return (
        result.added,
        result.updated,
        result.unchanged,
        result.removed,
        result.renamed,
        result.postmortems,
        result.rejected,
    )


def test_first_load_writes_every_table(tmp_path, db, monkeypatch):
    monkeypatch.setattr(ingest_module, "_create_views", WITH_VIEWS)  # the real build, once
    text = (
        "---\n"
        "id: PM-2026-031\n"
        "title: Checkout 502s\n"
        "status: Published\n"
        "severity: sev-2\n"
        "services: [Checkout_API, payments]\n"
        "categories: [Deployment Pipeline, config]\n"
        "tags: [rollback]\n"
        "team: Payments\n"
        "started: 2026-03-02 15:05\n"
        "resolved: 2026-03-02T14:47:00Z\n"
        "timeline: live\n"
        "level: L5\n"
        "fix: {summary: Warm cache, level: L3, owner: platform, due: 2026-03-20}\n"
        "actions:\n  - {title: Alert, status: closed, due: 2026-04-01}\n"
        "runbook: https://x\n"
        "---\n# Checkout 502s\n"
    )
    toml = 'timezone = "Europe/Berlin"\n'
    archive = write_archive(tmp_path / "archive", {"2026/pm.md": text, "postmortems.toml": toml})
    result = ingest(archive, db, workers=1)
    assert _counts(result) == (1, 0, 0, 0, 0, 1, 0)
    assert result.rewritten is True
    assert query(
        db,
        "SELECT id, path, title, status, severity, severity_rank, services, primary_service, "
        "category, categories, tags, teams, started, resolved, timeline_written, chain_level, "
        "fix_count, body FROM postmortems",
    ) == [
        (
            "PM-2026-031",
            "2026/pm.md",
            "Checkout 502s",
            "published",
            "SEV2",
            2,
            ["checkout-api", "payments"],
            "checkout-api",
            "deployment-pipeline",
            ["deployment-pipeline", "config"],
            ["rollback"],
            ["payments"],
            datetime(2026, 3, 2, 14, 5, tzinfo=UTC),
            datetime(2026, 3, 2, 14, 47, tzinfo=UTC),
            "during",
            "L5",
            1,
            "# Checkout 502s\n",
        )
    ]
    [(original, extra)] = query(db, "SELECT original, extra FROM postmortems")
    assert json.loads(original) == {
        "severity": "sev-2",
        "services": ["Checkout_API", "payments"],
        "category": ["Deployment Pipeline", "config"],
        "teams": "Payments",
        "timeline_written": "live",
    }
    assert json.loads(extra) == {"runbook": "https://x"}
    assert query(
        db, "SELECT seq, kind, source, title, owner, due, status, level FROM actions ORDER BY seq"
    ) == [
        (1, "fix", "frontmatter", "Warm cache", "platform", date(2026, 3, 20), "open", "L3"),
        (2, "action", "frontmatter", "Alert", None, date(2026, 4, 1), "done", None),
    ]
    assert query(db, "SELECT * FROM postmortem_services ORDER BY position") == [
        ("PM-2026-031", "checkout-api", 1),
        ("PM-2026-031", "payments", 2),
    ]
    assert query(db, "SELECT category, position FROM postmortem_categories ORDER BY 2") == [
        ("deployment-pipeline", 1),
        ("config", 2),
    ]
    assert query(db, "SELECT tag FROM postmortem_tags") == [("rollback",)]
    assert query(db, "SELECT team FROM postmortem_teams") == [("payments",)]
    assert query(db, "SELECT path, status, size_bytes, raw_text FROM files") == [
        ("2026/pm.md", "loaded", len(text.encode()), text)
    ]
    meta = dict(query(db, "SELECT key, value FROM meta"))
    assert (meta["timezone"], meta["postmortems"], meta["rejected"]) == ("Europe/Berlin", "1", "0")
    assert meta["archive"] == str(archive.resolve())


def test_unchanged_reingest_leaves_the_database_file_untouched(archive, db, parse_calls):
    ingest(archive, db, workers=1)
    before = db.stat()
    parse_calls.clear()
    result = ingest(archive, db, workers=1)
    after = db.stat()
    assert result.rewritten is False
    assert _counts(result) == (0, 0, 5, 0, 0, 5, 0)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    assert parse_calls == []


def test_unchanged_reingest_with_a_rejected_file_is_still_a_no_op(archive, db):
    write_archive(archive, {"bad.md": BAD})
    first = ingest(archive, db, workers=1)
    second = ingest(archive, db, workers=1)
    assert (first.rejected, second.rejected, second.rewritten) == (1, 1, False)
    assert second.problems == first.problems


def test_edit_add_delete_rename(archive, db, parse_calls):
    ingest(archive, db, workers=1)
    (archive / "pm-1.md").write_text(_pm(1, service="search"))  # edit
    set_mtime(archive / "pm-1.md", 1_900_000_000)
    write_archive(archive, {"2026/pm-6.md": _pm(6)})  # add
    (archive / "pm-2.md").unlink()  # delete
    (archive / "pm-3.md").rename(archive / "renamed-3.md")  # rename, same content
    parse_calls.clear()

    result = ingest(archive, db, workers=1)

    # a rename is a new path plus a removed one with the same content
    assert _counts(result) == (2, 1, 2, 2, 1, 5, 0)
    # and said as itself, in neither the new nor the removed files (R20), each by name (R21)
    said = describe(result)
    assert "files: 1 new, 1 updated, 2 unchanged, 1 removed, 1 moved or renamed" in said
    assert result.moves == [("pm-3.md", "renamed-3.md", "PM-3", "PM-3")]
    assert result.removed_paths == ["pm-2.md"]
    assert "  moved or renamed:\n    pm-3.md -> renamed-3.md\n  removed:\n    pm-2.md" in said
    assert sorted(parse_calls) == ["2026/pm-6.md", "pm-1.md", "renamed-3.md"]
    assert query(db, "SELECT id, path, primary_service FROM postmortems ORDER BY id") == [
        ("PM-1", "pm-1.md", "search"),
        ("PM-3", "renamed-3.md", "checkout-api"),
        ("PM-4", "pm-4.md", "checkout-api"),
        ("PM-5", "pm-5.md", "checkout-api"),
        ("PM-6", "2026/pm-6.md", "checkout-api"),
    ]
    assert query(db, "SELECT path FROM files ORDER BY path") == [
        ("2026/pm-6.md",),
        ("pm-1.md",),
        ("pm-4.md",),
        ("pm-5.md",),
        ("renamed-3.md",),
    ]
    assert query(db, "SELECT postmortem_id, service FROM postmortem_services ORDER BY 1") == [
        ("PM-1", "search"),
        ("PM-3", "checkout-api"),
        ("PM-4", "checkout-api"),
        ("PM-5", "checkout-api"),
        ("PM-6", "checkout-api"),
    ]
    assert query(db, "SELECT count(*) FROM problems") == [(0,)]


def test_a_renamed_file_without_an_id_says_its_id_changed(tmp_path, db):
    """R21: a file named by its stem (no `id:`) got a new id when moved, and a shared link
    to the old one found nothing, the ingest saying only "3 removed (3 renamed)"."""
    text = "---\nstarted: 2026-03-01T10:00:00Z\nservices: [a]\ncategory: b\n---\n# Slow\n"
    broken = "---\nstarted: 2026-13-45\n---\n# Broken\n"  # rejected
    many = {f"gone-{n}.md": _pm(10 + n) for n in range(7)}
    files = {"pm-slow-db.md": text, "broken-one.md": broken, **many}
    archive = write_archive(tmp_path / "archive", files)
    ingest(archive, db, workers=1)
    (archive / "2026").mkdir()
    (archive / "pm-slow-db.md").rename(archive / "2026" / "pm-slow-database.md")
    (archive / "broken-one.md").rename(archive / "2026" / "broken-two.md")
    for n in range(7):
        (archive / f"gone-{n}.md").unlink()
    write_archive(archive, {"new.md": _pm(30)})
    said = describe(ingest(archive, db, workers=1))
    assert (
        "    pm-slow-db.md -> 2026/pm-slow-database.md (its id changed from pm-slow-db to "
        "pm-slow-database: the file has no `id:` line, so its name is its id; add `id:` to "
        "keep links to it working)"
    ) in said
    # a rejected file moved: no id to keep links to (nothing links to a rejected one's id)
    assert "\n    broken-one.md -> 2026/broken-two.md\n" in said
    # the first five of the removed files, then how many more
    assert "  removed:\n    gone-0.md\n" in said and "    gone-4.md\n    ... and 2 more" in said
    assert "gone-5.md" not in said


def test_reused_rows_are_copied_whole(archive, db):
    write_archive(
        archive,
        {
            "with-actions.md": postmortem(
                "PM-A",
                extra="severity: sev-1\nfix: {summary: f}\nactions: [{title: a, status: meh}]\n"
                + RECURRENCE_KEYS,
            )
        },
    )
    ingest(archive, db, workers=1)
    tables = ("postmortems", "actions", "problems", "files", "postmortem_services")
    snapshot = {t: sorted(query(db, f"SELECT * FROM {t}"), key=repr) for t in tables}
    write_archive(archive, {"new.md": _pm(9)})
    result = ingest(archive, db, workers=1)
    assert (result.added, result.unchanged, result.warnings) == (1, 6, 1)
    for table in tables:
        rows = sorted(
            query(db, f"SELECT * FROM {table} WHERE {_not_new(table)}"),
            key=repr,
        )
        assert rows == snapshot[table], table


def _not_new(table: str) -> str:
    return "postmortem_id <> 'PM-9'" if table == "postmortem_services" else "path <> 'new.md'"


def test_touched_but_identical_file_is_not_parsed_again(archive, db, parse_calls):
    ingest(archive, db, workers=1)
    set_mtime(archive / "pm-2.md", 1_900_000_000)
    parse_calls.clear()
    result = ingest(archive, db, workers=1)
    assert parse_calls == []
    assert _counts(result) == (0, 0, 5, 0, 0, 5, 0)
    assert query(db, "SELECT mtime_ns FROM files WHERE path = 'pm-2.md'") == [
        (1_900_000_000 * 10**9,)
    ]
    assert ingest(archive, db, workers=1).rewritten is False


def test_same_size_edit_with_new_mtime_is_detected(archive, db):
    ingest(archive, db, workers=1)
    path = archive / "pm-4.md"
    text = path.read_text()
    path.write_text(text.replace("checkout-api", "checkout-xyz"))
    assert len(path.read_text()) == len(text)
    set_mtime(path, 1_900_000_000)
    result = ingest(archive, db, workers=1)
    assert (result.updated, result.unchanged) == (1, 4)
    assert query(db, "SELECT primary_service FROM postmortems WHERE id = 'PM-4'") == [
        ("checkout-xyz",)
    ]


def test_a_change_to_postmortems_toml_reparses_everything(archive, db, parse_calls):
    ingest(archive, db, workers=1)
    write_archive(archive, {"postmortems.toml": '[aliases.service]\n"checkout-api" = "checkout"\n'})
    parse_calls.clear()
    result = ingest(archive, db, workers=1)
    assert sorted(parse_calls) == [f"pm-{n}.md" for n in range(1, 6)]
    assert result.rewritten is True
    assert query(db, "SELECT DISTINCT primary_service FROM postmortems") == [("checkout",)]
    parse_calls.clear()
    assert ingest(archive, db, workers=1).rewritten is False
    assert parse_calls == []


def test_new_metric_sql_rebuilds_an_unchanged_archive(archive, db, parse_calls, monkeypatch):
    ingest(archive, db, workers=1)
    monkeypatch.setattr(ingest_module, "metrics_sql_version", lambda: "a later version")
    parse_calls.clear()
    assert ingest(archive, db, workers=1).rewritten is True
    assert query(
        db, "SELECT value LIKE '%metrics=a later version' FROM meta WHERE key = 'fingerprint'"
    ) == [(True,)]
    assert ingest(archive, db, workers=1).rewritten is False


def test_another_archive_into_the_same_database_reparses_everything(
    archive, tmp_path, db, parse_calls
):
    ingest(archive, db, workers=1)
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)  # same relative paths, sizes and mtimes
    write_archive(copy, {"pm-1.md": _pm(1, service="other-api")})
    os.utime(copy / "pm-1.md", ns=((archive / "pm-1.md").stat().st_mtime_ns,) * 2)
    parse_calls.clear()
    result = ingest(copy, db, workers=1)
    assert result.rewritten is True
    assert sorted(parse_calls) == [f"pm-{n}.md" for n in range(1, 6)]
    assert ("other-api",) in query(db, "SELECT DISTINCT primary_service FROM postmortems")


def test_a_fixed_file_loads_and_a_broken_one_leaves(archive, db):
    write_archive(archive, {"bad.md": BAD})
    assert ingest(archive, db, workers=1).rejected == 1
    write_archive(archive, {"bad.md": BAD.replace("2026-13-45", "2026-03-01\nstarted: 2026-02-28")})
    result = ingest(archive, db, workers=1)
    assert (result.rejected, result.postmortems, result.updated) == (0, 6, 1)
    assert query(db, "SELECT count(*) FROM problems") == [(0,)]
    (archive / "pm-5.md").write_text("---\nid: PM-5\n" + RECURRENCE_KEYS + "---\n")
    result = ingest(archive, db, workers=1)
    assert (result.rejected, result.postmortems) == (1, 5)
    assert query(db, "SELECT path, code FROM problems") == [("pm-5.md", "missing-started")]
    assert query(db, "SELECT count(*) FROM postmortems WHERE id = 'PM-5'") == [(0,)]
    assert query(db, "SELECT count(*) FROM actions WHERE postmortem_id = 'PM-5'") == [(0,)]


def test_a_duplicate_ids_line_is_the_id_line_read(tmp_path):
    # `key:` above `id:`: the parser reads `id:` (its own name wins), and the error pointed
    # at the `key:` line (D4)
    write_archive(
        tmp_path / "a",
        {
            "a.md": "---\nid: PM-1\nstarted: 2026-01-02\n---\n",
            "b.md": "---\ntitle: t\nkey: JIRA-7\nstarted: 2026-01-03\nid: PM-1\n---\n",
            "c.md": "---\ntitle: t\nincident_id: PM-1\nstarted: 2026-01-04\n---\n",
        },
    )
    db = tmp_path / "db.duckdb"
    ingest(tmp_path / "a", db, workers=1)
    found = query(db, "SELECT path, line FROM problems WHERE code = 'duplicate-id' ORDER BY path")
    assert found == [("b.md", 5), ("c.md", 3)]


def test_duplicate_ids_follow_incremental_changes(archive, db):
    ingest(archive, db, workers=1)
    write_archive(archive, {"a-copy.md": _pm(3)})  # earlier in path order than pm-3.md
    result = ingest(archive, db, workers=1)
    assert (result.postmortems, result.rejected) == (5, 1)
    assert query(db, "SELECT path, code FROM problems") == [("pm-3.md", "duplicate-id")]
    assert query(db, "SELECT path FROM postmortems WHERE id = 'PM-3'") == [("a-copy.md",)]
    (archive / "a-copy.md").unlink()
    result = ingest(archive, db, workers=1)
    assert (result.postmortems, result.rejected) == (5, 0)
    assert query(db, "SELECT path FROM postmortems WHERE id = 'PM-3'") == [("pm-3.md",)]
    assert query(db, "SELECT count(*) FROM problems") == [(0,)]


def test_progress_is_reported_per_file(archive, db):
    seen: list[tuple[int, int]] = []
    ingest(archive, db, workers=1, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(n, 5) for n in range(1, 6)]


def test_parallel_parse_gives_the_same_database(tmp_path, monkeypatch):
    files = {
        f"{n // 100}/pm-{n:04d}.md": postmortem(
            f"PM-{n}",
            f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d} {n % 24:02d}:00",
            f"severity: P{n % 5}\nservices: [svc_{n % 7}, Svc {n % 3}]\n"
            f"actions: [{{title: a{n}, status: done}}, b{n}]\n",
        )
        for n in range(520)
    }
    files["bad.md"] = BAD
    archive = write_archive(tmp_path / "archive", files)
    pools: list[int] = []
    real_pool = ingest_module.ProcessPoolExecutor

    def spy(max_workers: int):
        pools.append(max_workers)
        return real_pool(max_workers=max_workers)

    monkeypatch.setattr(ingest_module, "ProcessPoolExecutor", spy)
    one = ingest(archive, tmp_path / "one.duckdb", workers=1)
    two = ingest(archive, tmp_path / "two.duckdb", workers=2)
    assert pools == [2]
    assert _counts(one) == _counts(two) == (521, 0, 0, 0, 0, 520, 1)
    for table in ("files", "postmortems", "actions", "problems", "postmortem_services"):
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert query(tmp_path / "one.duckdb", sql) == query(tmp_path / "two.duckdb", sql), table


def _frozen_at_fork(chunk, reusable, config):
    """In a parse worker, in place of parse_chunk: how many objects its collector skips."""
    return gc.get_freeze_count()


def test_parse_workers_never_collect_what_they_were_forked_with(monkeypatch):
    """A fork copies the objects of the parent's other threads (DuckDB's; a test process's
    greenlets) mid-change; a collection in a worker that walked them segfaulted (CI)."""
    monkeypatch.setattr(ingest_tables, "parse_chunk", _frozen_at_fork)
    files = [SimpleNamespace(path=f"pm-{n}.md") for n in range(ingest_module.PARALLEL_FROM)]
    with ingest_module._parsing(files, {}, ArchiveConfig(), workers=2) as chunks:  # type: ignore[arg-type]
        frozen = list(chunks)
    assert len(frozen) == len(files) // ingest_module.CHUNK_FILES
    assert min(frozen) > 1000  # everything forked with them: the modules, the test's objects
    assert gc.get_freeze_count() == 0  # this process collects as before


def test_no_such_archive(tmp_path, db):
    with pytest.raises(IngestError, match="no such archive folder"):
        ingest(tmp_path / "missing", db)
    assert not db.exists()


def test_an_empty_archive_does_not_empty_a_database(archive, db, tmp_path):
    """A wrong or empty folder would remove every file of the database: refused, left as is."""
    assert ingest(archive, db, workers=1).postmortems == 5
    before = db.read_bytes()
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "README.md").write_text("# not a postmortem\n")  # skipped by name
    with pytest.raises(IngestError, match=f"no postmortem files under {empty}, and .* holds 5 "):
        ingest(empty, db, workers=1)
    assert db.read_bytes() == before
    assert query(db, "SELECT count(*) FROM postmortems") == [(5,)]
    result = _run(str(empty), "--db", str(db))
    assert result.exit_code == 2 and "it is left as it is" in result.stderr
    fresh = tmp_path / "fresh.duckdb"  # a first load of an empty folder is fine
    assert ingest(empty, fresh, workers=1).postmortems == 0


def test_database_folder_that_cannot_be_created(archive, tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(IngestError, match="cannot create the database folder"):
        ingest(archive, tmp_path / "a-file" / "pm.duckdb")


def test_a_second_ingest_into_the_same_database_is_refused(archive, db):
    import fcntl

    db.parent.mkdir(parents=True)
    with open(db.with_name(db.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(IngestError, match="another ingest"):
            ingest(archive, db, workers=1)
    assert ingest(archive, db, workers=1).postmortems == 5


def test_a_stale_temp_file_from_a_killed_ingest_is_ignored(archive, db):
    db.parent.mkdir(parents=True)
    db.with_name(db.name + ".tmp").write_bytes(b"half a database")
    assert ingest(archive, db, workers=1).postmortems == 5
    assert not db.with_name(db.name + ".tmp").exists()


def test_a_damaged_database_of_its_own_is_rebuilt(archive, db):
    ingest(archive, db, workers=1)
    whole = db.read_bytes()
    db.write_bytes(whole[: len(whole) // 3])  # a disk that filled, a copy cut short
    (archive / "pm-1.md").write_text(_pm(1) + "\nedited\n")  # not "unchanged" by the manifest
    assert ingest(archive, db, workers=1).postmortems == 5
    assert query(db, "SELECT count(*) FROM files") == [(5,)]


@pytest.mark.parametrize(
    ("kind", "found"),
    [
        ("text", "not a DuckDB file"),
        ("duckdb", "another DuckDB database: main.payroll"),
        ("schema", "another DuckDB database: hr.payroll"),
        ("sequence", "another DuckDB database: main.ids"),
        ("damaged", "a DuckDB file that cannot be read"),
        ("fifo", "not a regular file"),
    ],
)
def test_a_file_that_is_not_its_database_is_never_overwritten(archive, db, kind, found):
    """A typo in a crontab's --db destroyed the file it named, another program's DuckDB
    database included (its tables in another schema, a sequence only), with exit 0. The
    refusal left an empty `<db>.lock` beside the file."""
    db.parent.mkdir(parents=True)
    if kind == "text":
        db.write_text("important notes\n")
    elif kind == "fifo":
        os.mkfifo(db)
    elif kind == "damaged":  # a DuckDB header, then not a database: no manifest says ours
        db.write_bytes(b"\0" * 8 + b"DUCK" + b"\x07" * 5000)
    else:
        with duckdb.connect(str(db)) as con:
            con.execute(
                {
                    "duckdb": "CREATE TABLE payroll AS SELECT 42 AS salary",
                    "schema": "CREATE SCHEMA hr; CREATE TABLE hr.payroll AS SELECT 42 AS salary",
                    "sequence": "CREATE SEQUENCE ids",
                }[kind]
            )
    before = None if kind == "fifo" else db.read_bytes()
    result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 2, result.output
    assert f"Error: {db} is not a postmortems database ({found}" in result.stderr
    assert "it is left as it is." in result.stderr
    if kind == "fifo":
        assert stat.S_ISFIFO(db.stat().st_mode)
    else:
        assert db.read_bytes() == before
    assert os.listdir(db.parent) == [db.name]  # no .tmp, and no .lock left beside it


def test_an_empty_duckdb_database_is_built(archive, db):
    db.parent.mkdir(parents=True)
    duckdb.connect(str(db)).close()  # as a first `duckdb.connect` leaves it
    assert ingest(archive, db, workers=1).postmortems == 5


def test_an_empty_file_is_built(archive, db):
    db.parent.mkdir(parents=True)
    db.touch()  # as `touch` or a mktemp leaves it
    assert ingest(archive, db, workers=1).postmortems == 5


def test_a_symlinked_database_is_written_where_it_points(archive, db, tmp_path):
    """The link was replaced by a plain file: the data landed beside it, and readers given
    the real path kept the old numbers."""
    real = tmp_path / "volume" / "real.duckdb"
    ingest(archive, real, workers=1)
    db.parent.mkdir(parents=True)
    db.symlink_to(real)
    write_archive(archive, {"pm-6.md": _pm(6)})
    assert ingest(archive, db, workers=1).postmortems == 6
    assert db.is_symlink() and db.resolve() == real
    assert query(real, "SELECT count(*) FROM postmortems") == [(6,)]
    assert not any(p.name.endswith(".tmp") for p in [*db.parent.iterdir(), *real.parent.iterdir()])


def test_full_reads_again_a_file_edited_with_its_size_and_time_kept(archive, db):
    """`cp -p`, `tar` and `rsync -a` can leave an edited file with the old size and mtime:
    taken as unchanged, it could be read again only by touching it."""
    ingest(archive, db, workers=1)
    path = archive / "pm-2.md"
    stat = path.stat()
    edited = path.read_text().replace("2026-03-02", "2026-03-03")
    assert len(edited) == len(path.read_text())
    path.write_text(edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _run(str(archive), "--db", str(db)).stdout.startswith(f"{db}: unchanged")
    result = _run(str(archive), "--db", str(db), "--full")
    assert result.exit_code == 0, result.output
    assert "0 new, 1 updated, 4 unchanged (4 read again: --full)" in result.stdout
    assert query(db, "SELECT CAST(started AS DATE) FROM postmortems WHERE id = 'PM-2'") == [
        (date(2026, 3, 3),)
    ]


def test_the_reason_files_are_read_again_is_the_true_one(archive, db, tmp_path):
    """A moved archive was reported as "postmortems.toml or the parser changed"."""
    ingest(archive, db, workers=1)
    moved = archive.rename(tmp_path / "moved")
    result = _run(str(moved), "--db", str(db))
    assert f"5 read again: the archive was loaded from {archive} before" in result.stdout


# --- the command -------------------------------------------------------------------------


def _run(*args: str):
    return CliRunner().invoke(ingest_command, list(args))


def test_cli_exit_0_with_rejected_files_and_a_summary(archive, db):
    write_archive(archive, {"bad.md": BAD})
    result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1:4] == [
        "  postmortems loaded: 5",
        "  files: 6 new, 0 updated, 0 unchanged, 0 removed",
        "  rejected files: 1   warnings: 0",
    ]
    # as lint prints it, the line once
    problem = "    bad.md:3: error [invalid-date] `resolved` is 2026-13-45, not a date ("
    assert any(line.startswith(problem) for line in lines)
    assert lines[0].startswith(f"{db}: written (")


def test_cli_says_when_the_database_is_inside_the_archive(archive, db, monkeypatch):
    """`ingest .` in the archive's folder wrote data/ into the archive's repo without a word
    (review R9): it still loads, and says so."""
    assert "inside the archive" not in _run(str(archive), "--db", str(db)).stderr
    monkeypatch.chdir(archive)
    result = _run(".")  # the default --db: data/postmortems.duckdb, here
    assert result.exit_code == 0, result.output
    assert (archive / "data" / "postmortems.duckdb").is_file()
    assert result.stderr.startswith("note: the database (data/postmortems.duckdb) is inside")


def test_cli_strict_exits_1_when_a_file_was_rejected(archive, db):
    assert _run(str(archive), "--db", str(db), "--strict").exit_code == 0
    write_archive(archive, {"bad.md": BAD})
    result = _run(str(archive), "--db", str(db), "--strict")
    assert result.exit_code == 1
    assert "rejected files: 1" in result.stdout


def test_cli_unchanged_run_says_so(archive, db):
    _run(str(archive), "--db", str(db))
    result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(f"{db}: unchanged, nothing to do (")


def test_cli_no_such_archive_exits_2_with_a_one_line_error(tmp_path, db):
    result = _run(str(tmp_path / "missing"), "--db", str(db))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error: no such archive folder: {tmp_path / 'missing'}"]
    assert result.stdout == ""


def test_cli_unwritable_database_path_exits_3(archive, tmp_path):
    """Not a usage problem: the load cannot run there (exit 3, as a full disk)."""
    (tmp_path / "a-file").write_text("")
    result = _run(str(archive), "--db", str(tmp_path / "a-file" / "pm.duckdb"))
    assert result.exit_code == 3
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [
        f"Error: cannot create the database folder {tmp_path / 'a-file'}: File exists"
    ]


def test_cli_bad_postmortems_toml_exits_2(archive, db):
    write_archive(archive, {"postmortems.toml": 'timezone = "Mars/Olympus"\n'})
    result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 2
    assert "timezone 'Mars/Olympus' is not an IANA timezone name" in result.stderr


def test_cli_read_only_database_folder_exits_3(archive, tmp_path, monkeypatch):
    # CI runs as root, which can write anywhere: deny write access the way os.access would.
    folder = tmp_path / "ro"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        ingest_module.os,
        "access",
        lambda path, mode: False if Path(path) == folder else real_access(path, mode),
    )
    result = _run(str(archive), "--db", str(folder / "pm.duckdb"))
    assert result.exit_code == 3
    assert "is not writable" in result.stderr
    assert not list(folder.iterdir())


def test_cli_defaults(tmp_path, monkeypatch):
    shutil.copytree(
        Path(__file__).parent / "corpus" / "bad" / "duplicate-ids",
        tmp_path / "data" / "sample-archive",
    )
    monkeypatch.chdir(tmp_path)
    result = _run()
    assert result.exit_code == 0, result.output
    assert query(tmp_path / "data" / "postmortems.duckdb", "SELECT count(*) FROM files") == [(3,)]


def test_cli_shows_no_progress_bar_when_not_a_terminal(archive, db, monkeypatch):
    monkeypatch.setattr("analytics.ingest_cli.PROGRESS_FROM", 1)
    result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 0
    assert "Parsing" not in result.output
    assert result.stderr == ""


def test_a_connection_held_in_this_process_does_not_hide_the_swapped_in_file(archive, db):
    import duckdb

    ingest(archive, db, workers=1)
    held = duckdb.connect(str(db), read_only=True)  # a notebook's, say
    try:
        write_archive(archive, {"new.md": _pm(9)})
        assert _counts(ingest(archive, db, workers=1)) == (1, 0, 5, 0, 0, 6, 0)
        again = ingest(archive, db, workers=1)
        assert (again.rewritten, again.unchanged, again.added) == (False, 6, 0)
        (archive / "pm-1.md").unlink()
        assert _counts(ingest(archive, db, workers=1)) == (0, 0, 5, 1, 0, 5, 0)
        assert held.execute("SELECT count(*) FROM postmortems").fetchone() == (5,)  # its old file
    finally:
        held.close()


def test_a_setup_error_cancels_the_queued_chunks(tmp_path, monkeypatch):
    archive = write_archive(tmp_path / "archive", {f"pm-{n}.md": _pm(n) for n in range(450)})
    shutdowns = []
    real_pool = ingest_module.ProcessPoolExecutor

    def spy(max_workers: int):
        pool = real_pool(max_workers=max_workers)
        shutdown = pool.shutdown

        def recorded(wait: bool = True, *, cancel_futures: bool = False) -> None:
            shutdowns.append(cancel_futures)
            shutdown(wait, cancel_futures=cancel_futures)

        pool.shutdown = recorded  # type: ignore[method-assign]
        return pool

    def broken_setup(con):
        raise RuntimeError("the database could not be set up")

    monkeypatch.setattr(ingest_module, "ProcessPoolExecutor", spy)
    monkeypatch.setattr(ingest_module, "_create_views", broken_setup)
    with pytest.raises(RuntimeError, match="could not be set up"):
        ingest(archive, tmp_path / "pm.duckdb", workers=2)
    # the chunks sent ahead and not started are cancelled, not parsed before the error shows
    assert shutdowns[0] is True
    assert not (tmp_path / "pm.duckdb").exists()


def test_first_ingest_over_a_database_of_the_older_layout_counts_its_files(archive, db):
    ingest(archive, db, workers=1)
    with duckdb.connect(str(db)) as con:  # as schema 2 left it: files a table, no file_rows
        con.execute("DROP VIEW files")
        con.execute("ALTER TABLE file_rows RENAME TO files")
        con.execute("ALTER TABLE files RENAME head_text TO raw_text")
        con.execute(
            "UPDATE meta SET value = replace(value, $now, 'schema=2')",
            {"now": f"schema={ingest_module.SCHEMA_VERSION}"},
        )
    db.with_name(db.name + ".manifest").unlink()
    result = ingest(archive, db, workers=1)
    assert (result.added, result.unchanged, result.removed) == (0, 5, 0)
    assert query(db, "SELECT count(*) FROM files") == [(5,)]


def test_a_reparse_after_a_config_change_is_said(archive, db):
    """After postmortems.toml changed every file is read again; the summary said '0 updated,
    5 unchanged' as if nothing had been read."""
    _run(str(archive), "--db", str(db))
    write_archive(archive, {"postmortems.toml": 'timezone = "Europe/Berlin"\n'})
    result = _run(str(archive), "--db", str(db))
    assert (
        "  files: 0 new, 0 updated, 5 unchanged (5 read again: postmortems.toml changed), 0 removed"
    ) in result.stdout.splitlines()
    again = _run(str(archive), "--db", str(db))
    assert "read again" not in again.stdout
    # a rejected file is read again on every run; that is not a re-read of the archive
    write_archive(archive, {"bad.md": BAD})
    assert "read again" not in _run(str(archive), "--db", str(db)).stdout
    write_archive(archive, {"extra.md": postmortem("PM-EXTRA")})
    added = _run(str(archive), "--db", str(db)).stdout
    assert "1 new, 0 updated, 6 unchanged, 0 removed" in added and "read again" not in added


@pytest.mark.parametrize("failure", ["disk", "sigterm", "sigterm-in-query", "sigterm-in-parse"])
def test_a_load_that_cannot_finish_says_so_exits_3_and_leaves_the_database(
    archive, db, monkeypatch, failure
):
    """A full disk ended in a 30-line traceback and exit 1 (what --strict means for a
    rejected file) and left its half-built file on the full disk; SIGTERM ended the ingest
    without a word."""
    ingest(archive, db, workers=1)
    before = query(db, "SELECT id FROM postmortems ORDER BY id")
    write_archive(archive, {"pm-6.md": _pm(6)})

    def fail(con):
        if failure == "disk":
            raise duckdb.IOException('Could not write file "x": No space left on device')
        if failure == "sigterm-in-query":  # DuckDB turns the stop into "Query interrupted"
            # DuckDB checks for the signal between its tasks. When the main thread runs the
            # whole scan as one task (it happens once streamlit is imported, by chance) the
            # stop waits for the query's end: a scan of seconds, not of a minute
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
            con.execute("SELECT count(*) FROM range(1000000000) AS r(i) WHERE i % 7 = 1")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends

    def fast_read(*args, **kwargs):  # the stop while yaml_rs parses (it was swallowed there)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    if failure == "sigterm-in-parse":
        monkeypatch.setattr(frontmatter_module.yaml_rs, "loads", fast_read)
    else:
        monkeypatch.setattr(ingest_module, "_compute_facts", fail)
    result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 3, result.output
    said = {"disk": 'Could not write file "x": No space left on device;'}.get(
        failure, "stopped by SIGTERM:"
    )
    assert result.stderr == f"Error: {said} {db} is left as it was\n"
    assert query(db, "SELECT id FROM postmortems ORDER BY id") == before
    assert sorted(p.name for p in db.parent.iterdir()) == sorted([db.name, db.name + ".lock"])
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # given back


def test_a_busy_database_exits_3_to_retry_later(archive, db):
    import fcntl

    db.parent.mkdir(parents=True)
    with open(db.with_name(db.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = _run(str(archive), "--db", str(db))
    assert result.exit_code == 3
    assert result.stderr == f"Error: another ingest into {db} is running; try again later\n"


def test_a_lock_file_removed_by_a_failed_run_is_not_held_by_two_ingests(db, monkeypatch):
    """A first run that fails removes the lock file it made. An ingest that had opened it
    just before got its lock on the removed file, and the next one, making a new file, ran
    beside it (review D3)."""
    import fcntl

    db.parent.mkdir(parents=True)
    first = ingest_module._exclusive(db)
    first.__enter__()
    real_flock = fcntl.flock
    calls = []

    def flock_after_the_first_fails(handle, flags):  # the second's open came first
        if not calls:  # the first fails (not swallowed: it goes on up)
            assert first.__exit__(RuntimeError, RuntimeError("failed"), None) is False
            assert not db.with_name(db.name + ".lock").exists()
        calls.append(handle)
        return real_flock(handle, flags)

    monkeypatch.setattr(ingest_module.fcntl, "flock", flock_after_the_first_fails)
    second = ingest_module._exclusive(db)
    second.__enter__()
    assert len(calls) == 2  # it saw its file gone and locked the new one
    monkeypatch.setattr(ingest_module.fcntl, "flock", real_flock)
    with pytest.raises(ingest_module.IngestFailed, match="another ingest"):
        ingest_module._exclusive(db).__enter__()
    second.__exit__(None, None, None)


def test_a_database_open_for_writing_elsewhere_is_left_to_its_program(archive, db):
    """DuckDB's lock error read as "damaged": the file another program was writing was
    replaced."""
    ingest(archive, db, workers=1)
    code = (
        f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); "
        "time.sleep(30)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        write_archive(archive, {"pm-6.md": _pm(6)})
        result = _run(str(archive), "--db", str(db))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3, result.output
    assert f"Error: {db} is open for writing in another program" in result.stderr
    assert "try again later" in result.stderr
    assert query(db, "SELECT count(*) FROM postmortems") == [(5,)]


def test_a_symlink_circle_is_refused_not_replaced(archive, db):
    db.parent.mkdir(parents=True)
    other = db.with_name("other.duckdb")
    db.symlink_to(other)
    other.symlink_to(db)
    with pytest.raises(IngestError, match="goes round in a circle"):
        ingest(archive, db, workers=1)
    assert db.is_symlink() and other.is_symlink()
