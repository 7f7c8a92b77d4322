"""Time the public metric functions of `analytics.metrics` against one database.

Run as its own process per repeat. For each function: one first call, then WARM_CALLS more
when the first took under a second (each call opens the database read-only, as the metrics
layer always does). Prints one JSON line per function as it finishes. A function still
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
    """Every public function of analytics.metrics that computes a number or a table."""
    return {
        name: getattr(metrics, name)
        for name in metrics.__all__
        if inspect.isfunction(getattr(metrics, name)) and name not in NOT_METRICS
    }


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
    filters = metrics.Filters(as_of=date.fromisoformat(args.as_of))
    watchdog = Watchdog(args.cap)
    for name, function in functions.items():
        if name in skip:
            continue
        takes_filters = len(inspect.signature(function).parameters) > 1
        call_args = (db, filters) if takes_filters else (db,)
        calls: list[float] = []
        watchdog.start(name)
        while len(calls) < 1 + WARM_CALLS and (len(calls) < 1 or calls[0] < 1.0):
            started = time.perf_counter()
            value = function(*call_args)
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
