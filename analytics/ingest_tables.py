"""Parsed archive files -> Arrow tables shaped like the DuckDB tables (`sql/schema.sql`).

`parse_chunk` runs in an ingest worker: it reads and parses some files and returns their
rows as Arrow tables (file_rows, problems, postmortems, actions), which cost the main process
little to receive. `analytics.ingest` schedules the chunks and writes the tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from analytics.archive import (
    ParsedFile,
    Problem,
    parse_file,
    read_archive_file,
    to_json,
    unreadable_file,
)
from analytics.config import ArchiveConfig, ArchiveFile


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError("a parse worker has no pandas objects", name=name)


def start_worker(lock: tuple[int, int, int] | None = None) -> None:
    """Run once in each parse worker. It gives up the ingest's lock (`lock`, inherited
    with the fork) and exits when the ingest does: after a `kill -9` of an ingest (a cron
    timeout, the OOM killer) its workers lived on, holding the lock, and every later ingest
    failed with "another ingest is running".

    It also tells pyarrow there is no pandas here. Its first pa.array() otherwise imports
    pandas (about 0.25 s, an eighth of a 10k-file worker's time) only to ask whether the
    data are pandas objects; ours are lists."""
    if lock is not None:  # (descriptor, device, inode): closed only if forked with it
        fd, device, inode = lock
        with contextlib.suppress(OSError):
            found = os.fstat(fd)
            if (found.st_dev, found.st_ino) == (device, inode):
                os.close(fd)  # the lock is the ingest's alone: it goes when the ingest does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the CLI's handler, forked with it
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if "pandas" in sys.modules:
        return
    blocker = _NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        pa.array([0])  # pyarrow tries pandas once and remembers that it is missing
    except ImportError:
        pass  # a pyarrow that insists on pandas: it will import it later, as before
    finally:
        sys.meta_path.remove(blocker)


PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:  # the parent is gone: this worker was adopted
            os._exit(1)


@dataclass
class ParsedChunk:
    """Some files parsed, as Arrow tables: built in the worker, they cost the main process
    little to receive (pickled Python objects cost it more than the parse saved)."""

    files: int
    tables: dict[str, pa.Table]
    shas: dict[str, str]  # path -> sha256 of each file parsed
    same_content: dict[str, int]  # path -> mtime_ns of files whose bytes did not change


def parse_chunk(
    files: Sequence[ArchiveFile], reusable: dict[str, str], config: ArchiveConfig
) -> ParsedChunk:
    parsed: list[ParsedFile] = []
    same: dict[str, int] = {}
    for f in files:
        data = read_archive_file(f.absolute)
        if isinstance(data, str):  # why it cannot be read
            parsed.append(unreadable_file(f.path, data, f.mtime_ns))
            continue
        if f.path in reusable and hashlib.sha256(data).hexdigest() == reusable[f.path]:
            same[f.path] = f.mtime_ns
        else:
            parsed.append(parse_file(f.path, data, f.mtime_ns, config))
    loaded = [f.postmortem for f in parsed if f.postmortem is not None]
    tables = {
        "file_rows": file_rows_table(parsed),
        "problems": problems_table([p for f in parsed for p in f.problems]),
        "postmortems": postmortems_table(loaded),
        "actions": actions_table(loaded),
    }
    return ParsedChunk(len(files), tables, {f.path: f.sha256 for f in parsed}, same)


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


_TS = pa.timestamp("us", tz="UTC")
_NAMES = pa.list_(pa.string())


def file_rows_table(batch: list[ParsedFile]) -> pa.Table:
    return pa.table(
        {
            "path": [f.path for f in batch],
            "sha256": [f.sha256 for f in batch],
            "size_bytes": pa.array([f.size_bytes for f in batch], pa.int64()),
            "mtime_ns": pa.array([f.mtime_ns for f in batch], pa.int64()),
            "status": ["rejected" if f.rejected else "loaded" for f in batch],
            "postmortem_id": [f.postmortem_id for f in batch],
            "errors": pa.array(
                [sum(p.severity == "error" for p in f.problems) for f in batch], pa.int32()
            ),
            "warnings": pa.array(
                [sum(p.severity == "warning" for p in f.problems) for f in batch], pa.int32()
            ),
            "head_text": [_head_text(f) for f in batch],
        }
    )


def _head_text(parsed: ParsedFile) -> str | None:
    """The file's text before the postmortem's body, or all of it when it has no postmortem
    row: `files.raw_text` is head_text || body (sql/schema.sql), so no text is stored twice."""
    if parsed.postmortem is None or parsed.raw_text is None:
        return parsed.raw_text
    return parsed.raw_text[: len(parsed.raw_text) - len(parsed.postmortem.body)]


def problems_table(problems: list[Problem]) -> pa.Table:
    return pa.table(
        {
            "path": pa.array([p.path for p in problems], pa.string()),
            "line": pa.array([p.line for p in problems], pa.int32()),
            "severity": pa.array([p.severity for p in problems], pa.string()),
            "code": pa.array([p.code for p in problems], pa.string()),
            "message": pa.array([p.message for p in problems], pa.string()),
        }
    )


def postmortems_table(rows: list[Any]) -> pa.Table:
    return pa.table(
        {
            "id": [r.id for r in rows],
            "path": [r.path for r in rows],
            "title": [r.title for r in rows],
            "status": pa.array([r.status for r in rows], pa.string()),
            "severity": pa.array([r.severity for r in rows], pa.string()),
            "severity_rank": pa.array([r.severity_rank for r in rows], pa.int32()),
            "services": pa.array([r.services for r in rows], _NAMES),
            "primary_service": pa.array(
                [r.services[0] if r.services else None for r in rows], pa.string()
            ),
            "category": pa.array([r.category for r in rows], pa.string()),
            "categories": pa.array([r.categories for r in rows], _NAMES),
            "tags": pa.array([r.tags for r in rows], _NAMES),
            "teams": pa.array([r.teams for r in rows], _NAMES),
            "started": pa.array([_utc(r.started) for r in rows], _TS),
            "detected": pa.array([_utc(r.detected) for r in rows], _TS),
            "resolved": pa.array([_utc(r.resolved) for r in rows], _TS),
            "postmortem_date": pa.array([_utc(r.postmortem_date) for r in rows], _TS),
            "timeline_written": pa.array([r.timeline_written for r in rows], pa.string()),
            "chain_level": pa.array([r.chain_level for r in rows], pa.string()),
            "authors": pa.array([r.authors for r in rows], _NAMES),
            "fix_count": pa.array([r.fix_count for r in rows], pa.int32()),
            "body": [r.body for r in rows],
            "original": [to_json(r.original) if r.original else None for r in rows],
            "extra": [to_json(r.extra) if r.extra else None for r in rows],
        }
    )


def actions_table(rows: list[Any]) -> pa.Table:
    items = [(r, seq, a) for r in rows for seq, a in enumerate(r.actions, start=1)]
    return pa.table(
        {
            "postmortem_id": [r.id for r, _, _ in items],
            "path": [r.path for r, _, _ in items],
            "seq": pa.array([seq for _, seq, _ in items], pa.int32()),
            "kind": [a.kind for _, _, a in items],
            "source": [a.source for _, _, a in items],
            "title": pa.array([a.title for _, _, a in items], pa.string()),
            "owner": pa.array([a.owner for _, _, a in items], pa.string()),
            "due": pa.array([a.due for _, _, a in items], pa.date32()),
            "status": [a.status for _, _, a in items],
            "status_raw": pa.array([a.status_raw for _, _, a in items], pa.string()),
            "done": pa.array([a.done for _, _, a in items], pa.date32()),
            "level": pa.array([a.level for _, _, a in items], pa.string()),
            "ticket": pa.array([a.ticket for _, _, a in items], pa.string()),
            "test": pa.array([a.test for _, _, a in items], pa.string()),
            "line": pa.array([a.line for _, _, a in items], pa.int32()),
            "extra": pa.array(
                [None if a.extra is None else to_json(a.extra) for _, _, a in items], pa.string()
            ),
        }
    )
