"""`postmortems new`: start a postmortem file that already follows the discipline."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import click

from analytics import normalize
from analytics.cli_common import fail

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
postmortem_date:        # fill in when published; due within 72 h of resolved
timeline_written: during   # during | after (reconstructed)
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "postmortem"


@click.command("new")
@click.argument("title")
@click.option(
    "--archive",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Archive root; the file goes to ARCHIVE/YYYY/.",
)
@click.option("--id", "pm_id", help="Postmortem id (default PM-YYYY-NNN, the next free number).")
@click.option("--severity", default="SEV3", show_default=True)
@click.option("--service", "services", multiple=True, help="Affected service (repeatable).")
@click.option("--category", default="", help="Primary incident category.")
@click.option("--team", "teams", multiple=True, help="Owning team (repeatable).")
@click.option(
    "--started",
    default=None,
    help="When the incident began, e.g. '2026-11-24 14:05' (default: now, UTC).",
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
    try:
        rank = normalize.severity(severity)[0]
    except ValueError as exc:
        fail(f"--severity: {exc}")
    try:
        moment = (
            normalize.instant(started, UTC) if started else datetime.now(UTC).replace(microsecond=0)
        )
    except (ValueError, OverflowError):
        fail(f"--started: {started!r} is not a date or time (expected e.g. '2026-11-24 14:05')")
    year = moment.year
    folder = archive / str(year)
    if pm_id is None:
        taken = {p.name for p in folder.glob(f"PM-{year}-*")} if folder.is_dir() else set()
        number = len(taken) + 1
        while any(name.startswith(f"PM-{year}-{number:03d}") for name in taken):
            number += 1
        pm_id = f"PM-{year}-{number:03d}"
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
        ),
        encoding="utf-8",
    )
    click.echo(str(path))
