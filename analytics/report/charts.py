"""Chart builders for the monthly report and the notebooks: pure functions returning Altair
charts from frames the metrics layer returned. No numbers are computed here, only drawn."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from altair.utils import sanitize_pandas_dataframe

from analytics.display import rate_names
from analytics.palette import (
    ACCENT,
    BAD,
    INK,
    LEVEL_COLORS,
    LEVEL_ORDER,
    SEVERITY_COLORS,
    SEVERITY_ORDER,
)

__all__ = [
    "LABELS",
    "fix_levels_chart",
    "incidents_by_month_chart",
    "monthly_rates_chart",
    "pattern_timeline_chart",
    "ttp_bands_chart",
    "ttp_chart",
]

LABELS: dict[str, str] = {
    "month": "Month",
    "incidents": "Incidents",
    "severity": "Severity",
    "rate": "Rate",
    "metric": "Metric",
    "level": "Fix level",
    "count": "Fixes",
    "hours": "Hours from resolution to postmortem",
    "id": "Postmortem",
    "started": "Incident start",
    "pattern": "Pattern",
}

WIDTH = 640


def _base(frame: pd.DataFrame) -> alt.Chart:
    return alt.Chart(frame).properties(width=WIDTH)


def incidents_by_month_chart(
    frame: pd.DataFrame, highlight: str | None = None
) -> alt.TopLevelMixin:
    """Stacked bars: incidents per month by severity (frame of `incidents_by_month`)."""
    chart = (
        _base(frame)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=LABELS["month"], axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(incidents):Q", title=LABELS["incidents"], axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "severity:N",
                title=LABELS["severity"],
                scale=alt.Scale(domain=SEVERITY_ORDER, range=SEVERITY_COLORS),
                sort=SEVERITY_ORDER,
            ),
            order=alt.Order("severity:N", sort="ascending"),
        )
        .properties(height=180)
    )
    if highlight:
        mark = pd.DataFrame({"month": [highlight], "label": ["this month"]})
        label = (
            alt.Chart(mark)
            .mark_text(dy=-6, fontSize=10, color=INK, baseline="bottom")
            .encode(x=alt.X("month:O"), y=alt.value(0), text="label:N")
        )
        return alt.layer(chart, label)
    return chart


def monthly_rates_chart(
    frame: pd.DataFrame, metrics: tuple[str, ...] | None, ttp_hours: int
) -> alt.FacetChart:
    """One small line chart per headline rate over the months (frame of `monthly_rates`),
    named as the review's cards name them (`ttp_hours`: the postmortem deadline).

    Months whose denominator is under 5 are drawn hollow: small samples swing.
    """
    names = rate_names(ttp_hours)
    data = frame if metrics is None else frame[frame["metric"].isin(metrics)]
    data = data.assign(label=data["metric"].map(lambda m: names.get(m, m)))
    order = [names.get(m, m) for m in (metrics or data["metric"].drop_duplicates())]
    base = alt.Chart(data).encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y(
            "rate:Q",
            title=None,
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%", tickCount=3),
        ),
    )
    line = base.mark_line(color=ACCENT)
    points = base.mark_point(color=ACCENT, size=30).encode(
        fill=alt.condition(alt.datum.small_sample, alt.value("white"), alt.value(ACCENT))
    )
    return (
        alt.layer(line, points)
        .properties(width=280, height=110)
        .facet(facet=alt.Facet("label:N", title=None, sort=order), columns=2)
        # each panel its own percent labels: the right-hand ones had none (the scale is
        # the same 0-100% in all)
        .resolve_axis(y="independent")
    )


def fix_levels_chart(frame: pd.DataFrame) -> alt.Chart:
    """Horizontal bars: fixes per level, coloured as the dashboard colours levels, L5 in
    vermillion (frame of `fix_levels`)."""
    return (
        _base(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "level:N", title=LABELS["level"], sort=LEVEL_ORDER, axis=alt.Axis(labelExpr=WORDS)
            ),
            # no_fix counts postmortems, the other bars fixes
            x=alt.X("count:Q", title="Fixes (no fix: postmortems)", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "level:N", scale=alt.Scale(domain=LEVEL_ORDER, range=LEVEL_COLORS), legend=None
            ),
        )
        .properties(height=150)
    )


def ttp_chart(frame: pd.DataFrame, target_hours: int) -> alt.TopLevelMixin:
    """One bar per written postmortem: hours to postmortem, late ones red, the target as a
    rule (frame of `time_to_postmortem`, rows with hours). A postmortem without a resolved
    time is counted from its start, and its bar is named so ("PM-18 (from start)")."""
    data = frame[frame["hours"].notna()]
    data = pd.DataFrame(
        {
            "id": data["id"].astype(str)
            + data["approximate"].map({True: " (from start)"}).fillna(""),
            "hours": data["hours"],
            "late": data["late"],
        }
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("id:N", title=None, sort="-x"),
            x=alt.X("hours:Q", title=LABELS["hours"]),
            color=alt.condition(alt.datum.late, alt.value(BAD), alt.value(ACCENT)),
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"hours": [target_hours]}))
        .mark_rule(strokeDash=[4, 3], color=INK)
        .encode(x="hours:Q")
    )
    height = max(60, 16 * len(data))
    return alt.layer(bars, rule).properties(width=WIDTH - 120, height=height)


def ttp_bands_chart(frame: pd.DataFrame, target_hours: int) -> alt.TopLevelMixin:
    """ttp_chart for a month of many postmortems: written postmortems per band of hours to
    postmortem (log scale), late bands red, the target as a rule (frame of `ttp_bands`)."""
    bars = (
        alt.Chart(frame)
        .mark_bar(stroke="white", strokeWidth=0.5, clip=True)  # hours under 1 count as 1
        .encode(
            x=alt.X(
                "from_hours:Q",
                title=LABELS["hours"],
                scale=alt.Scale(type="log", domainMin=1, nice=False),
            ),
            x2=alt.X2("to_hours:Q"),
            y=alt.Y("sum(postmortems):Q", title="Postmortems", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(  # a field, not a condition: the bars are aggregates
                "on_time:N",
                scale=alt.Scale(domain=[True, False], range=[ACCENT, BAD]),
                legend=None,
            ),
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"hours": [target_hours]}))
        .mark_rule(strokeDash=[4, 3], color=INK)
        .encode(x="hours:Q")
    )
    return alt.layer(bars, rule).properties(width=WIDTH - 120, height=220)


WORDS = "replace(datum.label, '_', ' ')"  # no_fix: "no fix", as the dashboard writes it
POINT_SIZE = 80  # a time line's circles, in square pixels
POINT_PADDING = 10  # pixels at each end of a time line's axis: more than a circle's radius


def pattern_timeline_chart(members: pd.DataFrame, top: int = 12) -> alt.Chart:
    """Each pattern's incidents on a time line: columns pattern, id, started (and optionally
    `fix_level` to colour the points). Only the `top` patterns with the most incidents (then
    by name): a large archive has hundreds. Every point of those is drawn, however many (a
    time line of each pattern's incidents is the point; altair's 5,000-row guard is for
    accidents, and a busy archive's top patterns pass it)."""
    color: Any = alt.value(ACCENT)
    if "fix_level" in members.columns:
        color = alt.Color(
            "fix_level:N",
            title=LABELS["level"],
            scale=alt.Scale(
                domain=LEVEL_ORDER,
                range=LEVEL_COLORS,
            ),
            legend=alt.Legend(labelExpr=WORDS),
        )
    sizes = members.groupby("pattern").size().reset_index(name="n")
    shown = sizes.sort_values(["n", "pattern"], ascending=[False, True])["pattern"].head(top)
    drawn = members[members["pattern"].isin(shown)]
    columns = [c for c in ("pattern", "id", "started", "fix_level") if c in drawn.columns]
    values = [
        {str(key): value for key, value in row.items()}
        for row in sanitize_pandas_dataframe(drawn[columns]).to_dict(orient="records")
    ]
    rows = len(shown)
    return (
        alt.Chart(alt.InlineData(values=values))
        .mark_circle(size=POINT_SIZE, opacity=0.85)
        .encode(
            x=alt.X(
                "started:T",
                title=LABELS["started"],
                axis=alt.Axis(format="%Y-%m-%d"),
                scale=alt.Scale(padding=POINT_PADDING),  # the first and last points whole
            ),
            y=alt.Y("pattern:N", title=None, sort=list(shown)),
            color=color,
        )
        .properties(width=WIDTH - 160, height=max(40, 28 * rows))
    )
