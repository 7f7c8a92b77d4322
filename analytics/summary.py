"""`postmortems summary`: the headline numbers, as a short table or SPEC's JSON."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from analytics import display
from analytics.cli_common import db_option, fail
from analytics.config import METRIC_DEFAULTS, METRIC_LEAST, METRIC_MOST
from analytics.metrics import (
    Database,
    DatabaseError,
    Filters,
    Parameters,
    known_filters,
    open_db,
)
from analytics.metrics import summary as headline_summary
from analytics.metrics.headline import SMALL_SAMPLE

__all__ = ["filters_from_options", "metric_filter_options", "parameter_options", "summary"]

F = TypeVar("F", bound=Callable[..., Any])
SHOWN_PATTERNS = 10  # the table stays short; --json lists them all
SHOWN_IDS = 5


def metric_filter_options(function: F) -> F:
    """The shared filter options: --as-of, --from, --to, --severity, --service, --category,
    --team (repeatable), for every command that shows metrics."""
    options = [
        click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="'Now' for the numbers: 00:00 of DATE in the archive timezone "
                     "[default: today]."),
        click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Incidents started on or after DATE."),
        click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="Incidents started on or before DATE."),
        click.option("--severity", "severities", multiple=True,
                     help="e.g. SEV1, or unknown: none stated (repeatable)."),
        click.option("--service", "services", multiple=True, help="Service (repeatable)."),
        click.option("--category", "categories", multiple=True,
                     help="Primary category (repeatable)."),
        click.option("--team", "teams", multiple=True, help="Team (repeatable)."),
    ]  # fmt: skip
    for option in reversed(options):
        function = option(function)
    return function


PARAMETER_HELP = {
    "window_days": "Repeats, patterns and fix outcomes within DAYS",
    "pattern_min": "The fewest incidents within the window that make a pattern",
    "ttp_hours": "The postmortem deadline, hours after resolution",
    "action_slo_days": "An action closed within DAYS of the postmortem",
}


def parameter_options(function: F) -> F:
    """--window-days, --pattern-min, --ttp-hours, --action-slo-days: the metric parameters
    for this run, to try values before writing them in postmortems.toml's [metrics]
    [default: the archive's]. The command gets them as `parameters`, the ones given only."""

    @functools.wraps(function)
    def with_parameters(*args: Any, **kwargs: Any) -> Any:
        given = {key: kwargs.pop(key) for key in PARAMETER_HELP}
        parameters = {key: value for key, value in given.items() if value is not None}
        return function(*args, parameters=parameters, **kwargs)

    wrapped: Any = with_parameters
    for key, text in reversed(PARAMETER_HELP.items()):
        wrapped = click.option(
            "--" + key.replace("_", "-"),
            key,
            type=click.IntRange(min=METRIC_LEAST[key], max=METRIC_MOST[key]),
            default=None,
            metavar="DAYS" if key.endswith("days") else ("HOURS" if "hours" in key else "N"),
            help=f"{text} [default: the archive's, postmortems.toml's [metrics], else "
            f"{METRIC_DEFAULTS[key]}].",
        )(wrapped)
    return cast(F, wrapped)


def open_or_fail(path: Path) -> Database:
    """Open the database read-only, or exit 2 telling the user to run `postmortems ingest`."""
    try:
        return open_db(path)
    except DatabaseError as exc:
        fail(
            f"{exc}" if path.exists() else f"no database at {path}; run `postmortems ingest` first"
        )


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def filters_from_options(
    db: Database,
    *,
    as_of: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    severities: Sequence[str] = (),
    services: Sequence[str] = (),
    categories: Sequence[str] = (),
    teams: Sequence[str] = (),
    parameters: Mapping[str, int] | None = None,
) -> Filters:
    """Build Filters from the shared options (and `parameter_options`' `parameters`); exit 2
    on an unknown value, naming close ones."""
    if start is not None and end is not None and start > end:
        fail(f"--from {_day(start)} is after --to {_day(end)}")
    try:
        filters = Filters(
            start=_day(start),
            end=_day(end),
            severities=tuple(map(db.severity_named, severities)),
            services=tuple(services),
            categories=tuple(categories),
            teams=tuple(teams),
            as_of=_day(as_of),
            **(parameters or {}),
        )
    except ValueError as exc:
        fail(str(exc))
    for kind, field in (("service", "services"), ("category", "categories"), ("team", "teams")):
        for value in getattr(filters, field):  # an alias of postmortems.toml means its name
            used = getattr(db.canonical(Filters().replace(**{field: (value,)})), field)[0]
            if used != value:
                click.echo(f"{kind} {value!r} is {used!r} (an alias in postmortems.toml)", err=True)
    try:
        return known_filters(db, filters)
    except ValueError as exc:
        fail(str(exc))


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else display.pct(rate)


def _hours(value: float | None) -> str:
    return "n/a" if value is None else display.hours(value)


def render_table(data: dict[str, Any], archive: Parameters | None = None) -> str:
    """The summary dict as a short table a person reads, ending with the metric parameters
    it used (`archive`: the archive's, said when the run was given others)."""
    rates = data["rates"]

    def rate_line(label: str, key: str) -> str:
        rate = rates[key]
        small = "  (small sample)" if rate["small_sample"] and rate["denominator"] else ""
        return (
            f"{label:<24}{_pct(rate['rate']):>6}  "
            f"{rate['numerator']} of {rate['denominator']}{small}"
        )

    ttp, actions, fixes, levels = data["ttp"], data["actions"], data["fixes"], data["fix_levels"]
    end = data["filters"]["end"]
    past = (  # R24: a month not over, `--to` its last day, read as if today were in it
        [
            f"  (--to {end} runs past the as-of date: incidents started on {data['as_of']} or "
            "later are not counted)"
        ]
        if end is not None and end >= data["as_of"]
        else []
    )
    lines = [
        f"Postmortem summary as of {data['as_of']} (00:00, archive timezone)",
        *past,
        f"{'Postmortems':<24}{data['postmortems']:>6}  "
        f"({display.plural(data['rejected'], 'file')} rejected)",
        rate_line("Repeat rate", "repeat_rate"),
        # as the review names it: repeats while the earlier follow-through was open
        f"{'  follow-through open':<24}{data['recurred_while_open']:>6}",
        # named as the dashboard's and the report's cards name it (review R9)
        rate_line(f"Written within {data['filters']['ttp_hours']} h", "ttp.on_time_rate"),
        f"{'  median / p90':<24}{_hours(ttp['median_hours']):>8} / {_hours(ttp['p90_hours'])}",
        f"{'  pending late':<24}{ttp['pending_late']:>6}",
        rate_line("Action completion", "actions.completion_rate"),
        rate_line("Actions done on time", "actions.on_time_rate"),
        # as the Actions page's card names it
        f"{'Closed in ' + str(data['filters']['action_slo_days']) + ' days':<24}"
        f"{_pct(actions['slo_rate']):>6}  {actions['closed_within_slo']} of "
        f"{actions['slo_decided']}"
        + ("  (small sample)" if 0 < actions["slo_decided"] < SMALL_SAMPLE else ""),
        f"{'  open / overdue':<24}{actions['open']:>6} / {actions['overdue']}"
        f"   (total {actions['total']}, dropped {actions['dropped']})",
        rate_line("L5 share of fixes", "l5_share"),
        "  levels  "
        + "  ".join(f"{key.replace('_', ' ')} {value}" for key, value in levels.items()),
        f"{'Fixes held/recur/watch':<24}"
        f" {fixes['held']} / {fixes['recurred']} / {fixes['watching']}"
        f"   (not done {fixes['not_done']}, dropped {fixes['dropped']},"
        f" unknown {fixes['unknown']})",
        f"Patterns: {len(data['patterns'])}, active first, a service's before category-wide"
        + (
            f" (the first {SHOWN_PATTERNS}; --json lists them all, active first, then by "
            f"most within {data['filters']['window_days']} days, as the dashboard and report)"
            if len(data["patterns"]) > SHOWN_PATTERNS
            else ""
        ),
    ]
    # Active ones first (an inactive service pattern came before active category ones), and
    # of those the service x category patterns: "which service keeps failing the same way"
    # is the signal an on-call engineer acts on; category-wide patterns follow.
    ordered = sorted(data["patterns"], key=lambda p: (not p["active"], p["service"] is None))
    for pattern in ordered[:SHOWN_PATTERNS]:
        key = display.pattern_name(pattern["category"], pattern["service"])
        state = "active" if pattern["active"] else "inactive"
        ids = pattern["ids"]  # by start: the latest last
        shown = ("…, " if len(ids) > SHOWN_IDS else "") + ", ".join(ids[-SHOWN_IDS:])
        lines.append(
            f"  {key}: {len(ids)} incidents, at most {pattern['count']} within "
            f"{data['filters']['window_days']} days, {pattern['first']}..{pattern['last']}, "
            f"{state}; latest: {shown}"
        )
    used = Parameters(**{key: data["filters"][key] for key in Parameters._fields})
    lines.append(display.parameters_said(used, archive) + ".")
    return "\n".join(lines)


@click.command("summary")
@db_option
@metric_filter_options
@parameter_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print the JSON keys (docs/metrics.md) instead."
)
def summary(
    db: Path,
    as_of: datetime | None,
    start: datetime | None,
    end: datetime | None,
    severities: tuple[str, ...],
    services: tuple[str, ...],
    categories: tuple[str, ...],
    teams: tuple[str, ...],
    as_json: bool,
    parameters: dict[str, int],
) -> None:
    """The headline numbers: incidents, repeats, patterns, fix levels, time to
    postmortem, action follow-through and fix effectiveness (see docs/metrics.md).

    Example:

        postmortems summary --as-of 2026-11-01 --service checkout-api --json
    """
    database = open_or_fail(db)
    filters = filters_from_options(
        database,
        as_of=as_of,
        start=start,
        end=end,
        severities=severities,
        services=services,
        categories=categories,
        teams=teams,
        parameters=parameters,
    )
    data = headline_summary(database, filters)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(render_table(data, database.parameters()))
