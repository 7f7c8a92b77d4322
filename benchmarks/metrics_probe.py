"""Time the public metric functions of `analytics.metrics` against one database.

Run as its own process per repeat. Each function that takes `db` is called with the
filters (as_of given), the month before as_of where it takes a month or start/end, and
the first postmortem where it takes an id or path: one first call, then WARM_CALLS more
when the first took under a second (each call opens the database read-only, as the
metrics layer always does). Prints one JSON line per function as it finishes. A function still
running after --cap seconds is reported as {"name", "timeout"} and the process exits 3, so
run.py starts a new process for the functions left.

Usage: python benchmarks/metrics_probe.py DB AS_OF [--cap S] [--skip a,b] [--list]
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

began = time.perf_counter()
from probes import Watchdog, emit  # noqa: E402

from analytics import metrics  # noqa: E402

IMPORTED_S = time.perf_counter() - began
WARM_CALLS = 3
NOT_METRICS = {"open_db"}


def metric_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of analytics.metrics that reads the database (first arg `db`)."""
    found = {}
    for name in metrics.__all__:
        function = getattr(metrics, name)
        takes_db = inspect.isfunction(function) and (
            next(iter(inspect.signature(function).parameters), None) == "db"
        )
        if takes_db and name not in NOT_METRICS:
            found[name] = function
    return found


def arguments(db: Any, as_of: date) -> dict[str, Any]:
    """A value for each parameter name the metric functions take: the month before as_of."""
    month_start = date(as_of.year, as_of.month, 1)
    previous = date(
        month_start.year - (month_start.month == 1), (month_start.month - 2) % 12 + 1, 1
    )
    ids = db.query("SELECT min(id) AS id, min(path) AS path FROM postmortems")  # one real row
    return {
        "db": db,
        "filters": metrics.Filters(as_of=as_of),
        "month": previous.isoformat()[:7],
        "start": previous,
        "end": month_start,
        "postmortem_id": ids["id"][0],
        "path": ids["path"][0],
    }


def call_args(function: Callable[..., Any], values: dict[str, Any]) -> dict[str, Any] | str:
    """Keyword arguments for `function`, or the name of a required parameter we cannot fill."""
    chosen = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in values:
            chosen[name] = values[name]
        elif parameter.default is inspect.Parameter.empty:
            return name
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("as_of")
    parser.add_argument("--cap", type=float, default=30.0)
    parser.add_argument("--skip", default="")
    parser.add_argument("--list", action="store_true", help="print the function names")
    args = parser.parse_args()
    functions = metric_functions()
    if args.list:
        print("\n".join(functions))
        return
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    db = metrics.open_db(args.db)
    emit({"import_s": IMPORTED_S, "open_s": time.perf_counter() - started})
    values = arguments(db, date.fromisoformat(args.as_of))
    watchdog = Watchdog(args.cap)
    for name, function in functions.items():
        if name in skip:
            continue
        kwargs = call_args(function, values)
        if isinstance(kwargs, str):
            emit({"name": name, "skipped": f"needs a value for {kwargs}"})
            continue
        calls: list[float] = []
        watchdog.start(name)
        while len(calls) < 1 + WARM_CALLS and (len(calls) < 1 or calls[0] < 1.0):
            started = time.perf_counter()
            value = function(**kwargs)
            calls.append(time.perf_counter() - started)
        watchdog.stop()
        emit(
            {
                "name": name,
                "first_s": calls[0],
                "warm_s": statistics.median(calls[1:] or calls),
                "rows": len(value) if hasattr(value, "__len__") else 1,
            }
        )


if __name__ == "__main__":
    main()
