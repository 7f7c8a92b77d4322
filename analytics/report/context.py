"""What every section of the review needs: the database, the month, the base filters, the
month's summary and the monthly review frame (the month against the previous one and the
3-month average, the same frame the dashboard shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from analytics import metrics
from analytics.metrics import Database, Filters, Parameters
from analytics.report.format import missing
from analytics.report.period import Period
from analytics.report.render import Cell

__all__ = ["Context"]


@dataclass
class Context:
    db: Database
    period: Period
    base: Filters  # the user's filters without dates, as of period.as_of
    link_base: str | None  # prefixed to archive paths to make links; None: no links
    now: dict[str, Any] = field(init=False)  # summary of the month
    review: pd.DataFrame = field(init=False)  # monthly_review(), indexed by measure

    def __post_init__(self) -> None:
        self.now = metrics.summary(self.db, self.period.filters(self.base))
        review = metrics.monthly_review(self.db, self.period.first, self.base)
        self.review = review.set_index("measure", drop=False)

    def measure(self, name: str) -> pd.Series:
        """The monthly_review row of one measure (e.g. "ttp.on_time_rate")."""
        row = self.review.loc[name]
        assert isinstance(row, pd.Series)  # measures are unique
        return row

    @cached_property
    def parameters(self) -> Parameters:
        """The metric parameters the review uses: the archive's, unless `base` sets them."""
        return self.db.parameters(self.base)

    @property
    def month(self) -> Filters:
        """Incidents started in the month, as of the month's end (today, for a month not
        over)."""
        return self.period.filters(self.base)

    @property
    def backlog(self) -> Filters:
        """Every incident up to the month's end, whenever it started."""
        return self.period.backlog(self.base)

    @cached_property
    def paths(self) -> dict[str, str]:
        """Postmortem id -> archive path, for every incident up to the month's end (pattern
        members and earlier incidents may lie outside the filters)."""
        everything = metrics.incidents(
            self.db, Filters(as_of=self.period.as_of), repeat_of=False, columns=("id", "path")
        )
        return dict(zip(everything["id"].astype(str), everything["path"].astype(str), strict=True))

    def link(self, pm_id: Any, path: Any = None) -> Cell:
        """The postmortem's id, linked to its file when a link base is known."""
        pm_id = str(pm_id)
        path = self.paths.get(pm_id) if missing(path) else path
        href = None if self.link_base is None or missing(path) else self.link_base + str(path)
        return Cell(pm_id, href=href)

    def links(self, ids: Any) -> tuple[Cell | str, ...]:
        parts: list[Cell | str] = []
        for pm_id in ids:
            parts += [self.link(pm_id), " "]
        return tuple(parts[:-1])
