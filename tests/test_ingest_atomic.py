"""The swap is atomic: readers never see an error or half a load, and an ingest killed at any
moment leaves the previous database readable and unchanged (STACK-NOTES section 3)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from archive_factory import postmortem, query, write_archive

from analytics.ingest import ingest

READER = """
import json, sys, time
from pathlib import Path
import duckdb

db, stop = sys.argv[1], Path(sys.argv[2])
reads, errors, torn, seen = 0, [], [], set()
while not stop.exists():
    try:
        with duckdb.connect(db, read_only=True) as con:
            row = con.execute(
                "SELECT (SELECT count(*) FROM postmortems),"
                " (SELECT count(*) FROM files WHERE status = 'loaded'),"
                " (SELECT count(*) FROM postmortem_services),"
                " (SELECT value FROM meta WHERE key = 'postmortems')"
            ).fetchone()
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        continue
    reads += 1
    seen.add(row[0])
    if not (row[0] == row[1] == row[2] == int(row[3])):
        torn.append(row)
print(json.dumps({"reads": reads, "errors": errors[:5], "torn": torn[:5], "seen": sorted(seen)}))
"""

# Runs one ingest; HOOK says where it stops to wait for its SIGKILL.
INGESTER = """
import os, sys, time
from pathlib import Path
import analytics.ingest as ingest_module

archive, db, hook, marker = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])

def wait_for_kill():
    marker.write_text("here")
    time.sleep(60)
    sys.exit(3)  # not killed: the test failed to kill us

progress = None
if hook == "parsing":
    def progress(done, total):
        if done == total // 2:
            wait_for_kill()
elif hook == "writing":
    flush = ingest_module._BatchWriter.flush
    def flushing(self):
        flush(self)
        wait_for_kill()
    ingest_module._BatchWriter.flush = flushing
elif hook == "swap":
    def replace(src, dst):
        assert Path(src).stat().st_size > 0
        wait_for_kill()
    ingest_module.os.replace = replace
marker.write_text("started")
ingest_module.ingest(Path(archive), Path(db), workers=int(os.environ.get("WORKERS", "1")),
                     progress=progress)
"""

SMALL = 5
MID = 300  # enough for the swap hook: it stops after the whole build
BIG = 3000  # more than one write batch (BATCH_FILES) and slow enough to kill mid-way


def _files(count: int, start: int = 0) -> dict[str, str]:
    return {
        f"{n // 500}/pm-{n:05d}.md": postmortem(
            f"PM-{n}", f"2026-{n % 12 + 1:02d}-01T10:00:00Z", f"services: [svc-{n % 9}]\n"
        )
        for n in range(start, start + count)
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reader_sees_only_whole_loads_during_repeated_ingests(tmp_path):
    small = write_archive(tmp_path / "v300", _files(300))
    large = write_archive(tmp_path / "v310", _files(310))
    db = tmp_path / "pm.duckdb"
    ingest(small, db, workers=1)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)  # the reader is up and reading
        results = [ingest(archive, db, workers=1) for archive in (large, small) * 2]
        time.sleep(0.2)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=30)
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert [r.postmortems for r in results] == [310, 300] * 2
    assert all(r.rewritten for r in results)
    assert report["errors"] == []
    assert report["torn"] == []
    assert report["reads"] >= 10
    assert report["seen"] == [300, 310]


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("kill")
    return {
        "small": write_archive(root / "small", _files(SMALL)),
        "mid": write_archive(root / "mid", _files(MID)),
        "big": write_archive(root / "big", _files(BIG)),
    }


def _start_ingest(archive: Path, db: Path, hook: str, marker: Path, workers: int = 1):
    return subprocess.Popen(
        [sys.executable, "-c", INGESTER, str(archive), str(db), hook, str(marker)],
        env={**os.environ, "WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches pool workers too
    )


def _kill(process: subprocess.Popen, running: bool = True) -> None:
    """SIGKILL the ingest and its pool workers; `running`: it must not have exited yet."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        assert not running, "the ingest exited before it was killed"
    process.wait(timeout=10)
    if running:
        assert process.returncode == -signal.SIGKILL


def _wait_for(marker: Path, text: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text() == text):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"ingest never reached {text!r}"
        time.sleep(0.01)


def _assert_old_database_intact(db: Path, sha: str) -> None:
    assert _sha(db) == sha
    assert not db.with_name(db.name + ".wal").exists()
    assert query(db, "SELECT count(*), min(id) FROM postmortems") == [(SMALL, "PM-0")]
    assert query(db, "SELECT count(*) FROM files") == [(SMALL,)]
    assert query(db, "SELECT value FROM meta WHERE key = 'postmortems'") == [(str(SMALL),)]


@pytest.mark.parametrize("hook", ["parsing", "writing", "swap"])
def test_ingest_killed_mid_way_leaves_the_old_database(tmp_path, archives, hook):
    small = archives["small"]
    db = tmp_path / "pm.duckdb"
    ingest(small, db, workers=1)
    sha = _sha(db)
    marker = tmp_path / "marker"
    process = _start_ingest(archives["mid" if hook == "swap" else "big"], db, hook, marker)
    try:
        _wait_for(marker, "here", process)
    finally:
        _kill(process)
    _assert_old_database_intact(db, sha)
    # the next ingest is not blocked by the dead one's lock or its half-written temp file
    assert ingest(small, db, workers=1).rewritten is False
    write_archive(small, {"extra.md": postmortem("PM-EXTRA")})
    try:
        assert ingest(small, db, workers=1).postmortems == SMALL + 1
    finally:
        (small / "extra.md").unlink()
    assert not db.with_name(db.name + ".tmp").exists()


def test_ingest_killed_at_arbitrary_moments_leaves_a_whole_database(tmp_path, archives):
    small, big = archives["small"], archives["big"]
    marker = tmp_path / "marker"
    # first, how long a whole ingest runs (from its start to its exit) on this machine
    full = tmp_path / "full.duckdb"
    process = _start_ingest(big, full, "none", marker, workers=2)
    _wait_for(marker, "started", process)
    began = time.monotonic()
    assert process.wait(timeout=60) == 0
    whole = time.monotonic() - began
    assert query(full, "SELECT count(*) FROM postmortems") == [(BIG,)]

    intact = 0
    for n, fraction in enumerate((0.1, 0.4, 0.7)):
        db = tmp_path / f"pm-{n}.duckdb"
        ingest(small, db, workers=1)
        sha = _sha(db)
        marker.unlink()
        process = _start_ingest(big, db, "none", marker, workers=2)
        try:
            _wait_for(marker, "started", process)
            time.sleep(whole * fraction)
        finally:
            _kill(process, running=False)
        if _sha(db) == sha:
            _assert_old_database_intact(db, sha)
            intact += 1
        else:  # the kill came after the swap: then the new load is whole
            assert query(
                db,
                "SELECT (SELECT count(*) FROM postmortems), (SELECT count(*) FROM files),"
                " (SELECT value FROM meta WHERE key = 'postmortems')",
            ) == [(BIG, BIG, str(BIG))]
    assert intact >= 1


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state: the parent's pid
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie is not: an adopted child may wait for a reaper that never comes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_killed_ingests_workers_exit_and_free_the_lock(tmp_path, archives):
    """Only the ingest is killed (a cron timeout, the OOM killer), not its process group:
    its parse workers lived on, holding the inherited lock, and every later ingest failed
    with 'another ingest is running'."""
    small = archives["small"]
    db = tmp_path / "pm.duckdb"
    ingest(small, db, workers=1)
    marker = tmp_path / "marker"
    process = _start_ingest(archives["big"], db, "parsing", marker, workers=2)
    try:
        _wait_for(marker, "here", process)
        workers = _children(process.pid)
        assert len(workers) >= 2  # the pool (and its resource tracker, if any)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers):
            assert time.monotonic() < deadline, "the workers outlived the ingest"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    write_archive(small, {"extra.md": postmortem("PM-EXTRA")})
    try:
        assert ingest(small, db, workers=1).postmortems == SMALL + 1  # not locked out
    finally:
        (small / "extra.md").unlink()
