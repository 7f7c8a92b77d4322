"""A severity, a fix level and an outcome are drawn in one colour on every surface: the
report's and the notebooks' charts (analytics.report.charts) and the dashboard's."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics import display, palette
from analytics.report import charts as report_charts
from dashboards import charts as dashboard_charts


def scales(spec: Any) -> dict[tuple[Any, ...], list[str]]:
    """Every colour scale of a chart's spec: its domain -> its range."""
    found: dict[tuple[Any, ...], list[str]] = {}
    if isinstance(spec, dict):
        scale = spec.get("scale")
        if isinstance(scale, dict) and "domain" in scale and "range" in scale:
            found[tuple(scale["domain"])] = scale["range"]
        for value in spec.values():
            found.update(scales(value))
    elif isinstance(spec, list):
        for value in spec:
            found.update(scales(value))
    return found


def test_severities_are_coloured_alike() -> None:
    frame = pd.DataFrame(
        {"month": ["2026-09", "2026-10"], "severity": ["SEV1", "SEV2"], "incidents": [1, 2]}
    )
    report = scales(report_charts.incidents_by_month_chart(frame).to_dict())
    dashboard = scales(dashboard_charts.incidents_by_month(frame).to_dict())
    severities = tuple(palette.SEVERITY_ORDER)
    assert report[severities] == dashboard[severities] == palette.SEVERITY_COLORS


def test_every_two_severities_are_told_apart() -> None:
    """SEV4's and SEV5's light blues, and SEV5's beside the light grey of no severity,
    read as one colour on a projector (R13): every two at least 60 apart in RGB."""

    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    colours = [rgb(c) for c in palette.SEVERITY_COLORS]
    nearest = min(
        sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5
        for n, a in enumerate(colours)
        for b in colours[n + 1 :]
    )
    assert nearest >= 60, nearest


def test_fix_levels_are_coloured_alike() -> None:
    levels = pd.DataFrame({"level": palette.LEVEL_ORDER, "count": range(7)})
    members = pd.DataFrame(
        {
            "pattern": ["deploy"] * 2,
            "id": ["PM-1", "PM-2"],
            "started": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            "fix_level": ["L3", "L5"],
        }
    )
    key = tuple(palette.LEVEL_ORDER)
    report_bars = scales(report_charts.fix_levels_chart(levels).to_dict())
    report_timeline = scales(report_charts.pattern_timeline_chart(members).to_dict())
    dashboard = scales(dashboard_charts.level_counts(levels).to_dict())
    assert report_bars[key] == report_timeline[key] == dashboard[key] == palette.LEVEL_COLORS
    assert len(set(palette.LEVEL_COLORS)) == len(palette.LEVEL_COLORS)


def test_on_time_and_late_are_blue_and_red_on_both() -> None:
    bands = pd.DataFrame(
        {"severity": ["SEV2"] * 2, "band": [0, 1], "from_hours": [36.0, 72.0],
         "to_hours": [72.0, 101.8], "postmortems": [3, 1], "on_time": [True, False]}
    )  # fmt: skip
    written = pd.DataFrame(
        {"id": ["PM-1", "PM-2"], "title": ["a", "b"], "severity": ["SEV2"] * 2,
         "hours": [40.0, 80.0], "on_time": [True, False], "late": [False, True]}
    )  # fmt: skip
    report = scales(report_charts.ttp_bands_chart(bands, 72).to_dict())
    dashboard = scales(dashboard_charts.ttp_strip(written, 72).to_dict())
    assert report[(True, False)] == dashboard[("on time", "late")] == [palette.ACCENT, palette.BAD]


def test_the_fix_outcomes_are_the_metrics(fixture_db) -> None:
    """Drawn, counted and named in fix_effectiveness's order, every outcome it has."""
    from datetime import date

    from analytics import metrics

    outcomes = metrics.fix_effectiveness(fixture_db, metrics.Filters(as_of=date(2026, 11, 1)))
    assert tuple(outcomes["outcome"]) == palette.FIX_OUTCOMES
    assert palette.OUTCOME_ORDER[: len(palette.FIX_OUTCOMES)] == list(palette.FIX_OUTCOMES)
    assert tuple(display.fix_outcomes_said(180)) == palette.FIX_OUTCOMES  # named in that order
    assert (
        len(palette.OUTCOME_COLORS)
        == len(set(palette.OUTCOME_COLORS))
        == len(palette.OUTCOME_ORDER)
    )
    # an outcome is never a level's colour: the Category focus chart draws both (R13)
    assert not set(palette.OUTCOME_COLORS) & set(palette.LEVEL_COLORS)
