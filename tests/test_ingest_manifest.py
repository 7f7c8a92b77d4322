"""The unchanged fast path (analytics/ingest_manifest.py): an unchanged archive is recognised from
the manifest beside the database, and anything stale about it falls back to the full check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from archive_factory import RECURRENCE_KEYS, postmortem, query, set_mtime, write_archive

import analytics.ingest as ingest_module
from analytics.ingest import ingest
from analytics.ingest_cli import describe
from analytics.ingest_manifest import manifest_path

BAD = "---\nid: PM-BAD\nresolved: 2026-13-45\n" + RECURRENCE_KEYS + "---\n"


@pytest.fixture(autouse=True)
def _no_metric_views(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "_create_views", lambda con: None)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    files = {
        f"pm-{n}.md": postmortem(f"PM-{n}", f"2026-03-{n:02d}T10:00:00Z", RECURRENCE_KEYS)
        for n in range(1, 6)
    }
    files["bad.md"] = BAD
    files["warn.md"] = postmortem("PM-W", extra="severity: SEV9\n" + RECURRENCE_KEYS)
    return write_archive(tmp_path / "archive", files)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "pm.duckdb"


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Databases the ingest opened for its full check (not decided from the manifest)."""
    calls: list[Path] = []
    real = ingest_module._read_previous

    def spy(db, *args):
        calls.append(db)
        return real(db, *args)

    monkeypatch.setattr(ingest_module, "_read_previous", spy)
    return calls


def _summary(result) -> str:
    return describe(result).split("\n", 1)[1]  # all but the first line's time


def test_an_unchanged_archive_is_decided_from_the_manifest(archive, db, full_checks):
    ingest(archive, db, workers=1)
    manifest_path(db).unlink()
    by_check = ingest(archive, db, workers=1)  # no manifest: the full check, which writes one
    assert (by_check.rewritten, len(full_checks)) == (False, 2)
    by_manifest = ingest(archive, db, workers=1)
    assert len(full_checks) == 2
    assert by_manifest.rewritten is False
    assert _summary(by_manifest) == _summary(by_check)
    assert (by_manifest.postmortems, by_manifest.rejected, by_manifest.warnings) == (6, 1, 1)
    assert by_manifest.unchanged == 7
    assert by_manifest.problems == by_check.problems
    assert describe(by_manifest).splitlines()[0].startswith(f"{db}: unchanged, nothing to do (")


def test_the_unchanged_command_imports_no_duckdb_pyarrow_or_pandas(archive, db):
    script = (
        "import sys\n"
        "from analytics.cli import main\n"
        f"main(['ingest', {str(archive)!r}, '--db', {str(db)!r}], standalone_mode=False)\n"
        "print(sorted(m for m in ('duckdb', 'pyarrow', 'pandas', 'yaml') if m in sys.modules))\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        for _ in range(2)  # both in fresh processes: the same code and metric SQL
    ]
    assert "written" in runs[0].stdout
    assert "unchanged, nothing to do" in runs[1].stdout
    assert runs[1].stdout.splitlines()[-1] == "[]"


def test_an_edit_with_the_same_size_is_not_taken_for_unchanged(archive, db, full_checks):
    ingest(archive, db, workers=1)
    path = archive / "pm-4.md"
    path.write_text(path.read_text().replace("PM-4", "PM-X"))
    set_mtime(path, 1_900_000_000)
    result = ingest(archive, db, workers=1)
    assert (result.rewritten, result.updated, len(full_checks)) == (True, 1, 2)
    assert ("PM-X",) in query(db, "SELECT id FROM postmortems")


@pytest.mark.parametrize("change", ["add", "remove", "touch"])
def test_any_change_to_the_listing_goes_to_the_full_check(archive, db, full_checks, change):
    ingest(archive, db, workers=1)
    if change == "add":
        write_archive(archive, {"sub/new.md": postmortem("PM-NEW")})
    elif change == "remove":
        (archive / "pm-2.md").unlink()
    else:
        set_mtime(archive / "pm-2.md", 1_900_000_000)
    result = ingest(archive, db, workers=1)
    assert len(full_checks) == 2
    assert (result.added, result.removed) == {
        "add": (1, 0),
        "remove": (0, 1),
        "touch": (0, 0),
    }[change]
    assert ingest(archive, db, workers=1).rewritten is False
    assert len(full_checks) == 2  # and the next run is decided from the new manifest


def test_another_database_file_in_its_place_goes_to_the_full_check(archive, db, full_checks):
    ingest(archive, db, workers=1)
    older = db.with_name("older.duckdb")
    shutil.copy2(db, older)  # the database of 7 files, mtime kept
    write_archive(archive, {"new.md": postmortem("PM-NEW")})
    assert ingest(archive, db, workers=1).added == 1
    os.replace(older, db)  # say, a backup restored: the manifest describes another file
    result = ingest(archive, db, workers=1)
    assert (result.rewritten, result.added, result.postmortems) == (True, 1, 7)
    assert len(full_checks) == 3


def test_a_database_written_in_place_goes_to_the_full_check(archive, db, full_checks):
    ingest(archive, db, workers=1)
    with duckdb.connect(str(db)) as con:  # someone's notebook, writing
        con.execute("DELETE FROM file_rows WHERE path = 'pm-1.md'")
    result = ingest(archive, db, workers=1)
    assert len(full_checks) == 2
    assert (result.rewritten, result.added) == (True, 1)


def test_a_wal_beside_the_database_goes_to_the_full_check(archive, db, full_checks):
    ingest(archive, db, workers=1)
    db.with_name(db.name + ".wal").write_bytes(b"")
    assert ingest(archive, db, workers=1).rewritten is False
    assert len(full_checks) == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'{"format": 1}', b"\xff\xfe", b'{"format": 99}'],
)
def test_a_corrupt_manifest_goes_to_the_full_check(archive, db, full_checks, content):
    first = ingest(archive, db, workers=1)
    manifest_path(db).write_bytes(content)
    result = ingest(archive, db, workers=1)
    assert (result.rewritten, len(full_checks)) == (False, 2)
    assert _summary(result) == _summary(first).replace(
        "7 new, 0 updated, 0 unchanged", "0 new, 0 updated, 7 unchanged"
    )
    assert ingest(archive, db, workers=1).rewritten is False
    assert len(full_checks) == 2  # the full check wrote a good manifest again


def test_a_manifest_with_wrong_summary_types_goes_to_the_full_check(archive, db, full_checks):
    ingest(archive, db, workers=1)
    data = json.loads(manifest_path(db).read_text())
    data["summary"]["problems"] = [["too", "few"]]
    manifest_path(db).write_text(json.dumps(data))
    assert ingest(archive, db, workers=1).rewritten is False
    assert len(full_checks) == 2


def test_the_manifest_of_another_archive_is_not_used(archive, tmp_path, db, full_checks):
    ingest(archive, db, workers=1)
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy)  # same relative paths, sizes and mtimes
    result = ingest(copy, db, workers=1)
    assert (result.rewritten, len(full_checks)) == (True, 2)


def test_a_config_or_metric_sql_change_is_not_taken_for_unchanged(
    archive, db, full_checks, monkeypatch
):
    ingest(archive, db, workers=1)
    write_archive(archive, {"postmortems.toml": 'timezone = "Europe/Berlin"\n'})
    assert ingest(archive, db, workers=1).rewritten is True
    monkeypatch.setattr(ingest_module, "metrics_sql_version", lambda: "a later version")
    assert ingest(archive, db, workers=1).rewritten is True
    assert ingest(archive, db, workers=1).rewritten is False
    assert len(full_checks) == 3


def test_a_failed_build_leaves_no_manifest_behind(archive, db, full_checks, monkeypatch):
    ingest(archive, db, workers=1)
    write_archive(archive, {"new.md": postmortem("PM-NEW")})

    def broken(con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "_reject_duplicate_ids", broken)
    with pytest.raises(RuntimeError):
        ingest(archive, db, workers=1)
    assert not manifest_path(db).exists()
    monkeypatch.undo()
    monkeypatch.setattr(ingest_module, "_create_views", lambda con: None)
    assert ingest(archive, db, workers=1).added == 1
