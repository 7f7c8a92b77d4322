"""Headline numbers against the months before, and incidents by severity."""

from __future__ import annotations

from typing import Any

from analytics import metrics
from analytics.report import charts
from analytics.report.context import Context
from analytics.report.format import Kind, change, hours, missing, num, pct
from analytics.report.period import TREND_MONTHS
from analytics.report.render import (
    Block,
    Cell,
    CellValue,
    Chart,
    Figure,
    Figures,
    Note,
    Paragraph,
    Section,
    Table,
)

__all__ = ["headline_section", "severity_section"]


# (label, keys into summary(), kind, higher is better)
HEADLINE: tuple[tuple[str, tuple[str, ...], Kind, bool], ...] = (
    ("Postmortems", ("postmortems",), "count", False),
    ("Repeats", ("repeats",), "count", False),
    ("Repeat rate", ("repeat_rate",), "rate", False),
    ("Repeats while the earlier follow-through was open", ("recurred_while_open",), "count", False),
    ("L5 share of leveled fixes", ("l5_share",), "rate", False),
    ("Postmortems written within 72 h", ("ttp", "on_time_rate"), "rate", True),
    ("Median hours to postmortem", ("ttp", "median_hours"), "hours", False),
    ("Postmortems pending late", ("ttp", "pending_late"), "count", False),
    ("Action completion", ("actions", "completion_rate"), "rate", True),
    ("Actions done by their due date", ("actions", "on_time_rate"), "rate", True),
    ("Overdue (this month's incidents)", ("actions", "overdue"), "count", False),
)
TREND_RATES = ("repeat_rate", "ttp_on_time_rate", "l5_share", "action_completion_rate")


def pick(summary: dict[str, Any], keys: tuple[str, ...]) -> Any:
    """summary["ttp"]["on_time_rate"] for keys ("ttp", "on_time_rate")."""
    value: Any = summary
    for key in keys:
        value = value[key]
    return value


def show(value: Any, kind: Kind, per_month: bool = False) -> str:
    """A headline value; a 3-month count is shown per month."""
    if kind == "rate":
        return pct(value)
    if kind == "hours":
        return hours(value)
    return num(value / 3, 1) if per_month and not missing(value) else num(value)


def headline_section(ctx: Context) -> Section:
    previous = ctx.period.previous
    rows: list[tuple[CellValue, ...]] = []
    for label, keys, kind, better in HEADLINE:
        now, before = pick(ctx.now, keys), pick(ctx.before, keys)
        rows.append(
            (
                label,
                show(now, kind),
                show(before, kind),
                change(now, before, kind, better),
                show(pick(ctx.three, keys), kind, per_month=True),
            )
        )
    small = ctx.now["small_samples"]
    blocks: list[Block] = [
        figures(ctx),
        Table(
            ("", ctx.period.name, previous.name, "Change", "3-month average"),
            tuple(rows),
            numeric=(1, 2, 3, 4),
        ),
        Note(
            f"{ctx.period.name}: incidents that started in the month, as of {ctx.period.as_of}; "
            f"{previous.name}: as of {previous.as_of}. 3-month average: the three months "
            "before, as of this month's first day; counts per month, rates and the median over "
            "the three months' incidents together. Fixes and actions count in their incident's "
            "month."
            + (f" Small samples this month (under 5): {', '.join(small)}." if small else "")
        ),
    ]
    trend = metrics.monthly_rates(ctx.db, ctx.period.trend(ctx.base))
    if not trend.empty:
        blocks.append(
            Chart(
                "trend",
                charts.monthly_rates_chart(trend, TREND_RATES),
                "Headline rates per month over the last year",
            )
        )
        blocks.append(
            Note(
                f"Each month's incidents as of {ctx.period.as_of}; hollow points: fewer than 5 "
                "incidents, postmortems or fixes behind the rate."
            )
        )
    return Section("Headline numbers", "headline", tuple(blocks))


def figures(ctx: Context) -> Figures:
    """The cards at the top: five rates of the month against the previous month, and the
    overdue backlog over every incident."""
    month_name = ctx.period.previous.first.strftime("%B")

    def card(label: str, keys: tuple[str, ...], kind: Kind, better: bool, value: str) -> Figure:
        now, before = pick(ctx.now, keys), pick(ctx.before, keys)
        delta = change(now, before, kind, better)
        before_text = pct(before) if kind == "rate" else num(before)
        return Figure(label, value, f"{delta.text} vs {month_name} ({before_text})", delta.tone)

    backlog = metrics.summary(ctx.db, ctx.backlog)["actions"]["overdue"]
    return Figures(
        (
            card("Incidents", ("postmortems",), "count", False, num(ctx.now["postmortems"])),
            card(
                "Repeat rate",
                ("repeat_rate",),
                "rate",
                False,
                f"{pct(ctx.now['repeat_rate'])} ({ctx.now['repeats']})",
            ),
            card(
                "Postmortems within 72 h",
                ("ttp", "on_time_rate"),
                "rate",
                True,
                pct(ctx.now["ttp"]["on_time_rate"]),
            ),
            card("L5 share of fixes", ("l5_share",), "rate", False, pct(ctx.now["l5_share"])),
            card(
                "Action completion",
                ("actions", "completion_rate"),
                "rate",
                True,
                pct(ctx.now["actions"]["completion_rate"]),
            ),
            Figure(
                "Overdue, all incidents",
                num(backlog),
                f"open past due on {ctx.period.as_of}",
                "bad" if backlog else None,
            ),
        )
    )


def severity_section(ctx: Context) -> Section:
    period = ctx.period
    trend = metrics.incidents_by_month(ctx.db, period.trend(ctx.base))
    if trend.empty:
        return Section(
            "Incidents by severity",
            "severity",
            (Paragraph((f"No incidents in the {TREND_MONTHS} months to {period.name}.",)),),
        )
    counts = trend.pivot_table(
        index="severity", columns="month", values="incidents", aggfunc="sum", fill_value=0
    ).reindex(columns=[period.key, period.previous.key], fill_value=0)
    rows: list[tuple[CellValue, ...]] = [
        (
            severity,
            num(counts.at[severity, period.key]),
            num(counts.at[severity, period.previous.key]),
        )
        for severity in charts.SEVERITY_ORDER
        if severity in counts.index and counts.loc[severity].any()
    ]
    rows.append((Cell("All"), num(ctx.now["postmortems"]), num(ctx.before["postmortems"])))
    return Section(
        "Incidents by severity",
        "severity",
        (
            Table(("Severity", period.name, period.previous.name), tuple(rows), numeric=(1, 2)),
            Chart(
                "incidents-by-month",
                charts.incidents_by_month_chart(trend, highlight=period.key),
                "Incidents per month by severity",
            ),
        ),
    )
