"""A few changed files are applied to a copy of the last load's database (analytics/ingest.py,
`UPDATE_UP_TO`): every table and every count must equal what a rebuild gives."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from archive_factory import postmortem, query, set_mtime, write_archive

import analytics.ingest as ingest_module
from analytics.ingest import ingest

WITH_VIEWS = ingest_module._create_views
BAD = "---\nid: PM-BAD\nresolved: 2026-13-45\n---\n"
TABLES = (
    "files",
    "postmortems",
    "actions",
    "problems",
    "postmortem_services",
    "postmortem_categories",
    "postmortem_tags",
    "postmortem_teams",
    "meta",
)


def _pm(n: int, pm_id: str | None = None, service: str = "checkout-api") -> str:
    return postmortem(
        pm_id or f"PM-{n}",
        f"2026-03-{n:02d}T10:00:00Z",
        f"services: [{service}, search]\ncategory: [deploy, config]\ntags: [t{n}]\n"
        f"teams: [payments]\nfix: {{summary: f{n}, owner: o, due: 2026-04-01}}\n"
        f"actions: [{{title: a{n}, status: done}}, b{n}]\n",
        body=f"# Title {n}\n\nbody text {n}\n",
    )


@pytest.fixture(autouse=True)
def _no_metric_views(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "_create_views", lambda con: None)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    files = {f"{n % 3}/pm-{n:02d}.md": _pm(n) for n in range(1, 21)}
    files["bad.md"] = BAD
    files["2/dup-of-5.md"] = _pm(25, "PM-5")  # after 2/pm-05.md in path order: rejected
    return write_archive(tmp_path / "archive", files)


def _tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    where = {"meta": " WHERE key <> 'ingested_at'"}
    return {t: query(db, f"SELECT * FROM {t}{where.get(t, '')} ORDER BY ALL") for t in TABLES}


def _counts(result) -> tuple[int, ...]:
    return (
        result.added,
        result.updated,
        result.unchanged,
        result.removed,
        result.renamed,
        result.postmortems,
        result.rejected,
        result.warnings,
        result.rewritten,
    )


def _edit(archive: Path) -> None:
    (archive / "1/pm-01.md").write_text(_pm(1, service="payments-api"))
    set_mtime(archive / "1/pm-01.md", 1_900_000_000)


def _add(archive: Path) -> None:
    write_archive(archive, {"new/pm-30.md": _pm(30)})


def _delete(archive: Path) -> None:
    (archive / "2/pm-02.md").unlink()


def _rename(archive: Path) -> None:
    (archive / "0/pm-03.md").rename(archive / "0/renamed-03.md")


def _touch(archive: Path) -> None:
    set_mtime(archive / "1/pm-04.md", 1_900_000_000)


def _fix_the_broken_file(archive: Path) -> None:
    write_archive(archive, {"bad.md": _pm(28, "PM-BAD")})


def _break_a_file(archive: Path) -> None:
    write_archive(archive, {"0/pm-06.md": BAD.replace("PM-BAD", "PM-6")})


def _new_file_takes_an_id(archive: Path) -> None:
    # sorts before 1/pm-07.md, so that loaded, unchanged file becomes the duplicate
    write_archive(archive, {"0/a-first.md": _pm(27, "PM-7")})


def _duplicate_freed(archive: Path) -> None:
    (archive / "2/pm-05.md").unlink()  # 2/dup-of-5.md now holds PM-5 alone


def _all_of_them(archive: Path) -> None:
    for change in (_edit, _add, _delete, _rename, _touch, _fix_the_broken_file):
        change(archive)


CHANGES: dict[str, Callable[[Path], None]] = {
    "edit": _edit,
    "add": _add,
    "delete": _delete,
    "rename": _rename,
    "touch": _touch,
    "fix the broken file": _fix_the_broken_file,
    "break a file": _break_a_file,
    "new file takes an id": _new_file_takes_an_id,
    "duplicate freed": _duplicate_freed,
    "all of them": _all_of_them,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_updated_copy_equals_a_rebuild(archive, tmp_path, monkeypatch, change):
    old = tmp_path / "old.duckdb"
    ingest(archive, old, workers=1)
    CHANGES[change](archive)
    updated, rebuilt = tmp_path / "updated.duckdb", tmp_path / "rebuilt.duckdb"
    shutil.copyfile(old, updated)
    shutil.copyfile(old, rebuilt)
    updates: list[bool] = []
    real_copy = ingest_module.shutil.copyfile

    def copying(src, dst):
        updates.append(True)
        return real_copy(src, dst)

    monkeypatch.setattr(ingest_module.shutil, "copyfile", copying)
    monkeypatch.setattr(ingest_module, "UPDATE_UP_TO", 1.0)
    by_update = ingest(archive, updated, workers=1)
    assert updates == [True]
    monkeypatch.setattr(ingest_module, "UPDATE_UP_TO", 0.0)
    by_rebuild = ingest(archive, rebuilt, workers=1)
    assert updates == [True]
    assert _counts(by_update) == _counts(by_rebuild)
    assert by_update.problems == by_rebuild.problems
    assert _tables(updated) == _tables(rebuilt)
    fresh = tmp_path / "fresh.duckdb"
    ingest(archive, fresh, workers=1)
    assert _tables(updated) == _tables(fresh)
    # and the next run, with nothing changed, agrees
    assert ingest(archive, updated, workers=1).rewritten is False


def test_updates_in_a_row_stay_equal_to_a_rebuild(archive, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "UPDATE_UP_TO", 1.0)
    db = tmp_path / "pm.duckdb"
    ingest(archive, db, workers=1)
    for n, change in enumerate(CHANGES.values()):
        if change is not _all_of_them:
            change(archive)
            ingest(archive, db, workers=1)
            fresh = tmp_path / f"fresh-{n}.duckdb"
            ingest(archive, fresh, workers=1)
            assert _tables(db) == _tables(fresh), change.__name__


def test_many_changes_rebuild_the_file(archive, tmp_path, monkeypatch):
    db = tmp_path / "pm.duckdb"
    ingest(archive, db, workers=1)
    for n in range(1, 11):
        write_archive(archive, {f"more/pm-{n + 40}.md": _pm(n + 40)})
    monkeypatch.setattr(ingest_module.shutil, "copyfile", None)  # not called
    assert ingest(archive, db, workers=1).added == 10


def test_a_wal_beside_the_database_rebuilds_the_file(archive, tmp_path, monkeypatch):
    db = tmp_path / "pm.duckdb"
    ingest(archive, db, workers=1)
    _add(archive)
    db.with_name(db.name + ".wal").write_bytes(b"")
    monkeypatch.setattr(ingest_module, "UPDATE_UP_TO", 1.0)
    monkeypatch.setattr(ingest_module.shutil, "copyfile", None)  # not called
    assert ingest(archive, db, workers=1).added == 1


def test_an_updated_copy_has_the_views_and_stored_facts_of_a_rebuild(
    archive, tmp_path, monkeypatch
):
    monkeypatch.setattr(ingest_module, "_create_views", WITH_VIEWS)
    monkeypatch.setattr(ingest_module, "UPDATE_UP_TO", 1.0)
    db, fresh = tmp_path / "pm.duckdb", tmp_path / "fresh.duckdb"
    ingest(archive, db, workers=1)
    _all_of_them(archive)
    ingest(archive, db, workers=1)
    ingest(archive, fresh, workers=1)
    everything = "SELECT table_name FROM duckdb_tables() ORDER BY 1"
    assert query(db, everything) == query(fresh, everything)
    for (table,) in query(db, everything):
        where = " WHERE key <> 'ingested_at'" if table == "meta" else ""
        sql = f"SELECT * FROM {table}{where} ORDER BY ALL"
        assert query(db, sql) == query(fresh, sql), table
    views = "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY 1"
    assert query(db, views) == query(fresh, views)
