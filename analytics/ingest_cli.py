"""`postmortems ingest`: load an archive and say what was loaded and what was not."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analytics.cli_common import db_option, fail, problem_line
from analytics.config import ConfigError
from analytics.ingest import IngestError, IngestResult, ingest

DEFAULT_ARCHIVE = Path("data/sample-archive")
PROGRESS_FROM = 1000  # archives smaller than this load too fast for a bar to help


@click.command("ingest")
@click.argument(
    "archive", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_ARCHIVE
)
@db_option
@click.option("--strict", is_flag=True, help="Exit 1 when any file was rejected.")
def ingest_command(archive: Path, db: Path, strict: bool) -> None:
    """Load a postmortem archive (Markdown + YAML frontmatter) into DuckDB.

    Files whose size, mtime and content are unchanged are not parsed again; the new
    database is built aside and swapped in, so readers never see half a load.

    Example:

        postmortems ingest ~/src/postmortems --db data/postmortems.duckdb
    """
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if total < PROGRESS_FROM or not sys.stderr.isatty():
                return
            bar = click.progressbar(length=total, label="Parsing", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        result = ingest(archive, db, progress=progress)
    except (IngestError, ConfigError) as exc:
        fail(str(exc))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(describe(result))
    if strict and result.rejected:
        sys.exit(1)


def describe(result: IngestResult) -> str:
    """The ingest summary a person reads: counts, then the first problems."""
    state = "written" if result.rewritten else "unchanged, nothing to do"
    lines = [
        f"{result.database}: {state} ({result.seconds:.2f} s)",
        f"  postmortems loaded: {result.postmortems}",
        f"  files: {result.added} new, {result.updated} updated, {result.unchanged} unchanged"
        + (
            f" ({result.reparsed} read again: postmortems.toml or the parser changed)"
            if result.reparsed
            else ""
        )
        + f", {result.removed} removed"
        + (f" ({result.renamed} renamed)" if result.renamed else ""),
        f"  rejected files: {result.rejected}   warnings: {result.warnings}",
    ]
    if result.problems:
        lines.append("  first problems:")
        lines += [
            "    " + problem_line(p.path, p.line, p.severity, p.code, p.message)
            for p in result.problems
        ]
        lines.append("  all problems: postmortems lint, or SELECT * FROM problems")
    return "\n".join(lines)
