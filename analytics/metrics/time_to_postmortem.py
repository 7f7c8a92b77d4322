"""Time to postmortem (analytics/sql/metrics/time_to_postmortem.sql)."""

from __future__ import annotations

import pandas as pd

from analytics.metrics.db import DbLike, open_db
from analytics.metrics.filters import Filters

__all__ = [
    "pending_late",
    "time_to_postmortem",
    "ttp_bands",
    "ttp_by_month",
    "ttp_by_severity",
    "ttp_summary",
]


def time_to_postmortem(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Per filtered incident: hours (resolved, or started when approximate, to postmortem
    date), ttp_state ('written' | 'pending_late' | 'pending'), eligible, on_time, late."""
    return open_db(db).metric("ttp_incidents", filters)


def ttp_summary(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """One row: eligible, on_time, on_time_rate, written, median_hours, p90_hours,
    pending_late, pending, approximate, small_sample."""
    return open_db(db).metric("ttp_summary", filters)


def ttp_by_month(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """ttp_summary's numbers per month of the incident's start ('YYYY-MM')."""
    return open_db(db).metric("ttp_by_month", filters)


def ttp_by_severity(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """ttp_summary's numbers per severity."""
    return open_db(db).metric("ttp_by_severity", filters)


def ttp_bands(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """The written postmortems per severity and band of hours to postmortem: severity, band,
    from_hours, to_hours (band k: hours in (ttp_hours x sqrt(2)^(k-1), ttp_hours x
    sqrt(2)^k], hours under 1 counting as 1), postmortems, on_time (k <= 0). Only bands
    holding a postmortem; the distribution of time_to_postmortem's written rows in a few rows.
    """
    return open_db(db).metric("ttp_bands", filters)


def pending_late(db: DbLike, filters: Filters | None = None) -> pd.DataFrame:
    """Incidents without a postmortem, resolved (or started) more than ttp_hours before as_of."""
    return open_db(db).metric("pending_late", filters)
