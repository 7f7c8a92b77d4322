"""Open the database read-only and run the metric macros with bound parameters."""

from __future__ import annotations

import copy
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.config import severity_word
from analytics.metrics.filters import Filters, Parameters
from analytics.views import archive_settings, create_views, views_current

T = TypeVar("T")

__all__ = ["Database", "DatabaseError", "DatabaseNotFoundError", "DbLike", "open_db"]

# The listing macros (a row per incident, fix or action): their results go through Arrow.
LISTINGS = frozenset(
    {
        "action_list",
        "actions_closed",
        "discipline",
        "fix_outcomes",
        "incident_list",
        "incident_rows",
        "overdue_actions",
        "pending_late",
        "recurrence_incidents",
        "recurrence_rows",
        "repeat_pairs",
        "repeat_pairs_latest",
        "ttp_incidents",
    }
)

# Which macro parameters each metric takes (the macros are our names, never user input).
_SCOPE = ("as_of", "start_date", "end_date", "severity_in", "service_in", "category_in", "team_in")
MACRO_PARAMS: dict[str, tuple[str, ...]] = {
    "recurrence_incidents": (*_SCOPE, "window_days"),
    "recurrence_rows": (*_SCOPE, "window_days"),
    "repeat_rate": (*_SCOPE, "window_days"),
    "repeat_rate_by_service": (*_SCOPE, "window_days"),
    "repeat_rate_by_category": (*_SCOPE, "window_days"),
    "repeat_matrix": (*_SCOPE, "window_days"),
    "repeat_pairs": (*_SCOPE, "window_days"),
    "repeat_pairs_latest": (*_SCOPE, "window_days"),
    "patterns": (*_SCOPE, "window_days", "pattern_min"),
    "pattern_members": ("as_of", "window_days", "pattern_min"),
    "fix_levels": _SCOPE,
    "l5_share": _SCOPE,
    "fix_level_crosstab": _SCOPE,
    "l5_reflex": _SCOPE,
    "ttp_incidents": (*_SCOPE, "ttp_hours"),
    "ttp_summary": (*_SCOPE, "ttp_hours"),
    "ttp_by_month": (*_SCOPE, "ttp_hours"),
    "ttp_by_severity": (*_SCOPE, "ttp_hours"),
    "ttp_bands": (*_SCOPE, "ttp_hours"),
    "pending_late": (*_SCOPE, "ttp_hours"),
    "action_items": (*_SCOPE, "action_slo_days"),
    "action_list": (*_SCOPE, "action_slo_days"),
    "action_summary": (*_SCOPE, "action_slo_days"),
    "actions_by": (*_SCOPE, "action_slo_days"),
    "overdue_actions": (*_SCOPE, "action_slo_days"),
    "action_aging": (*_SCOPE, "action_slo_days"),
    "fix_outcomes": (*_SCOPE, "window_days"),
    "fix_effectiveness": (*_SCOPE, "window_days"),
    "discipline": (*_SCOPE, "ttp_hours"),
    "incident_list": (*_SCOPE, "window_days", "pattern_min", "ttp_hours"),
    "incident_rows": (*_SCOPE, "window_days", "pattern_min", "ttp_hours"),
    "incident_repeats": ("as_of", "window_days"),
    "scoped_incidents": _SCOPE,
    "incidents_by_month": _SCOPE,
    "monthly_rates": (*_SCOPE, "window_days", "ttp_hours", "action_slo_days"),
    "fix_levels_by_month": _SCOPE,
    "actions_closed": (*_SCOPE, "action_slo_days"),
    "fixes_recurred": (*_SCOPE, "window_days"),
    "new_patterns": (*_SCOPE, "window_days", "pattern_min"),
    "patterns_since": (*_SCOPE, "window_days", "pattern_min"),
    "pattern_tags": (*_SCOPE, "window_days", "pattern_min"),
}
_LIST_PARAMS = {"severity_in", "service_in", "category_in", "team_in"}
_PER_SCOPE = ("as_of", "start_date", "end_date")  # what may differ between metric_each's scopes
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class DatabaseError(Exception):
    """The database cannot be read (not a DuckDB file, or not one `postmortems ingest` wrote)."""


class DatabaseNotFoundError(DatabaseError, FileNotFoundError):
    """There is no database file at the path: run `postmortems ingest` first."""


@dataclass(frozen=True)
class _Root:
    """One attached file version: its instance, archive timezone, and whether its stored
    views are older than this code's (its cursors then create them as temp views)."""

    instance: duckdb.DuckDBPyConnection
    timezone: str
    temp_views: bool
    # postmortems.toml's alias maps ({"service": {"checkout": "checkout-api"}, ...}) as the
    # ingest recorded them (meta.aliases): a filter value given as an alias means its name
    aliases: dict[str, dict[str, str]]
    # the archive's metric parameters (postmortems.toml's [metrics], as the ingest stored them)
    settings: dict[str, int]


class Database:
    """A postmortem database, read-only.

    The file is attached read-only to a private in-memory DuckDB instance, kept while the
    file stays the same; each query runs on its own cursor of that instance (well under a
    millisecond, where opening the file costs ~20 ms). When `postmortems ingest` swaps in a
    new file (another inode, size or mtime), the next query attaches the new one; queries
    still running on the old one finish on it. A private instance is used because DuckDB's
    connection cache would hand back the replaced file for the same path. The session
    TimeZone is the archive's, so returned timestamps are local to the archive.
    """

    _ALIAS = "postmortems_db"  # the attached catalog; queries run with USE on it

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseNotFoundError(
                f"no database at {self.path}; run `postmortems ingest ARCHIVE --db {self.path}`"
            )
        self._lock = threading.Lock()
        self._root: _Root | None = None
        self._root_key: tuple[int, int, int] | None = None
        self._shared: duckdb.DuckDBPyConnection | None = None  # set on a snapshot() copy
        self._snapshot_root: _Root | None = None  # its file version
        self._pinned = False  # set on a pinned() copy: it keeps its file version
        self._current_root()

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r}{', pinned' if self._pinned else ''})"

    def pinned(self) -> Database:
        """A copy that reads the file version this database reads now for as long as it is
        used: an ingest's swap does not change what its queries read. Each query still has
        its own cursor, so, unlike `snapshot()`, it is no block and no one thread's. For a
        notebook, whose cells run one by one and should add up: open the file again to read
        a newer ingest. The old version's disk space is freed when the copy is gone.

        Example: db = open_db("data/postmortems.duckdb").pinned()
        """
        pinned = copy.copy(self)
        # a snapshot()'s copy pins its own version, not its cursor: that closes with the
        # block, and belongs to one thread (review D6)
        pinned._root = self._snapshot_root or self._current_root()
        pinned._shared = pinned._snapshot_root = None
        pinned._lock = threading.Lock()
        pinned._pinned = True
        return pinned

    def _file_key(self) -> tuple[int, int, int]:
        try:
            stat = self.path.stat()
        except FileNotFoundError as exc:
            raise DatabaseNotFoundError(f"no database at {self.path}") from exc
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _current_root(self) -> _Root:
        """The instance with the current file attached (re-attached after an ingest's swap),
        with the archive timezone and whether the stored views are current read from it."""
        if self._pinned and self._root is not None:
            return self._root
        key = self._file_key()
        with self._lock:
            if self._root is not None and key == self._root_key:
                return self._root
            root = duckdb.connect(":memory:")
            try:
                root.execute(f"ATTACH $path AS {self._ALIAS} (READ_ONLY)", {"path": str(self.path)})
                root.execute(f"USE {self._ALIAS}")
                meta = dict(
                    root.execute(
                        "SELECT key, value FROM meta WHERE key IN ('timezone', 'aliases')"
                    ).fetchall()
                )
                # another program's file with a `meta` table of its own: say so here, not
                # in a traceback of the views built on the tables it lacks
                root.execute("SELECT 1 FROM postmortems LIMIT 0")
                temp_views = not views_current(root)
                settings = archive_settings(root)
            except duckdb.IOException as exc:
                root.close()
                if not self.path.exists():
                    raise DatabaseNotFoundError(f"no database at {self.path}") from exc
                hint = (
                    "another program has it open for writing"
                    if "could not set lock" in str(exc).lower()
                    else "if it is the database an ingest wrote, `postmortems ingest` builds "
                    "it anew"
                )
                raise DatabaseError(f"{self.path} cannot be read: {exc}. ({hint})") from exc
            except duckdb.Error as exc:
                root.close()
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise DatabaseError(f"{self.path} is not a postmortems database ({first})") from exc
            timezone = meta.get("timezone") or "UTC"
            aliases = json.loads(meta["aliases"]) if meta.get("aliases") else {}
            # The previous root is not closed: cursors still running on it keep it alive.
            self._root, self._root_key = _Root(root, timezone, temp_views, aliases, settings), key
            return self._root

    def _read_root(self) -> _Root:
        """The file version this database's queries read: a snapshot's or a `parallel()`
        task's own (its settings and aliases too, though an ingest swapped the file since:
        one block's numbers used one window, review D10), else the current one."""
        return self._snapshot_root if self._snapshot_root is not None else self._current_root()

    @property
    def timezone(self) -> str:
        """The archive's IANA timezone (meta.timezone)."""
        return self._read_root().timezone

    def today(self) -> date:
        """Today's date in the archive timezone: the default as_of."""
        return datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def settings(self) -> dict[str, int]:
        """The archive's metric parameters (window_days, pattern_min, ttp_hours,
        action_slo_days): postmortems.toml's [metrics] as the ingest stored them, else
        SPEC's 180, 3, 72 and 28."""
        return dict(self._read_root().settings)

    def parameters(self, filters: Filters | None = None) -> Parameters:
        """The metric parameters `filters` mean: those it sets, the archive's (`settings`)
        for the rest. What a page or report says ("within 90 days") is what its metrics use.

        Example: db.parameters(Filters()).window_days == 180 (where postmortems.toml sets none)
        """
        settings = self._read_root().settings
        return Parameters(
            *(getattr(filters, key, None) or settings[key] for key in Parameters._fields)
        )

    def with_settings(self, filters: Filters) -> Filters:
        """`filters` with the metric parameters it leaves unset (None) set to the archive's."""
        if filters.unset():
            return filters.replace(**self.parameters(filters)._asdict())
        return filters

    def canonical(self, filters: Filters) -> Filters:
        """`filters` as the archive means them: the metric parameters left unset are the
        archive's (`settings`), and services, categories and teams given by an alias of
        postmortems.toml (`checkout` for `checkout-api`) are the names the archive's values
        were stored under."""
        filters = self.with_settings(filters)
        aliases = self._read_root().aliases
        services, categories = aliases.get("service", {}), aliases.get("category", {})
        teams = aliases.get("team", {})
        if not (
            any(s in services for s in filters.services)
            or any(c in categories for c in filters.categories)
            or any(t in teams for t in filters.teams)
        ):
            return filters
        return filters.replace(
            services=tuple(dict.fromkeys(services.get(s, s) for s in filters.services)),
            categories=tuple(dict.fromkeys(categories.get(c, c) for c in filters.categories)),
            teams=tuple(dict.fromkeys(teams.get(t, t) for t in filters.teams)),
        )

    def severity_named(self, word: str) -> str:
        """A severity as the archive's postmortems.toml names it (`minor` = "SEV3" in its
        [aliases.severity]): its SEVn, else `word` (Filters reads it by SPEC's scale)."""
        return self._read_root().aliases.get("severity", {}).get(severity_word(word), word)

    def _params(self, filters: Filters) -> dict[str, Any]:
        return self.canonical(filters).params(self.as_of(filters))

    def _cursor(self, root: _Root) -> duckdb.DuckDBPyConnection:
        """A new cursor of `root`, set up from that file's own timezone and views (not the
        latest file's: an ingest's swap may come while a snapshot's cursors open)."""
        con = root.instance.cursor()
        try:
            con.execute(f"USE {self._ALIAS}")
            con.execute("SET TimeZone = $tz", {"tz": root.timezone})
            if root.temp_views:
                create_views(con, temp=True)
        except BaseException:
            con.close()
            raise
        return con

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection (a cursor of the attached file) with the archive TimeZone
        and the metric macros (inside `snapshot()`, its shared connection, left open)."""
        if self._shared is not None:
            yield self._shared
            return
        con = self._cursor(self._current_root())
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def snapshot(self) -> Iterator[Database]:
        """This database with one read-only connection shared by every query in the block.

        The queries of the block read one version of the file (an ingest's swap in the
        middle does not mix two), on one cursor. The yielded copy belongs to one thread;
        the original keeps a cursor per query.

        Example: with open_db(path).snapshot() as db: summary(db, f); patterns(db, f)
        """
        if self._shared is not None:
            yield self
            return
        with self._bound(self._current_root()) as bound:
            yield bound

    @contextmanager
    def _bound(self, root: _Root) -> Iterator[Database]:
        """A copy of this database whose queries all run on one new cursor of `root`."""
        con = self._cursor(root)
        try:
            bound = copy.copy(self)
            bound._shared, bound._snapshot_root = con, root
            yield bound
        finally:
            con.close()

    @property
    def bound(self) -> bool:
        """True for a copy bound to one connection (`snapshot()`, a `parallel()` task): its
        queries run one after another on that connection, in its thread."""
        return self._shared is not None

    def parallel(self, tasks: Sequence[Callable[[Database], T]]) -> list[T]:
        """Run independent metric calls on several threads, each task given this database
        bound to its own cursor of the same file version (one snapshot, as `snapshot()`).
        DuckDB runs queries of different cursors at once, so a series of small queries
        (a month each) takes about half the time on two cores. A thread per core at most.
        On a file whose stored views are older than this code the tasks run one after
        another on one cursor: each new cursor would create every view anew (~0.2 s).
        Results in task order.

        Example: db.parallel([lambda d: summary(d, f1), lambda d: summary(d, f2)])
        """
        root = self._read_root()
        if root.temp_views or len(tasks) < 2:  # each cursor would build every view anew
            with self._bound(root) as bound:
                return [task(bound) for task in tasks]

        def run(task: Callable[[Database], T]) -> T:
            with self._bound(root) as bound:
                return task(bound)

        workers = max(1, min(len(tasks), os.cpu_count() or 2))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run, tasks))

    def query(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        con: duckdb.DuckDBPyConnection | None = None,
        long: bool = False,
    ) -> pd.DataFrame:
        """Run one read-only query with bound parameters; returns a DataFrame.

        `con`: a connection from `connect()` to reuse for several queries (one snapshot).
        `long`: the result is a listing (thousands of rows, text): converted through Arrow,
        about 2x faster there and ~3 ms slower on a few rows (see `_frame`).
        """
        con = con if con is not None else self._shared
        if con is not None:
            return _frame(con, sql, params or {}, long)
        with self.connect() as fresh:
            return _frame(fresh, sql, params or {}, long)

    def metric(
        self,
        macro: str,
        filters: Filters | None = None,
        *,
        args: tuple[str, ...] = (),
        named: dict[str, Any] | None = None,
        columns: Sequence[str] = (),
        limit: int | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> pd.DataFrame:
        """`SELECT * FROM <macro>(...)` with the filters bound as named macro parameters.

        `args` are leading positional string arguments (e.g. the dimension of actions_by),
        bound as parameters too; `named` are further named parameters (a list of strings is
        bound as VARCHAR[]); a None in `named` leaves the macro's default. `columns`: only
        these of the macro's columns (DuckDB then leaves out what only the others need:
        `action_summary`'s overdue alone takes a third of the whole at 100k). `limit`: only
        the first rows, in the macro's order (only they are converted to pandas).
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        _check_columns(columns)
        values = self._params(filters or Filters())
        extra = {name: value for name, value in (named or {}).items() if value is not None}
        arg_sql = [f"$arg{i}" for i in range(len(args))]
        kw_sql = [_bound_param(name) for name in MACRO_PARAMS[macro]]
        kw_sql += [
            f"{name} := ${name}::VARCHAR[]" if isinstance(value, list) else f"{name} := ${name}"
            for name, value in extra.items()
        ]
        params: dict[str, Any] = {name: values[name] for name in MACRO_PARAMS[macro]}
        params.update({f"arg{i}": value for i, value in enumerate(args)})
        params.update(extra)
        selected = ", ".join(columns) or "*"
        sql = f"SELECT {selected} FROM {macro}({', '.join([*arg_sql, *kw_sql])})"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, params, con=con, long=macro in LISTINGS)

    def metric_each(
        self, macro: str, scopes: Sequence[Filters], *, columns: Sequence[str] = ()
    ) -> pd.DataFrame:
        """`metric(macro, scope)` for each scope, in one query: every scope's rows, with
        `scope` (its index in `scopes`) first, ordered by scope only (within one, in no set
        order). The scopes may differ only in as_of and their dates (`monthly_trend`'s
        months). DuckDB runs the macro per scope as a lateral join in one plan: 12 months of
        monthly_rates take 63-70 ms at 100k and 24-29 ms at 1k, against 122-134 and 108-149
        ms as a query per month on two threads. (For 2-3 scopes it gains little.)
        `columns`: only these of the macro's columns, as in `metric`.
        """
        if not scopes:
            raise ValueError("metric_each needs at least one scope")
        _check_columns(columns)
        values = [self._params(scope) for scope in scopes]
        shared = [name for name in MACRO_PARAMS[macro] if name not in _PER_SCOPE]
        for name in shared:
            if any(value[name] != values[0][name] for value in values):
                raise ValueError(f"scopes differ in {name}: only as_of and the dates may")
        per_scope = [name for name in MACRO_PARAMS[macro] if name in _PER_SCOPE]
        kw_sql = [f"{name} := s.{name}" for name in per_scope] + [
            _bound_param(name) for name in shared
        ]
        scope_sql = [f"unnest(range(len(${per_scope[0]}::DATE[]))) AS n"] + [
            f"unnest(${name}::DATE[]) AS {name}" for name in per_scope
        ]
        sql = (
            f"WITH s AS (SELECT {', '.join(scope_sql)}) "
            f"SELECT s.n AS scope, {', '.join(f'r.{c}' for c in columns) or 'r.*'} "
            f"FROM s, LATERAL {macro}({', '.join(kw_sql)}) AS r "
            "ORDER BY s.n"
        )
        params: dict[str, Any] = {name: values[0][name] for name in shared}
        params.update({name: [value[name] for value in values] for name in per_scope})
        return self.query(sql, params, long=macro in LISTINGS)

    def as_of(self, filters: Filters | None) -> date:
        """The as_of date the filters mean (today in the archive timezone when unset)."""
        if filters is not None and filters.as_of is not None:
            return filters.as_of
        return self.today()


def _check_columns(columns: Sequence[str]) -> None:
    for column in columns:
        if not _IDENTIFIER.fullmatch(column):
            raise ValueError(f"not a column name: {column!r}")


def _bound_param(name: str) -> str:
    """A macro's named parameter bound to the query parameter of the same name."""
    return f"{name} := ${name}::VARCHAR[]" if name in _LIST_PARAMS else f"{name} := ${name}"


DbLike = Database | str | os.PathLike[str]
"""What every metric function accepts as `db`: an open Database or a path."""


# Arrow types whose NULLs .df() keeps in a pandas nullable dtype (Arrow's to_pandas: float/object)
_NULLABLE = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def _frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], long: bool
) -> pd.DataFrame:
    """A query's rows as a DataFrame. A long one goes through Arrow: for many rows of text
    about 2x faster than DuckDB's `.df()` (100k: action_items 930 -> 290 ms, incidents
    590 -> 330 ms, time_to_postmortem 160 -> 50 ms), with `.df()`'s dtypes: DATE as
    datetime64[us], DECIMAL and HUGEINT as float64, integers and booleans holding a NULL as
    pandas' nullable Int*/boolean, a NULL list as pd.NA.
    (Unlike `.df()`, its text columns are `str` also when empty or all NULL.) `.df()` stays
    for short results: `con.sql` costs ~3 ms more per query, and a few rows of long id
    lists (patterns) convert faster by `.df()`."""
    if not long:
        return con.execute(sql, params).df()
    table = con.sql(sql, params=params).to_arrow_table()
    frame = table.to_pandas(date_as_object=False)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_date(column.type):
            frame[name] = frame[name].astype("datetime64[us]")
        elif pa.types.is_decimal(column.type):  # DECIMAL, HUGEINT (a sum): float, as .df()
            frame[name] = column.cast(pa.float64()).to_pandas()
        elif column.null_count and column.type in _NULLABLE:
            frame[name] = column.to_pandas(types_mapper=_NULLABLE.get)
        elif column.null_count and pa.types.is_list(column.type):  # a NULL list: NA, not None
            frame[name] = frame[name].where(frame[name].notna(), pd.NA)
    return frame


def open_db(path: DbLike) -> Database:
    """Open a postmortems database read-only. Raises DatabaseNotFoundError when missing.

    Example: db = open_db("data/postmortems.duckdb"); repeat_rate(db, Filters())
    """
    return path if isinstance(path, Database) else Database(path)


def only_ids(ids: Sequence[str] | None) -> dict[str, Any]:
    """The `named` parameter restricting a listing macro to these postmortem ids (its id_in);
    None: no restriction. For pages about a few postmortems of a large archive."""
    return {"id_in": None if ids is None else [str(i) for i in ids]}


def latest_ids(latest: int | None) -> dict[str, Any]:
    """The `named` parameter of a pattern listing's `latest`: keep each pattern's latest n
    ids (None: every id)."""
    if latest is not None and latest < 1:
        raise ValueError(f"latest must be 1 or more, got {latest}")
    return {"latest": latest}


def none_if_nan(value: Any) -> Any:
    """NaN / NA / NaT -> None, numpy scalars -> Python scalars (for JSON and dicts)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        with suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value
