"""`postmortems lint`: for the archive's own CI, which files are broken and which
postmortems break the discipline (late, no chain level, no owned/dated/testable fix ...)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Hashable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import duckdb
import pandas as pd

from analytics import ingest_manifest
from analytics.cli_common import fail, problem_line
from analytics.config import ConfigError, archive_root, settings_above
from analytics.display import hours
from analytics.ingest import IngestError, IngestFailed, ingest
from analytics.metrics import (
    Filters,
    data_quality_files,
    data_quality_problems,
    discipline,
    open_db,
)

# What each discipline flag of the metrics layer means, for the person reading the lint.
FLAG_TEXT = {
    "late": "postmortem written more than {hours} h after resolution, or still pending past "
    "{hours} h",
    "timeline_missing": "timeline_written not stated (during | after)",
    "timeline_reconstructed": "timeline reconstructed after the incident",
    "no_chain_level": "no chain_level (L1-L5)",
    "no_fix": "no chain-level fix",
    "several_fixes": "more than one chain-level fix; land one",
    "fix_not_owned": "fix has no owner",
    "fix_not_dated": "fix has no due date",
    "fix_not_testable": "fix has no test (how will we know it worked?)",
    "fix_at_l5": "fix at L5 (operation: monitoring, runbooks, on-call): right when the incident "
    "itself is an L5 failure; else would a fix at its chain level prevent the next one?",
    "fix_names_author": "fix names a person from the authors: fixes change systems, not people",
    "fix_is_feeling": "fix reads as a resolution to try harder (such as 'be more careful' or "
    "'to double-check'), not a change to a system",
}


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="'Now': incidents started before it are checked, late ones as of it (default: "
    "every incident to this moment, late ones as of today).",
)
@click.option("--discipline/--no-discipline", default=True, help="Also check the discipline.")
@click.option(
    "--strict", is_flag=True, help="Exit 1 on warnings and discipline flags too, not only errors."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
@click.option(
    "--no-cache",
    "no_cache",
    is_flag=True,
    help="Read every file again, in a throw-away database (default: the last run's, kept in "
    "~/.cache/postmortems/lint, so that a run reads only the files whose size or modification "
    "time changed since: a file edited in place with both kept, as cp -p, tar or rsync -a can "
    "leave it, is not read again).",
)
def lint_command(
    paths: tuple[Path, ...],
    as_of: datetime | None,
    discipline: bool,
    strict: bool,
    as_json: bool,
    no_cache: bool,
) -> None:
    """Check an archive (PATHS: its folder, default the current one, as in the archive's
    own repository): broken files (exit 1) and discipline flags per postmortem. Given files
    instead (a pre-commit hook passes the changed ones), the whole archive is read (ids,
    repeats and postmortems.toml are the archive's) and only those files are reported; the
    archive is the nearest folder above them with a postmortems.toml or a .git.

    Runs in the archive's own CI and in pre-commit hooks. Nothing is written next to the
    archive: it loads into a database kept in the user's cache folder
    ($XDG_CACHE_HOME/postmortems/lint, else ~/.cache/...), one per archive, so a run reads
    only the files changed since the last (a pre-commit hook on 20,000 files read them all,
    24 s, review R18); with --no-cache, or where the cache cannot be written, a throw-away
    one.

    Example:

    \b
        postmortems lint ~/src/postmortems --as-of 2026-11-01
        postmortems lint 2026/PM-2026-031-checkout-502s.md
    """
    archive, given = _archive_and_files(paths)
    only = given if isinstance(given, set) else None
    with tempfile.TemporaryDirectory(prefix="postmortems-lint-") as folder:
        cached = None if no_cache else _cached_database(archive)
        try:
            try:
                result = ingest(archive, cached or Path(folder) / "lint.duckdb")
            except (IngestError, duckdb.Error, OSError) as exc:
                if cached is None:
                    raise
                # another lint holds the cache (IngestFailed), its disk is full, or it is
                # damaged (then removed, so the next run builds it again, D9): read afresh;
                # an error of the archive's comes again there
                if not isinstance(exc, IngestFailed):
                    for stale in (cached, ingest_manifest.manifest_path(cached)):
                        stale.unlink(missing_ok=True)
                result = ingest(archive, Path(folder) / "lint.duckdb")
        except (IngestError, ConfigError) as exc:
            fail(str(exc))
        if result.postmortems + result.rejected == 0:
            fail(
                f"no postmortem file below {archive} (it reads every *.md and *.markdown but "
                "README.md, template* and _* files and hidden folders)"
            )
        problems: list[dict[str, Any]] = [
            {str(key): None if _missing(value) else value for key, value in row.items()}
            for row in data_quality_problems(result.database).to_dict(orient="records")
        ]
        read_files = data_quality_files(result.database)
        read = set(read_files["path"])
        if isinstance(given, str):  # a folder of the archive: its files
            only = {path for path in read if path.startswith(f"{given}/")}
            if not only:  # an excluded or hidden folder read as clean (D8)
                fail(
                    f"no postmortem file of {archive} below {given}/ (README.md, template* "
                    "and _* files, hidden folders and postmortems.toml's excludes are not read)"
                )
        elif only is not None:  # given files the archive does not read are not checked
            for path in sorted(only - read):
                click.echo(
                    f"{path}: not a postmortem file of {archive} (README.md, template* and _* "
                    "files, hidden folders and postmortems.toml's excludes are not read)",
                    err=True,
                )
            only &= read
        ids = None  # the whole archive's postmortems; else only the reported files' (a
        # pre-commit hook's one file: the discipline of 20,000 took 4 s)
        if only is not None:  # a duplicate of theirs kept elsewhere fails them too
            problems += _kept_duplicates(result.database, problems, only)
            theirs = read_files["path"].isin(only) & (read_files["status"] == "loaded")
            ids = list(read_files.loc[theirs, "postmortem_id"])
        flags = (
            _discipline_rows(result.database, as_of.date() if as_of else None, ids)
            if discipline and result.postmortems and ids != []
            else []
        )
    files, loaded, rejected = (
        result.postmortems + result.rejected,
        result.postmortems,
        result.rejected,
    )
    if only is not None:  # the files given, of the archive's: the counts are of them too
        problems = [p for p in problems if p["path"] in only]
        flags = [f for f in flags if f["path"] in only]
        status = read_files.loc[read_files["path"].isin(only), "status"]
        files, loaded, rejected = (
            len(only),
            int((status == "loaded").sum()),
            int((status == "rejected").sum()),
        )
    errors = sum(p["severity"] == "error" for p in problems)
    warnings = sum(p["severity"] == "warning" for p in problems)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "files": files,
                    "postmortems": loaded,
                    "rejected": rejected,
                    "problems": problems,
                    "discipline": flags,
                    "errors": errors,
                    "warnings": warnings,
                },
                default=str,
            )
        )
    else:
        for p in problems:
            click.echo(
                problem_line(
                    str(p["path"]), p["line"], str(p["severity"]), str(p["code"]), str(p["message"])
                )
            )
        for flagged in flags:
            for flag, message in zip(flagged["flags"], flagged["messages"], strict=True):
                click.echo(f"{flagged['path']}: discipline [{flag}] {message}")
        counts = [
            _count(files, "file"),
            _count(errors, "error"),
            _count(warnings, "warning"),
        ]
        if discipline:  # not checked with --no-discipline: no count to give
            counts.append(f"{_count(len(flags), 'postmortem')} with discipline flags")
        click.echo(f"{counts[0]}: {', '.join(counts[1:])}")
    if errors or (strict and (warnings or flags)):
        sys.exit(1)


def _kept_duplicates(
    database: Path, problems: list[dict[str, Any]], given: set[str]
) -> list[dict[str, Any]]:
    """A duplicate id is an error of the file that lost it; the given file that kept it (the
    first in path order) had none, so a hook passed a new file that took the id of a
    published postmortem, which then left every metric. One error on the given file that
    keeps an id another file repeats."""
    repeated = {
        str(p["postmortem_id"]): str(p["path"])
        for p in problems
        if p["code"] == "duplicate-id" and p["postmortem_id"] is not None
    }
    if not repeated:
        return []
    kept = open_db(database).query("SELECT id, path FROM postmortems")
    return [
        {
            "path": path,
            "line": None,
            "severity": "error",
            "code": "duplicate-id",
            "message": f"id {pm_id} is also the id of {repeated[pm_id]}, which is rejected for "
            "it (the first file in path order keeps an id); ids must be unique",
            "file_status": "loaded",
            "postmortem_id": pm_id,
        }
        for pm_id, path in zip(kept["id"], kept["path"], strict=True)
        if pm_id in repeated and path in given
    ]


def _cached_database(archive: Path) -> Path | None:
    """The database lint keeps for `archive` between runs, in the user's cache folder (one
    per archive folder); None where that folder cannot be made."""
    try:  # a relative XDG_CACHE_HOME is ignored, as the XDG spec says (it could be in the
        # archive); no home folder at all (RuntimeError): no cache
        base = os.environ.get("XDG_CACHE_HOME", "")
        folder = Path(base if os.path.isabs(base) else Path.home() / ".cache")
        folder = folder / "postmortems" / "lint"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    key = hashlib.sha256(os.fsencode(archive.resolve())).hexdigest()[:16]
    ours = folder / f"{key}.duckdb"
    _forget_unused(folder, keep=ours)
    return ours


CACHE_DAYS = 30  # a cached database unused this long is removed (a worktree, a CI checkout)


def _forget_unused(folder: Path, keep: Path) -> None:
    """Remove the cached databases of archives not linted for CACHE_DAYS (one per archive
    path piled up, ~6 MB per 300 files, D9), with their manifest and lock; `keep` is marked
    used now."""
    now = time.time()
    with contextlib.suppress(OSError):
        if keep.exists():
            os.utime(keep)
        for found in folder.glob("*.duckdb"):
            if found != keep and now - found.stat().st_mtime > CACHE_DAYS * 86400:
                lock = found.with_name(found.name + ".lock")
                for stale in (found, ingest_manifest.manifest_path(found), lock):
                    stale.unlink(missing_ok=True)


def _archive_and_files(paths: tuple[Path, ...]) -> tuple[Path, set[str] | str | None]:
    """The archive to read and what of it to report: the given files' paths relative to it;
    a given folder's (or the current folder's) path, when it is a part of an archive whose
    postmortems.toml is above it (`archive/2026`); None: the whole archive."""
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such archive folder or file")
    if not paths or (len(paths) == 1 and paths[0].is_dir()):
        folder = paths[0] if paths else Path(".")
        root = settings_above(folder)
        if root is None:
            return folder, None
        part = folder.resolve().relative_to(root).as_posix()
        click.echo(
            f"note: {part}/ is a part of the archive {root} (its postmortems.toml is there): "
            f"the whole archive is read, with its settings, and the files below {part}/ are "
            "reported",
            err=True,
        )
        return root, part
    if any(path.is_dir() for path in paths):
        fail("give one archive folder, or files of one archive")
    first = paths[0].resolve()
    root = archive_root(first.parent) or first.parent
    relative: set[str] = set()
    for path in paths:
        try:
            relative.add(path.resolve().relative_to(root).as_posix())
        except ValueError:
            fail(f"{path} is not in the archive {root} (the folder of {paths[0]}'s archive)")
    return root, relative


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _discipline_rows(
    database: Path, as_of: date | None, ids: list[str] | None = None
) -> list[dict[str, Any]]:
    """The postmortems with flags (of `ids` only, when given). Without `as_of`, every
    incident to this moment (as of tomorrow: one added today is checked in its own pull
    request), with `late` as of today (not a day early)."""
    db = open_db(database)
    if as_of is None:
        today = db.today()  # in the archive's timezone
        frame = discipline(db, Filters(as_of=today + timedelta(days=1)), ids=ids)
        at_today = discipline(db, Filters(as_of=today), ids=ids)
        late_today = set(at_today.query("late")["id"])
        # how long a pending one has waited, as of today too (not as of tomorrow)
        waiting = at_today.set_index("id")["ttp_waiting_hours"]
        frame = frame.assign(ttp_waiting_hours=frame["id"].map(waiting))
        kept: list[list[str]] = [
            [f for f in flags if f != "late" or pm_id in late_today]
            for pm_id, flags in zip(frame["id"], frame["flags"], strict=True)
        ]
        frame = frame.assign(flags=pd.Series(kept, index=frame.index, dtype=object))
        frame = frame.assign(flag_count=frame["flags"].map(len))
    else:
        frame = discipline(db, Filters(as_of=as_of), ids=ids)
    rows = frame[frame["flag_count"] > 0].sort_values("path").to_dict(orient="records")
    ttp_hours = db.parameters().ttp_hours  # postmortems.toml's, else 72
    return [
        {
            "id": r["id"],
            "path": r["path"],
            "flags": [str(f) for f in r["flags"]],
            "messages": [_flag_text(str(f), r, ttp_hours) for f in r["flags"]],
        }
        for r in rows
    ]


def _flag_text(flag: str, row: Mapping[Hashable, Any], ttp_hours: int) -> str:
    """FLAG_TEXT, and for `late` how late: "late" alone sent the author to work it out
    (review R12). `ttp_hours`: the archive's postmortem deadline."""
    if flag != "late":
        return FLAG_TEXT.get(flag, flag)
    since = "its start" if row.get("ttp_approximate") else "resolution"
    target = f"(target {ttp_hours} h)"
    if row.get("ttp_state") == "written" and not _missing(row.get("ttp_hours")):
        return f"postmortem written {hours(row['ttp_hours'])} after {since} {target}"
    if not _missing(row.get("ttp_waiting_hours")):
        return f"no postmortem yet, {hours(row['ttp_waiting_hours'])} after {since} {target}"
    return FLAG_TEXT["late"].format(hours=ttp_hours)


def _count(n: int, noun: str) -> str:
    """'1 warning', '2 warnings'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
