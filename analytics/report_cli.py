"""`postmortems report`: write the monthly reliability review to a file."""

from __future__ import annotations

from pathlib import Path

import click

from analytics import metrics
from analytics.cli_common import db_option, fail
from analytics.report import Period, default_output, parse_month, write_report
from analytics.summary import filters_from_options, open_or_fail, parameter_options


def _month(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Period(parse_month(value)).key
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("report")
@click.option(
    "--month",
    callback=_month,
    metavar="YYYY-MM",
    help="The month to review [default: the last full month, in the archive timezone; the "
    "month in progress when the archive's first incident is in it, as on the dashboard].",
)
@db_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md"]),
    default=None,
    help="html: one self-contained file; md: Markdown with its charts as SVG files beside it "
    "[default: --out's suffix (.md: md), else html].",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Output file [default: reports/YYYY-MM.html or .md].",
)
@click.option(
    "--link-base",
    default=None,
    help="Prefix for links to the postmortem files, e.g. "
    "https://git.example.com/sre/postmortems/blob/main/ [default: the archive folder, "
    "relative to the report].",
)
@click.option("--severity", "severities", multiple=True, help="e.g. SEV1 (repeatable).")
@click.option("--service", "services", multiple=True, help="Service (repeatable).")
@click.option("--category", "categories", multiple=True, help="Primary category (repeatable).")
@click.option("--team", "teams", multiple=True, help="Team (repeatable).")
@parameter_options
def report_command(
    month: str | None,
    db: Path,
    fmt: str | None,
    out: Path | None,
    link_base: str | None,
    severities: tuple[str, ...],
    services: tuple[str, ...],
    categories: tuple[str, ...],
    teams: tuple[str, ...],
    parameters: dict[str, int],
) -> None:
    """Write the monthly reliability review of incidents that started in MONTH, as of the
    first day of the next month: headline numbers against the previous month and the
    3-month average, incidents by severity, patterns, repeats, fix levels and the L5
    reflex, time to postmortem, actions closed and overdue by owner, and the month's
    postmortems. The month's numbers equal `postmortems summary --json --as-of <next
    month's first day> --from <month's first day> --to <month's last day>` with the same
    filters; the backlog (the active patterns, overdue actions, postmortems still unwritten)
    equals the same without --from and --to.

    Example:

        postmortems report --month 2026-10 --db data/postmortems.duckdb

        postmortems report --month 2026-10 --format md --service checkout-api
    """
    database = open_or_fail(db)
    filters = filters_from_options(
        database,
        severities=severities,
        services=services,
        categories=categories,
        teams=teams,
        parameters=parameters,
    )
    suffix = out.suffix.lower() if out is not None else ""
    if fmt is None:
        fmt = "md" if suffix == ".md" else "html"
    elif (fmt == "md" and suffix in (".html", ".htm")) or (fmt == "html" and suffix == ".md"):
        fail(f"--format {fmt} does not match --out {out}: give the file a .{fmt} name")
    today = database.today()
    # unset: the month the dashboard and the notebook review by default
    key = month or metrics.default_review_month(database, filters)
    period = Period(parse_month(key), today=today)
    try:
        period.check_begun()  # before the warning below (build_report checks it too)
    except ValueError as exc:
        fail(str(exc))
    if period.in_progress:
        click.echo(
            f"Warning: {period.name} is not over (today is {today} in the archive timezone): "
            "the report counts it as of today, as the dashboard does. " + period.not_over,
            err=True,
        )
    path = write_report(
        database,
        period.key,
        fmt="md" if fmt == "md" else "html",
        out=out or default_output(period.key, "md" if fmt == "md" else "html"),
        filters=filters,
        link_base=link_base,
    )
    click.echo(f"{path}: reliability review of {period.name}")
