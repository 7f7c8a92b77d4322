"""Incident pattern analytics: a postmortem archive in, DuckDB and answers out.

The metrics API is re-exported here for notebooks:

    from analytics import Filters, open_db, summary, patterns
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__all__ = ["metrics"]  # and every name in analytics.metrics.__all__


def __getattr__(name: str) -> Any:
    # Lazy, so parsing workers and the CLI don't import pandas/duckdb before they need them.
    if name.startswith("_") or importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # `from analytics import archive` asks here before importing the submodule itself.
        raise AttributeError(f"module 'analytics' has no attribute {name!r}")
    metrics = importlib.import_module("analytics.metrics")
    if name == "metrics":
        return metrics
    if name in metrics.__all__:
        return getattr(metrics, name)
    raise AttributeError(f"module 'analytics' has no attribute {name!r}")
