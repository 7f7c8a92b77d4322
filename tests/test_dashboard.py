"""Streamlit AppTest for every dashboard page, on the metrics fixture archive.

Expected numbers are computed through the metrics API with the same filters, so the test
checks that the page shows the metrics layer's numbers and that the filters reach it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from analytics import display, metrics, palette
from analytics.display import plural
from analytics.ingest import ingest
from analytics.metrics import Filters
from analytics.palette import SEVERITY_ORDER

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # as dashboards/app.py does: `dashboards` is not installed
from dashboards import state  # noqa: E402

APP = str(ROOT / "dashboards" / "app.py")
AS_OF = "2026-11-01"
PAGES = {
    "app_pages/monthly_review.py": "Monthly review",
    "app_pages/recurrence.py": "Recurrence",
    "app_pages/fix_levels.py": "Fix levels",
    "app_pages/time_to_postmortem.py": "Time to postmortem",
    "app_pages/actions.py": "Actions",
    "app_pages/incident_explorer.py": "Incident explorer",
    "app_pages/data_quality.py": "Data quality",
}
CHARTED = {
    "app_pages/monthly_review.py",
    "app_pages/recurrence.py",
    "app_pages/fix_levels.py",
    "app_pages/time_to_postmortem.py",
    "app_pages/actions.py",
}


@pytest.fixture(autouse=True, scope="module")
def fresh_cache() -> Iterator[None]:
    # Loads are keyed on the database file's path and version, so the cache can be shared
    # by this module's tests; start and end with an empty one.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    def use(path: Path) -> None:
        monkeypatch.setenv(state.DB_ENV, str(path))

    return use


def app(page: str | None = None, **params: str | list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["as_of"] = AS_OF
    for key, value in params.items():
        at.query_params[key] = value
    at.run()  # the entry point first: AppTest switches pages only after a run
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    for element in at.metric:
        if element.label == label:
            return str(element.value)
    raise AssertionError(f"no metric {label!r}: {[m.label for m in at.metric]}")


def address(at: AppTest, key: str) -> list[str]:
    """The values of one query parameter of the page's address."""
    value = at.query_params[key]
    return [value] if isinstance(value, str) else list(value)


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.proto.help for e in at.caption if e.proto.help]  # a caption's tooltip
    parts += [e.value for e in at.info] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs(fixture_db: Path, use_db: Callable[[Path], None], page: str) -> None:
    use_db(fixture_db)
    at = app(page)
    assert at.title[0].value == PAGES[page]
    assert not at.error
    if page in CHARTED:
        charts = at.get("vega_lite_chart")
        assert charts, "no chart drawn"
        # every chart has its caption saying the n behind it
        assert texts(at).count("n = ") >= len(charts)


def test_filter_change_changes_numbers(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    use_db(fixture_db)
    at = app("app_pages/recurrence.py")
    whole = metrics.repeat_rate(fixture_db, Filters(as_of=AS_OF)).iloc[0]
    assert metric(at, "Incidents") == str(whole["incidents"])
    assert metric(at, "Repeats") == str(whole["repeats"])

    at.multiselect(key="service").set_value(["checkout-api"]).run()
    assert not at.exception
    narrow = metrics.repeat_rate(fixture_db, Filters(as_of=AS_OF, services=("checkout-api",))).iloc[
        0
    ]
    assert narrow["incidents"] < whole["incidents"]
    assert metric(at, "Incidents") == str(narrow["incidents"])
    assert metric(at, "Repeats") == str(narrow["repeats"])
    assert metric(at, "Repeat rate") == f"{narrow['repeat_rate']:.0%}"


def test_filters_come_from_the_url(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    use_db(fixture_db)
    at = app("app_pages/time_to_postmortem.py", severity=["SEV2", "SEV3"], to="2026-06-30")
    assert at.multiselect(key="severity").value == ["SEV2", "SEV3"]
    expected = metrics.ttp_summary(
        fixture_db, Filters(as_of=AS_OF, severities=("SEV2", "SEV3"), end="2026-06-30")
    ).iloc[0]
    assert metric(at, "Pending late") == str(expected["pending_late"])
    assert f"{expected['on_time']} of {expected['eligible']} eligible" in texts(at)


def test_monthly_review_numbers(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    use_db(fixture_db)
    at = app(month="2026-10")
    assert at.selectbox(key="month").value == "2026-10"
    month = metrics.summary(fixture_db, Filters(start="2026-10-01", end="2026-10-31", as_of=AS_OF))
    assert metric(at, "Incidents") == str(month["postmortems"])
    assert metric(at, "Repeat rate") == (
        "—" if month["repeat_rate"] is None else f"{month['repeat_rate']:.0%}"
    )
    overdue = metrics.action_summary(fixture_db, Filters(as_of=AS_OF)).iloc[0]["overdue"]
    assert metric(at, "Overdue (all incidents)") == str(overdue)

    at.selectbox(key="month").set_value("2026-09").run()
    september = metrics.summary(
        fixture_db, Filters(start="2026-09-01", end="2026-09-30", as_of="2026-10-01")
    )
    assert metric(at, "Incidents") == str(september["postmortems"])


def test_a_month_without_incidents_in_the_filters_is_reviewed(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """`search` has no incident after 2026-04: its October link showed 2026-04 instead,
    with a notice, and dropped month= from the address, while the report reviewed October:
    no incident, and the backlog (review R13)."""
    use_db(fixture_db)
    at = app(month="2026-09", service="search")
    assert at.selectbox(key="month").value == "2026-09"
    assert at.selectbox(key="month").options[:2] == ["2026-10", "2026-09"]
    assert not at.info and at.query_params["month"] in ("2026-09", ["2026-09"])  # in the link
    assert metric(at, "Incidents") == "0"
    at = app(month="2026-10", service="search")  # the default month: not written in the link
    assert at.selectbox(key="month").value == "2026-10" and not at.info
    assert metric(at, "Incidents") == "0"
    scope = Filters(as_of=AS_OF, services=("search",))
    overdue = metrics.action_summary(fixture_db, scope).iloc[0]["overdue"]
    assert metric(at, "Overdue (all incidents)") == str(overdue)
    # the months are every month of the archive's to the last begun
    assert at.selectbox(key="month").options == metrics.review_months(fixture_db, scope)
    assert at.selectbox(key="month").options[-1] == "2025-03"  # the archive's first


def test_the_review_says_rejected_files_may_be_the_months(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """As the report says it above its numbers: the month read as complete (D7)."""
    use_db(fixture_db)
    rejected = int(metrics.archive_info(fixture_db)["rejected"])
    assert rejected == metrics.summary(fixture_db, Filters(as_of=AS_OF))["rejected"] == 1
    at = app(month="2026-10")
    assert (
        "1 archive file was left out for errors: if it is an incident of 2026-10, it is in none"
        in texts(at)
    )


def test_review_months_run_from_the_archives_first_to_the_last_begun(fixture_db: Path) -> None:
    months = metrics.review_months(fixture_db, Filters(as_of=date(2026, 11, 1)))
    assert months[0] == "2026-10" and months[-1] == "2025-03" and len(months) == 20
    assert metrics.review_months(fixture_db, Filters(as_of=date(2026, 11, 2)))[0] == "2026-11"
    cut = Filters(as_of=date(2026, 11, 1), start=date(2025, 12, 15), end=date(2026, 2, 1))
    assert metrics.review_months(fixture_db, cut) == ["2026-02", "2026-01", "2025-12"]
    assert metrics.review_months(fixture_db, Filters(as_of=date(2025, 3, 1))) == []


def test_the_review_says_the_sidebars_dates_cut_its_comparison_and_patterns(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Dates set to the month, the natural way to scope a review, left September and the
    patterns' earlier incidents out: fewer active patterns than the report's and no change
    against September, unsaid (review R13)."""
    use_db(fixture_db)
    note = "The sidebar's Started from/to (from 2026-10-01 to 2026-10-31) apply to the whole"
    scoped = app(month="2026-10", **{"from": "2026-10-01", "to": "2026-10-31"})
    assert any(note in str(info.value) for info in scoped.info)
    assert "against 2026-09" in next(str(i.value) for i in scoped.info if note in str(i.value))
    # the backlog card says the dates cut it, not "all incidents" (R25)
    assert [m.label for m in scoped.metric][-1] == "Overdue (incidents in the dates)"
    [table] = [d.value for d in scoped.dataframe if d.value.index.name == "Measure"]
    assert "Overdue (incidents in the dates)" in table.index  # the table's row too (D15)
    assert "Overdue (all incidents)" not in table.index
    whole = app(month="2026-10")
    assert [m.label for m in whole.metric][-1] == "Overdue (all incidents)"
    assert not any("Started from/to" in str(info.value) for info in whole.info)
    only_start = app(month="2026-10", **{"from": "2025-06-01"})
    assert any("(from 2025-06-01) apply" in str(info.value) for info in only_start.info)


@pytest.mark.parametrize(
    ("page", "charts"),
    [
        ("app_pages/actions.py", 1),
        ("app_pages/fix_levels.py", 2),
        ("app_pages/time_to_postmortem.py", 1),
    ],
)
def test_a_trend_of_one_month_says_the_dates_hold_one(
    fixture_db: Path, use_db: Callable[[Path], None], page: str, charts: int
) -> None:
    """With the sidebar's dates set to October, each trend chart drew one point in the
    middle of an empty frame, which read as broken (review R13). It now says why."""
    use_db(fixture_db)
    note = "The sidebar's Started from/to leave " + (
        "no month with a value to draw"
        if page.endswith("actions.py")
        else "one month with a value, 2026-10, to draw"
    )
    october = app(page, **{"from": "2026-10-01", "to": "2026-10-31"})
    assert texts(october).count(note) == charts
    assert note not in texts(app(page))  # no dates: the last 13 months
    assert note not in texts(app(page, **{"from": "2026-09-01", "to": "2026-10-31"}))


def test_a_trend_spans_the_sidebars_dates_when_they_are_set(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Dates of ten years drew their last 13 months, and dates of 2018-2019 (as of today)
    an empty on-time chart whose note said to widen them (review R18). The fixture has
    fixes in each month from 2025-03 to 2026-10, 20 months."""
    use_db(fixture_db)
    dated = {"from": "2025-03-01", "to": "2026-10-31"}
    levels = app("app_pages/fix_levels.py", **dated)
    drawn = [set(frame["month"]) for frame in chart_data(levels) if "month" in frame]
    assert drawn and all(len(months) == 20 for months in drawn), [len(m) for m in drawn]
    assert "each month of the sidebar's dates" in texts(levels)
    undated = app("app_pages/fix_levels.py")
    drawn = [set(frame["month"]) for frame in chart_data(undated) if "month" in frame]
    assert drawn and all(len(months) == 13 for months in drawn)
    assert "last 13 months" in texts(undated)
    early = app("app_pages/time_to_postmortem.py", **{"from": "2025-03-01", "to": "2025-09-30"})
    [trend] = [frame for frame in chart_data(early) if {"month", "rate"} <= set(frame)]
    assert list(trend["month"]) == [f"2025-{m:02}" for m in range(3, 10)]  # every month
    assert trend["rate"].notna().sum() == 4  # those with an eligible incident
    assert "Started from/to leave" not in texts(early)


def test_an_on_time_trend_to_a_future_date_ends_at_today(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """With Started to in 2030 and no As of, the chart ran to 2030-12 in empty months (D8)."""
    use_db(fixture_db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["from"], at.query_params["to"] = "2026-01-01", "2030-12-31"
    at.run()
    at.switch_page("app_pages/time_to_postmortem.py").run()
    assert not at.exception
    [trend] = [frame for frame in chart_data(at) if {"month", "rate"} <= set(frame)]
    assert trend["month"].min() == "2026-01"
    assert trend["month"].max() <= f"{date.today():%Y-%m}"


def test_fix_levels_lists_each_fix_and_what_became_of_it_on_demand(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Held 1, recurred 2 and no word of which fix did what (review R17)."""
    use_db(fixture_db)
    at = app("app_pages/fix_levels.py", service="checkout-api")
    assert not any("window_ends" in df.value.columns for df in at.dataframe)  # on demand
    at.toggle(key="fix_list").set_value(True).run()
    listed = next(df.value for df in at.dataframe if "window_ends" in df.value.columns)
    scope = Filters(as_of=AS_OF, services=("checkout-api",))
    counts = metrics.fix_effectiveness(fixture_db, scope).set_index("outcome")["count"]
    shown = listed["outcome"].value_counts()
    for outcome, count in counts.items():
        assert shown.get(outcome.replace("_", " "), 0) == count, outcome
    recurred = listed[listed["outcome"] == "recurred"]
    assert len(recurred) and recurred["recurred_by"].str.fullmatch(r"\S+ [\d.]+ [dh] after").all()
    assert all("incident=" in link and "service=checkout-api" in link for link in listed["link"])


def test_the_repeat_heat_map_lists_services_by_their_repeats(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Alphabetical rows hid the service with the most repeats among 30 (review R17)."""
    use_db(sample_db)
    at = app("app_pages/recurrence.py")
    [grid] = [
        spec for spec in chart_specs(at) if spec.get("layer") and '"rect"' in json.dumps(spec)
    ]
    rows = grid["layer"][0]["encoding"]["y"]["sort"]
    by_service = metrics.repeat_rate_by_service(sample_db, Filters(as_of=AS_OF))
    repeats = by_service.set_index("service")["repeats"]
    assert [repeats[s] for s in rows] == sorted((repeats[s] for s in rows), reverse=True)
    assert rows != sorted(rows)  # not alphabetical on the sample
    assert repeats[rows[0]] == repeats.max()


def test_the_default_review_month_is_the_last_ended_else_the_archives_first(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The dashboard, the report and the notebook review one month by default. The report
    took the month before today's even where the archive began in the month in progress,
    a month of nothing the dashboard could not offer (review D7)."""
    default = metrics.default_review_month
    assert default(fixture_db, Filters(as_of=date(2026, 11, 1))) == "2026-10"
    assert default(fixture_db, Filters(as_of=date(2026, 11, 15))) == "2026-10"
    cut = Filters(as_of=date(2026, 11, 1), start=date(2025, 12, 15), end=date(2026, 2, 1))
    assert default(fixture_db, cut) == "2026-02"
    # the archive's first incident (2025-03-01 09:00) is in the month in progress
    assert default(fixture_db, Filters(as_of=date(2025, 3, 20))) == "2025-03"
    assert default(fixture_db, Filters(as_of=date(2025, 4, 1))) == "2025-03"
    assert default(fixture_db, Filters(as_of=date(2025, 3, 1))) == "2025-02"  # none yet
    use_db(fixture_db)
    for as_of in ("2025-03-20", "2026-11-15"):
        at = app(as_of=as_of)
        expected = default(fixture_db, Filters(as_of=date.fromisoformat(as_of)))
        assert at.selectbox(key="month").value == expected


def test_a_month_not_over_says_so_and_is_counted_as_of_the_sidebars_day(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The report and the notebook count a month not over as of today, as the page does;
    the page said "as of the first day of the next month" and gave no notice."""
    use_db(fixture_db)
    at = app(month="2026-10", as_of="2026-10-30")
    assert not at.exception
    notice = [i.value for i in at.info]
    assert len(notice) == 1
    assert notice[0].startswith("2026-10 is counted as of 2026-10-30, the sidebar's As of")
    assert "2026-10: its incidents, as of 2026-10-30; 2026-09" in texts(at)
    month = metrics.summary(
        fixture_db, Filters(start="2026-10-01", end="2026-10-31", as_of="2026-10-30")
    )
    assert metric(at, "Incidents") == str(month["postmortems"])
    at.selectbox(key="month").set_value("2026-09").run()
    assert not at.info  # over by the 20th of October
    assert "2026-09: its incidents, as of 2026-10-01" in texts(at)


def test_the_month_of_today_says_it_is_not_over(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an As of, a month not over is counted as of today (the archive's), and the
    notice says so: not the one for a past month cut by the sidebar."""
    use_db(fixture_db)
    monkeypatch.setattr(state, "today", lambda: date(2026, 10, 30))
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["month"] = "2026-10"
    at.run()
    assert not at.exception
    assert at.selectbox(key="month").value == "2026-10"
    notice = [i.value for i in at.info]
    assert len(notice) == 1
    assert notice[0].startswith("2026-10 is not over at 2026-10-30: it is counted as of that")
    # R24: today's incidents are not in it, and its counts are of part of the month
    assert "As of 2026-10-30 00:00 it holds no incident started that day or later" in notice[0]
    assert "its counts are of 29 days from 2026-10-01, against the whole of 2026-09." in notice[0]
    assert "the month so far, against the whole of 2026-09" in texts(at)  # the count's card
    cards = {m.label: m.proto for m in at.metric}
    assert cards["Incidents"].delta and cards["Incidents"].color == Metric.MetricColor.GRAY
    assert not cards["Incidents"].delta.endswith(("better", "worse"))  # no verdict either
    # the sidebar's dates cut the month: the days counted and the comparison say so (D14)
    cut = AppTest.from_file(APP, default_timeout=30)
    cut.query_params.update({"month": "2026-10", "from": "2026-10-20", "to": "2026-10-28"})
    cut.run()
    dated = next(i.value for i in cut.info if "is not over" in i.value)
    assert "its counts are of 9 days from 2026-10-20, against 2026-09 within the same dates." in (
        dated
    )
    past = AppTest.from_file(APP, default_timeout=30)
    past.query_params.update({"month": "2026-10", "as_of": "2026-11-01"})
    past.run()  # the month over: its count's change is coloured
    incidents = next(m.proto for m in past.metric if m.label == "Incidents")
    assert incidents.delta and incidents.color != Metric.MetricColor.GRAY
    # the colour in words too, from one verdict (R27, D16): red "worse", green "better",
    # grey neither, on every card
    said = {
        Metric.MetricColor.RED: "worse",
        Metric.MetricColor.GREEN: "better",
        Metric.MetricColor.GRAY: None,
    }
    cards_said = [
        (said[m.proto.color], m.proto.delta.rsplit(", ", 1)[-1] if ", " in m.proto.delta else None)
        for m in past.metric
    ]
    assert {colour for colour, _ in cards_said} >= {"worse", None}, cards_said
    assert all(colour == word for colour, word in cards_said), cards_said
    assert "2026-10: its incidents, as of 2026-10-30; 2026-09" in texts(at)
    month = metrics.summary(
        fixture_db, Filters(start="2026-10-01", end="2026-10-31", as_of="2026-10-30")
    )
    assert metric(at, "Incidents") == str(month["postmortems"])


def test_review_cards_say_no_data_and_name_the_months_severities(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    at = app(month="2026-10")
    review = metrics.monthly_review(fixture_db, "2026-10", Filters(as_of=AS_OF)).set_index(
        "measure"
    )
    captions = {m.label: m.help for m in at.metric}
    assert " · 2026-10: SEV" in captions["Incidents"]  # not read as the 3-month split
    empty = [
        label
        for measure, label in metrics.card_labels(72)
        if review.loc[measure, "kind"] == "rate" and review.loc[measure, "denominator"] == 0
    ]
    assert empty  # L5 share and action completion: 0 of 0 in the fixture's October
    for label in empty:
        assert captions[label].startswith("no data"), captions[label]
        assert "small sample" not in captions[label]
    table = next(df.value for df in at.dataframe if "3-month average" in df.value.columns)
    zero = review[(review["kind"] == "rate") & (review["denominator"] == 0)]["label"]
    assert {table.loc[label, "2026-10"] for label in zero} == {"— (0/0)"}  # no data, no ⚠


def test_empty_selection_says_so(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    use_db(fixture_db)
    for page in PAGES:
        if page == "app_pages/data_quality.py":
            continue  # not filtered: the archive's problems whatever the filters
        at = app(page, **{"from": "2026-10-30", "to": "2026-10-30"})
        assert not at.exception
        assert [i.value for i in at.info] == [state.EMPTY_MESSAGE], page


def test_postmortem_body_is_rendered_safely(
    make_db: Callable[..., Path], use_db: Callable[[Path], None]
) -> None:
    body = "# Timeline\n\n<script>alert('x')</script>\n<b>bold</b>\n"
    db = make_db(
        {
            "a.md": "---\nid: PM-1\ntitle: Hostile\nservices: [web]\ncategory: config\n"
            f"started: 2026-10-01T10:00:00Z\n---\n{body}"
        }
    )
    use_db(db)
    at = app("app_pages/incident_explorer.py", incident="PM-1")
    assert at.selectbox(key="incident").value == "PM-1"
    rendered = [m for m in at.markdown if "<script>" in m.value]
    assert rendered, "the body is not shown"
    assert all(not m.proto.allow_html for m in rendered)


def test_new_ingest_shows_without_restart(
    tmp_path: Path,
    metrics_archive: Path,
    use_db: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(metrics_archive, archive)
    db = tmp_path / "pm.duckdb"
    ingest(archive, db)
    use_db(db)
    at = app("app_pages/recurrence.py")
    before = int(metric(at, "Incidents"))
    (archive / "2026" / "PM-NEW.md").write_text(
        "---\nid: PM-NEW\nservices: [auth]\ncategory: network\n"
        "started: 2026-10-20T10:00:00Z\n---\n# New\n",
        encoding="utf-8",
    )
    # the old version's results are dropped once, not kept until 256 entries evict them (a
    # soak test saw the cache full of results no key could ask for again)
    cleared: list[bool] = []
    clear = state._cached.clear
    monkeypatch.setattr(state._cached, "clear", lambda: cleared.append(True) or clear())
    at.run()
    assert cleared == []  # the same file: kept
    ingest(archive, db)
    at.run()
    assert int(metric(at, "Incidents")) == before + 1
    assert cleared == [True]


def test_missing_database_says_what_to_run(tmp_path: Path, use_db: Callable[[Path], None]) -> None:
    use_db(tmp_path / "nothing.duckdb")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "postmortems ingest" in at.error[0].value


def test_default_database_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(state.DB_ENV, raising=False)
    assert state.db_path() == state.REPO_ROOT / "data" / "postmortems.duckdb"
    monkeypatch.setenv(state.DB_ENV, os.devnull)
    assert state.db_path() == Path(os.devnull)


def test_monthly_review_shows_the_metrics_monthly_review(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    from dashboards import ui

    use_db(fixture_db)
    at = app(month="2026-10")
    review = metrics.monthly_review(fixture_db, "2026-10", Filters(as_of=AS_OF))
    indexed = review.set_index("measure")
    # the cards: this month's values
    assert metric(at, "Incidents") == ui.number(indexed.loc["postmortems", "this_month"]) == "3"
    assert metric(at, "Repeat rate") == ui.pct(indexed.loc["repeat_rate", "this_month"]) == "67%"
    assert metric(at, "Overdue (all incidents)") == "4"  # actions.overdue_all at 2026-11-01
    # the report's cards, in its order and named alike (tests/test_report.py)
    assert [m.label for m in at.metric] == [label for _, label in metrics.card_labels(72)]
    # the comparison table: one row per measure of monthly_review, with its 3-month average
    table = next(df.value for df in at.dataframe if "3-month average" in df.value.columns)
    assert table.index.tolist() == review["label"].tolist()
    assert table.columns.tolist() == ["2026-10", "2026-09", "Change", "3-month average"]
    rows = table.to_dict(orient="index")
    assert rows["Incidents"] == {
        "2026-10": "3", "2026-09": "1", "Change": "+2, worse", "3-month average": "1"
    }  # fmt: skip
    assert rows["Repeat rate"] == {
        "2026-10": "67% (2/3) ⚠", "2026-09": "0% (0/1) ⚠", "Change": "+67 pp, worse",
        "3-month average": "67% (2/3) ⚠",
    }  # fmt: skip
    assert rows["Overdue (all incidents)"]["3-month average"] == "—"  # a stock: no average
    # the same text as the report's and the notebook's (analytics.display.review_table)
    from analytics.display import review_table

    expected = review_table(review, "2026-10", "2026-09")
    assert table.to_dict(orient="index") == expected.to_dict(orient="index")
    assert (ui.pct, ui.hours, ui.number, ui.MISSING) == (
        display.pct, display.hours, display.number, display.MISSING
    )  # fmt: skip
    for row in review.itertuples(index=False):
        shown = rows[row.label]
        if row.kind == "count":
            assert shown["2026-10"] == ui.number(row.this_month), row.label
            assert shown["2026-09"] == ui.number(row.previous_month), row.label
            assert shown["3-month average"] == ui.number(row.three_month_average), row.label
        elif row.kind == "rate":
            assert shown["2026-10"].startswith(ui.pct(row.this_month)), row.label
            assert shown["3-month average"].startswith(ui.pct(row.three_month_average)), row.label
    # new and active patterns from the metrics layer
    assert "No pattern formed in 2026-10." in texts(at)


def test_monthly_review_lists_the_months_new_patterns(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    at = app(month="2026-05")
    new = metrics.new_patterns(fixture_db, "2026-05", Filters(as_of=AS_OF))
    assert len(new) == 2
    assert "Patterns at the end of 2026-05 that were not there at its start · n = 2" in texts(at)


def test_data_quality_counts_problems_by_code(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    at = app("app_pages/data_quality.py")
    counts = next(df.value for df in at.dataframe if "files" in df.value.columns)
    assert counts.values.tolist() == metrics.problem_counts(fixture_db).values.tolist()
    assert counts.values.tolist() == [["error", "missing-started", 1, 1]]
    # when the database was loaded: a scheduled ingest that stopped showed nowhere (R9)
    info = metrics.archive_info(fixture_db)
    loaded = pd.Timestamp(info["ingested_at"]).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    assert f"Loaded {loaded} from" in texts(at)


def test_fix_levels_by_month_chart_is_the_metrics(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    import pyarrow as pa

    use_db(fixture_db)
    at = app("app_pages/fix_levels.py")
    chart = next(c for c in at.get("vega_lite_chart") if '"stack": "zero"' in c.proto.spec)
    shown = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
    expected = metrics.fix_levels_by_month(fixture_db, Filters(as_of=AS_OF))
    expected = expected[expected["month"] >= "2025-10"]  # the last 13 months: 2025-10..2026-10
    assert shown[["month", "level", "count"]].values.tolist() == expected.values.tolist()
    assert len(shown) == 13 * 7
    # the L5 share by month spans the same months (it showed 13 where this showed 12)
    trend = next(d for d in chart_data(at) if "measure" in d.columns)
    assert sorted(set(trend["month"])) == sorted(set(expected["month"]))


def test_data_quality_shows_a_rejected_file_as_it_was_read(
    fixture_db: Path, use_db: Callable[[Path], None], metrics_archive: Path
) -> None:
    use_db(fixture_db)
    at = app("app_pages/data_quality.py")
    assert at.selectbox(key="dq_file").value == "2026/broken-no-start.md"
    stored = (metrics_archive / "2026" / "broken-no-start.md").read_text(encoding="utf-8")
    assert [code.value for code in at.code] == [
        stored.rstrip("\n")
    ]  # st.code drops the last newline
    assert "`missing-started`" in texts(at)


def test_data_quality_cuts_a_file_too_long_for_the_browser(
    tmp_path: Path, metrics_archive: Path, use_db: Callable[[Path], None]
) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(metrics_archive, archive)
    pasted = "iVBORw0KGgo" + "A" * 999_989  # a pasted image: one 1,000,000-character line
    (archive / "2026" / "pasted-image.md").write_text(
        f"Pasted from the incident channel:\n{pasted}\nend\n", encoding="utf-8"
    )
    rows = [f"{n:04d}" + "x" * 996 for n in range(1, 301)]  # 300 lines of 1,000 characters
    (archive / "2026" / "wide-table.md").write_text("\n".join(rows), encoding="utf-8")
    db = tmp_path / "pm.duckdb"
    ingest(archive, db)
    use_db(db)
    at = app("app_pages/data_quality.py")

    # a normal file is shown whole, as before
    assert at.selectbox(key="dq_file").value == "2026/broken-no-start.md"
    stored = (metrics_archive / "2026" / "broken-no-start.md").read_text(encoding="utf-8")
    assert [code.value for code in at.code] == [stored.rstrip("\n")]
    assert "Cut so the browser" not in texts(at)
    assert not at.download_button

    # a long line is cut with a marker; the other lines keep their numbers
    at.selectbox(key="dq_file").set_value("2026/pasted-image.md").run()
    assert not at.exception
    (code,) = at.code
    assert code.value == (
        "Pasted from the incident channel:\n" + pasted[:2_000] + " … [998,000 more characters]\nend"
    )
    assert code.proto.show_line_numbers
    assert (
        "Cut so the browser can draw it: 1 line cut at 2,000 characters (marked …). "
        "Download it whole below."
    ) in texts(at)
    (download,) = at.download_button
    assert download.label == "Download the whole file"

    # a long file shows its first whole lines, up to 200,000 characters
    at.selectbox(key="dq_file").set_value("2026/wide-table.md").run()
    assert [code.value for code in at.code] == ["\n".join(rows[:199])]
    assert "only the first 199 of 300 lines shown" in texts(at)
    assert at.download_button[0].label == "Download the whole file"


def test_recurrence_lists_the_chosen_patterns_latest_incidents(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:

    use_db(fixture_db)
    at = app("app_pages/recurrence.py", view="Patterns")
    patterns = metrics.patterns(fixture_db, Filters(as_of=AS_OF))
    # named as the report and the notebooks name them: the category, or service × category
    keys = [
        f"{row.service} × {row.category}" if isinstance(row.service, str) else row.category
        for row in patterns.itertuples()
    ]
    assert any(" × " in key for key in keys) and any(" × " not in key for key in keys)
    picker = at.selectbox(key="pattern")
    # the key alone: the address holds it, and a shared link opens the same pattern when its
    # counts change (the options were labels with the counts in them)
    assert picker.options == keys and len(keys) >= 2
    for chosen in (0, len(keys) - 1):  # the first pattern by default, then the last one
        if chosen:
            picker.set_value(keys[chosen]).run()
            assert not at.exception
        row = patterns.iloc[chosen]
        assert (
            f"{keys[chosen]}: {len(row['ids'])} incidents in all, at most {row['count']} "
            "within 180 days"
        ) in texts(at)
        members = next(df.value for df in at.dataframe if "is_repeat" in df.value.columns)
        newest_first = list(patterns["ids"].iloc[chosen])[::-1]
        assert members["link"].tolist() == [ui_link(i) for i in newest_first]
        # each with its latest repeats, as recurrence_incidents gives them
        repeats = metrics.recurrence_incidents(
            fixture_db, Filters(as_of=AS_OF), ids=newest_first, repeat_of_latest=5
        ).set_index("id")
        assert members["repeat_of"].tolist() == [
            ("…, " if repeats.at[i, "repeat_of_cut"] else "")
            + ", ".join(repeats.at[i, "repeat_of"])
            for i in newest_first
        ]
        assert any(members["repeat_of"])


def test_category_focus_names_the_repeats_of_the_rows_it_shows(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table's repeat_of is recurrence_incidents' (latest 5), read for the ids of the
    first page only: the category's other incidents' lists are not loaded."""
    from dashboards import ui

    by_ids: list[list[str]] = []
    load = state.load

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "recurrence_incidents" and kwargs.get("ids") is not None:
            by_ids.append(list(kwargs["ids"]))
        return load(name, *args, **kwargs)

    monkeypatch.setattr(state, "load", spy)
    monkeypatch.setattr(ui, "TABLE_ROWS", 3)
    use_db(fixture_db)
    at = app("app_pages/recurrence.py", view="Category focus")  # deployment-pipeline
    assert not at.exception
    focused = Filters(as_of=AS_OF, categories=("deployment-pipeline",))
    whole = metrics.recurrence_incidents(fixture_db, focused, repeat_of_latest=5)
    fixes = metrics.fix_outcomes(fixture_db, focused)
    rows = whole.merge(fixes, how="left", left_on="id", right_on="postmortem_id")
    newest = rows.sort_values("started_date", ascending=False, kind="stable").head(3)
    table = next(df.value for df in at.dataframe if "recurred_by" in df.value.columns)
    assert table["link"].tolist() == [ui_link(i) for i in newest["id"]]
    assert table["repeat_of"].tolist() == [
        ("…, " if cut else "") + ", ".join(ids)
        for ids, cut in zip(newest["repeat_of"], newest["repeat_of_cut"], strict=True)
    ]
    assert any(table["repeat_of"])  # some of the shown rows repeat
    assert len(whole) > 3 and by_ids == [list(dict.fromkeys(newest["id"]))]
    # the category's own numbers beside the page's cards (every category): read as its own
    own = metrics.repeat_rate(fixture_db, focused).iloc[0]
    assert (
        f"**deployment-pipeline**: {own['incidents']} incidents, {own['repeats']} repeats "
        f"({ui.pct(own['repeat_rate'])}), {own['recurred_while_open']} while the earlier "
        "follow-through was open"
    ) in texts(at)
    assert own["incidents"] < int(metric(at, "Incidents"))


def test_recurrence_runs_only_the_open_views_metrics(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lazy tabs (kept in the URL as `view`): each view loads only its own metrics.
    loaded: list[str] = []
    load = state.load

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        loaded.append(name)
        return load(name, *args, **kwargs)

    monkeypatch.setattr(state, "load", spy)
    use_db(fixture_db)
    wanted = {
        None: {"repeat_rate_by_service", "repeat_matrix", "repeat_rate_by_category"},
        "Patterns": {"patterns", "recurrence_incidents"},
        "Category focus": {"recurrence_incidents", "fix_outcomes", "repeat_rate_by_service"},
    }
    for view, names in wanted.items():
        at = app(**({"view": view} if view else {}))  # the default page first
        loaded.clear()
        at.switch_page("app_pages/recurrence.py").run()
        assert not at.exception
        assert [tab.label for tab in at.tabs] == ["Repeats", "Patterns", "Category focus"]
        own = set(loaded) - {"repeat_rate", "filter_options"}  # the headline, the sidebar
        assert own == names, view


def chart_data(at: AppTest) -> list[pd.DataFrame]:
    """Every dataset of every chart on the page, as sent to the browser (Arrow IPC)."""
    frames = []
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            frames.append(pa.ipc.open_stream(dataset.data.data).read_all().to_pandas())
    return frames


def test_table_shows_its_first_rows_and_offers_all_as_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboards import ui

    calls: dict[str, Any] = {}
    monkeypatch.setattr(ui, "TABLE_ROWS", 2)
    monkeypatch.setattr(ui.st, "dataframe", lambda frame, **_: calls.__setitem__("shown", frame))
    monkeypatch.setattr(ui.st, "caption", lambda text: calls.__setitem__("caption", text))
    monkeypatch.setattr(
        ui.st, "download_button", lambda label, **kw: calls.__setitem__("download", (label, kw))
    )
    frame = pd.DataFrame(
        {
            "id": ["PM-3", "PM-2", "PM-1"],
            "services": [np.array(["api", "db"], dtype=object), np.array([], dtype=object), None],
            "count": [3, 2, 1],
        }
    )
    ui.table(frame.head(2), name="few")
    assert calls["shown"]["services"].tolist() == ["api, db", ""]  # lists shown as text
    assert "caption" not in calls and "download" not in calls  # all rows shown

    ui.table(frame, name="many")
    assert calls["shown"]["id"].tolist() == ["PM-3", "PM-2"]  # the first rows, in order
    assert calls["caption"].startswith("The first 2 of 3 rows")
    label, options = calls["download"]
    assert label == "Download all 3 rows (CSV)"
    assert (options["file_name"], options["key"], options["on_click"]) == (
        "many.csv",
        "download-many",
        "ignore",
    )
    csv = pd.read_csv(io.StringIO(options["data"]()), keep_default_na=False)
    assert csv.to_dict("list") == {
        "id": ["PM-3", "PM-2", "PM-1"],
        "services": ["api, db", "", ""],
        "count": [3, 2, 1],
    }

    # rows_as formats only the rows shown, and every row for the download
    formatted: list[list[str]] = []

    def as_rows(rows: pd.DataFrame) -> pd.DataFrame:
        formatted.append(rows["id"].tolist())
        return rows.assign(link="explorer?incident=" + rows["id"])[["link", "count"]]

    ui.table(frame, name="linked", rows_as=as_rows)
    assert formatted == [["PM-3", "PM-2"]]
    assert calls["shown"].columns.tolist() == ["link", "count"]
    assert calls["shown"]["link"].tolist() == ["explorer?incident=PM-3", "explorer?incident=PM-2"]
    csv = pd.read_csv(io.StringIO(calls["download"][1]["data"]()), keep_default_na=False)
    assert formatted[1] == ["PM-3", "PM-2", "PM-1"]
    assert csv["link"].tolist() == [f"explorer?incident=PM-{n}" for n in (3, 2, 1)]

    # the frame holds a listing's first rows: the total counts, every_row loads the rest
    loads: list[str] = []

    def every_row() -> pd.DataFrame:
        loads.append("all")
        return frame

    ui.table(frame.head(2), name="paged", rows_as=as_rows, total=3, every_row=every_row)
    assert calls["shown"]["link"].tolist() == ["explorer?incident=PM-3", "explorer?incident=PM-2"]
    assert calls["caption"].startswith("The first 2 of 3 rows")
    assert calls["download"][0] == "Download all 3 rows (CSV)"
    assert loads == []  # nothing loaded until the download is clicked
    csv = pd.read_csv(io.StringIO(calls["download"][1]["data"]()), keep_default_na=False)
    assert loads == ["all"]
    assert csv["link"].tolist() == [f"explorer?incident=PM-{n}" for n in (3, 2, 1)]


def test_time_to_postmortem_draws_bands_past_the_dot_limit(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards import charts

    use_db(fixture_db)
    at = app("app_pages/time_to_postmortem.py")
    assert "Each dot is one written postmortem" in texts(at)
    dots = next(d for d in chart_data(at) if "jitter" in d.columns or "on_time" in d.columns)
    assert len(dots) == 14  # a dot per written postmortem

    monkeypatch.setattr(charts, "STRIP_DOTS", 13)  # the fixture has 14 written
    at = app("app_pages/time_to_postmortem.py")
    assert "per band of hours" in texts(at)
    bands = next(d for d in chart_data(at) if "from_hours" in d.columns)
    expected = metrics.ttp_bands(fixture_db, Filters(as_of=AS_OF))
    assert bands["postmortems"].tolist() == expected["postmortems"].tolist()
    assert bands["from_hours"].tolist() == pytest.approx(expected["from_hours"].tolist())


def test_explorer_picker_offers_the_tables_incidents_and_the_linked_one(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards import ui

    use_db(fixture_db)
    monkeypatch.setattr(ui, "TABLE_ROWS", 3)
    listing = metrics.incidents(fixture_db, Filters(as_of=AS_OF), repeat_of=False)
    newest = listing["id"].head(3).tolist()  # the listing is newest first

    at = app("app_pages/incident_explorer.py")
    table = next(df.value for df in at.dataframe if "ttp_state" in df.value.columns)
    assert table["link"].tolist() == [ui_link(i) for i in newest]
    assert f"The first 3 of {len(listing)} rows" in texts(at)
    assert at.selectbox(key="incident").options == newest

    download = next(b for b in at.get("download_button"))
    assert download.proto.label == f"Download all {len(listing)} rows (CSV)"

    at = app("app_pages/incident_explorer.py", incident="PM-01")  # older than the table's
    picker = at.selectbox(key="incident")
    assert picker.options == ["PM-01", *newest] and picker.value == "PM-01"
    assert at.header[0].value == listing.set_index("id").loc["PM-01", "title"]

    at = app("app_pages/incident_explorer.py", q="PM-01")  # the search finds any of them
    assert at.selectbox(key="incident").options == ["PM-01"]


@pytest.mark.parametrize("page", ["actions", "monthly_review"])
def test_overdue_table_shows_the_first_rows_and_counts_them_all(
    page: str, fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page loads only the table's first rows; the count comes from the summary (Actions)
    # or the review's overdue backlog (Monthly review, at the month's end).
    from dashboards import ui

    use_db(fixture_db)
    monkeypatch.setattr(ui, "TABLE_ROWS", 2)
    as_of = AS_OF if page == "actions" else "2026-11-01"  # the review's month: 2026-10
    every = metrics.overdue_actions(fixture_db, Filters(as_of=date.fromisoformat(as_of)))
    assert len(every) > 2
    at = app(f"app_pages/{page}.py", month="2026-10")
    table = next(df.value for df in at.dataframe if "days_overdue" in df.value.columns)
    assert table["title"].tolist() == every["title"].head(2).tolist()
    assert table["days_overdue"].tolist() == every["days_overdue"].head(2).tolist()
    assert f"The first 2 of {len(every)} rows" in texts(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"Download all {len(every)} rows (CSV)" in labels
    assert f"n = {len(every):,} items" in texts(at)


def test_actions_cards_show_the_summary(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    use_db(fixture_db)
    summary = metrics.action_summary(fixture_db, Filters(as_of=AS_OF)).iloc[0]
    at = app("app_pages/actions.py")
    assert metric(at, "Overdue") == str(summary["overdue"])
    assert metric(at, "No owner") == str(summary["no_owner"])
    assert f"{summary['no_due']} with no due date" in texts(at)
    assert f"{summary['done']} done, {summary['open']} open" in texts(at)


def test_numbers_are_shown_as_the_report_writes_them() -> None:
    from dashboards import ui

    assert [ui.number(v) for v in (3, 3.0, 1234, 54878.0, 1234.56, 2.25)] == [
        "3", "3", "1,234", "54,878", "1,234.6", "2.2"
    ]  # fmt: skip
    assert ui.number(None) == ui.number(float("nan")) == "—"


def test_explorer_opens_a_linked_incident_outside_the_filters(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    # The incident and the titles of its repeats come from the whole archive, by id.
    use_db(fixture_db)
    everyone = metrics.incidents(fixture_db, Filters(as_of=AS_OF), repeat_of=False)
    titles = everyone.set_index("id")["title"]
    repeats = metrics.repeat_pairs(fixture_db, Filters(as_of=AS_OF))
    chosen = str(repeats["id"].iloc[-1])
    row = everyone.set_index("id").loc[chosen]
    other = next(
        str(s)
        for s in everyone["services"].explode().dropna().unique()
        if s not in list(row["services"])
    )
    at = app("app_pages/incident_explorer.py", incident=chosen, service=other)
    table = next(df.value for df in at.dataframe if "ttp_state" in df.value.columns)
    assert ui_link(chosen, ("service", other)) not in table["link"].tolist()  # outside
    assert all(link.startswith(ui_link("", ("service", other))) for link in table["link"])
    picker = at.selectbox(key="incident")
    assert picker.options[0] == chosen and picker.value == chosen
    assert at.header[0].value == row["title"]
    related = next(df.value for df in at.dataframe if "relation" in df.value.columns)
    earlier = repeats.loc[repeats["id"] == chosen, "earlier_id"]
    shown = related[related["relation"] == "repeats"]
    assert shown["title"].tolist() == titles.loc[earlier].tolist()
    assert shown["title"].notna().all() and len(shown) > 0
    days = repeats.loc[repeats["id"] == chosen, "days_apart"]
    assert shown["apart"].tolist() == [display.days(d) for d in days]  # as the report says it
    assert "Outside the sidebar's filters (opened by its link)" in texts(at)
    inside = app("app_pages/incident_explorer.py", incident=chosen)
    assert "Outside the sidebar's filters" not in texts(inside)
    later = int((repeats["earlier_id"] == chosen).sum())
    assert len(related) == len(shown) + later
    assert (
        f"**Repeats** · repeats {plural(len(shown), 'earlier incident')}, "
        f"repeated by {plural(later, 'later one')}"
    ) in [m.value for m in at.markdown]

    at = app("app_pages/incident_explorer.py", incident="PM-NOT-THERE", service=other)
    # offered as the link's id (so the address keeps it), but it opens only the message
    assert at.selectbox(key="incident").options[0] == "PM-NOT-THERE"
    assert "**Discipline**" not in [m.value for m in at.markdown]  # nothing opened
    assert "was not found" in at.warning[0].value


def ui_link(postmortem_id: str, *before: tuple[str, str]) -> str:
    """The link a page run by app() (as_of=AS_OF in its address, after the filters `before`)
    gives the postmortem."""
    from dashboards import ui

    return ui.incident_link(postmortem_id, [*before, ("as_of", AS_OF)])


def test_recurrence_time_line_draws_the_newest_incidents(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards import charts

    use_db(fixture_db)
    monkeypatch.setattr(charts, "TIMELINE_INCIDENTS", 2)
    at = app("app_pages/recurrence.py", view="Category focus")  # deployment-pipeline, 5 incidents
    assert "deployment-pipeline incidents by start and service, the newest 2;" in texts(at)
    timeline = next(d for d in chart_data(at) if "outcome" in d.columns and "id" in d.columns)
    assert sorted(set(timeline["id"])) == ["PM-13", "PM-15"]


def test_recurrence_charts_show_the_services_with_the_most_repeats_and_incidents(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards import charts

    use_db(fixture_db)
    monkeypatch.setattr(charts, "SERVICES_SHOWN", 1)
    at = app("app_pages/recurrence.py")  # the default view: Repeats
    filters = Filters(as_of=AS_OF)
    by_service = metrics.repeat_rate_by_service(fixture_db, filters)
    ranked = by_service.sort_values(
        ["repeats", "incidents", "service"], ascending=[False, False, True]
    )
    matrix = metrics.repeat_matrix(fixture_db, filters)
    cells = next(d for d in chart_data(at) if "label" in d.columns)
    assert sorted(set(cells["service"])) == sorted(ranked["service"].head(1))
    assert len(cells) == matrix["service"].isin(ranked["service"].head(1)).sum()
    text = texts(at)
    assert f"; the 1 service with the most repeats, of {len(by_service)}" in text
    bars = next(d for d in chart_data(at) if "repeat_rate_service_alone" in d.columns)
    assert len(bars) == 1 and f"; the 1 highest of {len(by_service)} services" in text

    at = app("app_pages/recurrence.py", view="Category focus")  # deployment-pipeline
    text = texts(at)
    focused = filters.replace(categories=("deployment-pipeline",))
    focus_services = metrics.repeat_rate_by_service(fixture_db, focused)
    assert len(focus_services) > 1  # so the time line leaves some out
    lines = focus_services.sort_values(
        ["incidents", "repeats", "service"], ascending=[False, False, True]
    )["service"].head(1)
    timeline = next(d for d in chart_data(at) if "outcome" in d.columns and "id" in d.columns)
    assert set(timeline["service"]) == set(lines)
    incidents = metrics.recurrence_incidents(fixture_db, focused)
    on_lines = incidents[incidents["services"].map(lambda s: bool(set(s) & set(lines)))]
    assert set(timeline["id"]) == set(on_lines["id"])  # all of theirs: fewer than the limit
    assert (
        "deployment-pipeline incidents by start and service; the 1 service with the most "
        f"deployment-pipeline incidents, of {len(focus_services)}; colour:" in text
    )

    monkeypatch.setattr(charts, "TIMELINE_INCIDENTS", 1)
    at = app("app_pages/recurrence.py", view="Category focus")
    timeline = next(d for d in chart_data(at) if "outcome" in d.columns and "id" in d.columns)
    assert set(timeline["id"]) == {on_lines.sort_values("started")["id"].iloc[-1]}
    assert f"of {len(focus_services)}, and the newest 1 of their incidents; colour:" in texts(at)


def test_charts_build_their_channels_without_altairs_schema_lookup(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A channel given as text or a dict ("hours:Q", alt.value, alt.condition) sends altair
    # through SchemaBase.from_dict to find its class: 2-5 ms each, tens of ms a page.
    from altair.utils import schemapi

    looked_up: list[str] = []
    from_dict = schemapi.SchemaBase.from_dict.__func__  # type: ignore[attr-defined]

    def spy(cls: type, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(cls.__name__)
        return from_dict(cls, *args, **kwargs)

    monkeypatch.setattr(schemapi.SchemaBase, "from_dict", classmethod(spy))
    use_db(fixture_db)
    drawn = 0
    for page in sorted(CHARTED):
        at = app(page)
        drawn += len(at.get("vega_lite_chart"))
    assert drawn >= len(CHARTED)
    assert looked_up == []


def test_pattern_ids_name_the_latest_and_mark_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboards import ui

    monkeypatch.setattr(ui, "PATTERN_IDS_SHOWN", 2)
    rows = pd.DataFrame(
        {
            # a whole list, a list cut to its latest 2 (of 5), a list as short as shown
            "ids": [np.array(["a", "b", "c"]), np.array(["d", "e"]), np.array(["f", "g"])],
            "members": [3, 5, 2],
        }
    )
    assert ui.pattern_ids(rows) == ["c, b, …", "e, d, …", "g, f"]  # the newest first


def column_labels(table: Any) -> dict[str, str]:
    """A shown table's column labels by column name (from its column config)."""
    import json

    config = json.loads(table.proto.columns)
    return {name: column.get("label", name) for name, column in config.items()}


def test_recurrence_header_spells_out_the_looser_variants(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    # "by service alone" above "Repeat rate by service" read as the same measure
    from dashboards import ui

    use_db(fixture_db)
    headline = metrics.repeat_rate(fixture_db, Filters(as_of=AS_OF)).iloc[0]
    assert headline["repeat_rate_service_alone"] != headline["repeat_rate"]
    at = app("app_pages/recurrence.py")
    shown = texts(at)
    assert (
        "counting a shared service alone as a repeat (any category): "
        f"{ui.pct(headline['repeat_rate_service_alone'])}"
    ) in shown
    assert (
        "counting the same primary category alone (any service): "
        f"{ui.pct(headline['repeat_rate_category_alone'])}"
    ) in shown
    assert "by service alone" not in shown
    subheaders = [s.value for s in at.subheader]
    assert "Repeat rate of each service" in subheaders
    assert "Repeat rate of each category" in subheaders
    assert metric(at, "Repeat rate") == ui.pct(headline["repeat_rate"])


def test_recurrence_patterns_say_in_all_and_within_the_window(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    patterns = metrics.patterns(fixture_db, Filters(as_of=AS_OF))
    first = patterns.iloc[0]
    assert first["members"] != first["count"]  # 5 in all, at most 3 within 180 days
    at = app("app_pages/recurrence.py", view="Patterns")
    table = next(df for df in at.dataframe if "first" in df.value.columns)
    assert table.value["count"].tolist() == patterns["count"].tolist()
    assert table.value["members"].tolist() == patterns["members"].tolist()
    labels = column_labels(table)
    assert labels["count"] == "most in any 180 days"  # as the Monthly review labels it
    assert labels["members"] == "incidents in all"
    assert (
        f"{first['category']}: {first['members']} incidents in all, "
        f"at most {first['count']} within 180 days"
    ) in texts(at)

    # a link names the pattern by its name, and keeps opening it
    key = first["category"]
    linked = app("app_pages/recurrence.py", view="Patterns", pattern=key)
    assert linked.selectbox(key="pattern").value == key


def test_an_old_pattern_link_opens_its_pattern(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Links written before patterns were named service × category (the dashboard named
    them category × service) open the same pattern, and the address takes its name now."""
    use_db(fixture_db)
    patterns = metrics.patterns(fixture_db, Filters(as_of=AS_OF)).iloc[1:]  # not the default
    category = patterns[patterns["service"].isna()].iloc[-1]
    pair = patterns[patterns["service"].notna()].iloc[-1]
    for old, name in (
        (f"{category['category']} × (any service)", category["category"]),
        (f"{pair['category']} × {pair['service']}", f"{pair['service']} × {pair['category']}"),
    ):
        at = app("app_pages/recurrence.py", view="Patterns", pattern=old)
        assert at.selectbox(key="pattern").value == name
        assert address(at, "pattern") == [name]


def test_actions_cards_say_what_they_count(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    filters = Filters(as_of=AS_OF)
    summary = metrics.action_summary(fixture_db, filters).iloc[0]
    at = app("app_pages/actions.py")
    shown = texts(at)
    # closed within the SLO: of the done items and the open ones past their SLO days
    assert (
        f"{summary['closed_within_slo']} of {summary['slo_decided']} items "
        "(done, or open past 28 days)"
    ) in shown
    assert "decided" not in shown
    # No owner leaves dropped items out; the by-owner table's items count them
    assert metric(at, "No owner") == str(summary["no_owner"])
    assert f"open or done, not dropped; {summary['no_due']} with no due date" in shown
    card = next(m for m in at.metric if m.label == "No owner")
    assert "dropped ones are not counted" in card.proto.help
    by_owner = metrics.actions_by(fixture_db, filters, by="owner")
    table = next(df for df in at.dataframe if column_labels(df).get("key") == "owner")
    no_owner = table.value.set_index("key").loc["(no owner)"]
    assert no_owner["total"] == by_owner.loc[by_owner["key"].isna(), "total"].iloc[0]
    assert column_labels(table)["total"] == "items incl. dropped"
    assert "Items include dropped ones, which the rates and the No owner card leave out" in shown


def test_explorer_says_why_a_linked_id_opens_nothing(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    files = metrics.data_quality_files(fixture_db)
    rejected = files[files["status"] == "rejected"].iloc[0]
    problems = metrics.data_quality_problems(fixture_db)
    error = problems.loc[problems["path"] == rejected["path"], "message"].iloc[0]

    at = app("app_pages/incident_explorer.py", incident=rejected["postmortem_id"])
    # kept in the picker and the address: the link, copied, says the same again (R13)
    assert at.selectbox(key="incident").value == rejected["postmortem_id"]
    assert at.query_params["incident"] in (rejected["postmortem_id"], [rejected["postmortem_id"]])
    assert "**Discipline**" not in [m.value for m in at.markdown]  # no postmortem opened
    [warning] = [w.value for w in at.warning]
    assert warning.startswith(
        f"**{rejected['postmortem_id']}** is not counted: its file `{rejected['path']}` "
        "was rejected at ingest."
    )
    assert f"Error: {error}" in warning
    assert len(at.get("page_link")) == 1  # to the Data quality page

    at = app("app_pages/incident_explorer.py", incident="PM-NOT-THERE")
    [warning] = [w.value for w in at.warning]
    assert warning.startswith(
        "**PM-NOT-THERE** was not found: no counted postmortem and no rejected file has that id."
    )
    at = app("app_pages/incident_explorer.py", incident="PM-*x*[y](z)")  # Markdown in the address
    [warning] = [w.value for w in at.warning]
    assert warning.startswith("**PM-\\*x\\*\\[y\\]\\(z\\)** was not found")

    # counted, but started after as of: not in the metrics as of then
    later = metrics.incidents(fixture_db, Filters(as_of=AS_OF), repeat_of=False).iloc[0]
    as_of = str(later["started_date"])[:10]
    at = app("app_pages/incident_explorer.py", incident=later["id"], as_of=as_of)
    [warning] = [w.value for w in at.warning]
    after = (date.fromisoformat(as_of) + timedelta(days=1)).isoformat()
    assert warning == (
        f"**{later['id']}** started on {as_of}, on or after as of ({as_of}): it is not "
        f"counted as of that day. [Open it as of {after}]"
        f"(explorer?as_of={after}&incident={later['id']})"
    )  # "set a later As of in the sidebar" opened nothing: the address had lost the id
    at = app("app_pages/incident_explorer.py", incident=later["id"], as_of=after)  # the link
    assert not at.warning and at.selectbox(key="incident").value == later["id"]


def chart_specs(at: AppTest) -> list[dict[str, Any]]:
    import json

    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def encodings(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every encoding channel of a chart spec, its layers' included."""
    for channel in spec.get("encoding", {}).values():
        if isinstance(channel, dict):
            yield channel
    for layer in spec.get("layer", []):
        yield from encodings(layer)


# A page as the reviewer saw it: each Recurrence view, and the explorer with a postmortem open
# (its fix-and-actions and repeats tables).
PAGE_VIEWS = [
    ("app_pages/monthly_review.py", {}),
    ("app_pages/recurrence.py", {"view": "Patterns"}),
    ("app_pages/recurrence.py", {"view": "Category focus"}),
    ("app_pages/fix_levels.py", {}),
    ("app_pages/time_to_postmortem.py", {}),
    ("app_pages/actions.py", {}),
    ("app_pages/incident_explorer.py", {"incident": "PM-07"}),
    ("app_pages/data_quality.py", {}),
]


def test_name_axes_show_whole_names(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    # Streamlit's theme cuts axis labels at 100 px: "deployment-pipe…" on both Recurrence charts
    from dashboards import charts

    assert charts.NAME_LABEL_LIMIT >= 200  # ~30 characters
    use_db(fixture_db)
    named = {"service", "category", "key", "chain_level", "fix_level"}
    found = set()
    for page, params in [
        ("app_pages/recurrence.py", {}),
        ("app_pages/recurrence.py", {"view": "Category focus"}),
        ("app_pages/actions.py", {}),
        ("app_pages/fix_levels.py", {}),
    ]:
        for spec in chart_specs(app(page, **params)):
            for channel in encodings(spec):
                if channel.get("field") in named and channel.get("type") == "nominal":
                    found.add(channel["field"])
                    assert channel["axis"]["labelLimit"] == charts.NAME_LABEL_LIMIT, channel
    assert found == named


def marks(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every mark of a chart spec, its layers' included, as a dict."""
    if "mark" in spec:
        mark = spec["mark"]
        yield mark if isinstance(mark, dict) else {"type": mark}
    for layer in spec.get("layer", []):
        yield from marks(layer)


def test_every_chart_says_what_it_counts_to_a_screen_reader(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """A chart's aria-label (its spec's description) is its caption: a screen reader read
    out its axes' ticks (R27)."""
    use_db(fixture_db)
    charted = 0
    for page, params in PAGE_VIEWS:
        at = app(page, **params)
        captions = [str(c.value).replace("`", "") for c in at.caption]
        for spec in chart_specs(at):
            charted += 1
            said = spec.get("description", "")
            assert " · n = " in said and any(c.startswith(said) for c in captions), (page, said)
    assert charted >= 10


def test_rate_bars_say_their_rate_as_the_cards_round_it(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """On a projector a bar's length against a 0-100% axis was read to the nearest 20%
    (R25): each bar says its rate, as display.pct writes it (a half up), in a grey that
    shows on either theme."""
    from dashboards import charts

    use_db(fixture_db)
    chart = next(
        c
        for c in app("app_pages/time_to_postmortem.py").get("vega_lite_chart")
        if json.loads(c.proto.spec).get("encoding", {}).get("x", {}).get("field") == "on_time_rate"
    )
    text = next(m for m in marks(json.loads(chart.proto.spec)) if m["type"] == "text")
    assert text["color"] == charts.ON_ANY
    rows = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
    assert len(rows) and (rows["shown"] == rows["on_time_rate"].map(display.pct)).all()
    by_severity = metrics.ttp_by_severity(fixture_db, Filters(as_of=AS_OF))
    expected = sorted(display.pct(r) for r in by_severity["on_time_rate"].dropna())
    assert sorted(rows["shown"]) == expected


def test_bars_and_dots_have_an_edge_on_either_theme(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """SEV0's dark red was a hole in the dark theme and L1 beside unleveled one colour
    under deuteranopia (R27): every bar and filled dot is outlined in ON_ANY."""
    from dashboards import charts

    use_db(fixture_db)
    found = set()
    for page, params in PAGE_VIEWS:
        for spec in chart_specs(app(page, **params)):
            for mark in marks(spec):
                filled = mark["type"] in ("bar", "circle") or mark.get("filled")
                if filled and mark["type"] in ("bar", "circle", "point"):
                    found.add(mark["type"])
                    assert mark.get("stroke") == charts.ON_ANY, (page, mark)
                    assert mark.get("strokeWidth") == charts.EDGE, (page, mark)
                    assert "opacity" not in mark, (page, mark)  # it fades the edge (D16)
            assert "opacity" not in json.dumps(spec).replace("Opacity", ""), page
            if any(mark["type"] == "bar" for mark in marks(spec)):  # none on a bar of 0 (D16)
                assert '"strokeOpacity": {"condition": {"test": "datum[' in json.dumps(spec), page
    assert found == {"bar", "circle", "point"}


def test_count_axes_tick_whole_numbers(fixture_db: Path, use_db: Callable[[Path], None]) -> None:
    # a scale of 0-2 fixes drew ticks at 0.5 and 1.5 on the fix-level chart (review R9)
    use_db(fixture_db)
    counts = {"incidents", "count", "value"}
    found = set()
    for page in ("app_pages/fix_levels.py", "app_pages/actions.py", "app_pages/monthly_review.py"):
        for spec in chart_specs(app(page)):
            for channel in encodings(spec):
                quantity = channel.get("type") == "quantitative" and "scale" not in channel
                if channel.get("field") in counts and quantity:  # an axis, not a colour
                    found.add(channel["field"])
                    axis = channel.get("axis") or {}
                    assert (axis.get("tickMinStep"), axis.get("format")) == (1, ",d"), channel
    assert found == counts


@pytest.mark.parametrize(("page", "params"), PAGE_VIEWS, ids=lambda v: str(v))
def test_tables_head_their_columns_in_words(
    fixture_db: Path, use_db: Callable[[Path], None], page: str, params: dict[str, str]
) -> None:
    use_db(fixture_db)
    at = app(page, **params)
    assert at.dataframe, "no table"
    for table in at.dataframe:
        labels = column_labels(table)
        headers = [labels.get(str(name), str(name)) for name in table.value.columns]
        assert not [h for h in headers if "_" in h], headers
        assert table.proto.placeholder == "—"  # a missing value, not "None"


def test_table_shows_percents_whole_and_missing_values_as_a_dash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dashboards import ui

    calls: dict[str, Any] = {}
    monkeypatch.setattr(
        ui.st, "dataframe", lambda frame, **kw: calls.update(shown=frame, options=kw)
    )
    monkeypatch.setattr(
        ui.st, "download_button", lambda label, **kw: calls.__setitem__("download", kw)
    )
    monkeypatch.setattr(ui, "TABLE_ROWS", 3)
    rates = [0.2759, 0.125, 1.0, None]  # 0.125: 13%, a half up as pct and the charts round
    frame = pd.DataFrame({"owner": ["a", None, "c", "d"], "completion_rate": rates})
    config = {"completion_rate": st.column_config.NumberColumn("completion", format="percent")}
    ui.table(frame, name="rates", column_config=config)
    shown, options = calls["shown"], calls["options"]
    assert [f"{v}%" for v in shown["completion_rate"]] == [ui.pct(r) for r in rates[:3]]
    assert ui.pct(0.125) == "13%"
    assert options["column_config"]["completion_rate"]["type_config"]["format"] == "%d%%"
    assert options["column_config"]["completion_rate"]["label"] == "completion"
    assert options["column_config"]["owner"] == "owner"
    assert options["placeholder"] == "—"
    assert shown["owner"].isna().tolist() == [False, True, False]  # the dash is the browser's
    assert config["completion_rate"]["type_config"]["format"] == "percent"  # not modified
    csv = pd.read_csv(io.StringIO(calls["download"]["data"]()))
    assert csv["completion_rate"].tolist()[:3] == [0.2759, 0.125, 1.0]  # the CSV keeps rates


def test_table_counts_have_thousands_separators(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboards import ui

    calls: dict[str, Any] = {}
    monkeypatch.setattr(ui.st, "dataframe", lambda frame, **kw: calls.update(options=kw))
    frame = pd.DataFrame(
        {"key": ["a"], "incidents": [46270], "late": [True], "share": [0.5], "open": [61770]}
    )
    config = {"open": st.column_config.NumberColumn("open items")}
    ui.table(frame, name="counts", column_config=config)
    options = calls["options"]["column_config"]
    assert options["incidents"]["type_config"]["format"] == "localized"  # 46,270 in en-US
    assert options["incidents"]["label"] == "incidents"
    assert options["open"]["type_config"]["format"] == "localized"
    assert options["open"]["label"] == "open items"
    assert options["late"] == "late" and options["share"] == "share"  # not counts
    assert config["open"]["type_config"]["format"] is None  # the page's config, unchanged


def test_actions_tables_show_rates_as_the_cards_do(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    from dashboards import ui

    use_db(fixture_db)
    by_owner = metrics.actions_by(fixture_db, Filters(as_of=AS_OF), by="owner")
    at = app("app_pages/actions.py")
    table = next(df for df in at.dataframe if column_labels(df).get("key") == "owner")
    shown = table.value.set_index("key")
    expected = by_owner.assign(key=by_owner["key"].fillna("(no owner)")).set_index("key")
    for column in ("completion_rate", "on_time_rate"):
        assert [
            "—" if pd.isna(shown.at[key, column]) else f"{shown.at[key, column]}%"
            for key in expected.index
        ] == [ui.pct(rate) for rate in expected[column]]
    labels = column_labels(table)
    assert labels["median_days_to_close"] == "median days to close"
    assert labels["completion_rate"] == "completion"


def test_actions_page_compares_teams_side_by_side(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Teams could be compared only by filtering each in turn."""
    use_db(fixture_db)
    by_team = metrics.actions_by(fixture_db, Filters(as_of=AS_OF), by="team")
    at = app("app_pages/actions.py")
    table = next(df for df in at.dataframe if column_labels(df).get("key") == "team")
    shown = table.value.set_index("key")["total"].to_dict()
    expected = by_team.assign(key=by_team["key"].fillna("(no team)")).set_index("key")["total"]
    assert shown == expected.to_dict() and len(shown) >= 2


def test_time_to_postmortem_hours_axis_is_labelled_to_its_end(
    fixture_db: Path, use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Vega's log ticks left everything past 300 h unlabelled, and the latest dot at the edge
    from dashboards import charts

    use_db(fixture_db)
    rows = metrics.time_to_postmortem(fixture_db, Filters(as_of=AS_OF))
    highest = rows.loc[rows["ttp_state"] == "written", "hours"].max()
    for dots in (charts.STRIP_DOTS, 13):  # the strip, then the bands (the fixture has 14)
        monkeypatch.setattr(charts, "STRIP_DOTS", dots)
        at = app("app_pages/time_to_postmortem.py")
        [x] = [
            c
            for spec in chart_specs(at)
            for c in encodings(spec)
            if c.get("field") in ("hours", "from_hours") and "axis" in c
        ]
        ticks, domain = x["axis"]["values"], x["scale"]["domain"]
        assert domain == [1, ticks[-1]] and ticks[-1] >= max(highest, 72)
        label = x["axis"]["labelExpr"]  # the target in hours, the rest as HOURS_LABEL says
        assert 72 in ticks and label == f"datum.value == 72 ? '72 h' : ({charts.HOURS_LABEL})"


def test_half_width_tables_show_their_key_columns_first(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(fixture_db)
    at = app("app_pages/monthly_review.py", month="2026-10")
    columns = [df.value.columns.tolist() for df in at.dataframe]
    assert ["link", "waiting", "severity", "title", "services"] in columns  # pending late
    assert ["link", "owner", "days_overdue", "title", "due", "ticket"] in columns  # link first
    at = app("app_pages/actions.py")
    assert any(
        c[:3] == ["link", "owner", "days_overdue"]
        for c in (df.value.columns.tolist() for df in at.dataframe)
    )
    at = app("app_pages/time_to_postmortem.py")
    columns = [df.value.columns.tolist() for df in at.dataframe]
    assert any(c[:2] == ["link", "waiting"] for c in columns)  # the full-width list too
    assert any("pending_late" in c and c.index("pending_late") < c.index("median") for c in columns)


def test_l5_reflex_lists_the_newest_first(sample_db: Path, use_db: Callable[[Path], None]) -> None:
    """A capped table shows its first page: of the L5 reflex fixes, the latest."""

    use_db(sample_db)
    reflex = metrics.l5_reflex(sample_db, Filters(as_of=AS_OF))
    assert len(reflex) > 1 and not reflex["started"].is_monotonic_decreasing
    at = app("app_pages/fix_levels.py")
    table = next(df.value for df in at.dataframe if "postmortem_title" in df.value.columns)
    newest = reflex.sort_values("started", ascending=False, kind="stable")
    assert table["link"].tolist() == [ui_link(i) for i in newest["postmortem_id"]]


def test_the_reviews_lists_link_to_postmortems_as_of_the_months_end(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The overdue actions at 2026-07-01 linked to the explorer as of the page's as of, so
    an item overdue in the list showed as done there (review R17)."""
    from urllib.parse import parse_qs, urlsplit

    use_db(fixture_db)
    at = app(month="2026-06", service=["checkout-api", "search"])
    overdue = next(df.value for df in at.dataframe if "days_overdue" in df.value.columns)
    assert len(overdue) == len(
        metrics.overdue_actions(
            fixture_db, Filters(as_of=date(2026, 7, 1), services=("checkout-api", "search"))
        )
    )
    for link in overdue["link"]:
        query = parse_qs(urlsplit(link).query)
        assert query["as_of"] == ["2026-07-01"], link  # not the page's 2026-11-01
        assert query["service"] == ["checkout-api", "search"] and query["incident"]


def test_recurrence_says_why_a_services_bar_can_count_fewer_repeats_than_the_cards(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """search-api: 5 repeats on the cards, 4 on its bar; one repeats an incident of another
    service it shares (review R17). The page now says so under a service filter."""
    use_db(sample_db)
    scope = Filters(as_of=AS_OF, services=("search-api",))
    cards = metrics.repeat_rate(sample_db, scope).iloc[0]
    bars = metrics.repeat_rate_by_service(sample_db, scope).set_index("service")
    assert int(bars.loc["search-api", "repeats"]) < int(cards["repeats"])  # the case itself
    note = "Under the service filter the cards count every repeat of the incidents that name"
    at = app("app_pages/recurrence.py", service="search-api")
    assert f"{note} search-api, through whichever service" in texts(at)
    assert note not in texts(app("app_pages/recurrence.py"))


def test_under_a_service_filter_its_own_patterns_come_first(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The picker opened on the category-wide pattern, whose incidents are of six other
    services, with checkout-api's own below it (review R17)."""
    use_db(sample_db)
    params = {"service": "checkout-api", "from": "2025-06-01", "as_of": "2026-03-01"}
    at = app("app_pages/recurrence.py", view="Patterns", **params)
    options = at.selectbox(key="pattern").options
    scope = Filters(as_of="2026-03-01", start="2025-06-01", services=("checkout-api",))
    patterns = metrics.patterns(sample_db, scope)
    own = patterns[patterns["service"] == "checkout-api"]
    assert len(own) and len(own) < len(patterns)  # both kinds, the case itself
    names = [f"checkout-api × {category}" for category in own["category"]]
    assert options[: len(names)] == names and at.selectbox(key="pattern").value == names[0]
    assert sorted(options) == sorted(  # every pattern still offered
        f"{r.service} × {r.category}" if isinstance(r.service, str) else r.category
        for r in patterns.itertuples()
    )


def test_links_carry_the_pages_filters_and_quote_odd_ids() -> None:
    """A link dropped as_of and the filters, so the explorer could say 'recurred' where the
    page clicked from said 'watching'; an id with '#' or '&' opened a cut-off id."""
    from urllib.parse import parse_qs, urlsplit

    from dashboards import ui

    params = [("service", "checkout-api"), ("service", "a b"), ("as_of", "2025-12-20")]
    ids = pd.Series(["PM-1", "Checkout outage #2 & more"])
    links = ui.incident_links(ids, params).tolist()
    assert links[0] == "explorer?service=checkout-api&service=a+b&as_of=2025-12-20&incident=PM-1"
    parsed = parse_qs(urlsplit(links[1]).query)
    assert parsed == {
        "service": ["checkout-api", "a b"],
        "as_of": ["2025-12-20"],
        "incident": ["Checkout outage #2 & more"],
    }
    assert links == [ui.incident_link(i, params) for i in ids]
    assert ui.incident_link("PM-1", []) == "explorer?incident=PM-1"


def test_category_focus_follows_the_sidebars_category(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Filtered to one category, the view showed deployment-pipeline's incidents under that
    category's headline."""
    use_db(fixture_db)
    at = app("app_pages/recurrence.py", view="Category focus", category="capacity")
    picker = at.selectbox(key="focus")
    assert (picker.options, picker.value) == (["capacity"], "capacity")
    assert "deployment-pipeline incidents" not in texts(at)


def test_explorer_explains_a_rejected_file_whose_frontmatter_could_not_be_read(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """A file whose YAML or frontmatter could not be read had no id; a link to PM-2025-102
    said no rejected file had it, though PM-2025-102-shipping-....md was listed as
    rejected. Its id is now read from its `id:` line (else its name)."""
    use_db(sample_db)
    files = metrics.data_quality_files(sample_db).set_index("path")
    problems = metrics.data_quality_problems(sample_db)
    unread = problems[problems["code"].isin(["yaml-invalid", "frontmatter-unclosed"])]
    assert len(unread) >= 2
    stems = {path: path.rsplit("/", 1)[-1].removesuffix(".md") for path in unread["path"]}
    # an id line read from the broken YAML (PM-2025-026), else the name (PM-2025-102's)
    assert {files.at[path, "postmortem_id"] for path in stems} == {
        "PM-2025-026",
        stems["2025/PM-2025-102-shipping-quotes-failing-for-eu-addresses.md"],
    }
    for path, stem in stems.items():
        pm_id = "-".join(stem.split("-")[:3])  # PM-2025-102: as a link names it
        at = app("app_pages/incident_explorer.py", incident=pm_id)
        [warning] = [w.value for w in at.warning]
        assert warning.startswith(f"**{pm_id}** is not counted: its file `{path}` was rejected")


def test_data_quality_opens_a_rejected_file_first_and_says_why_on_its_row(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The viewer opened on a file with only a warning, and the rejected files' table had no
    reason in it."""
    use_db(sample_db)
    problems = metrics.data_quality_problems(sample_db)
    files = metrics.data_quality_files(sample_db)
    rejected = sorted(files.loc[files["status"] == "rejected", "path"])
    warned = sorted(set(problems["path"]) - set(rejected))
    at = app("app_pages/data_quality.py")
    picker = at.selectbox(key="dq_file")
    assert picker.options == [f"{p} (rejected)" for p in rejected] + warned
    assert picker.value == rejected[0]
    table = next(df.value for df in at.dataframe if "postmortem_id" in df.value.columns)
    errors = problems[problems["severity"] == "error"].sort_values(["path", "line"])
    first = errors.drop_duplicates("path").set_index("path")
    for path, error in zip(table["path"], table["error"], strict=True):
        assert error == f"{first.at[path, 'code']}: {first.at[path, 'message']}"


def test_the_time_line_keeps_its_shapes_year_and_legends_whatever_the_filter(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Filtered to checkout-api, only L5 fixes were in view and were drawn as circles (L1's
    shape unfiltered); the legends were cut off on a one-service chart; two years of ticks
    read "November March July" with no year; an incident without a fix was 'unleveled'."""
    use_db(sample_db)
    at = app(
        "app_pages/recurrence.py",
        view="Category focus",
        service="checkout-api",
        as_of="2025-12-20",
    )
    [spec] = [
        json.loads(c.proto.spec)
        for c in at.get("vega_lite_chart")
        if "shape" in json.loads(c.proto.spec).get("encoding", {})
    ]
    encoding = spec["encoding"]
    assert encoding["shape"]["scale"]["domain"] == charts_module().LEVEL_ORDER
    assert encoding["shape"]["scale"]["range"] == charts_module().LEVEL_SHAPES
    assert encoding["x"]["axis"]["format"] in ("%b %Y", "%-d %b %Y")
    assert spec["height"] >= charts_module().LEGENDS_HEIGHT
    drawn = next(d for d in chart_data(at) if "outcome" in d.columns and "level" in d.columns)
    fixes = metrics.fix_outcomes(sample_db, Filters(as_of=date(2025, 12, 20)))
    without = set(drawn["id"]) - set(fixes["postmortem_id"])
    assert set(drawn.loc[drawn["id"].isin(without), "level"]) <= {"no_fix"}
    assert set(drawn.loc[~drawn["id"].isin(without), "level"]) <= {
        "L1", "L2", "L3", "L4", "L5", "unleveled"
    }  # fmt: skip


def test_time_axis_labels_carry_the_year() -> None:
    from dashboards import charts

    years = pd.Series(pd.to_datetime(["2024-11-01", "2026-07-01"], utc=True))
    weeks = pd.Series(pd.to_datetime(["2026-10-01", "2026-11-10"], utc=True))
    assert (charts.time_format(years), charts.time_format(weeks)) == ("%b %Y", "%-d %b %Y")
    # a short span ticks on days, not Vega's every 12 hours ("1 Oct 2026, 1 Oct 2026")
    days = pd.Series(pd.to_datetime(["2026-10-01 10:00", "2026-10-05 09:00"], utc=True))
    assert charts.time_ticks(days) == {"interval": "day", "step": 1}
    # one incident, or a day's: no day start inside the axis, so Vega's own ticks (day
    # ticks left it without a date, D7)
    one = pd.Series(pd.to_datetime(["2026-10-01 10:00"], utc=True))
    assert charts.time_ticks(one) is None
    assert charts.time_ticks(weeks) == {"interval": "day", "step": 5}  # 40 days: 8 ticks
    assert charts.time_ticks(years)["interval"] == "month"


def test_the_focus_time_line_draws_its_end_points_whole() -> None:
    """Category focus's first and last incidents sat half over the chart's edges (R7)."""
    import math

    from dashboards import charts

    frame = pd.DataFrame({
        "started": pd.to_datetime(["2026-01-01", "2026-06-01"], utc=True),
        "service": ["api", "web"], "id": ["A", "B"], "title": ["a", "b"],
        "level": ["L5", "L3"], "outcome": ["held", "recurred"], "fix": ["x", "y"],
    })  # fmt: skip
    spec = charts.incident_timeline(frame).to_dict()
    radius = math.sqrt(spec["mark"]["size"] / math.pi)
    assert spec["encoding"]["x"]["scale"]["padding"] > radius


def test_the_focus_time_lines_tooltip_says_outcome_and_level_in_words() -> None:
    """The legend said "not done", the tooltip "not_done" (review R17)."""
    from dashboards import charts

    frame = pd.DataFrame({
        "started": pd.to_datetime(["2026-01-01", "2026-06-01"], utc=True),
        "service": ["api", "web"], "id": ["A", "B"], "title": ["a", "b"],
        "level": ["no_fix", "L3"], "outcome": ["not_done", "held"], "fix": ["x", "y"],
    })  # fmt: skip
    spec = charts.incident_timeline(frame).to_dict()
    computed = {t["as"]: t["calculate"] for t in spec["transform"]}
    shown = {t.get("title", t["field"]): t["field"] for t in spec["encoding"]["tooltip"]}
    for title in ("Fix outcome", "Fix level"):
        field = shown[title]
        assert computed[field].startswith("replace(datum.") and "'_', ' '" in computed[field]
    assert "outcome" not in shown.values() and "level" not in shown.values()


def charts_module() -> Any:
    from dashboards import charts

    return charts


def test_a_link_naming_a_service_by_its_alias_filters_by_it(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The sample maps checkout -> checkout-api: `?service=checkout` was dropped by the
    sidebar, and the page showed every service."""
    use_db(sample_db)
    at = app("app_pages/incident_explorer.py", service="checkout", category="deploy")
    assert at.multiselect(key="service").value == ["checkout-api"]
    assert at.multiselect(key="category").value == ["deployment-pipeline"]
    expected = metrics.repeat_rate(
        sample_db,
        Filters(services=("checkout-api",), categories=("deployment-pipeline",), as_of=AS_OF),
    )
    assert f"n = {int(expected['incidents'].iloc[0])} incidents" in texts(at)
    # the address names them so too: it lost them, and a copied link showed every incident
    assert address(at, "service") == ["checkout-api"]
    assert address(at, "category") == ["deployment-pipeline"]
    assert not at.warning


def test_a_link_naming_what_the_archive_does_not_have_says_so(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """`?severity=p2` (SPEC's form of SEV2) and a renamed service were dropped without a
    word: the page showed the whole archive under a link its reader took for filtered."""
    use_db(sample_db)
    at = app(
        "app_pages/recurrence.py",
        severity=["p2"],
        service=["nonexistent-svc", "checkout"],
        team=["Payments"],
    )
    assert at.multiselect(key="severity").value == ["SEV2"]
    assert at.multiselect(key="service").value == ["checkout-api"]
    assert at.multiselect(key="team").value == ["payments"]
    assert address(at, "severity") == ["SEV2"]
    [warning] = [w.value for w in at.warning]
    assert "names what this archive does not have (service nonexistent-svc)" in warning
    at.multiselect(key="service").set_value(["cart-service"]).run()
    assert not at.warning  # the service filter was changed: said no more


def test_a_link_whose_dates_are_no_dates_says_so(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """`?from=2026-13-45` showed every incident with no word, and a reversed range read
    "Filters.start … is after Filters.end" (review R13)."""
    use_db(fixture_db)
    at = app("app_pages/actions.py", **{"from": "2026-13-45"})
    assert at.date_input(key="from").value is None
    [warning] = [w.value for w in at.warning]
    assert "gave what is not a date the filters take (Started from '2026-13-45'" in warning
    at.date_input(key="from").set_value(date(2026, 1, 1)).run()
    assert not at.warning  # the filter was set: said no more
    # whatever the widget's reason to drop it: a form it does not read (D7)
    at = app("app_pages/actions.py", **{"from": "20261001"})
    assert at.date_input(key="from").value is None
    assert "Started from '20261001'" in at.warning[0].value
    # a date over ten years back is a date: the widget's own bounds dropped it (D7)
    old = app("app_pages/actions.py", **{"from": "2012-06-01"})
    assert old.date_input(key="from").value == date(2012, 6, 1) and not old.warning
    backwards = app("app_pages/actions.py", **{"from": "2026-10-31", "to": "2026-10-01"})
    [error] = [e.value for e in backwards.error]
    assert error == (
        "These filters cannot be applied: Started from (2026-10-31) is after Started to "
        "(2026-10-01)."
    )
    assert "Filters." not in error


def test_ttp_charts_read_by_severity_in_its_order_and_hold_still(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The on-time bars were sorted by rate (SEV4, SEV1, SEV2, SEV3), and the strip's dots
    took Vega's random() offset: a different picture on every load, dots between two
    rows (review R13). The month highlight outlines; it faded the other months, whose
    SEV4 then read as the legend's SEV5."""
    use_db(fixture_db)
    specs = chart_specs(app("app_pages/time_to_postmortem.py"))
    bars = next(
        s for s in specs if s.get("encoding", {}).get("x", {}).get("field") == "on_time_rate"
    )
    assert bars["encoding"]["y"]["sort"] == SEVERITY_ORDER
    strip = next(s for s in specs if "layer" in s and "yOffset" in json.dumps(s))
    assert "random()" not in json.dumps(strip)
    again = next(
        s
        for s in chart_specs(app("app_pages/time_to_postmortem.py"))
        if "layer" in s and "yOffset" in json.dumps(s)
    )
    assert again == strip  # the same dots in the same places
    review = chart_specs(app(month="2026-10"))
    severity = next(
        s for s in review if s.get("encoding", {}).get("color", {}).get("field") == "severity"
    )
    assert "opacity" not in severity["encoding"] and "strokeWidth" in severity["encoding"]


def test_cards_that_count_at_now_say_the_date(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """The review's Overdue (145, at the month's end) became 164 one click later on Actions
    (as of today), under the same label and with no date (review R13)."""
    use_db(fixture_db)
    actions = app("app_pages/actions.py")
    assert f"open past due at {AS_OF}" in texts(actions)
    ttp = app("app_pages/time_to_postmortem.py")
    assert f"no postmortem, over 72 h at {AS_OF}" in texts(ttp)


def test_the_severity_chart_caption_names_the_months_it_draws(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """It said "the 13 months to 2026-10" for an archive of fewer months."""
    use_db(fixture_db)
    at = app("app_pages/monthly_review.py", month="2025-12")
    drawn = next(d for d in chart_data(at) if "severity" in d.columns and "month" in d.columns)
    first = sorted(drawn["month"].astype(str).str[:7])[0]
    assert len(set(drawn["month"])) < 13  # the archive starts less than a year before
    assert f"Incidents per start month and severity, {first} to 2025-12" in texts(at)


def test_the_on_time_line_breaks_at_months_without_postmortems(
    make_db: Callable[..., Path], use_db: Callable[[Path], None]
) -> None:
    """Months with no eligible incident were left out of the chart's axis: April and August
    were drawn next to each other, the line between them looking continuous."""

    def pm(n: int, day: str) -> str:
        return (
            f"---\nid: PM-{n}\nstarted: {day}T10:00:00Z\nresolved: {day}T11:00:00Z\n"
            f"postmortem_date: {day}T20:00:00Z\n---\n"
        )

    use_db(make_db({"a.md": pm(1, "2026-04-02"), "b.md": pm(2, "2026-08-03")}))
    at = app("app_pages/time_to_postmortem.py")  # as of 2026-11-01: through October
    drawn = next(d for d in chart_data(at) if "measure" in d.columns)
    assert drawn["month"].tolist() == [f"2026-{m:02d}" for m in range(4, 11)]
    assert drawn["rate"].isna().tolist() == [False, True, True, True, False, True, True]


def test_the_actions_and_fix_level_trends_run_through_as_of_as_the_on_time_one_does(
    make_db: Callable[..., Path], use_db: Callable[[Path], None]
) -> None:
    """R21: they ran to the filters' last incident (a service quiet since April showed its
    "last 13 months" ending in April) and skipped the months between, where the on-time
    chart runs through the month of the last day counted, every month drawn."""

    def pm(n: int, day: str) -> str:
        return (
            f"---\nid: PM-{n}\nstarted: {day}T10:00:00Z\npostmortem_date: {day}T20:00:00Z\n"
            "fix:\n  summary: canary\n  level: L5\n  status: done\n"
            f"  done: {day}\nactions:\n  - title: alert\n    status: open\n---\n"
        )

    use_db(make_db({"a.md": pm(1, "2026-04-02"), "b.md": pm(2, "2026-08-03")}))
    october = [f"2026-{m:02d}" for m in range(4, 11)]  # as of 2026-11-01: through October
    actions = app("app_pages/actions.py")
    rates = next(d for d in chart_data(actions) if "measure" in d.columns)
    completion = rates[rates["metric"] == "action_completion_rate"]
    assert completion["month"].tolist() == october
    assert completion["rate"].isna().tolist() == [False, True, True, True, False, True, True]
    levels = app("app_pages/fix_levels.py")
    l5 = next(d for d in chart_data(levels) if "measure" in d.columns)
    assert l5["month"].tolist() == october
    assert l5["rate"].notna().tolist() == [True, False, False, False, True, False, False]
    by_level = next(d for d in chart_data(levels) if {"month", "level"} <= set(d.columns))
    assert sorted(set(by_level["month"])) == october
    l5_counts = by_level[by_level["level"] == "L5"].set_index("month")["count"]
    assert l5_counts.to_dict() == {m: int(m in ("2026-04", "2026-08")) for m in october}
    assert str(by_level["count"].dtype).startswith("int")


def test_fix_outcomes_read_as_words_in_the_tables(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    use_db(sample_db)
    at = app("app_pages/recurrence.py", view="Category focus")
    table = next(df.value for df in at.dataframe if "recurred_by" in df.value.columns)
    outcomes = set(table["outcome"].dropna())
    assert "not done" in outcomes and not any("_" in o for o in outcomes)


def test_the_explorer_says_how_long_after_its_fix_an_incident_came_back(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """As the report: PM-13's fix (done 2026-08-20, 00:00 Berlin) came back as PM-15 68.5
    days later, which is no repeat of PM-13 (D7)."""
    use_db(fixture_db)
    at = app("app_pages/incident_explorer.py", incident="PM-13")
    table = next(df.value for df in at.dataframe if "recurred_by" in df.value.columns)
    assert "PM-15 68.5 d after" in table["recurred_by"].tolist()


@pytest.mark.parametrize(
    ("incident", "said", "not_said"),
    [
        ("PM-03", "written late", "pending late"),
        ("PM-15", "postmortem pending late", "written late"),
    ],
)
def test_the_explorer_says_which_late_a_postmortem_is(
    fixture_db: Path, use_db: Callable[[Path], None], incident: str, said: str, not_said: str
) -> None:
    """The discipline badge of one incident says whether its postmortem was written late or
    is still pending late ("written late or pending late" left the reader to work it out,
    R25). PM-03 was written 96 h after; PM-15 has no postmortem date and is past 72 h."""
    use_db(fixture_db)
    at = app("app_pages/incident_explorer.py", incident=incident)
    badges = next(m.value for m in at.markdown if ":red-badge[" in m.value)
    assert f":red-badge[{said}]" in badges
    assert not_said not in badges


def test_pending_late_says_when_it_counts_from_the_start(
    sample_db: Path, use_db: Callable[[Path], None]
) -> None:
    """PM-2025-115 has no `resolved`: its waiting time read as since resolution."""
    use_db(sample_db)
    pending = metrics.pending_late(sample_db, Filters(as_of=AS_OF))
    approximate = pending[pending["approximate"].astype(bool)]
    assert not approximate.empty
    at = app("app_pages/time_to_postmortem.py")
    table = next(df.value for df in at.dataframe if "waiting" in df.value.columns)
    marked = table[table["waiting"].str.endswith(" (from start)")]
    assert len(marked) == len(approximate)


def test_the_heatmap_labels_repeats_alone_when_the_counts_are_large(
    fixture_db: Path, make_db: Callable[..., Path], use_db: Callable[[Path], None]
) -> None:
    """At 100k "1632/1633" ran into the next cells: past 100 incidents in a cell the label
    is the repeats alone."""
    use_db(fixture_db)
    at = app("app_pages/recurrence.py")
    cells = next(d for d in chart_data(at) if "label" in d.columns)
    assert cells["label"].str.contains("/").all()
    assert "label: repeats/incidents" in texts(at)

    busy = {
        f"{n}.md": (
            f"---\nid: PM-{n}\nstarted: 2026-{n % 9 + 1:02d}-{n % 27 + 1:02d}T10:00:00Z\n"
            "services: [api]\ncategory: deploy\n---\n"
        )
        for n in range(120)
    }
    use_db(make_db(busy))
    at = app("app_pages/recurrence.py")
    cells = next(d for d in chart_data(at) if "label" in d.columns)
    assert not cells["label"].str.contains("/").any()
    assert "label: repeats (incidents in the tooltip)" in texts(at)


def test_heatmap_labels_read_on_dark_cells_and_its_legend_counts_whole() -> None:
    """On a projector the grid's black labels on dark-brown cells could not be read, and
    the legend of counts ticked 0.5, 1.5 (review R13)."""
    from dashboards import charts

    frame = pd.DataFrame(
        {"row": ["a", "a", "b"], "col": ["x", "y", "x"], "n": [1, 10, 4], "label": ["1", "10", "4"]}
    )
    spec = charts.heatmap(frame, row="row", column="col", value="n", text="label").to_dict()
    cells, labels = spec["layer"]
    assert cells["encoding"]["color"]["legend"] == {"format": "d", "tickMinStep": 1}
    colour = labels["encoding"]["color"]
    # past 0.7 of the way from the smallest count to the largest, as the scale runs (D15)
    assert colour["condition"]["test"] == "datum['n'] > 7.3"
    assert (colour["condition"]["value"], colour["value"]) == ("white", palette.INK)
    # the largest cells a middle grey, no black: they were holes on the dark theme (R25)
    assert cells["encoding"]["color"]["scale"] == {"range": charts._CELL_RANGE}
    assert all(min(int(c[i : i + 2], 16) for i in (1, 3, 5)) > 0x50 for c in charts._CELL_RANGE)
    assert cells["encoding"]["x"]["axis"]["orient"] == "top"  # named above the grid (R25)
    assert cells["encoding"]["y"]["axis"]["labelExpr"] == charts.WORDS  # no_fix: "no fix"


def test_rules_outlines_and_shape_legends_show_on_either_theme(fixture_db: Path) -> None:
    """R25: the target line, its label, the review month's outline and the fix levels'
    legend shapes were black, invisible on the dark theme."""
    from dashboards import charts

    rows = metrics.time_to_postmortem(fixture_db, Filters(as_of=date(2026, 11, 1)))
    spec = json.dumps(charts.ttp_strip(rows[rows["ttp_state"] == "written"], 72).to_dict())
    assert '"black"' not in spec and spec.count(charts.ON_ANY) >= 2
    # a rate's line one colour on either theme, not the theme's palette (R25: swapped)
    rates = pd.DataFrame({
        "month": "2026-10", "metric": ["action_completion_rate", "action_on_time_rate"],
        "rate": 0.5, "numerator": 1, "denominator": 2, "small_sample": True,
    })  # fmt: skip
    line = charts.rate_trend(rates).to_dict()["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(line["domain"], line["range"], strict=True)) == {
        "Action completion": charts._RATE_COLORS["action_completion_rate"],
        "Actions done on time": charts._RATE_COLORS["action_on_time_rate"],
    }  # the rates drawn alone, in the legend too
    months = pd.DataFrame({"month": ["2026-09", "2026-10"], "severity": "SEV2", "incidents": 1})
    bars = json.dumps(charts.incidents_by_month(months, highlight="2026-10").to_dict())
    assert '"black"' not in bars and charts.ON_ANY in bars
    timeline = pd.DataFrame({
        "id": "PM-1", "title": "t", "started": pd.Timestamp("2026-10-01"), "service": "api",
        "level": "no_fix", "outcome": "no fix", "fix": "",
    }, index=[0])  # fmt: skip
    shape = charts.incident_timeline(timeline).to_dict()["encoding"]["shape"]["legend"]
    assert (shape["symbolFillColor"], shape["symbolStrokeColor"]) == (charts.ON_ANY,) * 2
    assert charts._RATE_COLORS.keys() == display.RATE_NAMES.keys()  # every rate one colour
    other = rates.assign(metric=["action_completion_rate", "mystery_rate"])
    scale = charts.rate_trend(other).to_dict()["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Action completion", "mystery_rate"]  # drawn, in ON_ANY (D15)
    assert scale["range"][1] == charts.ON_ANY


def test_overdue_is_drawn_in_one_colour_on_the_actions_page(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Red in the aging chart, light blue in the owners' bars beside it."""
    from analytics import palette

    use_db(fixture_db)
    at = app("app_pages/actions.py")
    scales = [
        channel["scale"]
        for spec in chart_specs(at)
        for channel in encodings(spec)
        if "Overdue" in channel.get("scale", {}).get("domain", [])
    ]
    assert len(scales) >= 2  # the aging chart and the owners' bars
    for scale in scales:
        colours = dict(zip(scale["domain"], scale["range"], strict=True))
        assert colours["Overdue"] == palette.BAD and colours["Open"] == palette.NEUTRAL


def test_the_default_as_of_is_the_archives_today_as_the_report_takes_it(
    make_db: Callable[..., Path], use_db: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached by the server's date, the page's today lagged the archive's by a day where the
    two dates differ (an archive in Los Angeles on a UTC server, 09:00 UTC)."""
    import datetime as real

    import analytics.metrics.db as metrics_db

    db = make_db(
        {"a.md": "---\nid: PM-1\nstarted: 2026-10-01T10:00:00Z\n---\n# a\n"},
        timezone="America/Los_Angeles",
    )
    use_db(db)
    now = [real.datetime(2026, 11, 30, 7, 0, tzinfo=real.UTC)]

    class Clock(real.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return now[0].astimezone(tz)

    monkeypatch.setattr(metrics_db, "datetime", Clock)
    assert state.today() == date(2026, 11, 29)  # 23:00 in Los Angeles
    now[0] = real.datetime(2026, 11, 30, 9, 0, tzinfo=real.UTC)  # the same UTC day
    assert state.today() == date(2026, 11, 30) == metrics.open_db(db).today()


def test_fix_levels_counts_what_became_of_the_fixes(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """Fix effectiveness was shown a fix at a time (Category focus's dots, the explorer):
    no page said how many held, recurred or are watched, for a team or at all."""
    use_db(fixture_db)
    for team in (None, "search-team"):
        at = app("app_pages/fix_levels.py", **({"team": team} if team else {}))
        filters = Filters(as_of=AS_OF, teams=(team,) if team else ())
        counts = metrics.fix_effectiveness(fixture_db, filters).set_index("outcome")["count"]
        assert counts["held"] > 0 and counts["recurred"] > 0
        if not team:
            assert counts["dropped"] == 1 and counts["not_done"] == 2  # the wontfix: dropped
        for outcome, label in [
            ("held", "Held"),
            ("recurred", "Recurred"),
            ("watching", "Watching"),
            ("not_done", "Not done"),
            ("dropped", "Dropped"),
            ("unknown", "Unknown"),
        ]:
            assert metric(at, label) == str(counts[outcome]), (team, outcome)


def pinned(at: AppTest) -> dict[str, list[str]]:
    """The query of the page's 'Link to this view' (ui.pin)."""
    from urllib.parse import parse_qs

    caption = next(str(c.value) for c in at.caption if "Link to this view" in str(c.value))
    target = caption.split("](?", 1)[1].split(")", 1)[0]
    return parse_qs(target)


def test_a_pinned_link_keeps_the_choices_a_copied_address_leaves_out(
    fixture_db: Path, use_db: Callable[[Path], None]
) -> None:
    """A choice left at its default is not in the address (Streamlit's binding), so a copied
    link opened the default of its reader's day: another month once a month ended. The
    link under a picker writes it, and as of, and keeps the sidebar's filters."""
    use_db(fixture_db)
    at = app()  # the monthly review, on its default month
    month = at.selectbox(key="month").value
    assert pinned(at) == {"as_of": [AS_OF], "month": [month]}
    later = app(**{k: v[0] for k, v in pinned(at).items()})
    assert later.selectbox(key="month").value == month

    at = app("app_pages/recurrence.py", view="Category focus", category="capacity")
    assert pinned(at) == {
        "category": ["capacity"],
        "as_of": [AS_OF],
        "view": ["Category focus"],
        "focus": ["capacity"],
    }
    at = app("app_pages/recurrence.py", view="Patterns")
    first = at.selectbox(key="pattern").value
    assert pinned(at) == {"as_of": [AS_OF], "view": ["Patterns"], "pattern": [first]}


@pytest.mark.parametrize(
    ("page", "params", "named"),
    [
        (None, {"month": "1999-01"}, "the month '1999-01'"),
        ("app_pages/recurrence.py", {"view": "Patterns", "pattern": "no-such"}, "pattern"),
        ("app_pages/recurrence.py", {"view": "Category focus", "focus": "nope"}, "category"),
    ],
)
def test_a_link_naming_a_choice_the_page_lacks_says_so(
    fixture_db: Path,
    use_db: Callable[[Path], None],
    page: str | None,
    params: dict[str, str],
    named: str,
) -> None:
    """An unknown pattern= opened the first pattern without a word."""
    use_db(fixture_db)
    at = app(page, **params)
    warnings = [str(w.value) for w in at.warning]
    assert any(named in w and "these filters do not have" in w for w in warnings), warnings
    assert not app(page, **{k: v for k, v in params.items() if k == "view"}).warning


def test_the_explorer_shows_and_searches_every_category(
    make_db: Callable[..., Path], use_db: Callable[[Path], None]
) -> None:
    """It showed only the primary category: a postmortem's others were nowhere."""
    use_db(
        make_db(
            {
                "a.md": (
                    "---\nid: PM-1\ntitle: One\nstarted: 2026-10-05T10:00:00Z\n"
                    "categories: [deployment-pipeline, config-change, capacity]\nservices: [api]\n"
                    "---\n# x\n"
                ),
                "b.md": (
                    "---\nid: PM-2\ntitle: Two\nstarted: 2026-10-06T10:00:00Z\n"
                    "category: network\nservices: [api]\n---\n# x\n"
                ),
            }
        )  # fmt: skip
    )
    at = app("app_pages/incident_explorer.py", incident="PM-1", q="config-change")
    meta = next(df.value for df in at.dataframe if "field" in df.value.columns)
    shown = meta.set_index("field")["value"]
    assert shown["category"] == "deployment-pipeline (also config-change, capacity)"
    listing = next(df.value for df in at.dataframe if "ttp_state" in df.value.columns)
    assert len(listing) == 1  # found by a category that is not its primary one
    at = app("app_pages/incident_explorer.py", incident="PM-2")
    shown = next(df.value for df in at.dataframe if "field" in df.value.columns)
    assert shown.set_index("field")["value"]["category"] == "network"


def test_a_postmortems_headings_sit_below_the_pages() -> None:
    """R25: the body's `# Title` and `## Summary` were larger than the page's "Postmortem"
    heading; a fenced block's `#` lines are code, not headings."""
    from dashboards.ui import demoted_headings

    body = "# Title\n## Summary\n```\n# code\n```\n#tag\n#### Deep\n~~~~\n## in\n~~~\n## in\n~~~~\n"
    assert demoted_headings(body).split("\n") == [
        "#### Title", "##### Summary", "```", "# code", "```", "#tag", "###### Deep",
        "~~~~", "## in", "~~~", "## in", "~~~~", "",
    ]  # fmt: skip
    # inline code is no fence, and an HTML block or comment is shown as text (D15)
    assert demoted_headings("```x``` is code\n# After") == "```x``` is code\n#### After"
    html = "<div>\n# in\n</div>\n\n<!--\n# note\n-->\n# After"
    assert demoted_headings(html) == html.replace("# After", "#### After")
