"""The review month and the months it is compared with, as metric filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from analytics.display import not_over_note
from analytics.metrics import Filters
from analytics.metrics.review import (
    TREND_MONTHS,  # the trend charts' months, as the dashboard's
    parse_month,
)

__all__ = ["TREND_MONTHS", "Period", "parse_month"]


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A review month and the months it is compared with.

    `today` (the archive's today, `Database.today()`): a month not over yet is counted as
    of it, as the dashboard counts it, so that overdue and pending late mean now, not at a
    day still to come. None: as of the month's end, whenever that is.
    """

    first: date  # first day of the month
    today: date | None = None

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def name(self) -> str:
        return self.first.strftime("%B %Y")

    @property
    def last(self) -> date:
        return add_months(self.first, 1) - timedelta(days=1)

    @property
    def counted_last(self) -> date:
        """The last day whose incidents are counted: the month's last, or the day before
        as_of for a month not over (counted as of 00:00 today, R24)."""
        return min(self.last, self.as_of - timedelta(days=1))

    @property
    def so_far(self) -> str:
        """' (the month so far)' for a month not over, else ''."""
        return " (the month so far)" if self.in_progress else ""

    @property
    def not_over(self) -> str:
        """What a review of this month, not over, leaves out (`display.not_over_note`): the
        report, its command and the notebook say it alike."""
        return not_over_note(self.as_of, self.first, f"the whole of {self.previous.name}")

    @property
    def end(self) -> date:
        """00:00 of the next month's first day: the month's end."""
        return add_months(self.first, 1)

    @property
    def as_of(self) -> date:
        """The state at the end of the month (`end`), or today for a month not over."""
        return self.end if self.today is None else min(self.end, self.today)

    @property
    def begun(self) -> bool:
        """Counted as of 00:00 today, the month holds a moment: it began before today."""
        return self.today is None or self.first < self.today

    def check_begun(self) -> None:
        """Raises ValueError, saying why, for a month not begun (a review of nothing)."""
        if not self.begun:
            raise ValueError(
                f"{self.name} has not begun (today is {self.today} in the archive timezone, "
                "and a month not over is counted as of 00:00 today)"
            )

    @property
    def in_progress(self) -> bool:
        """The month is not over: it is counted as of today."""
        return self.as_of < self.end

    @property
    def previous(self) -> Period:
        return Period(add_months(self.first, -1), self.today)

    def filters(self, base: Filters) -> Filters:
        """The month's filters: incidents started in the month, as of the month's end (today
        for a month not over)."""
        return base.replace(start=self.first, end=self.last, as_of=self.as_of)

    def trend(self, base: Filters) -> Filters:
        """The last TREND_MONTHS months up to this one, as of the month's end."""
        return base.replace(
            start=add_months(self.first, 1 - TREND_MONTHS), end=self.last, as_of=self.as_of
        )

    def backlog(self, base: Filters) -> Filters:
        """Every incident up to the month's end, whenever it started (open work, patterns)."""
        return base.replace(start=None, end=None, as_of=self.as_of)
