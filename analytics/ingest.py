"""Many archive files -> one DuckDB file, built aside and swapped in atomically.

Incremental: a file whose size and mtime (or, failing that, content hash) are unchanged since
the last load is not re-parsed; its rows are copied from the previous database. When nothing
changed at all, the database is left as it is; that is decided from the manifest beside it
(`analytics.ingest_manifest`) without opening it, or else from its `file_rows` table. Readers that
hold the old file open keep reading it (the swap is an `os.replace`, so they keep the old
inode) and never see half a load.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import re
import shutil
import stat
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import ingest_manifest
from analytics.config import ArchiveConfig, ArchiveFile, iter_archive_files, load_config
from analytics.ingest_manifest import LoadKey, LoadSummary
from analytics.metrics_sql import metrics_sql_version
from analytics.model import PARSER_VERSION, Problem

if TYPE_CHECKING:
    import concurrent.futures

    import duckdb
    import pyarrow as pa

    from analytics.ingest_tables import ParsedChunk

# duckdb, pyarrow and the parser are imported where they are used: an unchanged re-ingest
# (decided from the manifest) needs none of them, and they are most of its start-up time.

SCHEMA_VERSION = "4"  # 2: raw_text and body ZSTD-compressed; 3: each text stored once;
# 4: actions.extra
BATCH_FILES = 2000  # rows are written to DuckDB in batches so memory stays flat on large archives
BUILD_MEMORY = "256MB"  # DuckDB cache cap while building: by default it kept ~1 GB at 100k files
# The file being built is thrown away if the load fails, so it needs no write-ahead log; and
# each batch's commit rewrites the table's last, partly filled row group: with DuckDB's default
# of 122,880 rows that was the whole table at 100k files (100k full ingest 40 s -> 22 s).
BUILD_OPTIONS = "RECOVERY_MODE no_wal_writes, ROW_GROUP_SIZE 10240"
PARALLEL_FROM = 400  # below this many files to parse, a process pool costs more than it saves

UPDATE_UP_TO = 0.2  # share of files changed up to which the last load's file is updated in a copy
LONG_TABLES = (
    "postmortem_services",
    "postmortem_categories",
    "postmortem_tags",
    "postmortem_teams",
)

Progress = Callable[[int, int], None]


class IngestError(Exception):
    """A usage problem (no such archive, database not writable, not a postmortems database)."""


class IngestFailed(IngestError):
    """Not a usage problem: the load cannot run here and now (another ingest holds the
    lock, the database's folder cannot be written or created). The CLI exits 3."""


@dataclass
class IngestResult:
    database: Path
    postmortems: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    reparsed: int = 0  # of the unchanged: read again (why: reread_because)
    reread_because: str = ""  # "--full", or what changed since the last load
    removed: int = 0
    renamed: int = 0
    # the files moved or renamed with their content (old path, new path, old id, new id: a
    # file without `id:` is named by its stem, so its id changes too), and the paths removed
    # otherwise, for the summary to name (R21: a file moved into an excluded folder was
    # only "1 removed", and a renamed one's shared links broke without a word)
    moves: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    removed_paths: list[str] = field(default_factory=list)
    rejected: int = 0
    warnings: int = 0
    rewritten: bool = True  # False when nothing changed and the database was left as it was
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)  # the first few, errors first


@dataclass(frozen=True)
class _Previous:
    """What the last load recorded per path: sha256, size, mtime_ns, status."""

    files: dict[str, tuple[str, int, int, str]]
    compatible: bool  # same parser, schema and postmortems.toml: its rows can be reused
    because: str = ""  # when not compatible: what changed (said with the files read again)
    ids: dict[str, str | None] = field(default_factory=dict)  # path -> the id it held


def ingest(
    archive: Path,
    db: Path,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    full: bool = False,
) -> IngestResult:
    """Load `archive` into the DuckDB file `db`. Raises IngestError for usage problems.

    `full`: read every file again, as on a first load (a file edited in place with its
    size and modification time kept, as `cp -p`, `tar` or `rsync -a` can leave it, is
    otherwise taken as unchanged). A `db` that is a symlink is written where it points."""
    began = time.perf_counter()
    archive, db = Path(archive), Path(db)
    if db.is_symlink():  # os.replace would put a plain file in the link's place
        db = Path(os.path.realpath(db))
        if db.is_symlink():  # realpath stops where links go round in a circle
            raise IngestError(f"{db} is a symlink that goes round in a circle")
    if not archive.is_dir():
        raise IngestError(f"no such archive folder: {archive}")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IngestFailed(
            f"cannot create the database folder {db.parent}: {exc.strerror}"
        ) from exc
    if not os.access(db.parent, os.W_OK):
        raise IngestFailed(f"cannot write the database: {db.parent} is not writable")
    if db.exists() and not os.access(db, os.W_OK):
        raise IngestFailed(f"cannot write the database: {db} is not writable")
    config = load_config(archive)
    with _exclusive(db):
        found = list(iter_archive_files(archive, config))
        key = LoadKey(
            _fingerprint(config), str(archive.resolve()), ingest_manifest.listing_digest(found)
        )
        known = None if full else ingest_manifest.read_unchanged(db, key)
        if known is not None:
            result = _known_unchanged(db, known)
        else:
            previous = _read_previous(db, archive, config)
            if full:
                previous = _Previous(
                    previous.files, compatible=False, because="--full", ids=previous.ids
                )
            if not found and previous.files:  # a wrong or empty folder would empty the database
                raise IngestError(
                    f"no postmortem files under {archive}, and {db} holds "
                    f"{len(previous.files):,} files: it is left as it is. Check the archive "
                    "path; to empty the database, delete it and ingest again"
                )
            result = _plan_and_build(archive, db, config, found, previous, workers, progress)
            ingest_manifest.write(
                db,
                key,
                LoadSummary(result.postmortems, result.rejected, result.warnings, result.problems),
            )
    result.seconds = time.perf_counter() - began
    return result


def _known_unchanged(db: Path, known: LoadSummary) -> IngestResult:
    """What `_unchanged_result` would read from the database, as the manifest recorded it."""
    return IngestResult(
        database=db,
        postmortems=known.postmortems,
        unchanged=known.postmortems + known.rejected,
        rejected=known.rejected,
        warnings=known.warnings,
        rewritten=False,
        problems=known.problems,
    )


# the held lock (descriptor, device, inode), while an ingest runs
_LOCK: tuple[int, int, int] | None = None


@contextmanager
def _exclusive(db: Path) -> Iterator[None]:
    """Holds `<db>.lock`. A run that fails leaves no lock file it made: a refused `--db`
    (another program's file) gets nothing beside it."""
    lock_path = db.with_name(db.name + ".lock")
    global _LOCK
    while True:
        made = not lock_path.exists()
        lock = open(lock_path, "w")  # noqa: SIM115 (held to the end of the run, or closed below)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.close()
            raise IngestFailed(f"another ingest into {db} is running; try again later") from exc
        found = os.fstat(lock.fileno())
        try:
            now = os.stat(lock_path)
        except FileNotFoundError:
            now = None
        if now is not None and (now.st_dev, now.st_ino) == (found.st_dev, found.st_ino):
            break
        lock.close()  # a failed run removed the file this one had opened: lock the new one
    with lock:
        _LOCK = (lock.fileno(), found.st_dev, found.st_ino)  # parse workers close their copy
        try:
            yield
        except BaseException:
            if made:  # only a lock file this run made: another ingest checks it still holds
                lock_path.unlink(missing_ok=True)  # the file it locked (above)
            raise
        finally:
            _LOCK = None


def _fingerprint(config: ArchiveConfig) -> str:
    # The metric SQL is in it too: after an upgrade an "unchanged" archive must still get the
    # new views, or every reader rebuilds them per connection.
    return (
        f"parser={PARSER_VERSION};schema={SCHEMA_VERSION};config={config.fingerprint};"
        f"metrics={metrics_sql_version()}"
    )


@contextmanager
def _read_current(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The file now at `db`. Not duckdb.connect(db): while this process holds a connection
    to a file that was since swapped out, that returns the old file (STACK-NOTES 3)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_sql_path(db)}' AS current (READ_ONLY)")
        con.execute("USE current")
        yield con
    finally:
        con.close()


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB file


def _read_previous(db: Path, archive: Path, config: ArchiveConfig) -> _Previous:
    """What the database at `db` holds. A file that is not one of ours (another program's
    DuckDB database, any other file, a device or FIFO) stops the ingest: replacing it would
    destroy it. A missing or empty file, or an empty DuckDB database, is built; a DuckDB
    file that cannot be read is built anew only when its manifest says an ingest wrote it
    (a damaged database of ours); one open for writing elsewhere is left to its program."""
    if not db.exists():
        return _Previous({}, compatible=False)
    found = db.stat()
    if not stat.S_ISREG(found.st_mode):
        raise IngestError(_not_ours(db, "not a regular file"))
    if found.st_size == 0:
        return _Previous({}, compatible=False)
    with open(db, "rb") as handle:
        if handle.read(12)[8:] != DUCKDB_MAGIC:
            raise IngestError(_not_ours(db, "not a DuckDB file"))
    import duckdb  # not before: on a first load it is imported while the workers parse

    try:
        with _read_current(db) as con:
            objects = _user_objects(con)
            if objects and "main.meta" not in objects:
                raise IngestError(
                    _not_ours(db, f"another DuckDB database: {', '.join(sorted(objects)[:3])}")
                )
            if not objects:
                return _Previous({}, compatible=False)  # an empty database (duckdb.connect)
            rows = _previous_files(con)
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "could not set lock" in reason.lower():
            raise IngestFailed(
                f"{db} is open for writing in another program ({reason}): try again later"
            ) from exc
        if not ingest_manifest.manifest_path(db).exists():
            raise IngestError(
                _not_ours(db, f"a DuckDB file that cannot be read: {reason}")
            ) from exc
        return _Previous({}, compatible=False)  # ours, damaged or of another layout: rebuilt
    files = {path: (sha, size, mtime, status) for path, sha, size, mtime, status, _ in rows}
    because = _changed_since(meta, config, archive)
    ids = {row[0]: row[5] for row in rows}
    return _Previous(files, compatible=not because, because=because, ids=ids)


def _user_objects(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table, view, sequence and macro of the attached database, by schema.name."""
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            """
            SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'current'
            UNION ALL SELECT schema_name, view_name FROM duckdb_views()
                WHERE database_name = 'current' AND NOT internal
            UNION ALL SELECT schema_name, sequence_name FROM duckdb_sequences()
                WHERE database_name = 'current'
            UNION ALL SELECT schema_name, function_name FROM duckdb_functions()
                WHERE database_name = 'current' AND NOT internal
            """
        ).fetchall()
    }


def _changed_since(meta: dict[str, str], config: ArchiveConfig, archive: Path) -> str:
    """What differs from the last load, said with the files read again ("" for nothing)."""
    before = dict(
        part.split("=", 1) for part in meta.get("fingerprint", "").split(";") if "=" in part
    )
    now = dict(part.split("=", 1) for part in _fingerprint(config).split(";"))
    names = {"parser": "the parser", "schema": "the database schema",
             "config": "postmortems.toml", "metrics": "the metric SQL"}  # fmt: skip
    changed = [names.get(key, key) for key in now if before.get(key) != now[key]]
    if changed:
        return " and ".join(changed) + " changed"
    if meta.get("archive") != str(archive.resolve()):
        return f"the archive was loaded from {meta.get('archive')} before"
    return ""


def _not_ours(db: Path, found: str) -> str:
    return (
        f"{db} is not a postmortems database ({found}): it is left as it is. Give --db a new "
        "path (or the database an earlier ingest wrote); to replace that file, delete it first"
    )


def _open_build(
    db: Path, tmp: Path, config: ArchiveConfig, *, copy: bool
) -> duckdb.DuckDBPyConnection:
    """A connection to `tmp`, the file being built: a copy of `db` (`copy`) to update, or a
    new file with the schema, and the metric views and macros over its empty tables (the
    stored facts are computed once the rows are in: `_compute_facts`)."""
    import duckdb

    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    if copy:
        shutil.copyfile(db, tmp)
    con = duckdb.connect(config={"memory_limit": BUILD_MEMORY})
    try:
        con.execute(f"ATTACH '{_sql_path(tmp)}' AS new ({BUILD_OPTIONS})")
        con.execute("USE new")
        if not copy:
            con.execute(resources.files("analytics").joinpath("sql/schema.sql").read_text())
            # the views read the timezone and the metric settings (`_write_meta` writes them
            # again with the rest)
            con.execute(
                "INSERT INTO meta VALUES ('timezone', $tz), ('metrics', $metrics)",
                {"tz": config.timezone, "metrics": _metric_settings(config)},
            )
            _create_views(con)
    except BaseException:
        con.close()
        raise
    return con


def _previous_files(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, int, int, str, str | None]]:
    import duckdb

    query = "SELECT path, sha256, size_bytes, mtime_ns, status, postmortem_id FROM {}"
    try:
        return con.execute(query.format("file_rows")).fetchall()
    except duckdb.CatalogException:  # written before file_rows (schema 2): files was the table
        return con.execute(query.format("files")).fetchall()


def _plan_and_build(
    archive: Path,
    db: Path,
    config: ArchiveConfig,
    found: list[ArchiveFile],
    previous: _Previous,
    workers: int | None,
    progress: Progress | None,
) -> IngestResult:
    result = IngestResult(database=db)
    stat_same = {
        f.path
        for f in found
        if previous.compatible
        and (old := previous.files.get(f.path)) is not None
        and old[1:3] == (f.size_bytes, f.mtime_ns)
    }
    paths = {f.path for f in found}
    if previous.compatible and stat_same == paths and set(previous.files) == paths:
        return _unchanged_result(db, result)

    reusable = {
        path: old[0]
        for path, old in previous.files.items()
        if previous.compatible and old[3] == "loaded"
    }
    to_check = [f for f in found if not (f.path in stat_same and f.path in reusable)]
    reused = {f.path: f.mtime_ns for f in found if f.path in stat_same and f.path in reusable}
    removed = [path for path in previous.files if path not in paths]
    # A few changes are applied to a copy of the old file; many, or another load, rebuild it.
    update = (
        previous.compatible
        and len(to_check) + len(removed) <= UPDATE_UP_TO * len(found)
        and not os.path.lexists(f"{db}.wal")
    )

    ingest_manifest.remove(db)  # from here on the database may change
    tmp = db.with_name(db.name + ".tmp")
    with _removed_on_failure(tmp):
        # The workers start on the first files now, while this process sets up the new file. The
        # pool is shut down once the last chunk is in, before the end phase (its memory freed),
        # so the connection is closed on two paths: an error while parsing, and after the end.
        with _parsing(to_check, reusable, config, workers) as chunks:
            con = _open_build(db, tmp, config, copy=update)
            try:
                # postmortems whose long-table rows are redone (update)
                changed_ids: set[str] = set()
                if update:
                    changed_ids |= _delete_files(con, removed)
                parsed_shas: dict[str, str] = {}

                def replace_old_rows(batch: list[ParsedChunk]) -> None:
                    """Before a batch of re-read files goes in: their old rows out (update only)."""
                    nonlocal changed_ids
                    changed_ids |= _delete_files(con, [path for c in batch for path in c.shas])
                    for c in batch:
                        changed_ids.update(c.tables["postmortems"].column("id").to_pylist())
                    mtimes = {path: mtime for c in batch for path, mtime in c.same_content.items()}
                    _set_mtimes(con, mtimes)

                writer = _BatchWriter(con, before_insert=replace_old_rows if update else None)
                done = 0
                for chunk in chunks:
                    writer.add(chunk)
                    parsed_shas.update(chunk.shas)
                    reused.update(chunk.same_content)  # content unchanged, only the mtime moved
                    for _ in range(chunk.files):
                        done += 1
                        if progress:
                            progress(done, len(to_check))
            except BaseException:
                con.close()
                raise
        try:
            writer.flush()
            if update:
                for table in LONG_TABLES:
                    con.execute(
                        f"DELETE FROM {table} WHERE postmortem_id IN (SELECT unnest($ids))",
                        {"ids": list(changed_ids)},
                    )
            elif reused:
                con.execute(f"ATTACH '{_sql_path(db)}' AS old (READ_ONLY)")
                _copy_reused(con, reused)
                con.execute("DETACH old")
            _reject_duplicate_ids(con)  # may only drop rows of an id in changed_ids (a new holder)
            _fill_long_tables(con, list(changed_ids) if update else None)
            _count(con, result, previous, reused, parsed_shas)
            con.execute("DELETE FROM meta")
            _write_meta(con, archive, config, result)
            _compute_facts(con)
            con.execute("USE memory")
            con.execute("DETACH new")
        finally:
            con.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, db)
    return result


@contextmanager
def _removed_on_failure(tmp: Path) -> Iterator[None]:
    """A build that fails (a full disk, a signal) leaves the old database as it was and
    takes its half-built file away (it filled the disk the next run needs)."""
    try:
        yield
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def _delete_files(con: duckdb.DuckDBPyConnection, paths: list[str]) -> set[str]:
    """Every row of these files (updating a copy of the last load) -> the ids they held."""
    if not paths:
        return set()
    where = "WHERE path IN (SELECT unnest($paths))"
    rows = con.execute(f"SELECT id FROM postmortems {where}", {"paths": paths}).fetchall()
    for table in ("file_rows", "problems", "postmortems", "actions"):
        con.execute(f"DELETE FROM {table} {where}", {"paths": paths})
    return {postmortem_id for (postmortem_id,) in rows}


def _set_mtimes(con: duckdb.DuckDBPyConnection, mtimes: dict[str, int]) -> None:
    if mtimes:
        con.execute(
            "UPDATE file_rows SET mtime_ns = t.mtime_ns "
            "FROM (SELECT unnest($paths) AS path, unnest($mtimes)::BIGINT AS mtime_ns) AS t "
            "WHERE file_rows.path = t.path",
            {"paths": list(mtimes), "mtimes": list(mtimes.values())},
        )


def _unchanged_result(db: Path, result: IngestResult) -> IngestResult:
    result.rewritten = False
    with _read_current(db) as con:
        _fill_problem_counts(con, result)
        result.unchanged = result.postmortems + result.rejected
    return result


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def ProcessPoolExecutor(max_workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """concurrent.futures' pool, imported only when one is needed (it imports multiprocessing,
    ~20 ms of every run); a module attribute so tests can spy on the pools started."""
    from concurrent.futures import ProcessPoolExecutor as Pool

    from analytics.ingest_tables import start_worker

    return Pool(max_workers=max_workers, initializer=start_worker, initargs=(_LOCK,))


CHUNK_FILES = 200  # files per task sent to a worker
CHUNKS_AHEAD = 4  # per worker: parsed chunks wait in memory at most this far ahead


@contextmanager
def _parsing(
    files: list[ArchiveFile], reusable: dict[str, str], config: ArchiveConfig, workers: int | None
) -> Iterator[Iterator[ParsedChunk]]:
    """The files parsed, a chunk at a time in order. With a pool, its workers start on the
    first chunks on entering, so they parse while the caller gets the database ready."""
    from analytics.ingest_tables import parse_chunk

    workers = workers if workers is not None else (os.cpu_count() or 1)
    chunks = [files[i : i + CHUNK_FILES] for i in range(0, len(files), CHUNK_FILES)]
    if workers <= 1 or len(files) < PARALLEL_FROM:
        yield (parse_chunk(chunk, reusable, config) for chunk in chunks)
        return
    relevant = {f.path: reusable[f.path] for f in files if f.path in reusable}
    ahead = CHUNKS_AHEAD * workers
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # The workers are forked at the first submit. What they inherit is frozen, never
        # collected in them: a fork copies the objects of this process's other threads
        # (DuckDB's; a test process's greenlets, Streamlit's) mid-change, and a collection
        # that walked them crashed a worker with a segfault (a CI run). The parse's own
        # objects are still collected.
        gc.freeze()
        try:
            pending = deque(pool.submit(parse_chunk, c, relevant, config) for c in chunks[:ahead])
        finally:
            gc.unfreeze()

        def in_order() -> Iterator[ParsedChunk]:
            for chunk in chunks[ahead:]:
                done = pending.popleft().result()
                pending.append(pool.submit(parse_chunk, chunk, relevant, config))
                yield done
            while pending:
                yield pending.popleft().result()

        try:
            yield in_order()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the chunks not started are not waited for
            raise


class _BatchWriter:
    """Buffers parsed chunks and writes them to DuckDB a batch at a time."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        before_insert: Callable[[list[ParsedChunk]], None] | None = None,
    ) -> None:
        self.con = con
        self.before_insert = before_insert
        self.pending: list[ParsedChunk] = []
        self.files = 0

    def add(self, chunk: ParsedChunk) -> None:
        self.pending.append(chunk)
        self.files += chunk.files
        if self.files >= BATCH_FILES:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if not self.pending:
            return
        batch, self.pending, self.files = self.pending, [], 0
        if self.before_insert is not None:
            self.before_insert(batch)
        for table in ("file_rows", "problems", "postmortems", "actions"):
            parts = [c.tables[table] for c in batch if c.tables[table].num_rows]
            if parts:
                # a column that is all null in one chunk is typed null there: promote it
                self._insert(table, pa.concat_tables(parts, promote_options="permissive"))

    def _insert(self, table: str, data: pa.Table) -> None:
        self.con.register("batch", data)
        self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM batch")
        self.con.unregister("batch")


def _copy_reused(con: duckdb.DuckDBPyConnection, reused: dict[str, int]) -> None:
    import pyarrow as pa

    con.register(
        "reused",
        pa.table({"path": list(reused), "mtime_ns": pa.array(list(reused.values()), pa.int64())}),
    )
    con.execute(
        "INSERT INTO file_rows BY NAME SELECT f.* REPLACE (r.mtime_ns AS mtime_ns) "
        "FROM old.file_rows f JOIN reused r USING (path)"
    )
    for table in ("postmortems", "actions", "problems"):
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM old.{table} "
            "WHERE path IN (SELECT path FROM reused)"
        )
    con.unregister("reused")


def _reject_duplicate_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Every file but the first in path order that repeats an id is rejected. The problem's
    line is the id's (a column-0 `id:` line of the frontmatter, which wins over an alias as
    the parser reads it, else the first alias's; none when the id is the file's name)."""
    con.execute(
        """
        CREATE TEMP TABLE duplicate_ids AS
        SELECT path, id, first_value(path) OVER (PARTITION BY id ORDER BY path) AS first_path
        FROM postmortems
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY path) > 1
        """
    )
    from analytics.archive import ALIASES  # here: an unchanged archive's run loads no YAML

    id_keys = "|".join(map(re.escape, ALIASES["id"]))
    con.execute(
        f"""
        INSERT INTO problems
        SELECT d.path, line, 'error', 'duplicate-id',
               coalesce('line ' || line || ': ', '')
               || 'id ' || d.id || ' is already used by ' || d.first_path
               || '; ids must be unique'
        FROM duplicate_ids AS d
        JOIN file_rows AS f ON f.path = d.path,
        LATERAL (  -- the `id:` line, which wins over an alias, else the first alias's
            SELECT coalesce(
                nullif(regexp_extract(
                    f.head_text, '(?is)\\A(.*?\\n)["'']?id["'']?[ \\t]*:', 1
                ), ''),
                nullif(regexp_extract(
                    f.head_text, '(?is)\\A(.*?\\n)["'']?(?:{id_keys})["'']?[ \\t]*:', 1
                ), '')
            ) AS before
        ),
        LATERAL (SELECT length(before) - length(replace(before, chr(10), '')) + 1 AS line)
        """
    )
    # The file's text was stored as its head plus the postmortem's body: it keeps it whole.
    # Its row is replaced, not updated: an update makes the checkpoint rewrite the columns.
    con.execute(
        """
        CREATE TEMP TABLE rejected_files AS
        SELECT f.* REPLACE (
            'rejected' AS status, f.errors + 1 AS errors, f.head_text || p.body AS head_text
        )
        FROM file_rows AS f
        JOIN postmortems AS p ON p.path = f.path
        WHERE f.path IN (SELECT path FROM temp.duplicate_ids)
        """
    )
    con.execute("DELETE FROM file_rows WHERE path IN (SELECT path FROM temp.duplicate_ids)")
    con.execute("INSERT INTO file_rows SELECT * FROM temp.rejected_files")
    con.execute("DROP TABLE temp.rejected_files")
    con.execute("DELETE FROM actions WHERE path IN (SELECT path FROM temp.duplicate_ids)")
    con.execute("DELETE FROM postmortems WHERE path IN (SELECT path FROM temp.duplicate_ids)")
    con.execute("DROP TABLE temp.duplicate_ids")


def _fill_long_tables(con: duckdb.DuckDBPyConnection, ids: list[str] | None = None) -> None:
    """The long tables' rows of every postmortem, or of these ids only."""
    source = (
        "postmortems" if ids is None else "(FROM postmortems WHERE id IN (SELECT unnest($ids)))"
    )
    params = {} if ids is None else {"ids": ids}
    for table, column, value in (
        ("postmortem_services", "services", "service"),
        ("postmortem_categories", "categories", "category"),
    ):
        con.execute(
            f"INSERT INTO {table} SELECT id, s.{value}, s.position FROM {source}, "
            f"unnest({column}) WITH ORDINALITY AS s({value}, position)",
            params,
        )
    for table, column, value in (
        ("postmortem_tags", "tags", "tag"),
        ("postmortem_teams", "teams", "team"),
    ):
        con.execute(
            f"INSERT INTO {table} SELECT id, unnest({column}) AS {value} FROM {source}", params
        )


def _fill_problem_counts(con: duckdb.DuckDBPyConnection, result: IngestResult) -> None:
    (result.postmortems,) = con.execute("SELECT count(*) FROM postmortems").fetchone() or (0,)
    (result.rejected,) = con.execute(
        "SELECT count(*) FROM file_rows WHERE status = 'rejected'"
    ).fetchone() or (0,)
    (result.warnings,) = con.execute(
        "SELECT count(*) FROM problems WHERE severity = 'warning'"
    ).fetchone() or (0,)
    rows = con.execute(
        "SELECT path, line, severity, code, message FROM problems "
        "ORDER BY severity = 'warning', path, line NULLS FIRST LIMIT 10"
    ).fetchall()
    result.problems = [Problem(*row) for row in rows]


def _count(
    con: duckdb.DuckDBPyConnection,
    result: IngestResult,
    previous: _Previous,
    reused: dict[str, int],
    parsed_shas: dict[str, str],
) -> None:
    _fill_problem_counts(con, result)
    result.unchanged = len(reused)
    old_paths = set(previous.files)
    removed = old_paths - set(reused) - set(parsed_shas)
    removed_by_sha: dict[str, list[str]] = {}
    for path in sorted(removed):
        removed_by_sha.setdefault(previous.files[path][0], []).append(path)
    moved_to: dict[str, str] = {}  # old path -> new path
    for path, sha in sorted(parsed_shas.items()):
        old = previous.files.get(path)
        if old is None:
            result.added += 1
            if removed_by_sha.get(sha):
                result.renamed += 1
                moved_to[removed_by_sha[sha].pop(0)] = path
        elif old[0] == sha:
            result.unchanged += 1
            result.reparsed += not previous.compatible  # not a rejected file's re-read
            result.reread_because = previous.because
        else:
            result.updated += 1
    result.removed = len(removed)
    new_ids = dict(  # of a loaded file: nothing links to a rejected one's id (D12)
        con.execute(
            "SELECT path, postmortem_id FROM file_rows"
            " WHERE list_contains($paths, path) AND status = 'loaded'",
            {"paths": list(moved_to.values())},
        ).fetchall()
    )
    result.moves = [
        (old, new, previous.ids.get(old), new_ids.get(new)) for old, new in moved_to.items()
    ]
    result.removed_paths = sorted(removed - set(moved_to))


def _write_meta(
    con: duckdb.DuckDBPyConnection, archive: Path, config: ArchiveConfig, result: IngestResult
) -> None:
    meta = {
        "archive": str(archive.resolve()),
        "timezone": config.timezone,
        "fingerprint": _fingerprint(config),
        "parser_version": PARSER_VERSION,
        "schema_version": SCHEMA_VERSION,
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "postmortems": str(result.postmortems),
        "rejected": str(result.rejected),
        "aliases": json.dumps(
            {
                "service": config.service_aliases,
                "category": config.category_aliases,
                "owner": config.owner_aliases,
                "team": config.team_aliases,
                "severity": config.severity_aliases,  # word -> SEVn: the CLI's --severity
            },
            sort_keys=True,
        ),
        "metrics": _metric_settings(config),
    }
    con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))


def _metric_settings(config: ArchiveConfig) -> str:
    return json.dumps(config.metrics, sort_keys=True)


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    try:
        from analytics.views import create_views
    except ImportError:  # the metrics layer is optional for a bare load
        return
    create_views(con)


def _compute_facts(con: duckdb.DuckDBPyConnection) -> None:
    """The stored facts from the loaded rows, once the views are there; else the views."""
    try:
        from analytics.views import compute_facts, views_current
    except ImportError:
        return
    if views_current(con):
        compute_facts(con)
    else:
        _create_views(con)
