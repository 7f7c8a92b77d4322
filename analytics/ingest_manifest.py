"""The ingest's sidecar manifest (`<db>.manifest`): what the last load saw, so that an
unchanged archive is recognised from `stat` calls alone, without opening the database or
importing DuckDB (at 10k files that was most of a re-ingest with nothing to do).

The manifest is written atomically after each load and names the database file it describes
by device, inode, size and mtime. Anything that does not match exactly (another database file,
a `.wal` beside it, another archive, parser, schema, config or metric SQL, any file added,
removed or with another size or mtime, or a missing or unreadable manifest) means "not known to
be unchanged": the ingest then does its full check against the database itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analytics.config import ArchiveFile
from analytics.model import Problem

FORMAT = 1  # bumped when the manifest's layout changes


@dataclass(frozen=True)
class LoadKey:
    """What makes two loads the same: the code and config (fingerprint), the archive, and
    every file's path, size and mtime (as a digest)."""

    fingerprint: str
    archive: str  # resolved archive root
    listing: str


@dataclass(frozen=True)
class LoadSummary:
    """The counts an unchanged re-ingest reports, as the last load left them."""

    postmortems: int
    rejected: int
    warnings: int
    problems: list[Problem]  # the first few, errors first


def manifest_path(db: Path) -> Path:
    return db.with_name(db.name + ".manifest")


def listing_digest(found: Sequence[ArchiveFile]) -> str:
    # NUL cannot occur in a path, so the joined fields are unambiguous.
    text = "\0".join(f"{f.path}\0{f.size_bytes}\0{f.mtime_ns}" for f in found)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _database_stat(db: Path) -> list[int] | None:
    if os.path.lexists(f"{db}.wal"):
        return None  # changes not yet checkpointed: someone wrote to it since
    try:
        stat = os.stat(db)
    except OSError:
        return None
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns]


def read_unchanged(db: Path, key: LoadKey) -> LoadSummary | None:
    """The last load's summary when `db` is still the file it wrote for exactly this load."""
    try:
        with open(manifest_path(db), encoding="utf-8") as handle:
            data = json.load(handle)
        database = _database_stat(db)
        if (
            data["format"] != FORMAT
            or database is None
            or data["database"] != database
            or data["fingerprint"] != key.fingerprint
            or data["archive"] != key.archive
            or data["listing"] != key.listing
        ):
            return None
        summary = data["summary"]
        return LoadSummary(
            postmortems=int(summary["postmortems"]),
            rejected=int(summary["rejected"]),
            warnings=int(summary["warnings"]),
            problems=[Problem(*problem) for problem in summary["problems"]],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, corrupt or of another layout: do the full check


def write(db: Path, key: LoadKey, summary: LoadSummary) -> None:
    """Record that `db`, as it is now, holds the load `key` (replaces the manifest atomically)."""
    database = _database_stat(db)
    if database is None:
        return
    data = {
        "format": FORMAT,
        "database": database,
        "fingerprint": key.fingerprint,
        "archive": key.archive,
        "listing": key.listing,
        "summary": {
            "postmortems": summary.postmortems,
            "rejected": summary.rejected,
            "warnings": summary.warnings,
            "problems": [[p.path, p.line, p.severity, p.code, p.message] for p in summary.problems],
        },
    }
    path = manifest_path(db)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # no manifest: the next ingest does the full check


def remove(db: Path) -> None:
    manifest_path(db).unlink(missing_ok=True)
