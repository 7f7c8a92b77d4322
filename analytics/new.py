"""`postmortems new`: start a postmortem file that already follows the discipline."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import click

from analytics import normalize
from analytics.cli_common import fail
from analytics.config import (
    ArchiveConfig,
    ConfigError,
    archive_root,
    iter_archive_files,
    load_config,
)

TEMPLATE = """---
id: {id}
title: {yaml_title}
status: draft
severity: {severity}
services: [{services}]
category: {category}
tags: []
teams: [{teams}]
started: {started}      # when the incident began (required)
detected:
resolved:
postmortem_date:        # fill in when published; due within {ttp_hours} h of resolved
timeline_written:       # during (kept as it happened) | after (reconstructed)
chain_level:            # L1 Strategy | L2 Discovery | L3 Scope | L4 Execution | L5 Operation
authors: []
fix:                    # ONE chain-level fix: owned, dated, testable
  summary:
  level:
  owner:
  due:
  test:
  status: open
actions: []
---
# {title}

## Summary

## Impact

## Timeline (written during the incident)

## Contributing factors

## What went well / what went wrong

## Action items
"""


def _quoted(value: str) -> str:
    """A YAML scalar for any text: a JSON string (`]`, `{`, `*` or `: ` would be YAML)."""
    return json.dumps(value, ensure_ascii=False)


def taken_ids(archive: Path, config: ArchiveConfig) -> dict[str, str]:
    """Every id of the archive's files -> the first file's path: the frontmatter's `id` (or
    an alias of it), else the file's stem (the id a file without one gets). Files in every
    folder count, as the ingest reads them."""
    from analytics.archive import ALIASES, read_archive_file

    keys = "|".join(map(re.escape, ALIASES["id"]))
    line = re.compile(rf"^(?:{keys})[ \t]*:[ \t]*(.*?)[ \t]*(?:[ \t]#.*)?$", re.M | re.I)
    taken: dict[str, str] = {}
    for file in iter_archive_files(archive, config):
        data = read_archive_file(file.absolute, 16384)  # as the ingest reads it (no FIFO wait)
        raw = b"" if isinstance(data, str) else data  # str: why it cannot be read
        head = raw.decode("utf-8-sig", "replace").replace("\r\n", "\n")  # a BOM, CRLF
        frontmatter = head.split("\n---", 1)[0] if head.startswith("---") else ""
        # every id line: the field's own name wins over an alias above it (`key:` above
        # `id:`), so the first line is not always the id the ingest takes
        ids = [v for m in line.finditer(frontmatter) if (v := m.group(1).strip("\"'"))]
        for pm_id in ids or [Path(file.path).stem]:
            taken.setdefault(pm_id, file.path)
    return taken


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "postmortem"


@click.command("new")
@click.argument("title")
@click.option(
    "--archive",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Folder of the archive; the file goes to ARCHIVE/YYYY/. Its ids and "
    "postmortems.toml are those of the archive it is in (the nearest folder at or above it "
    "with a postmortems.toml or a .git), so a team's subfolder gets the next free id of all.",
)
@click.option("--id", "pm_id", help="Postmortem id (default PM-YYYY-NNN, the next free number).")
@click.option("--severity", default="SEV3", show_default=True)
@click.option("--service", "services", multiple=True, help="Affected service (repeatable).")
@click.option("--category", default="", help="Primary incident category.")
@click.option("--team", "teams", multiple=True, help="Owning team (repeatable).")
@click.option(
    "--started",
    default=None,
    help="When the incident began, e.g. '2026-11-24 14:05', in the archive's timezone "
    "(postmortems.toml; default: now).",
)
def new_command(
    title: str,
    archive: Path,
    pm_id: str | None,
    severity: str,
    services: tuple[str, ...],
    category: str,
    teams: tuple[str, ...],
    started: str | None,
) -> None:
    """Write a new postmortem skeleton into the archive and print its path.

    Example:

    \b
        postmortems new "Checkout 502s after config push" --archive ~/src/postmortems \\
            --service checkout-api --category deployment-pipeline --severity SEV2
    """
    root = archive_root(archive) or archive  # from a subfolder its ids clashed with the root's
    try:
        config = load_config(root)
    except ConfigError as exc:
        fail(str(exc))
    try:
        rank = config.severity(severity)[0]  # a word of [aliases.severity] as the ingest reads it
    except ValueError as exc:
        fail(f"--severity: {exc}")
    try:
        now = datetime.now(config.tz).replace(microsecond=0)
        moment = normalize.instant(started, config.tz) if started else now
    except (ValueError, OverflowError) as exc:
        expected = normalize.date_advice(exc, "'2026-11-24 14:05'")
        fail(f"--started: {started!r} is not a date or time ({expected})")
    year = moment.year
    folder = archive / str(year)
    taken = taken_ids(root, config)
    if pm_id is None:
        numbers = [int(m.group(1)) for i in taken if (m := re.match(rf"PM-{year}-(\d+)", i))]
        pm_id = f"PM-{year}-{max(numbers, default=0) + 1:03d}"
    elif pm_id in taken:
        fail(f"id {pm_id} is already used by {taken[pm_id]}")
    path = folder / f"{pm_id}-{_slug(title)}.md"
    if path.exists():
        fail(f"{path} already exists")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        TEMPLATE.format(
            id=_quoted(pm_id),
            title=title,
            yaml_title=_quoted(title),
            severity=rank,
            services=", ".join(map(_quoted, normalize.name_list(list(services)))),
            category=_quoted(normalize.name(category)) if category else "",
            teams=", ".join(map(_quoted, normalize.name_list(list(teams)))),
            started=moment.isoformat(),
            ttp_hours=config.metrics["ttp_hours"],  # the archive's deadline
        ),
        encoding="utf-8",
    )
    click.echo(str(path))
