"""Chart builders: pure functions from a metrics DataFrame to an `alt.Chart`.

They lay out numbers the metrics layer computed; none counts or divides. Axis and legend
titles come from LABELS, so a word means the same on every page.
"""

from __future__ import annotations

import math
import zlib

import altair as alt
import pandas as pd

from analytics import display, palette
from analytics.palette import (
    LEVEL_COLORS,
    LEVEL_ORDER,
    OUTCOME_COLORS,
    OUTCOME_ORDER,
    SEVERITY_COLORS,
    SEVERITY_ORDER,
)

LABELS: dict[str, str] = {
    "month": "Month (incident start)",
    "incidents": "Incidents",
    "repeats": "Repeats",
    "severity": "Severity",
    "service": "Service",
    "category": "Primary category",
    "repeat_rate": "Repeat rate",
    "rate": "Rate",
    "metric": "Measure",
    "level": "Fix level",
    "fix_level": "Fix level",
    "chain_level": "Chain level (incident)",
    "count": "Fixes",
    "hours": "Time from resolution to postmortem (log scale)",
    "on_time_rate": "On time (≤ target)",
    "completion_rate": "Completion rate",
    "key": "Group",
    "open": "Open",
    "overdue": "Overdue",
    "bucket": "Age of open item (since postmortem)",
    "started": "Incident started",
    "outcome": "Fix outcome",
    "small_sample": "Small sample (n < 5)",
    "code": "Problem code",
    "problems": "Problems",
    "items": "Fixes and actions",
}

# Services a chart with a row per service shows at most (a large archive has hundreds: a
# chart thousands of pixels tall, slow to draw and to read). rate_bars shows as many.
SERVICES_SHOWN = 30


# Longest label, in pixels, of an axis that names things (services, categories, owners):
# Streamlit's theme cuts axis labels at 100 px ("deployment-pipe…"); this fits ~30 characters.
NAME_LABEL_LIMIT = 220

# Ticks of an hours axis (log scale), from 1 h to a year; labels as ui.hours writes them.
# a count's axis: whole numbers only (a scale of 0-2 drew ticks at 0.5 and 1.5, review R9)
_COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d")  # 1,000 as Vega writes it
WORDS = "replace(datum.label, '_', ' ')"  # a legend's not_done, no_fix: "not done", "no fix"
# drawn over a chart on either theme: the black of a rule, an outline or a legend's shapes
# vanished on the dark theme's background, a projector's (R25)
ON_ANY = "#787b80"  # 4.3:1 on white and on the dark theme's background: its label too (D15)
# every bar's and dot's edge: the severities' darkest red was a hole in the dark theme
# (1.4:1 on its background), a light blue, a pink or an orange 1.4-2.9:1 on white, and
# under deuteranopia the stacked levels L1 and unleveled, or SEV2 and SEV3, one colour with
# no line between them (R27). A thin line of ON_ANY: 3:1 or more on either theme
EDGE = 0.75
_EDGED: dict[str, object] = {"stroke": ON_ANY, "strokeWidth": EDGE}
# (a mark faded by `opacity` fades its edge too, under 3:1: fade its fill, D16)


def _edge_unless_zero(field: str) -> alt.StrokeOpacityValue:
    """No edge on a bar of 0: a grey line at the axis read as "a few" (D16)."""
    return alt.StrokeOpacityValue(
        **alt.condition(f"datum['{field}'] == 0", alt.value(0), alt.value(1))
    )


# a count's cells, light to a middle grey: the greys scheme's black cells, the largest,
# were holes in the dark theme (R25); grey: no severity's, level's or outcome's colour
# (oranges read as L5's vermillion in the level grid, R13)
_CELL_RANGE = ["#ececec", "#62666b"]  # the darkest 3:1 on the dark background (D15)
# monthly_trend's rates, a middle blue and an orange that show on either theme
_RATE_COLORS = {
    "repeat_rate": "#4a8bc4",
    "ttp_on_time_rate": "#4a8bc4",
    "l5_share": "#4a8bc4",
    "action_completion_rate": "#4a8bc4",
    "action_on_time_rate": "#e69f00",
}
HOUR_TICKS = [1, 3, 6, 12, 24, 48, 72, 168, 336, 720, 1440, 2160, 4320, 8760]
HOURS_LABEL = "datum.value < 96 ? datum.value + ' h' : round(datum.value / 24) + ' d'"


def _label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " ").capitalize())


def _names_axis(**kwargs: object) -> alt.Axis:
    """An axis of names, each shown whole up to NAME_LABEL_LIMIT pixels, a level's or an
    outcome's in words (`no_fix` as "no fix", R25; names hold no `_`: normalised)."""
    return alt.Axis(labelLimit=NAME_LABEL_LIMIT, labelExpr=WORDS, **kwargs)


def _near(tick: float, target: float) -> bool:
    """A tick within a factor 1.45 of the target (72 h of 48 h is not: both are labelled)."""
    return tick != target and target / 1.45 < tick < target * 1.45


def _hours_x(field: str, hours: pd.Series, target_hours: int) -> alt.X:
    """A log-scale hours axis from 1 h to the first of HOUR_TICKS that holds the `hours` and
    the target, labelled at each tick (Vega's own log ticks leave most unlabelled)."""
    highest = hours.max()  # NaN when there are none
    top = max(float(target_hours), 1.0, *([float(highest)] if pd.notna(highest) else []))
    upper = next((tick for tick in HOUR_TICKS if tick >= top), top)
    # the target a tick of its own (postmortems.toml's 36 h had none), its near neighbours
    # left out so that the labels do not run together
    # (the axis's end kept), and labelled in hours as the cards say it: 100 h read "4 d"
    ticks = sorted(
        {t for t in HOUR_TICKS if t == upper or (t < upper and not _near(t, target_hours))}
        | {target_hours}
    )
    label = f"datum.value == {int(target_hours)} ? '{int(target_hours)} h' : ({HOURS_LABEL})"
    return alt.X(
        field,
        title=_label("hours"),
        scale=alt.Scale(type="log", domain=[1, upper], nice=False),
        # greedy: on a narrow chart a label that would touch the one before is left out
        # (at 1,000 px "48 h72 h" and "30 d60 d" ran together); the target keeps its line
        axis=alt.Axis(values=ticks, labelExpr=label, labelOverlap="greedy"),
    )


# Every channel below is built as its altair class (alt.X, alt.Tooltip, alt.OpacityValue):
# given as text ("hours:Q") or a dict (alt.value, alt.condition), altair looks the class up
# through its schema, 2-5 ms a channel (a page's charts: tens of ms).


def _tooltips(*fields: str | alt.Tooltip) -> list[alt.Tooltip]:
    """A tooltip per field name (or alt.Tooltip as given)."""
    return [field if isinstance(field, alt.Tooltip) else alt.Tooltip(field) for field in fields]


def incidents_by_month(frame: pd.DataFrame, highlight: str | None = None) -> alt.Chart:
    """Stacked bars: incidents per month by severity (incidents_by_month)."""
    base = alt.Chart(frame).encode(
        x=alt.X("month:O", title=_label("month"), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("incidents:Q", title=_label("incidents"), stack="zero", axis=_COUNT_AXIS),
        color=alt.Color(
            "severity:N",
            title=_label("severity"),
            sort=SEVERITY_ORDER,
            scale=alt.Scale(domain=SEVERITY_ORDER, range=SEVERITY_COLORS),
        ),
        order=alt.Order("severity:N", sort="ascending"),
        tooltip=_tooltips("month", "severity", "incidents"),
        strokeOpacity=_edge_unless_zero("incidents"),
    )
    if highlight is None:
        return base.mark_bar(**_EDGED)
    # the month outlined, every month in full colour: faded, SEV4 read as the legend's SEV5
    # and SEV2 as SEV3 on a projector (review R13)
    return base.mark_bar(**_EDGED).encode(
        strokeWidth=alt.StrokeWidthValue(
            **alt.condition(alt.datum.month == highlight, alt.value(3), alt.value(EDGE))
        )
    )


def rate_trend(
    frame: pd.DataFrame, rate: str = "rate", n: str = "denominator", ttp_hours: int = 72
) -> alt.Chart:
    """Lines of rates per month (monthly_rates long form: metric, month, rate, numerator,
    denominator, small_sample); hollow points mark small samples. `ttp_hours`: the
    postmortem deadline, in the name of its rate."""
    names = display.rate_names(ttp_hours)
    data = frame.assign(measure=frame["metric"].map(names).fillna(frame["metric"]))
    # the rates drawn alone, in the legend too; one not named in its raw name, in ON_ANY
    # (left out of the domain, it was not drawn, D15)
    shown = list(dict.fromkeys(data["measure"]))
    key_of = {name: key for key, name in names.items()}
    x = alt.X("month:O", title=_label("month"), axis=alt.Axis(labelAngle=-45))
    y = alt.Y(
        f"{rate}:Q",
        title=_label("rate"),
        axis=alt.Axis(format=".0%"),
        scale=alt.Scale(domain=[0, 1]),
    )
    # one measure: no legend (the caption names it); more: below, not beside a half-width
    # chart (at 1,000 px the legend took its width and the months stacked)
    color = alt.Color(
        "measure:N",
        title=_label("metric"),
        # each rate one colour on either theme: the theme's own palette swapped the two
        # lines between light and dark (R25)
        scale=alt.Scale(
            domain=shown, range=[_RATE_COLORS.get(key_of.get(m, ""), ON_ANY) for m in shown]
        ),
        legend=None if data["measure"].nunique() <= 1 else alt.Legend(orient="bottom"),
    )
    tooltip = _tooltips(
        "month",
        "measure",
        alt.Tooltip(f"{rate}:Q", format=".0%"),
        "numerator",
        n,
        "small_sample",
    )
    line = alt.Chart(data).mark_line().encode(x=x, y=y, color=color)
    points = (
        alt.Chart(data)
        .mark_point(size=45, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=color,
            fill=alt.condition(alt.datum.small_sample, alt.value("white"), color),
            tooltip=tooltip,
        )
    )
    return alt.layer(line, points).properties(height=300)


def rate_bars(
    frame: pd.DataFrame, key: str, rate: str, n: str, order: list[str] | None = None
) -> alt.LayerChart:
    """Horizontal bars of one rate per group, the SERVICES_SHOWN highest first, or in
    `order` (severities: SEV1 above SEV2, as every other severity chart); small samples
    faded. Each bar says its rate at its end, as the cards write it (display.pct): on a
    projector the bars' lengths against a 0-100% axis were read to the nearest 20% (R25)."""
    data = frame.dropna(subset=[rate]).sort_values([rate, n], ascending=False)
    data = data.head(SERVICES_SHOWN).assign(shown=lambda f: f[rate].map(display.pct))
    faded = alt.FillOpacityValue(
        **alt.condition(alt.datum.small_sample, alt.value(0.35), alt.value(1.0))
    )
    bars = (
        alt.Chart()
        .mark_bar(**_EDGED)
        .encode(fillOpacity=faded, strokeOpacity=_edge_unless_zero(rate))
    )
    # beside the bar, on the page: in ON_ANY, as Vega's black text vanished on the dark theme
    values = (
        alt.Chart()
        .mark_text(align="left", dx=4, color=ON_ANY, fontWeight="bold")
        .encode(text=alt.Text("shown:N"))
    )
    return (
        alt.layer(bars, values, data=data)
        .encode(
            y=alt.Y(f"{key}:N", title=_label(key), sort=order or "-x", axis=_names_axis()),
            x=alt.X(
                f"{rate}:Q",
                title=_label(rate),
                axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=_tooltips(key, alt.Tooltip("shown:N", title=_label(rate)), n, "small_sample"),
        )
        .properties(height=alt.Step(22))
    )


def heatmap(
    frame: pd.DataFrame,
    row: str,
    column: str,
    value: str,
    text: str,
    order: list[str] | None = None,
    rows: list[str] | None = None,
) -> alt.Chart:
    """A grid of counts: colour by `value`, the cell labelled with `text`; `order` sorts
    both axes (e.g. LEVEL_ORDER), else alphabetical; `rows`, given, the rows alone (the
    services by their repeats, the most first: alphabetical hid the worst among 30, R17)."""
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{column}:N",
            title=_label(column),
            # every column named, above the grid: at 30 services its labels were two screens
            # below its top row (R25)
            axis=_names_axis(labelAngle=-40, labelOverlap=False, orient="top"),
            sort=order or "ascending",
        ),
        y=alt.Y(
            f"{row}:N",
            title=_label(row),
            sort=rows if rows is not None else [*order, "none"] if order else "ascending",
            axis=_names_axis(),
        ),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            title=_label(value),
            scale=alt.Scale(range=_CELL_RANGE),
            legend=alt.Legend(format="d", tickMinStep=1),  # counts: no 0.5 ticks
        ),
        tooltip=_tooltips(row, column, value, text),
    )
    # read on a projector: larger labels, white on the dark cells (black on dark brown
    # could not be read, R13)
    # where the cell's grey passes the middle: the colour scale runs from the smallest count
    # to the largest (0.65 of the largest put white on light cells of counts from 1, D15)
    low, high = (float(frame[value].min()), float(frame[value].max())) if len(frame) else (0, 0)
    dark = low + 0.7 * (high - low)
    labels = base.mark_text(fontSize=13).encode(
        text=alt.Text(f"{text}:N"),
        color=alt.ColorValue(
            **alt.condition(
                f"datum['{value}'] > {dark}", alt.value("white"), alt.value(palette.INK)
            )
        ),
    )
    return alt.layer(cells, labels).properties(height=alt.Step(30))


def level_counts(frame: pd.DataFrame, x: str = "level", y: str = "count") -> alt.Chart:
    """Bars of fixes per level (fix_levels)."""
    return (
        alt.Chart(frame)
        .mark_bar(**_EDGED)
        .encode(
            x=alt.X(f"{x}:N", title=_label(x), sort=LEVEL_ORDER, axis=alt.Axis(labelExpr=WORDS)),
            # the no_fix bar counts postmortems, the others fixes (the caption says so; a
            # longer title was cut on the chart's 260 px)
            y=alt.Y(f"{y}:Q", title="Count", axis=_COUNT_AXIS),
            color=alt.Color(
                f"{x}:N",
                scale=alt.Scale(domain=LEVEL_ORDER, range=LEVEL_COLORS),
                legend=None,
            ),
            tooltip=_tooltips(x, y),
            strokeOpacity=_edge_unless_zero(y),
        )
        .properties(height=260)
    )


def levels_by_month(frame: pd.DataFrame) -> alt.Chart:
    """Stacked bars: fixes per month by level (columns month, level, count)."""
    return (
        alt.Chart(frame)
        .mark_bar(**_EDGED)
        .encode(
            x=alt.X("month:O", title=_label("month"), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("count:Q", title=_label("count"), stack="zero", axis=_COUNT_AXIS),
            color=alt.Color(
                "level:N",
                title=_label("level"),
                sort=LEVEL_ORDER,
                scale=alt.Scale(domain=LEVEL_ORDER, range=LEVEL_COLORS),
                legend=alt.Legend(labelExpr=WORDS),
            ),
            order=alt.Order("level_order:Q"),
            tooltip=_tooltips("month", "level", "count"),
            strokeOpacity=_edge_unless_zero("count"),
        )
        .transform_calculate(level_order=f"indexof({LEVEL_ORDER!r}, datum.level)")
        .properties(height=300)
    )


def _target_line(target_hours: int) -> alt.Chart:
    """The time-to-postmortem target as a dashed vertical line at `target_hours`."""
    return (
        alt.Chart(pd.DataFrame({"hours": [float(target_hours)]}))
        .mark_rule(color=ON_ANY, strokeDash=[6, 4])
        .encode(x=alt.X("hours:Q"))
    )


def ttp_strip(frame: pd.DataFrame, target_hours: int) -> alt.Chart:
    """Every written postmortem as a dot: hours to postmortem per severity, with the target
    as a vertical line (time_to_postmortem rows with ttp_state 'written')."""
    data = frame.assign(
        severity=frame["severity"].fillna("unknown"),
        hours=frame["hours"].clip(lower=1.0),  # the log scale's floor
        hours_shown=frame["hours"].map(display.hours),  # as every surface writes it
        on_time=frame["on_time"].map({True: "on time", False: "late"}),
        # a dot's place in its row from its id: Vega's random() moved every dot on each
        # load, so a screenshot was not the view the room saw (review R13)
        jitter=[zlib.crc32(str(pm_id).encode()) / 2**32 for pm_id in frame["id"]],
    )
    x = _hours_x("hours:Q", data["hours"], target_hours)
    dots = (
        alt.Chart(data)
        .mark_circle(size=40, fillOpacity=0.65, **_EDGED)
        .encode(
            x=x,
            # a gap between the rows, so that a dot reads as its row's
            y=alt.Y(
                "severity:N",
                title=_label("severity"),
                sort=SEVERITY_ORDER,
                scale=alt.Scale(paddingInner=0.35),
            ),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "on_time:N",
                title="Postmortem",
                scale=alt.Scale(domain=["on time", "late"], range=[palette.ACCENT, palette.BAD]),
            ),
            tooltip=_tooltips(
                "id",
                "title",
                "severity",
                alt.Tooltip("hours_shown:N", title="hours to postmortem"),
                "on_time",
            ),
        )
    )
    target = _target_line(target_hours)
    label = (
        alt.Chart(pd.DataFrame({"hours": [float(target_hours)], "text": [f"{target_hours} h"]}))
        .mark_text(align="left", dx=4, dy=-6, fontWeight="bold", color=ON_ANY)
        .encode(x=alt.X("hours:Q"), y=alt.YValue(0), text=alt.Text("text:N"))
    )
    rows = max(1, data["severity"].nunique())
    return alt.layer(dots, target, label).properties(height=60 * rows + 40)


# Past this many written postmortems the page draws ttp_bands instead of ttp_strip: each
# dot is a row sent to the browser (100k: 30 MB, and ten seconds before the page shows).
STRIP_DOTS = 2000


def ttp_bands(frame: pd.DataFrame, target_hours: int) -> alt.LayerChart:
    """ttp_strip for many postmortems: per severity, a cell per band of hours to postmortem,
    darker for more postmortems, with the target as a vertical line (`ttp_bands` rows)."""
    data = frame.assign(on_time=frame["on_time"].map({True: "on time", False: "late"}))
    cells = (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=0.5, clip=True)  # hours under 1 count as 1
        .encode(
            x=_hours_x("from_hours:Q", data["to_hours"], target_hours),
            x2=alt.X2("to_hours:Q"),
            y=alt.Y("severity:N", title=_label("severity"), sort=SEVERITY_ORDER),
            color=alt.Color(
                "postmortems:Q", title="Postmortems", scale=alt.Scale(scheme="blues", type="sqrt")
            ),
            tooltip=_tooltips(
                "severity",
                alt.Tooltip("from_hours:Q", title="more than (hours)", format=".1f"),
                alt.Tooltip("to_hours:Q", title="up to (hours)", format=".1f"),
                "postmortems",
                "on_time",
            ),
        )
    )
    target = _target_line(target_hours)
    rows = max(1, data["severity"].nunique())
    return alt.layer(cells, target).properties(height=40 * rows + 40)


def group_bars(
    frame: pd.DataFrame, key: str, values: list[str], top: int = 25, title: str | None = None
) -> alt.Chart:
    """Grouped horizontal bars of a few counts per group (e.g. open and overdue per owner);
    `title`: the groups' axis title (default: the key's label). The legend sits below: at
    1,000 px, beside half-width bars, it left them a few pixels."""
    data = frame.head(top).melt(id_vars=[key], value_vars=values, var_name="measure")
    data["measure"] = data["measure"].map(_label)
    names = [_label(value) for value in values]
    # open and overdue as the aging chart beside it draws them (overdue was blue here)
    scale = (
        alt.Scale(domain=names, range=[MEASURE_COLORS[name] for name in names])
        if all(name in MEASURE_COLORS for name in names)
        else alt.Undefined
    )
    return (
        alt.Chart(data)
        .mark_bar(**_EDGED)
        .encode(
            y=alt.Y(
                f"{key}:N",
                title=title or _label(key),
                sort=list(frame.head(top)[key]),
                axis=_names_axis(),
            ),
            x=alt.X("value:Q", title=_label("items"), axis=_COUNT_AXIS),
            yOffset=alt.YOffset("measure:N"),
            color=alt.Color(
                "measure:N", title=None, scale=scale, legend=alt.Legend(orient="bottom")
            ),
            tooltip=_tooltips(key, "measure", "value"),
            strokeOpacity=_edge_unless_zero("value"),
        )
        .properties(height=alt.Step(30))
    )


MEASURE_COLORS = {"Open": palette.NEUTRAL, "Overdue": palette.BAD}  # wherever they are drawn


def aging(frame: pd.DataFrame) -> alt.Chart:
    """Open items per age bucket, overdue ones shown inside (action_aging)."""
    data = frame.melt(id_vars=["bucket"], value_vars=["open", "overdue"], var_name="measure")
    data["measure"] = data["measure"].map(_label)
    return (
        alt.Chart(data)
        .mark_bar(**_EDGED)
        .encode(
            # four short names, level: turned on their side, a narrow chart cut them
            # ("0-7 da", at 200% zoom, R27)
            x=alt.X(
                "bucket:N",
                title=_label("bucket"),
                sort=list(frame["bucket"]),
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("value:Q", title=_label("items"), axis=_COUNT_AXIS),
            xOffset=alt.XOffset("measure:N"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=["Open", "Overdue"],
                    range=[MEASURE_COLORS["Open"], MEASURE_COLORS["Overdue"]],
                ),
            ),
            tooltip=_tooltips("bucket", "measure", "value"),
            strokeOpacity=_edge_unless_zero("value"),
        )
        .properties(height=260)
    )


def top_services(frame: pd.DataFrame, by: str) -> pd.Series:
    """The SERVICES_SHOWN services of a per-service metric (repeat_rate_by_service) with the
    highest `by`, then most incidents, then by name."""
    ranked = frame.sort_values([by, "incidents", "service"], ascending=[False, False, True])
    return ranked["service"].head(SERVICES_SHOWN).reset_index(drop=True)


def services_note(
    shown: int, services: int, most: str, *, newest: int | None = None, of: int | None = None
) -> str:
    """A caption's note of what a chart leaves out: only the `shown` services (of `services`)
    with the most `most`; only the `newest` of the `of` incidents on them."""
    noun = "service" if shown == 1 else "services"
    note = f"; the {shown} {noun} with the most {most}, of {services:,}" if shown < services else ""
    if newest is not None and of is not None and newest < of:
        note += (
            f", and the newest {newest:,} of their incidents"
            if note
            else f", the newest {newest:,}"
        )
    return note


# Incidents the Recurrence page draws on its time line, the newest: a dot per incident and
# service is a row sent to the browser.
TIMELINE_INCIDENTS = 1000


# A shape per fix level, whatever levels a filtered view holds (an L5 was a circle when
# only L5s were in view, and L1 the circle otherwise).
LEVEL_SHAPES = [
    "circle", "square", "diamond", "triangle-up", "cross", "triangle-down", "triangle-right"
]  # fmt: skip
# The two legends (outcomes, levels: 7 entries each) need this much height; a chart of
# one or two services cut them off, and at 380 px the last level ("no fix", R13).
LEGENDS_HEIGHT = 440


def time_format(started: pd.Series) -> str:
    """Labels of a time axis: with the year, and the day when the span is short (Vega's own
    labels said "November March July" for two years, no year at all)."""
    return "%b %Y" if _span(started) >= pd.Timedelta(days=120) else "%-d %b %Y"


def time_ticks(started: pd.Series) -> dict[str, object] | None:
    """Ticks of a month-labelled axis on month starts, every 1, 3, 6 or 12 months as the span
    grows (ticks every two weeks labelled by month read "Aug 2025, Aug 2025"); of a
    day-labelled one (a short span) on day starts, at most about eight (Vega-Lite's own
    ticks every 12 hours read "1 Oct 2026, 1 Oct 2026", R13). None within a day, where no
    day starts inside the axis and day ticks would leave it without a date: Vega-Lite's
    own ticks then."""
    span = _span(started)
    if span < pd.Timedelta(days=2):
        return None
    if span < pd.Timedelta(days=120):
        return {"interval": "day", "step": max(1, math.ceil(span.days / 8))}
    months = span.days / 30.4
    step = next((n for n, most in ((1, 12), (3, 36), (6, 72)) if months <= most), 12)
    return {"interval": "month", "step": step}


def _span(started: pd.Series) -> pd.Timedelta:
    return started.max() - started.min() if len(started) else pd.Timedelta(0)


def incident_timeline(frame: pd.DataFrame) -> alt.Chart:
    """Incidents on a time line per service, coloured by what became of their fix
    (columns started, service, id, title, level, outcome)."""
    rows = max(frame["service"].nunique(), 1)
    return (
        alt.Chart(frame)
        .mark_point(size=140, filled=True, fillOpacity=0.9, **_EDGED)
        .encode(
            x=alt.X(
                "started:T",
                title=_label("started"),
                axis=alt.Axis(
                    format=time_format(frame["started"]),
                    tickCount=time_ticks(frame["started"]) or alt.Undefined,
                    labelOverlap=True,
                ),
                scale=alt.Scale(padding=10),  # the first and last points whole, off the edges
            ),
            y=alt.Y("service:N", title=_label("service"), axis=_names_axis()),
            color=alt.Color(
                "outcome:N",
                title=_label("outcome"),
                scale=alt.Scale(domain=OUTCOME_ORDER, range=OUTCOME_COLORS),
                legend=alt.Legend(labelExpr=WORDS),
            ),
            shape=alt.Shape(
                "level:N",
                title=_label("level"),
                scale=alt.Scale(domain=LEVEL_ORDER, range=LEVEL_SHAPES),
                legend=alt.Legend(
                    labelExpr=WORDS, symbolFillColor=ON_ANY, symbolStrokeColor=ON_ANY
                ),
            ),
            # the outcome and level in words, as the legends say them (not_done, R17)
            tooltip=_tooltips(
                "id",
                "title",
                "started:T",
                "service",
                alt.Tooltip("level_said:N", title=_label("level")),
                alt.Tooltip("outcome_said:N", title=_label("outcome")),
                "fix",
            ),
        )
        .transform_calculate(
            level_said="replace(datum.level, '_', ' ')",
            outcome_said="replace(datum.outcome, '_', ' ')",
        )
        .properties(height=max(24 * rows, LEGENDS_HEIGHT))
    )
