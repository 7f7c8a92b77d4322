"""`postmortems sample`: write the deterministic sample archive."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from analytics.cli_common import fail
from analytics.sample import write_sample_archive
from analytics.sample_data import SERVICES, SPAN_DAYS, YEAR_DAYS


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
    help="First day of the default ~26 months; the archive ends 780 days later whatever --years.",
)
@click.option("--body-kb", default=1.0, show_default=True, help="Approximate body size per file.")
@click.option(
    "--years",
    type=float,
    default=None,
    help="Span this many years (at least ~2.14) ending where the default archive ends.",
)
@click.option(
    "--services",
    type=int,
    default=None,
    help=f"Number of services (at least {len(SERVICES)}): the base ones, then checkout-api-2, ...",
)
def sample_command(
    out: Path,
    count: int,
    seed: int,
    start: datetime,
    body_kb: float,
    years: float | None,
    services: int | None,
) -> None:
    """Write a realistic sample archive with planted stories (a deployment-pipeline pattern,
    L5-reflex fixes, late postmortems, overdue actions, broken files).

    Example:

        postmortems sample --out /tmp/archive --count 1000 --seed 7
        postmortems sample --out /tmp/big --count 3000 --years 10 --services 300
    """
    if count < 0:
        fail("--count must be 0 or more")
    if years is not None and round(years * YEAR_DAYS) < SPAN_DAYS:
        fail(f"--years must cover at least {SPAN_DAYS} days (~{SPAN_DAYS / YEAR_DAYS:.2f} years)")
    if services is not None and services < len(SERVICES):
        fail(f"--services must be at least {len(SERVICES)}")
    if out.is_dir() and any(out.iterdir()):
        fail(
            f"--out {out} is not empty: the sample would mix with the files there (a smaller "
            "--count leaves the older ones); choose a new folder, or remove it first"
        )
    start_day: date = start.date()
    paths = write_sample_archive(
        out,
        count=count,
        seed=seed,
        start=start_day,
        body_kb=body_kb,
        years=years,
        services=services,
    )
    click.echo(f"wrote {len(paths)} postmortems to {out}")
