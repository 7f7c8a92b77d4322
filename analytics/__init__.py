"""Incident pattern analytics: a postmortem archive in, DuckDB and answers out.

The metrics API is re-exported here for notebooks:

    from analytics import Filters, open_db, summary, patterns
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["metrics"]  # and every name in analytics.metrics.__all__


def __getattr__(name: str) -> Any:
    # Lazy, so parsing workers and the CLI don't import pandas/duckdb before they need them.
    metrics = importlib.import_module("analytics.metrics")
    if name == "metrics":
        return metrics
    if name in metrics.__all__:
        return getattr(metrics, name)
    raise AttributeError(f"module 'analytics' has no attribute {name!r}")
