"""`postmortems ingest`: load an archive and say what was loaded and what was not."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from analytics.cli_common import db_option, environment_failure, fail, failed, problem_line
from analytics.config import ConfigError, settings_above
from analytics.ingest import IngestError, IngestFailed, IngestResult, ingest

DEFAULT_ARCHIVE = Path("data/sample-archive")
PROGRESS_FROM = 1000  # archives smaller than this load too fast for a bar to help


@click.command("ingest")
@click.argument(
    "archive", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_ARCHIVE
)
@db_option
@click.option("--strict", is_flag=True, help="Exit 1 when any file was rejected.")
@click.option(
    "--full",
    is_flag=True,
    help="Read every file again, as on a first load (after copies that keep modification "
    "times, such as cp -p, tar or rsync -a, over files edited in place).",
)
def ingest_command(archive: Path, db: Path, strict: bool, full: bool) -> None:
    """Load a postmortem archive (Markdown + YAML frontmatter) into DuckDB.

    Files whose size and modification time are unchanged are not read again (--full reads
    them all); the new database is built aside and swapped in, so readers never see half
    a load.

    Exit status: 0 loaded; 1 with --strict when a file was rejected; 2 a usage problem
    (no such archive, a --db that is not a postmortems database); 3 the load could not
    finish (a full disk, a read-only folder, SIGTERM, another ingest running): the
    database is left as it was.

    Example:

        postmortems ingest ~/src/postmortems --db data/postmortems.duckdb
    """
    above = settings_above(archive) if archive.is_dir() else None
    if above is not None:  # read alone, it lost the archive's settings unsaid (review R15)
        click.echo(
            f"warning: {archive} is read as an archive of its own, without the "
            f"postmortems.toml of {above}, the archive it is a part of (its timezone, "
            f"aliases and excludes): ingest {above} to read it with them",
            err=True,
        )
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if total < PROGRESS_FROM or not sys.stderr.isatty():
                return
            bar = click.progressbar(length=total, label="Parsing", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    stopped: list[str] = []

    def stop(signum: int, frame: object) -> None:
        stopped.append(signal.Signals(signum).name)
        raise _Stopped(stopped[0])

    previous_handler = signal.signal(signal.SIGTERM, stop)
    try:
        result = ingest(archive, db, progress=progress, full=full)
    except IngestFailed as exc:
        failed(str(exc))
    except (IngestError, ConfigError) as exc:
        fail(str(exc))
    except BaseException as exc:
        if stopped:  # whatever the stop became on its way out (in DuckDB: "Query interrupted")
            failed(f"stopped by {stopped[0]}: {db} is left as it was")
        message = environment_failure(exc)
        if message is None:
            raise
        failed(f"{message}; {db} is left as it was")
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(describe(result))
    if db.resolve().is_relative_to(archive.resolve()):
        # `ingest .` run in the archive's own folder wrote data/ into the archive's repo,
        # without a word (review R9)
        click.echo(
            f"note: the database ({db}) is inside the archive: keep it out of the archive's "
            "git (add it to .gitignore), or give --db a path outside the archive",
            err=True,
        )
    if strict and result.rejected:
        sys.exit(1)


FILES_NAMED = 5  # of each kind of change, the summary names this many files


def _named(what: str, items: list[str]) -> list[str]:
    """The first FILES_NAMED of `items`, a line each, under a line saying what they are."""
    if not items:
        return []
    more = len(items) - FILES_NAMED
    return [f"  {what}:", *(f"    {item}" for item in items[:FILES_NAMED])] + (
        [f"    ... and {more:,} more"] if more > 0 else []
    )


def _move_said(old: str, new: str, old_id: str | None, new_id: str | None) -> str:
    """`old -> new`, and its id's change where it has no `id:` (its name is its id): a link
    to the old id finds nothing now."""
    said = f"{old} -> {new}"
    if old_id and new_id and old_id != new_id:
        said += (
            f" (its id changed from {old_id} to {new_id}: the file has no `id:` line, so its "
            "name is its id; add `id:` to keep links to it working)"
        )
    return said


class _Stopped(BaseException):
    """SIGTERM (a cron timeout, a shutdown): unwinds the ingest, which removes its
    half-built file and leaves the database as it was, and says so (it ended silently)."""


def describe(result: IngestResult) -> str:
    """The ingest summary a person reads: counts, then the first problems."""
    state = "written" if result.rewritten else "unchanged, nothing to do"
    # a file moved or renamed with its content is a new path and a removed one to the
    # counts (IngestResult); said once, as itself ("1 new, 2 removed (1 renamed)" had to be
    # worked out, R20)
    moved = result.renamed
    lines = [
        f"{result.database}: {state} ({result.seconds:.2f} s)",
        f"  postmortems loaded: {result.postmortems}",
        f"  files: {result.added - moved} new, {result.updated} updated, "
        f"{result.unchanged} unchanged"
        + (f" ({result.reparsed} read again: {result.reread_because})" if result.reparsed else "")
        + f", {result.removed - moved} removed"
        + (f", {moved} moved or renamed" if moved else ""),
        f"  rejected files: {result.rejected}   warnings: {result.warnings}",
    ]
    lines += _named("moved or renamed", [_move_said(*move) for move in result.moves])
    lines += _named("removed", result.removed_paths)
    if result.problems:
        lines.append("  first problems:")
        lines += [
            "    " + problem_line(p.path, p.line, p.severity, p.code, p.message)
            for p in result.problems
        ]
        lines.append("  all problems: postmortems lint, or SELECT * FROM problems")
    return "\n".join(lines)
