"""What the metrics and pages probes share: one JSON line per item, and a per-item cap."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

TIMEOUT_EXIT = 3  # run.py starts a new probe process for the items left


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
