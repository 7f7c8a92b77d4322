"""The review functions of the metrics layer, on the fixture archive of tests/test_metrics.py
(its docstring works out every incident; months are Berlin months).

Month by month: 2026-07 PM-12 (repeat; fix L4 done), 2026-08 PM-13 (repeat while PM-08's fix
was open; ttp 96 h; fix L4 done + unleveled fix dropped; action open), 2026-09 PM-14 (ttp
24 h; no fix; action open, due 2026-12-01), 2026-10 PM-15 (repeat while PM-13's action was
open; pending late), PM-16 (not late yet), PM-17 (repeat of PM-16; no resolved).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import analytics.metrics as m
from analytics.metrics import Filters
from analytics.metrics.review import MEASURES

AS_OF = date(2026, 11, 1)
F = Filters(as_of=AS_OF)


def review_rows(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    return {str(row["measure"]): row for row in frame.to_dict(orient="records")}


def is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --- month_filters ----------------------------------------------------------------------


def test_month_filters_are_the_month_as_of_the_next_months_first_day() -> None:
    assert m.month_filters("2026-10") == Filters(
        start=date(2026, 10, 1), end=date(2026, 10, 31), as_of=date(2026, 11, 1)
    )
    assert m.month_filters(date(2026, 12, 15)) == Filters(
        start=date(2026, 12, 1), end=date(2026, 12, 31), as_of=date(2027, 1, 1)
    )
    # an earlier as_of caps it (a month in progress); the filter dates narrow it
    narrowed = m.month_filters("2026-10", Filters(start="2026-10-10", as_of="2026-10-20"))
    assert narrowed == Filters(start="2026-10-10", end="2026-10-31", as_of="2026-10-20")
    assert m.month_filters("2026-10", Filters(end="2026-09-30")) is None
    with pytest.raises(ValueError, match="2026-10"):
        m.month_filters("October")


# --- monthly_review ---------------------------------------------------------------------


def test_monthly_review_of_october(fixture_db: Path) -> None:
    frame = m.monthly_review(fixture_db, "2026-10")
    assert frame["measure"].tolist() == [measure for measure, *_ in MEASURES]
    rows = review_rows(frame)

    def values(measure: str) -> list[object]:
        row = rows[measure]
        return [row["this_month"], row["previous_month"], row["change"]]

    # incidents: Oct 3, Sep 1; Jul-Sep 3 -> 1.0 a month
    assert values("postmortems") == [3, 1, 2]
    assert rows["postmortems"]["three_month_average"] == 1.0
    assert values("repeats") == [2, 0, 2]  # PM-15, PM-17
    assert rows["repeats"]["three_month_average"] == pytest.approx(2 / 3)  # PM-12, PM-13
    rate = rows["repeat_rate"]
    assert (rate["this_month"], rate["numerator"], rate["denominator"]) == (2 / 3, 2, 3)
    assert rate["small_sample"]
    assert (rate["previous_month"], rate["previous_numerator"]) == (0.0, 0)
    assert rate["change"] == pytest.approx(2 / 3)
    assert (rate["three_month_numerator"], rate["three_month_denominator"]) == (2, 3)
    assert rows["recurred_while_open"]["this_month"] == 1  # PM-15
    assert rows["recurred_while_open"]["three_month_average"] == pytest.approx(1 / 3)  # PM-13

    # time to postmortem: Oct 0 of 1 eligible (PM-15 pending late; PM-16, PM-17 not yet);
    # Sep 1 of 1; Jul-Sep pooled 2 of 3 (PM-13 late), median of 24, 96, 24 h
    ttp = rows["ttp.on_time_rate"]
    assert (ttp["numerator"], ttp["denominator"], ttp["this_month"]) == (0, 1, 0.0)
    assert (ttp["previous_numerator"], ttp["previous_denominator"]) == (1, 1)
    assert ttp["change"] == -1.0
    assert ttp["three_month_average"] == pytest.approx(2 / 3)
    median = rows["ttp.median_hours"]
    assert is_nan(median["this_month"]) and is_nan(median["change"])  # none written in Oct
    assert (median["previous_month"], median["three_month_average"]) == (24.0, 24.0)
    assert values("ttp.pending_late") == [1, 0, 1]

    # actions: none in Oct (no rate, never 0); Sep A14 open; Jul-Sep done F12, F13a of
    # F12, F13a, A13, A14 (F13b dropped)
    completion = rows["actions.completion_rate"]
    assert is_nan(completion["this_month"]) and completion["denominator"] == 0
    assert (completion["previous_month"], completion["previous_denominator"]) == (0.0, 1)
    assert completion["three_month_average"] == 0.5
    # the overdue backlog (F07, F08, A02, A05) at both month ends; a stock: no average
    backlog = rows["actions.overdue_all"]
    assert (backlog["this_month"], backlog["previous_month"], backlog["change"]) == (4, 4, 0)
    assert is_nan(backlog["three_month_average"])

    # fix levels: Oct PM-15..17 have no fix; Jul-Sep L4 F12, F13a, unleveled F13b, no fix PM-14
    assert values("fix_levels.no_fix") == [3, 1, 2]
    assert rows["fix_levels.L4"]["three_month_average"] == pytest.approx(2 / 3)
    assert rows["fix_levels.unleveled"]["three_month_average"] == pytest.approx(1 / 3)
    share = rows["l5_share"]
    assert is_nan(share["this_month"])
    assert (share["three_month_numerator"], share["three_month_denominator"]) == (0, 2)


def test_monthly_review_columns_are_summaries_as_of_each_months_end(fixture_db: Path) -> None:
    rows = review_rows(m.monthly_review(fixture_db, "2026-08", Filters(services=("checkout-api",))))
    month = m.summary(fixture_db, Filters(services=("checkout-api",), start="2026-08-01",
                                          end="2026-08-31", as_of="2026-09-01"))  # fmt: skip
    before = m.summary(fixture_db, Filters(services=("checkout-api",), start="2026-07-01",
                                           end="2026-07-31", as_of="2026-08-01"))  # fmt: skip
    # the three months before, each as of its own end
    three = [
        m.summary(fixture_db, Filters(services=("checkout-api",), start=f"2026-0{n}-01",
                                      end=f"2026-0{n}-{last}", as_of=f"2026-0{n + 1}-01"))
        for n, last in ((5, 31), (6, 30), (7, 31))
    ]  # fmt: skip
    assert rows["postmortems"]["this_month"] == month["postmortems"] == 1  # PM-13
    assert rows["postmortems"]["previous_month"] == before["postmortems"] == 0
    assert rows["postmortems"]["three_month_average"] == sum(t["postmortems"] for t in three) / 3
    assert rows["postmortems"]["three_month_average"] == 1 / 3
    assert rows["ttp.on_time_rate"]["this_month"] == month["ttp"]["on_time_rate"] == 0.0
    assert rows["repeat_rate"]["three_month_average"] == 1.0  # PM-10
    assert [t["repeats"] for t in three] == [1, 0, 0]


def test_summary_numbers_without_patterns_or_fixes_are_the_same_numbers(fixture_db: Path) -> None:
    # the review's columns leave out the pattern list and the fix outcomes it does not show
    from analytics.metrics.headline import summary_numbers

    filters = Filters(start="2026-05-01", end="2026-10-31", as_of="2026-11-01")
    whole = m.summary(fixture_db, filters)
    numbers = summary_numbers(fixture_db, filters, with_patterns=False, with_fixes=False)
    assert numbers["patterns"] is None and numbers["fixes"] is None
    assert whole["patterns"] and sum(whole["fixes"].values()) > 0
    assert {k: v for k, v in numbers.items() if k not in ("patterns", "fixes")} == {
        k: v for k, v in whole.items() if k not in ("patterns", "fixes")
    }


def test_monthly_review_average_counts_only_months_in_the_filters(fixture_db: Path) -> None:
    # from 2026-09-01: of Jul-Sep only September is in the filters, so its count is the average
    rows = review_rows(m.monthly_review(fixture_db, "2026-10", Filters(start="2026-09-01")))
    assert rows["postmortems"]["three_month_average"] == 1.0  # PM-14 over 1 month
    # to 2026-08-31: October and September are outside the filters; Jul-Aug over 2 months
    rows = review_rows(m.monthly_review(fixture_db, "2026-10", Filters(end="2026-08-31")))
    assert is_nan(rows["postmortems"]["this_month"])
    assert is_nan(rows["postmortems"]["previous_month"])
    assert rows["postmortems"]["three_month_average"] == 1.0  # PM-12, PM-13 over 2 months


# --- monthly_trend ----------------------------------------------------------------------


def test_monthly_trend_takes_each_month_as_of_its_end(fixture_db: Path) -> None:
    later = Filters(as_of="2026-11-05")
    # one as_of for every month: PM-16 and PM-17 are pending late by 2026-11-05
    single = m.monthly_rates(fixture_db, later).set_index(["month", "metric"])
    assert single.loc[("2026-10", "ttp_on_time_rate"), "denominator"] == 3
    trend = m.monthly_trend(fixture_db, "2026-10", later, months=12)
    # by default 13 months, as every trend chart shows them: to 2026-09 from 2025-09; every
    # month of them, one with no incident too (the archive starts in 2025-03)
    assert m.monthly_trend(fixture_db, "2026-09", later)["month"].iloc[0] == "2025-09"
    assert m.monthly_trend(fixture_db, "2026-09", later, months=12)["month"].iloc[0] == "2025-10"
    indexed = trend.set_index(["month", "metric"])
    assert indexed.loc[("2026-10", "ttp_on_time_rate"), "denominator"] == 1  # as of 11-01
    # 12 months back is 2025-11 (no incident): drawn, with zeros
    assert trend["month"].iloc[0] == "2025-11" and trend["month"].iloc[-1] == "2026-10"
    assert len(trend) == 12 * 5
    assert trend["metric"].iloc[:5].tolist() == [
        "repeat_rate", "ttp_on_time_rate", "l5_share", "action_completion_rate",
        "action_on_time_rate",
    ]  # fmt: skip
    # a point equals the review's column of that month
    review = review_rows(m.monthly_review(fixture_db, "2026-10", later))
    september = indexed.loc[("2026-09", "ttp_on_time_rate")]
    assert september["denominator"] == review["ttp.on_time_rate"]["previous_denominator"]
    assert indexed.loc[("2026-10", "repeat_rate"), "rate"] == review["repeat_rate"]["this_month"]


def test_monthly_trend_zero_fills_months_between(fixture_db: Path) -> None:
    trend = m.monthly_trend(fixture_db, "2025-10", months=8).set_index(["month", "metric"])
    months = sorted({month for month, _ in trend.index})
    # PM-01 2025-03 ... PM-04 2025-09; 2025-07, 2025-08 and the month itself have none, and
    # are drawn (a report of a month with none ended its trend at the last with one); the
    # months before the archive's first incident are not
    assert months == [
        "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10"
    ]  # fmt: skip
    assert (trend.loc[("2025-10", "repeat_rate"), "denominator"]) == 0
    empty = trend.loc[("2025-07", "repeat_rate")]
    assert (empty["numerator"], empty["denominator"]) == (0, 0)
    assert is_nan(empty["rate"]) and empty["small_sample"]
    assert m.monthly_trend(fixture_db, "2024-06").empty


def test_monthly_trend_draws_no_month_that_has_not_begun(fixture_db: Path) -> None:
    # as of 2026-11-01, a trend to 2027-01 ends at October: November starts on as_of (none
    # of its incidents has started at 00:00), December and January later (D4: zeros drawn)
    trend = m.monthly_trend(fixture_db, "2027-01", Filters(as_of=date(2026, 11, 1)))
    months = sorted(set(trend["month"]))
    assert months == [f"2026-{n:02d}" for n in range(1, 11)]  # of 2026-01 .. 2027-01
    same = m.monthly_trend(fixture_db, "2026-10", Filters(as_of=date(2026, 11, 1)))
    tail = trend[trend["month"] >= "2026-01"].reset_index(drop=True)
    pd.testing.assert_frame_equal(tail, same[same["month"] >= "2026-01"].reset_index(drop=True))
    # a month in progress is drawn: as of 2026-10-15, October so far
    assert (
        m.monthly_trend(fixture_db, "2026-12", Filters(as_of=date(2026, 10, 15)))["month"].max()
        == "2026-10"
    )


def test_the_month_in_progress_is_as_of_today_when_as_of_is_unset(
    make_db: Callable[..., Path],
) -> None:
    """R24: `monthly_review(db, "2026-11")` on 2026-11-29 counted the month as of 12-01,
    an incident started today and an item due today (overdue) with it, where `summary`,
    the report and the dashboard are as of today."""
    today = m.open_db(make_db({"x.md": "---\nstarted: 2020-01-01\n---\n"})).today()
    first = today.replace(day=1)
    keys = "services: [api]\ncategory: deploy\n"
    files = {
        "today.md": f"---\nstarted: {today}T00:00:00Z\n{keys}---\n",
        "first.md": f"---\nstarted: {first}T00:00:00Z\n{keys}actions:\n"
        f"  - title: a\n    due: {today}\n---\n",
        "before.md": f"---\nstarted: {first.replace(year=first.year - 1)}\n{keys}---\n",
    }
    db = make_db(files)
    month, now = f"{today:%Y-%m}", Filters(as_of=today)
    frame = m.monthly_review(db, month)
    pd.testing.assert_frame_equal(frame, m.monthly_review(db, month, now))
    review = review_rows(frame)
    assert review["postmortems"]["this_month"] == (1 if first < today else 0)
    assert review[m.review.BACKLOG]["this_month"] == 0  # due today: not yet overdue
    for function in (m.monthly_trend, m.month_patterns, m.new_patterns):
        pd.testing.assert_frame_equal(function(db, month), function(db, month, now))


# --- new_patterns -----------------------------------------------------------------------


def test_new_patterns_of_a_month(fixture_db: Path) -> None:
    # PM-10 (2026-05-20) makes the third deployment-pipeline incident within 180 days
    may = m.new_patterns(fixture_db, "2026-05", F)
    assert may["category"].tolist() == ["deployment-pipeline"] * 2
    assert may["service"].tolist()[1] == "checkout-api" and pd.isna(may["service"].iloc[0])
    assert [list(ids) for ids in may["ids"]] == [["PM-05", "PM-08", "PM-10"]] * 2
    assert may["last"].tolist() == [pd.Timestamp("2026-05-20")] * 2
    # PM-03 (2025-06-01) forms the capacity patterns
    june = m.new_patterns(fixture_db, "2025-06")
    assert june["category"].tolist() == ["capacity"] * 2
    assert m.new_patterns(fixture_db, "2026-10", F).empty  # they existed before October
    assert m.new_patterns(fixture_db, "2026-05", F.replace(categories=("capacity",))).empty


@pytest.mark.parametrize("month", ["2025-06", "2026-05", "2026-10", "2026-11"])
@pytest.mark.parametrize("filters", [F, F.replace(categories=("capacity",)), Filters()])
def test_month_patterns_are_the_month_end_patterns_with_the_new_ones_marked(
    fixture_db: Path, month: str, filters: Filters
) -> None:
    listed = m.month_patterns(fixture_db, month, filters)
    year, number = map(int, month.split("-"))
    as_of = date(year + number // 12, number % 12 + 1, 1)  # the next month's first day
    if filters.as_of is not None:
        as_of = min(as_of, filters.as_of)
    expected = m.patterns(fixture_db, filters.replace(as_of=as_of))
    pd.testing.assert_frame_equal(listed.drop(columns="new"), expected)
    new = m.new_patterns(fixture_db, month, filters)
    marked = listed[listed["new"]].drop(columns="new").reset_index(drop=True)
    pd.testing.assert_frame_equal(marked, new, check_dtype=not new.empty)  # empty: object
    if month in ("2025-06", "2026-05") and filters.categories != ("capacity",):
        assert len(new) == 2


@pytest.mark.parametrize("month", ["2025-06", "2026-05", "2026-08", "2026-10"])
@pytest.mark.parametrize("narrow", ["services", "teams", "severities", "start", "month"])
def test_a_months_new_patterns_are_those_not_listed_at_its_start(
    fixture_db: Path, month: str, narrow: str
) -> None:
    """`new` is checked against patterns() at the month's first day with the same filters
    but the dates (another path than patterns_since's own check of the start), under each
    kind of filter."""
    options = m.filter_options(fixture_db)
    year, number = map(int, month.split("-"))
    first = date(year, number, 1)
    filters = {
        "services": F.replace(services=tuple(options["services"][:2])),
        "teams": F.replace(teams=tuple(options["teams"][:1])),
        "severities": F.replace(severities=tuple(options["severities"][:1])),
        "start": F.replace(start=date(2026, 4, 1)),
        "month": F.replace(start=first, end=date(year + number // 12, number % 12 + 1, 1)),
    }[narrow]
    listed = m.month_patterns(fixture_db, month, filters)
    before = m.patterns(fixture_db, filters.replace(as_of=first, start=None, end=None))
    keys_before = set(zip(before["category"], before["service"].fillna("-"), strict=True))
    expected = [
        (category, service) not in keys_before
        for category, service in zip(listed["category"], listed["service"].fillna("-"), strict=True)
    ]
    assert listed["new"].tolist() == expected


def test_dates_set_to_the_month_do_not_make_old_patterns_new(sample_db: Path) -> None:
    """With the dashboard's dates set to October, "New in 2026-10" listed 8 patterns, one
    since 2024-10-11: at October's first day no member was in dates that start then, so no
    pattern was listed then (review R13). The month's new pattern is the archive's."""
    month = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31))
    new = m.new_patterns(sample_db, "2026-10", month)
    assert list(zip(new["category"], new["service"], strict=True)) == [("capacity", "search-api")]
    everything = m.new_patterns(sample_db, "2026-10")
    pd.testing.assert_frame_equal(new.drop(columns="ids_in_scope"),
                                  everything.drop(columns="ids_in_scope"))  # fmt: skip
    listed = m.month_patterns(sample_db, "2026-10", month)
    assert listed["new"].sum() == 1 and len(listed) > 1  # the old ones are listed, not new


# --- actions_closed, fixes_recurred -----------------------------------------------------


def test_actions_closed_between_two_dates(fixture_db: Path) -> None:
    june = m.actions_closed(fixture_db, F, "2026-06-01", "2026-06-30")
    # F10 done 06-01, F11 06-20 (a done date without status), A10 06-30: both ends count
    assert list(zip(june["postmortem_id"], june["kind"], strict=True)) == [
        ("PM-10", "fix"), ("PM-11", "fix"), ("PM-10", "action")
    ]  # fmt: skip
    assert june["done_on_time"].tolist() == [True, True, False]  # A10 due 06-15
    assert len(m.actions_closed(fixture_db, F, date(2026, 6, 2), date(2026, 6, 29))) == 1
    config = m.actions_closed(fixture_db, F.replace(categories=("config",)), "2026-06-01",
                              "2026-06-30")  # fmt: skip
    assert config["postmortem_id"].tolist() == ["PM-11"]
    assert len(m.actions_closed(fixture_db, F, "2000-01-01", "2026-10-31")) == 13  # every done


def test_fixes_recurred_between_two_dates(fixture_db: Path) -> None:
    october = m.fixes_recurred(fixture_db, F, "2026-10-01", "2026-10-31")
    assert october[["postmortem_id", "recurred_by"]].values.tolist() == [["PM-13", "PM-15"]]
    everything = m.fixes_recurred(fixture_db, F, "2025-01-01", "2026-10-31")
    assert everything["recurred_by"].tolist() == [
        "PM-02", "PM-03", "PM-07", "PM-08", "PM-12", "PM-13", "PM-15"
    ]  # fmt: skip
    # PM-07 started 2026-02-28 01:01 Berlin, PM-08 2026-03-01 11:00 (the same days in UTC:
    # the local day is tested by test_fixes_recurred_dates_a_recurrence_by_its_local_day)
    feb = m.fixes_recurred(fixture_db, F, "2026-02-28", "2026-02-28")
    assert feb["postmortem_id"].tolist() == ["PM-04"]
    assert m.fixes_recurred(fixture_db, F, "2026-03-01", "2026-03-01")[
        "postmortem_id"
    ].tolist() == ["PM-05"]


def _incident(pid: str, started: str, fix: str = "") -> str:
    return (
        f"---\nid: {pid}\ntitle: Checkout errors {pid}\nstatus: published\nseverity: SEV2\n"
        f"services: [checkout]\ncategory: deploy\nstarted: {started}\n{fix}---\n# {pid}\n"
    )


def test_fixes_recurred_dates_a_recurrence_by_its_local_day(make_db: Callable[..., Path]) -> None:
    fix = "fix:\n  summary: Canary the deploy\n  level: L3\n  status: done\n  done: 2026-01-10\n"
    db = make_db(
        {
            "a.md": _incident("PM-A", "2026-01-05T10:00:00Z", fix),
            "b.md": _incident("PM-B", "2026-02-28T23:30:00Z"),  # 00:30 on 1 March in Berlin
        },
        timezone="Europe/Berlin",
    )
    march_first = m.fixes_recurred(db, F, "2026-03-01", "2026-03-01")
    assert march_first[["postmortem_id", "recurred_by"]].values.tolist() == [["PM-A", "PM-B"]]
    assert m.fixes_recurred(db, F, "2026-02-28", "2026-02-28").empty  # not its UTC day


# --- fix_levels_by_month ----------------------------------------------------------------


def test_fix_levels_by_month(fixture_db: Path) -> None:
    frame = m.fix_levels_by_month(fixture_db, F)
    assert frame["month"].nunique() == 20 and len(frame) == 20 * 7  # 2025-03 .. 2026-10
    counts = frame.set_index(["month", "level"])["count"]
    assert counts[("2026-08", "L4")] == 1 and counts[("2026-08", "unleveled")] == 1  # PM-13
    assert counts[("2026-04", "L2")] == 1  # PM-09 is April in Berlin
    assert counts[("2026-10", "no_fix")] == 3
    assert counts[("2025-07", "L4")] == 0  # a month without incidents, zero-filled
    totals = frame.groupby("level", sort=False)["count"].sum().to_dict()
    levels = m.fix_levels(fixture_db, F)
    assert totals == dict(zip(levels["level"], levels["count"], strict=True))


# --- problem_counts, postmortem, archive_info -------------------------------------------


def test_problem_counts(fixture_db: Path, make_db: Callable[..., Path]) -> None:
    counts = m.problem_counts(fixture_db)
    assert counts.values.tolist() == [["error", "missing-started", 1, 1]]
    db = make_db({
        "a.md": "---\nid: A\n---\n# A\n",
        "b.md": "---\nid: B\n---\n# B\n",
        "c.md": "---\nid: C\nstarted: 2026-01-01\n---\n# C\n",
    })  # fmt: skip
    assert m.problem_counts(db).values.tolist() == [
        ["error", "missing-started", 2, 2],
        ["warning", "missing-category", 3, 3],  # a rejected file's warnings count too
        ["warning", "missing-services", 3, 3],
    ]


def test_postmortem_document(fixture_db: Path) -> None:
    doc = m.postmortem(fixture_db, "PM-08")
    assert doc is not None
    assert doc["title"] == "Checkout outage from a schema migration"
    assert doc["path"] == "2026/pm-08-checkout-deploy.md"
    assert doc["services"] == ["checkout-api"] and doc["tags"] == []
    assert doc["resolved"] is None  # PM-08 has no resolved
    assert doc["started"] == pd.Timestamp("2026-03-01T10:00:00Z")
    assert doc["body"] == "# Checkout outage from a schema migration\n"
    assert m.postmortem(fixture_db, "PM-99") is None
    assert m.postmortem(fixture_db, "broken-no-start") is None  # rejected files are not counted


def test_archive_info(fixture_db: Path, metrics_archive: Path) -> None:
    info = m.archive_info(fixture_db)
    assert info["timezone"] == "Europe/Berlin"
    assert Path(info["archive"]) == metrics_archive
    assert (info["postmortems"], info["rejected"]) == ("18", "1")


# --- pattern_tags -----------------------------------------------------------------------


def test_pattern_tags(fixture_db: Path, make_db: Callable[..., Path]) -> None:
    assert m.pattern_tags(fixture_db, F).empty  # the fixture archive has no tags

    def pm(pm_id: str, day: str, tags: str, category: str = "deploy") -> str:
        return (
            f"---\nid: {pm_id}\nstarted: {day}\nservices: [api]\ncategory: {category}\n"
            f"tags: [{tags}]\n---\n# {pm_id}\n"
        )

    db = make_db({
        "a.md": pm("A", "2026-01-01", "rollback, Config"),
        "b.md": pm("B", "2026-02-01", "config"),
        "c.md": pm("C", "2026-03-01", "config, Flaky_Test"),
        "d.md": pm("D", "2026-03-02", "config", category="network"),  # no pattern
    })  # fmt: skip
    frame = m.pattern_tags(db, Filters(as_of="2026-06-01"))
    rows = [
        (r.category, None if pd.isna(r.service) else r.service, r.tag, r.incidents, r.members)
        for r in frame.itertuples(index=False)
    ]
    assert rows == [
        ("deploy", None, "config", 3, 3),
        ("deploy", None, "flaky-test", 1, 3),
        ("deploy", None, "rollback", 1, 3),
        ("deploy", "api", "config", 3, 3),
        ("deploy", "api", "flaky-test", 1, 3),
        ("deploy", "api", "rollback", 1, 3),
    ]
    assert frame["share"].tolist()[:2] == [1.0, 1 / 3]
    assert list(frame["ids"].iloc[0]) == ["A", "B", "C"]
    # filters choose the patterns as in patterns(): none has a network member
    assert m.pattern_tags(db, Filters(as_of="2026-06-01", categories=("network",))).empty


# --- one connection for many calls ------------------------------------------------------


def test_snapshot_shares_one_connection(fixture_db: Path) -> None:
    db = m.open_db(fixture_db)
    with db.snapshot() as shared:
        assert m.summary(shared, F) == m.summary(db, F)
        with shared.connect() as first, shared.connect() as second:
            assert first is second
    with pytest.raises(duckdb.Error):
        shared.query("SELECT 1")  # the shared connection closed with the block
    assert db.query("SELECT 1 AS one")["one"].tolist() == [1]


def test_the_overdue_backlog_of_each_column_is_action_summarys_at_its_months_end(
    fixture_db: Path,
) -> None:
    # the review asks for action_summary's overdue column alone; it must be that column at
    # the column's as_of over every incident of the filters (the month's dates not applied).
    # checkout-api's backlog: 0 at 2026-01-01, 1 at 02-01 and 03-01, 2 from 04-01
    filters = Filters(as_of=AS_OF, services=("checkout-api",))
    seen = []
    for month, previous in (("2026-01", "2025-12"), ("2026-03", "2026-02")):
        backlog = review_rows(m.monthly_review(fixture_db, month, filters))["actions.overdue_all"]
        for column, of in (("this_month", month), ("previous_month", previous)):
            scope = m.month_filters(of, filters)
            assert scope is not None
            whole = m.action_summary(fixture_db, filters.replace(as_of=scope.as_of))
            assert backlog[column] == whole["overdue"].iloc[0], (month, column)
            seen.append(backlog[column])
        assert is_nan(backlog["three_month_average"])
    assert seen == [1, 0, 2, 1]  # each column's as_of gives another backlog


def test_the_three_month_average_takes_each_month_as_of_its_own_end(
    make_db: Callable[..., Path],
) -> None:
    """As of the review month's first day, the three months before had had up to two months
    more to close their actions and write their postmortems than the month under review:
    completion read 10% against an average of 39% every month (review R10). Each is now
    counted as of its own end, as the month and the previous month are."""

    def pm(number: int, started: str, extra: str) -> str:
        return (
            f"---\nid: PM-{number}\ntitle: t{number}\nstarted: {started}T10:00:00Z\n"
            f"resolved: {started}T11:00:00Z\nservices: [api]\ncategory: deploy\n{extra}---\n"
        )

    db = make_db({
        # July: written in a day; its action, due 20 July, done in September
        "a.md": pm(1, "2026-07-10", "postmortem_date: 2026-07-11T11:00:00Z\nactions:\n"
                   "  - {title: a, owner: x, due: 2026-07-20, status: done, done: 2026-09-15}\n"),
        # August: its postmortem written in September, 40 days on
        "b.md": pm(2, "2026-08-10", "postmortem_date: 2026-09-19T11:00:00Z\n"),
        "c.md": pm(3, "2026-10-05", "postmortem_date: 2026-10-06T11:00:00Z\n"),
    })  # fmt: skip
    rows = review_rows(m.monthly_review(db, "2026-10", Filters(as_of=AS_OF)))
    per_month = [
        m.summary(db, m.month_filters(month, Filters(as_of=AS_OF)))
        for month in ("2026-07", "2026-08", "2026-09")
    ]
    completion = rows["actions.completion_rate"]
    # open at July's end (done 15 September): 0 of 1, not 1 of 1
    assert (completion["three_month_numerator"], completion["three_month_denominator"]) == (0, 1)
    assert completion["three_month_average"] == 0.0
    assert per_month[0]["actions"]["open"] == 1
    # overdue at July's end, one item in three months
    assert rows["actions.overdue"]["three_month_average"] == pytest.approx(1 / 3)
    # August's postmortem was pending late at August's end: not in the median, late
    assert rows["ttp.median_hours"]["three_month_average"] == 24.0
    assert rows["ttp.pending_late"]["three_month_average"] == pytest.approx(1 / 3)
    on_time = rows["ttp.on_time_rate"]
    assert (on_time["three_month_numerator"], on_time["three_month_denominator"]) == (1, 2)
    # every count is the mean of the three months' summaries, each as of its end
    for measure, _, kind, _ in MEASURES:
        if kind == "count" and measure != "actions.overdue_all":
            keys = measure.split(".")
            values = [month[keys[0]] if len(keys) == 1 else month[keys[0]][keys[1]]
                      for month in per_month]  # fmt: skip
            assert rows[measure]["three_month_average"] == pytest.approx(sum(values) / 3), measure


def test_monthly_series_draw_every_month_of_the_filters_dates(fixture_db: Path) -> None:
    """A report of a month with no incident drew its severity chart to the last month with
    one (review R9). With dates, every month of them within the archive: from its first
    incident (2025-03), to the end date or the day before as_of."""
    months = [f"2025-{n:02}" for n in range(3, 12)]
    ranged = Filters(start="2024-06-01", end="2025-11-30", as_of=AS_OF)  # none in 2025-10, -11
    assert sorted(set(m.incidents_by_month(fixture_db, ranged)["month"])) == months
    assert sorted(set(m.fix_levels_by_month(fixture_db, ranged)["month"])) == months
    early = Filters(start="2025-01-01", end="2025-12-31", as_of="2025-11-15")
    assert sorted(set(m.incidents_by_month(fixture_db, early)["month"])) == months
    # without dates, from the first to the last incident in the filters
    whole = m.incidents_by_month(fixture_db, Filters(as_of=AS_OF))
    assert min(whole["month"]) == "2025-03" and max(whole["month"]) == "2026-10"


@pytest.mark.parametrize(
    ("month", "filters"),
    [
        ("2026-10", Filters(as_of=date(2026, 11, 25))),
        ("2026-06", Filters(as_of=date(2026, 11, 25), services=("checkout-api",))),
        ("2026-03", Filters(as_of=date(2026, 11, 25), severities=("SEV1", "SEV2"))),
        # the filters' dates cut the three months; as_of inside the previous month
        ("2026-08", Filters(as_of=date(2026, 7, 17), start=date(2026, 5, 12))),
        # as_of before the review month: of its three months only those begun count
        ("2026-10", Filters(as_of=date(2026, 8, 15))),
    ],
)
def test_the_three_month_column_is_the_three_months_summaries_pooled(
    sample_db: Path, month: str, filters: Filters
) -> None:
    """The review reads the three months in one window where nothing depends on as_of
    (repeats, fix levels) and sums the months' postmortem and action counts: the same as
    summary() of each month as of its own end, pooled."""
    rows = review_rows(m.monthly_review(sample_db, month, filters))
    first = m.month_filters(month, filters.replace(start=None, end=None, as_of=None))
    assert first is not None and first.start is not None
    assert filters.as_of is not None
    months = [
        scope
        for back in (3, 2, 1)
        if (scope := m.month_filters(_months_before(first.start, back), filters)) is not None
        and scope.start is not None
        and scope.start < filters.as_of  # a month not begun is not one of them
    ]
    per_month = [m.summary(sample_db, scope) for scope in months]
    assert sum(s["postmortems"] for s in per_month) > 0
    for measure, _, kind, _ in MEASURES:
        row = rows[measure]
        if measure == "actions.overdue_all":
            assert is_nan(row["three_month_average"])
            continue
        keys = measure.split(".")
        if kind == "count":
            values = [s[keys[0]] if len(keys) == 1 else s[keys[0]][keys[1]] for s in per_month]
            assert row["three_month_average"] == pytest.approx(sum(values) / len(months)), measure
        elif kind == "rate":
            numerator = sum(s["rates"][measure]["numerator"] for s in per_month)
            denominator = sum(s["rates"][measure]["denominator"] for s in per_month)
            assert (row["three_month_numerator"], row["three_month_denominator"]) == (
                numerator,
                denominator,
            ), measure
            expected = numerator / denominator if denominator else None
            assert (None if is_nan(row["three_month_average"]) else row["three_month_average"]) == (
                pytest.approx(expected) if expected is not None else None
            ), measure
        else:  # the median over the months' written postmortems, each as of its month's end
            written = pd.concat(
                [m.time_to_postmortem(sample_db, scope) for scope in months], ignore_index=True
            )
            hours = written.loc[written["ttp_state"] == "written", "hours"]
            assert row["three_month_average"] == pytest.approx(hours.median()), measure


def _months_before(first: date, back: int) -> date:
    index = first.year * 12 + first.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def test_the_first_month_a_review_can_be_of_has_no_months_before_it(fixture_db: Path) -> None:
    """1900-01 is accepted (parse_month), but its review raised: its previous month and the
    three before it are outside that range (review D5). They count as no months."""
    review = m.monthly_review(fixture_db, "1900-01", F).set_index("measure")
    assert review.loc["postmortems", "this_month"] == 0
    assert review[["previous_month", "three_month_average"]].isna().all().all()
    assert m.monthly_trend(fixture_db, "1900-01", F).empty  # before the archive's first incident
    assert m.month_filters(date(1899, 12, 1)) is None
