"""What the metrics and pages probes share: one JSON line per item, and a per-item cap."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any

TIMEOUT_EXIT = 3  # run.py starts a new probe process for the items left

# Pages whose views are lazy tabs (only the open one runs), by page: the tabs' key (their
# URL parameter) and labels, the first the page's default. The pages and browser probes
# time each other view as its own item, "<page> · <view>".
LAZY_VIEWS = {"recurrence.py": ("view", ("Repeats", "Patterns", "Category focus"))}


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


class Watchdog:
    """Ends the process when one item runs past `cap` seconds, after reporting it (a DuckDB
    query cannot be interrupted through the metrics API or a Streamlit page)."""

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.name: str | None = None
        self.since = 0.0
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self, name: str) -> None:
        self.name, self.since = name, time.perf_counter()

    def stop(self) -> None:
        self.name = None

    def _watch(self) -> None:
        while True:
            time.sleep(0.1)
            name = self.name
            if name is not None and time.perf_counter() - self.since > self.cap:
                emit({"name": name, "timeout": self.cap})
                os._exit(TIMEOUT_EXIT)


def probe_arguments() -> argparse.Namespace:
    """The page probes' command line: DB AS_OF PAGE.py... [--cap S] [--skip a,b]."""
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("as_of")
    parser.add_argument("pages", nargs="+")
    parser.add_argument("--cap", type=float, default=30.0)
    parser.add_argument("--skip", default="")
    return parser.parse_args()
