"""Fix levels (analytics/sql/metrics/fix_levels.sql)."""

from __future__ import annotations

import pandas as pd

from analytics.metrics.db import DbLike, open_db
from analytics.metrics.filters import Filters

__all__ = ["fix_level_crosstab", "fix_levels", "fix_levels_by_month", "l5_reflex", "l5_share"]


def fix_levels(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Seven rows, level in L1..L5, unleveled, no_fix, with count."""
    return open_db(db).metric("fix_levels", filters)


def fix_levels_by_month(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """fix_levels per incident start month: month ('YYYY-MM'), level, count; all seven levels
    for every month from the first to the last filtered incident (zero-filled)."""
    return open_db(db).metric("fix_levels_by_month", filters)


def l5_share(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """One row: l5, leveled, l5_share (None when no leveled fix), small_sample."""
    return open_db(db).metric("l5_share", filters)


def fix_level_crosstab(
    db: DbLike, filters: Filters | None = None, *, wide: bool = False
) -> pd.DataFrame:
    """chain_level x fix_level counts; long form, or a wide table (chain levels as rows)."""
    long = open_db(db).metric("fix_level_crosstab", filters)
    if not wide:
        return long
    columns = ["L1", "L2", "L3", "L4", "L5", "unleveled", "no_fix"]
    rows = ["L1", "L2", "L3", "L4", "L5", "none"]
    table = long.pivot_table(
        index="chain_level", columns="fix_level", values="count", aggfunc="sum", fill_value=0
    )
    return table.reindex(index=rows, columns=columns, fill_value=0).astype("int64")


def l5_reflex(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Fixes at L5 whose incident's chain level is not L5 (or not stated)."""
    return open_db(db).metric("l5_reflex", filters)
