"""Headline numbers against the months before, and incidents by severity."""

from __future__ import annotations

from typing import Any

from analytics import metrics, palette
from analytics.display import (
    MISSING,
    change_text,
    judged,
    rate_names,
    rate_with_fraction,
    rejected_note,
    shown,
)
from analytics.metrics.review import BACKLOG
from analytics.report import charts
from analytics.report.context import Context
from analytics.report.format import Kind, change, num
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


# The measures of monthly_review() in the headline table, in order; each row is named by
# its monthly_review() label, as the dashboard's comparison table names it.
HEADLINE: tuple[str, ...] = (
    "postmortems",
    "repeats",
    "repeat_rate",
    "recurred_while_open",
    "l5_share",
    "ttp.on_time_rate",
    "ttp.median_hours",
    "ttp.pending_late",
    "actions.completion_rate",
    "actions.on_time_rate",
    "actions.overdue",
    # the backlog over every incident at each month's end, with the month before, as the
    # dashboard's and the notebook's tables give it (review R11)
    BACKLOG,
)
TREND_RATES = ("repeat_rate", "ttp_on_time_rate", "l5_share", "action_completion_rate")


def _change(row: Any) -> Cell:
    kind: Kind = row["kind"]
    better = row["higher_is_better"]  # None for a measure that is neither
    return change(row["this_month"], row["previous_month"], kind, better)


def headline_section(ctx: Context) -> Section:
    previous = ctx.period.previous
    rows: list[tuple[CellValue, ...]] = []
    for measure in HEADLINE:
        row = ctx.measure(measure)
        kind: Kind = row["kind"]
        rows.append(
            (
                row["label"],
                shown(row["this_month"], kind),
                shown(row["previous_month"], kind),
                _change(row),
                shown(row["three_month_average"], kind),
            )
        )
    label_of = {measure: ctx.measure(measure)["label"] for measure in HEADLINE}
    small = [label_of.get(name, name) for name in ctx.now["small_samples"]]  # by its row's name
    unfinished = (  # said in the file too: a warning on stderr is lost under cron or in a mail
        [
            para(
                f"{ctx.period.name} is not over: this report counts it as of the day it was "
                "written, as the dashboard does. " + ctx.period.not_over
            )
        ]
        if ctx.period.in_progress
        else []
    )
    rejected = int(ctx.now["rejected"])
    left_out = (  # the footer said it, after every number had been read (review R12)
        [para(rejected_note(rejected, ctx.period.name, "“postmortems lint”"))] if rejected else []
    )
    blocks: list[Block] = [
        *unfinished,
        *left_out,
        figures(ctx),
        Table(
            ("Measure", ctx.period.name, previous.name, "Change", "3-month average"),
            tuple(rows),
            numeric=(1, 2, 3, 4),
        ),
        Note(
            f"{ctx.period.name}: incidents that started in the month, as of {ctx.period.as_of}; "
            f"{previous.name}: as of {previous.as_of}. 3-month average: the three months "
            "before, each as of its own end, as this month is; counts per month, rates and the "
            "median over the three months' incidents together (the overdue backlog, a stock "
            "at each month's end, has none). Fixes and actions count in "
            "their incident's "
            "month. A change says whether it is better or worse; worse in bold (and red in HTML)."
            + (f" Small samples this month (under 5): {'; '.join(small)}." if small else "")
        ),
    ]
    trend = metrics.monthly_trend(ctx.db, ctx.period.first, ctx.base, months=TREND_MONTHS)
    if not trend.empty:
        blocks.append(
            Chart(
                "trend",
                charts.monthly_rates_chart(trend, TREND_RATES, ctx.parameters.ttp_hours),
                f"Headline rates per month, the last {TREND_MONTHS} months",
            )
        )
        blocks.append(trend_table(trend, rate_names(ctx.parameters.ttp_hours)))
        blocks.append(
            Note(
                "Each month's incidents as of the first day of the next month; hollow points "
                "(⚠ in the table): fewer than 5 incidents, postmortems or fixes behind the rate."
            )
        )
    return Section("Headline numbers", "headline", tuple(blocks))


def trend_table(trend: Any, names: dict[str, str]) -> Table:
    """The trend chart's numbers, a month a row: the chart alone gave a reader of the
    Markdown, a screen reader or a printout no value to quote (R27)."""
    cells = {
        (row.month, row.metric): rate_with_fraction(
            row.rate, row.numerator, row.denominator, row.small_sample
        )
        for row in trend.itertuples(index=False)
    }
    months = sorted(set(trend["month"]))
    return Table(
        ("Month", *(names[rate] for rate in TREND_RATES)),
        tuple(
            (month, *(cells.get((month, rate), MISSING) for rate in TREND_RATES))
            for month in months
        ),
        numeric=tuple(range(1, len(TREND_RATES) + 1)),
        nowrap=(0,),
    )


def figures(ctx: Context) -> Figures:
    """The cards at the top (`metrics.card_labels`, as the dashboard shows them): the month
    against the previous month, and the overdue backlog over every incident."""
    month_name = ctx.period.previous.first.strftime("%B")

    def card(measure: str, label: str) -> Figure:
        row = ctx.measure(measure)
        value = shown(row["this_month"], row["kind"])
        if measure == "repeat_rate":
            value = f"{value} ({num(ctx.measure('repeats')['this_month'])})"
        delta = _change(row)  # its tone; its words in the card's order, the verdict last
        this, before, kind = row["this_month"], row["previous_month"], row["kind"]
        verdict = judged(this, before, kind, row["higher_is_better"])
        detail = f"{change_text(this, before, kind)} vs {month_name} ({shown(before, kind)})"
        detail += f", {verdict}" if verdict else ""
        if measure == BACKLOG:  # a stock at each month's end, as the dashboard's card says
            detail += f"; open past due on {ctx.period.as_of}"
        return Figure(label, value, detail, delta.tone)

    return Figures(
        tuple(
            card(measure, label) for measure, label in metrics.card_labels(ctx.parameters.ttp_hours)
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
        for severity in palette.SEVERITY_ORDER
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
