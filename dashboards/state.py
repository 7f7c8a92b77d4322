"""Dashboard state: which database, which filters (kept in the URL), and cached metric loads.

Every number comes from `analytics.metrics`; `load()` calls one of its functions by name,
cached per (database file version, filters, arguments). The key includes the file's mtime,
so a new `postmortems ingest` shows on the next interaction. The metrics layer reads the
database read-only (one attached instance per file version, a cursor per query).

The cache is st.cache_resource, not st.cache_data: every rerun gets the very object that was
computed, where st.cache_data would unpickle a copy (seconds per rerun for a 100k-row frame
with list columns). So pages must never modify a loaded result in place: derive new frames
(`assign`, `merge`, filtering), as they all do.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from analytics import display, metrics
from analytics.config import METRIC_DEFAULTS
from analytics.metrics import Filters

DB_ENV = "POSTMORTEMS_DB"  # set by `postmortems dashboard`
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "postmortems.duckdb"

# URL query parameter of each sidebar filter (the widget key is the parameter name).
FILTER_PARAMS = ("from", "to", "severity", "service", "category", "team", "as_of")
EMPTY_MESSAGE = "No incidents match these filters."


def db_path() -> Path:
    """The database the dashboard reads: $POSTMORTEMS_DB, else data/postmortems.duckdb."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def db_version(path: Path) -> int:
    """Changes whenever the file is replaced by a new ingest (0 when it is missing)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return 0
    return stat.st_mtime_ns ^ stat.st_size ^ stat.st_ino


@functools.lru_cache(maxsize=4)
def _database(path: str) -> metrics.Database:
    # Keeps the file attached read-only (re-attached when an ingest replaces it) and the
    # archive timezone, so a metric call costs a cursor, not a connection.
    return metrics.open_db(path)


@st.cache_resource(show_spinner=False, max_entries=256)
def _cached(
    name: str,
    path: str,
    version: int,
    filters_json: str | None,
    kwargs_json: str,
    month: str | None = None,
) -> Any:
    function = getattr(metrics, name)
    kwargs = json.loads(kwargs_json)
    database = _database(path)
    filters = None if filters_json is None else Filters.from_dict(json.loads(filters_json))
    if month is not None:
        return function(database, month, filters, **kwargs)
    if filters is None:
        return function(database, **kwargs)
    return function(database, filters, **kwargs)


_versions: dict[str, int] = {}  # the database version each path was last loaded at


def _key(name: str, filters: Filters | None, kwargs: dict[str, Any]) -> tuple[Any, ...]:
    path = db_path()
    version = db_version(path)
    if _versions.setdefault(str(path), version) != version:
        # an ingest replaced the file: no key of the old version is asked for again, and
        # its results (up to 256, large at 100k postmortems) were kept until evicted
        _versions[str(path)] = version
        _cached.clear()
    filters_json = None if filters is None else json.dumps(filters.as_dict(), sort_keys=True)
    kwargs_json = json.dumps(kwargs, sort_keys=True, default=str)
    return (name, str(path), version, filters_json, kwargs_json)


def load(name: str, filters: Filters | None = None, **kwargs: Any) -> Any:
    """`analytics.metrics.<name>(db, filters, **kwargs)`, cached on the database version."""
    return _cached(*_key(name, filters, kwargs))


def load_month(name: str, month: str, filters: Filters, **kwargs: Any) -> Any:
    """`analytics.metrics.<name>(db, month, filters, **kwargs)` (monthly_review,
    month_patterns), cached."""
    return _cached(*_key(name, filters, kwargs), month=month)


def postmortem_body(postmortem_id: str) -> str | None:
    """The Markdown body of one postmortem (None when it is not in the database)."""
    document = load("postmortem", postmortem_id=postmortem_id)
    return None if document is None else str(document["body"])


def today() -> date:
    """Today in the archive's timezone (the default as_of), as the report and the notebook
    take it. Not cached: cached by the server's date, it lagged a day behind the archive's
    where the two timezones' dates differ (the report then had a month over, the page not)."""
    return _database(str(db_path())).today()


def parameters() -> metrics.Parameters:
    """The metric parameters the page's metrics use: the archive's (postmortems.toml's
    [metrics], else SPEC's 180 days, 3 incidents, 72 h and 28 days), for what a page says
    ("within 90 days")."""
    return _database(str(db_path())).parameters(filters())


# the multiselect filters of the address: (parameter, Filters field, filter_options key)
_LISTED = (
    ("severity", "severities", "severities"),
    ("service", "services", "services"),
    ("category", "categories", "categories"),
    ("team", "teams", "teams"),
)
_UNMATCHED = "_unmatched_filters"  # what a link named that nothing in the archive is


def _canonical_address() -> None:
    """A shared link may name a filter value as the archive would not: a service,
    category or team by an alias of postmortems.toml (`?service=checkout`), a severity or name in
    another form (`?severity=p2`, `?team=Payments`). The sidebar (and the address) get the
    name it means (`checkout-api`, `SEV2`); a value that names nothing in the archive is
    said, not dropped without a word (the page showed every incident under a link its
    reader took for filtered). Runs before the sidebar's widgets: setting their values
    then takes one rerun, after which the address shows them (a widget bound to the
    address drops a value it does not offer from the address on the first run)."""
    database = _database(str(db_path()))
    options = load("filter_options")
    changed = False
    for key, field, option in _LISTED:
        given = st.query_params.get_all(key)
        if not given:
            continue
        offered = set(options[option])
        meant = {value: _meant(database, field, value) for value in given}
        kept = list(dict.fromkeys(name for name in meant.values() if name in offered))
        unmatched = [value for value, name in meant.items() if name not in offered]
        if unmatched:  # said until that filter is changed
            st.session_state.setdefault(_UNMATCHED, {})[key] = (unmatched, kept)
        if kept != given and st.session_state.get(key) != kept:  # (once: no rerun loop)
            if kept:  # (emptied, the address reloaded the page: the notice was lost)
                with contextlib.suppress(StreamlitAPIException):  # bound since a run before
                    st.query_params[key] = kept
            st.session_state[key] = kept  # the widget's value, bound to the address
            changed = True
    if changed:
        st.rerun()


def _meant(database: metrics.Database, field: str, value: str) -> str | None:
    """The name a filter value means (`checkout` -> `checkout-api`, `p2` -> `SEV2`)."""
    try:
        names = getattr(database.canonical(Filters(**{field: (value,)})), field)
    except ValueError:
        return None
    return names[0] if names else None


def _say_unmatched() -> None:
    """The values of the link's filters that match nothing in the archive, until the
    filter they were given for is changed."""
    said: dict[str, tuple[list[str], list[str]]] = st.session_state.get(_UNMATCHED, {})
    for key in [k for k, (_, kept) in said.items() if st.session_state.get(k) != kept]:
        del said[key]
    if said:
        named = "; ".join(f"{key} {', '.join(values)}" for key, (values, _) in said.items())
        st.warning(
            f"The page address names what this archive does not have ({named}): left out, "
            "so those filters do not narrow the page."
        )


_DATES = {"from": "Started from", "to": "Started to", "as_of": "As of"}
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)
_BAD_DATES = "_bad_dates"  # a link's dates that are no date, said until the filter is set


def _linked_dates() -> dict[str, str]:
    """The address's dates as written, before the sidebar's date widgets read them: a
    widget drops a value it cannot read (not YYYY-MM-DD, or outside its dates) from the
    address without a word (`?from=2026-13-45` showed every incident, R13)."""
    return {key: value for key in _DATES if (value := st.query_params.get(key))}


def _say_bad_dates(linked: dict[str, str], values: dict[str, date | None]) -> None:
    """A date the address gave that its widget did not take (whatever the widget's reason),
    said until that filter is set."""
    said: dict[str, str] = st.session_state.setdefault(_BAD_DATES, {})
    for key, value in linked.items():
        if values.get(key) is None:
            said[key] = value
    for key in [k for k in said if values.get(k) is not None]:  # set since: no longer said
        del said[key]
    if said:
        named = "; ".join(f"{_DATES[key]} {value!r}" for key, value in said.items())
        st.warning(
            f"The link opened gave what is not a date the filters take ({named}; expected "
            "YYYY-MM-DD, 1900 to 2199): left out, so those filters do not narrow the page."
        )


def sidebar_filters() -> Filters | None:
    """Draw the sidebar filters (bound to the URL) and return them; None when invalid."""
    _canonical_address()
    linked = _linked_dates()
    options = load("filter_options")
    bound: dict[str, Any] = {"bind": "query-params"}
    with st.sidebar:
        st.header("Filters")
        # any date of an archive: a widget's own bounds (today ± 10 years) dropped older
        # dates, from a link too, so an archive over ten years old could not be cut by date
        dated: dict[str, Any] = {**bound, "min_value": DATE_MIN, "max_value": DATE_MAX}
        start = st.date_input("Started from", value=None, key="from", **dated)
        end = st.date_input("Started to", value=None, key="to", **dated)
        severities = st.multiselect("Severity", options["severities"], key="severity", **bound)
        services = st.multiselect("Service", options["services"], key="service", **bound)
        categories = st.multiselect("Category", options["categories"], key="category", **bound)
        teams = st.multiselect("Team", options["teams"], key="team", **bound)
        as_of = st.date_input(
            "As of",
            value=None,
            key="as_of",
            help="The archive as it stood at 00:00 of this date: 'now' for overdue, pending "
            "late, active patterns and watching fixes. Incidents started on or after it are "
            "left out, and an item done or a postmortem written on or after it counts as not "
            "yet. Empty: today.",
            **dated,
        )
        st.caption("The page address holds these filters: copy it to share this view.")
        settings = _database(str(db_path())).settings
        if settings != METRIC_DEFAULTS:  # every page's numbers use them (review R19)
            st.caption(display.parameters_said(metrics.Parameters(**settings)) + ".")
    _say_unmatched()  # above the page, where it is seen
    _say_bad_dates(linked, {"from": start, "to": end, "as_of": as_of})
    if start is not None and end is not None and start > end:
        st.error(
            f"These filters cannot be applied: Started from ({start}) is after Started to ({end})."
        )
        return None
    try:
        return Filters(
            start=start,
            end=end,
            severities=tuple(severities),
            services=tuple(services),
            categories=tuple(categories),
            teams=tuple(teams),
            as_of=as_of or today(),
        )
    except ValueError as exc:
        st.error(f"These filters cannot be applied: {exc}")
        return None


def filters() -> Filters:
    """The filters the entry point drew for this run."""
    current = st.session_state.get("_filters")
    return current if isinstance(current, Filters) else Filters(as_of=today())


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' month."""
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def month_filters(base: Filters, month: str) -> Filters | None:
    """`analytics.metrics.month_filters`: `base` narrowed to incidents started in `month`,
    as of the month's end (or the base as_of when that is earlier); None when the month lies
    outside base's date range."""
    return metrics.month_filters(month, base)


def previous_months(month: str, count: int) -> list[str]:
    """The `count` months before `month`, newest first ('YYYY-MM')."""
    months = []
    first, _ = month_bounds(month)
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first.strftime("%Y-%m"))
    return months
