"""Headline numbers against the months before, and incidents by severity."""

from __future__ import annotations

from typing import Any

from analytics import metrics
from analytics.display import shown
from analytics.report import charts
from analytics.report.context import Context
from analytics.report.format import Kind, change, num, pct
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
    para,
)

__all__ = ["headline_section", "severity_section"]


# (label, measure of monthly_review()): the rows of the headline table, in order.
HEADLINE: tuple[tuple[str, str], ...] = (
    ("Postmortems", "postmortems"),
    ("Repeats", "repeats"),
    ("Repeat rate", "repeat_rate"),
    ("Repeats while the earlier follow-through was open", "recurred_while_open"),
    ("L5 share of leveled fixes", "l5_share"),
    ("Postmortems written within 72 h", "ttp.on_time_rate"),
    ("Median hours to postmortem", "ttp.median_hours"),
    ("Postmortems pending late", "ttp.pending_late"),
    ("Action completion", "actions.completion_rate"),
    ("Actions done by their due date", "actions.on_time_rate"),
    ("Overdue (this month's incidents)", "actions.overdue"),
)
TREND_RATES = ("repeat_rate", "ttp_on_time_rate", "l5_share", "action_completion_rate")


def _change(row: Any) -> Cell:
    kind: Kind = row["kind"]
    return change(row["this_month"], row["previous_month"], kind, bool(row["higher_is_better"]))


def headline_section(ctx: Context) -> Section:
    previous = ctx.period.previous
    rows: list[tuple[CellValue, ...]] = []
    for label, measure in HEADLINE:
        row = ctx.measure(measure)
        kind: Kind = row["kind"]
        rows.append(
            (
                label.replace("72 h", f"{ctx.base.ttp_hours} h"),
                shown(row["this_month"], kind),
                shown(row["previous_month"], kind),
                _change(row),
                shown(row["three_month_average"], kind),
            )
        )
    label_of = {
        measure: label.replace("72 h", f"{ctx.base.ttp_hours} h") for label, measure in HEADLINE
    }
    small = [label_of.get(name, name) for name in ctx.now["small_samples"]]  # by its row's name
    today = ctx.db.today()
    unfinished = (  # said in the file too: a warning on stderr is lost under cron or in a mail
        [
            para(
                f"{ctx.period.name} is not over: this report was written on {today} and counts "
                f"it as of {ctx.period.as_of}, so its later days, and overdue and pending late "
                "at that day, are not known yet."
            )
        ]
        if ctx.period.as_of > today
        else []
    )
    blocks: list[Block] = [
        *unfinished,
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
            "month. A change for the worse is marked (red; bold in Markdown)."
            + (f" Small samples this month (under 5): {'; '.join(small)}." if small else "")
        ),
    ]
    trend = metrics.monthly_trend(ctx.db, ctx.period.first, ctx.base, months=TREND_MONTHS)
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
                "Each month's incidents as of the first day of the next month; hollow points: "
                "fewer than 5 incidents, postmortems or fixes behind the rate."
            )
        )
    return Section("Headline numbers", "headline", tuple(blocks))


def figures(ctx: Context) -> Figures:
    """The cards at the top: five rates of the month against the previous month, and the
    overdue backlog over every incident."""
    month_name = ctx.period.previous.first.strftime("%B")

    def card(label: str, measure: str, value: str) -> Figure:
        row = ctx.measure(measure)
        delta = _change(row)
        before = row["previous_month"]
        before_text = pct(before) if row["kind"] == "rate" else num(before)
        return Figure(label, value, f"{delta.text} vs {month_name} ({before_text})", delta.tone)

    def this(measure: str) -> Any:
        return ctx.measure(measure)["this_month"]

    backlog = this("actions.overdue_all")
    return Figures(
        (
            card("Incidents", "postmortems", num(this("postmortems"))),
            card(
                "Repeat rate",
                "repeat_rate",
                f"{pct(this('repeat_rate'))} ({num(this('repeats'))})",
            ),
            card(
                f"Postmortems within {ctx.base.ttp_hours} h",
                "ttp.on_time_rate",
                pct(this("ttp.on_time_rate")),
            ),
            card("L5 share of fixes", "l5_share", pct(this("l5_share"))),
            card(
                "Action completion", "actions.completion_rate", pct(this("actions.completion_rate"))
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
    incidents = ctx.measure("postmortems")
    rows.append((Cell("All"), num(incidents["this_month"]), num(incidents["previous_month"])))
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
