"""`postmortems sample`: write the deterministic sample archive."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from analytics.cli_common import fail
from analytics.sample import write_sample_archive


@click.command("sample")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write.",
)
@click.option("--count", default=300, show_default=True, help="Number of postmortems.")
@click.option("--seed", default=7, show_default=True, help="Random seed; same seed, same files.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2024-10-01",
    show_default=True,
    help="First day of the ~26 months the archive spans.",
)
@click.option("--body-kb", default=1.0, show_default=True, help="Approximate body size per file.")
def sample_command(out: Path, count: int, seed: int, start: datetime, body_kb: float) -> None:
    """Write a realistic sample archive with planted stories (a deployment-pipeline pattern,
    L5-reflex fixes, late postmortems, overdue actions, broken files).

    Example:

        postmortems sample --out /tmp/archive --count 1000 --seed 7
    """
    if count < 0:
        fail("--count must be 0 or more")
    start_day: date = start.date()
    paths = write_sample_archive(out, count=count, seed=seed, start=start_day, body_kb=body_kb)
    click.echo(f"wrote {len(paths)} postmortems to {out}")
