"""The monthly report: its numbers equal `summary --json` for the month, it works offline,
archive text is escaped, and the CLI writes where it says."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from analytics import display, metrics
from analytics.cli import main
from analytics.ingest import ingest
from analytics.metrics import (
    Database,
    Filters,
    open_db,
    repeat_pairs,
    summary,
    time_to_postmortem,
    ttp_bands,
)
from analytics.report import Period, build_report, charts, followthrough, parse_month, write_report
from analytics.report.headline import TREND_RATES
from analytics.report.render import Chart, Table, render_html

MONTH = "2026-10"
MONTH_FILTERS = Filters(start=date(2026, 10, 1), end=date(2026, 10, 31), as_of=date(2026, 11, 1))


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, keyed by the id of its <section>."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[str]]]] = {}
        self._section = ""
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("id") or ""
        elif tag == "table":
            self._rows = []
            self.tables.setdefault(self._section, []).append(self._rows)
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._rows is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[list[str]]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def pct(rate: float | None) -> str:
    """A half up, from the float's exact value (a Fraction is exact)."""
    return (
        "—"
        if rate is None or pd.isna(rate)
        else f"{math.floor(Fraction(rate * 100) + Fraction(1, 2))}%"
    )


@pytest.fixture(scope="module")
def report_html(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "2026-10.html"
    write_report(fixture_db, MONTH, out=out)
    return out.read_text(encoding="utf-8")


def test_period_is_the_month_as_of_the_next_months_first_day() -> None:
    period = Period(parse_month("2026-12"))
    assert (period.first, period.last, period.as_of) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
        date(2027, 1, 1),
    )
    assert period.previous.key == "2026-11"
    assert period.filters(Filters()) == Filters(
        start=date(2026, 12, 1), end=date(2026, 12, 31), as_of=date(2027, 1, 1)
    )
    with pytest.raises(ValueError, match="2026-10"):
        parse_month("October")


def test_a_month_not_over_is_counted_as_of_today() -> None:
    period = Period(parse_month("2026-11"), today=date(2026, 11, 27))
    assert period.in_progress and period.as_of == date(2026, 11, 27)
    assert period.filters(Filters()).as_of == date(2026, 11, 27)
    assert period.previous.as_of == date(2026, 11, 1)  # over: as of its end
    assert not period.previous.in_progress
    over = Period(parse_month("2026-10"), today=date(2026, 11, 1))  # the day after it ends
    assert not over.in_progress and over.as_of == date(2026, 11, 1)
    assert period.begun and over.begun and Period(parse_month("2026-12")).begun  # no today
    first_day = Period(parse_month("2026-12"), today=date(2026, 12, 1))  # as of 00:00: empty
    assert not first_day.begun and not Period(parse_month("2027-01"), today=date(2026, 12, 1)).begun


def test_a_report_of_a_month_not_begun_is_refused(fixture_db: Path) -> None:
    with pytest.raises(ValueError, match="January 2099 has not begun"):
        build_report(fixture_db, "2099-01")


@pytest.mark.parametrize(("month", "shown"), [("0001-01", "0001-01"), ("9999-12", "9999-12")])
def test_a_month_out_of_the_range_of_reviews_is_a_usage_error(
    fixture_db: Path, month: str, shown: str
) -> None:
    """`--month 0001-01` ended in a traceback: its trend reaches before year 1 (review D3)."""
    result = CliRunner().invoke(main, ["report", "--db", str(fixture_db), "--month", month])
    assert result.exit_code == 2
    assert f"month must be from 1900-01 to 9998-12, not {shown}" in result.stderr
    assert parse_month("1900-01") == date(1900, 1, 1)


def test_the_report_of_a_month_not_over_counts_what_is_overdue_today(
    make_db: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item due today is not overdue as of today, but is at the month's end: the report
    counted the month as of its end, so it called the item overdue before it was (the
    dashboard, as of today, did not)."""
    today = date(2026, 11, 15)  # mid-month: on the 1st the month has not begun (D14)
    monkeypatch.setattr(Database, "today", lambda self: today)
    started = (today - timedelta(days=40)).isoformat()
    db = make_db({
        "a.md": (
            f"---\nid: PM-1\nstarted: {started}T10:00:00Z\nresolved: {started}T11:00:00Z\n"
            f"actions:\n  - title: Add a canary\n    owner: ops\n    due: {today}\n---\n# a\n"
        ),
    })  # fmt: skip
    month = today.strftime("%Y-%m")
    dashboard = metrics.monthly_review(db, month, Filters(as_of=today))  # the sidebar's default
    backlog = dashboard.set_index("measure").loc["actions.overdue_all", "this_month"]
    assert backlog == 0
    html = render_html(build_report(db, month))
    card = re.search(r'Overdue \(all incidents\)</div><div class="value">(\d+)</div>', html)
    assert card is not None and card[1] == "0"
    assert f"open past due on {today}" in html
    assert metrics.monthly_review(db, month).equals(dashboard)  # unset: as of today (R24)
    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    at_end = metrics.monthly_review(db, month, Filters(as_of=month_end))  # then overdue
    assert at_end.set_index("measure").loc["actions.overdue_all", "this_month"] == 1


def test_headline_numbers_equal_summary_json_for_the_month(
    fixture_db: Path, report_html: str
) -> None:
    result = CliRunner().invoke(
        main,
        ["summary", "--json", "--db", str(fixture_db), "--as-of", "2026-11-01",
         "--from", "2026-10-01", "--to", "2026-10-31"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = json.loads(result.output)
    assert expected == summary(fixture_db, MONTH_FILTERS)  # the CLI is the API
    assert expected["postmortems"] == 3  # PM-15, PM-16, PM-17 (PM-18 starts at as_of)

    rows = {row[0]: row[1:] for row in tables(report_html)["headline"][0]}
    month = {label: cells[0] for label, cells in rows.items()}
    assert rows["Measure"][0] == "October 2026"
    assert month["Incidents"] == str(expected["postmortems"])
    assert month["Repeats"] == str(expected["repeats"])
    assert month["Repeat rate"] == pct(expected["repeat_rate"])
    assert month["Repeats while the earlier follow-through was open"] == str(
        expected["recurred_while_open"]
    )
    assert month["L5 share of leveled fixes"] == pct(expected["l5_share"])
    assert month["Postmortems written within 72 h"] == pct(expected["ttp"]["on_time_rate"])
    assert month["Postmortems pending late"] == str(expected["ttp"]["pending_late"])
    assert month["Action completion"] == pct(expected["actions"]["completion_rate"])
    assert month["Actions done by their due date"] == pct(expected["actions"]["on_time_rate"])
    assert month["Overdue (the month's incidents)"] == str(expected["actions"]["overdue"])
    # the backlog over every incident, at the month's end; its row has the month before too
    backlog = summary(fixture_db, Filters(as_of=date(2026, 11, 1)))["actions"]["overdue"]
    assert month["Overdue (all incidents)"] == str(backlog)

    previous = summary(
        fixture_db,
        Filters(start=date(2026, 9, 1), end=date(2026, 9, 30), as_of=date(2026, 10, 1)),
    )
    assert rows["Measure"][1] == "September 2026"
    assert rows["Incidents"][1] == str(previous["postmortems"])
    assert rows["Repeat rate"][1] == pct(previous["repeat_rate"])


def test_fix_levels_time_to_postmortem_and_repeats_equal_the_api(
    fixture_db: Path, report_html: str
) -> None:
    expected = summary(fixture_db, MONTH_FILTERS)
    found = tables(report_html)
    levels = {row[0]: row[1] for row in found["fix-levels"][0][1:]}
    # no_fix read "no fix", as the dashboard writes it
    assert levels == {
        key.replace("_", " "): str(value) for key, value in expected["fix_levels"].items()
    }
    assert "no fix" in levels

    ttp = expected["ttp"]
    text = re.sub(r"<[^>]+>", "", report_html)
    assert (
        f"{ttp['on_time']} of {ttp['eligible']} eligible postmortems were written within 72 h"
        in text
    )
    assert f"Pending late (not written 72 h after resolution): {ttp['pending_late']}." in text
    assert f"{expected['repeats']} of {expected['postmortems']} incidents this month" in text

    listed = [row[1] for row in found["postmortems"][0][1:]]
    assert listed == ["PM-15", "PM-16", "PM-17"]


def test_active_patterns_are_the_apis(fixture_db: Path, report_html: str) -> None:
    everything = summary(fixture_db, Filters(as_of=date(2026, 11, 1)))
    active = {
        (p["service"] + " × " if p["service"] else "") + p["category"]
        for p in everything["patterns"]
        if p["active"]
    }
    found = tables(report_html)
    listed = {
        row[0]
        for key in ("patterns-service", "patterns-category")
        for table in found.get(key, [])
        for row in table[1:]
    }
    assert listed == active


def test_html_is_self_contained_and_offline(report_html: str) -> None:
    assert "<svg" in report_html  # charts are inline SVG
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report_html)
    assert "http://" not in report_html and "https://" not in report_html
    assert "<script" not in report_html and "<link" not in report_html
    assert "@import" not in report_html and "url(" not in report_html


def test_archive_text_is_escaped(make_db: Callable[..., Path], tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script> | *bold* [x](https://evil.example)'
    db = make_db({
        "a.md": (
            "---\nid: PM-1\ntitle: '" + hostile.replace("'", "''") + "'\n"
            "started: 2026-10-05T10:00:00Z\nresolved: 2026-10-05T11:00:00Z\n"
            "category: deploy\nservices: [api]\n---\n# x\n"
        ),
    })  # fmt: skip
    html = write_report(db, MONTH, out=tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="https://evil' not in html
    md = write_report(db, MONTH, out=tmp_path / "r.md", fmt="md").read_text(encoding="utf-8")
    line = next(line for line in md.splitlines() if line.startswith("| 2026-10-05 | [PM-1]"))
    assert "<script>" not in line and r"\|" in line and r"\*bold\*" in line
    assert len(re.findall(r"(?<!\\)\|", line)) == 9  # 8 columns: the title's pipe is escaped


@pytest.mark.parametrize(
    ("bad", "said"),
    [(0, "0 archive files were"), (1, "1 archive file was"), (2, "2 archive files were")],
)
def test_the_footer_counts_the_rejected_files(
    make_db: Callable[..., Path], tmp_path: Path, bad: int, said: str
) -> None:
    """It said '1 archive files were left out'."""
    files = {
        "a.md": (
            "---\nid: PM-1\ntitle: ok\nstarted: 2026-10-05T10:00:00Z\n"
            "category: deploy\nservices: [api]\n---\n# x\n"
        ),
    }
    files.update({f"bad{i}.md": "---\nid: [\n---\n" for i in range(bad)})
    html = write_report(make_db(files), MONTH, out=tmp_path / "r.html").read_text("utf-8")
    assert f"{said} left out for errors" in html
    # and before the numbers, where the reader of the month is (review R12); not when none
    # "one that is an incident" read as "one of them is" (review R15)
    warned = "left out for errors: " + (
        "if it is an incident of October 2026, it is in none"
        if bad == 1
        else "any of them that is an incident of October 2026 is in none"
    )
    assert (warned in html) == bool(bad)
    if bad:
        assert html.index(warned) < html.index("Overdue (all incidents)")


def test_a_postmortem_without_resolved_counts_from_its_start_and_says_so(
    make_db: Callable[..., Path],
) -> None:
    """SPEC: hours from `resolved`, or from `started` where there is none, marked
    approximate. The report put the start date under "Resolved", unmarked."""
    db = make_db({
        "a.md": "---\nid: PM-1\nstarted: 2026-10-05T10:00:00Z\n---\n# a\n",  # this month
        "b.md": "---\nid: PM-2\nstarted: 2026-08-03T10:00:00Z\n---\n# b\n",  # earlier
        "c.md": (
            "---\nid: PM-3\nstarted: 2026-08-04T10:00:00Z\nresolved: 2026-08-04T12:00:00Z\n"
            "---\n# c\n"
        ),
    })  # fmt: skip
    html = render_html(build_report(db, MONTH))
    late = {row[0]: row for row in tables(html)["ttp"][0][1:]}
    assert late["PM-1"][3] == "none; started 2026-10-05"
    assert late["PM-1"][4].startswith("pending late, ")  # not written, as the measure says
    assert late["PM-1"][4].endswith("so far (from start)")  # counted from its start
    backlog = {row[0]: row for row in tables(html)["ttp-backlog"][0][1:]}
    assert backlog["PM-2"][3] == "none; started 2026-08-03"
    assert backlog["PM-2"][4].endswith(" (from start)")
    assert backlog["PM-3"][3] == "2026-08-04" and "from start" not in backlog["PM-3"][4]


def test_markdown_writes_charts_beside_it(fixture_db: Path, tmp_path: Path) -> None:
    out = write_report(fixture_db, MONTH, out=tmp_path / "out" / "2026-10.md", fmt="md")
    text = out.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all(src.startswith("2026-10-charts/") for src in images)
    for src in images:
        svg = out.parent / src
        assert svg.read_text(encoding="utf-8").startswith("<svg")
    assert "| Incidents | 3 |" in text


def test_links_point_at_the_archive_files(fixture_db: Path, tmp_path: Path) -> None:
    out = write_report(fixture_db, MONTH, out=tmp_path / "2026-10.html")
    hrefs = re.findall(r'href="([^"#][^"]*)"', out.read_text(encoding="utf-8"))
    assert hrefs
    for href in hrefs:
        assert (out.parent / href).resolve().is_file(), href
    linked = write_report(
        fixture_db, MONTH, out=tmp_path / "b.html", link_base="https://git.example/pm/blob/main/"
    ).read_text(encoding="utf-8")
    assert 'href="https://git.example/pm/blob/main/2026/' in linked


def test_an_empty_month_says_so(fixture_db: Path) -> None:
    html = render_html(build_report(fixture_db, "2024-01"))
    assert "No incident started this month." in html
    assert "No repeat incidents this month." in html
    assert "No postmortem of this month was due yet." in html  # not "every one was on time"
    assert "Every postmortem of this month was on time." not in html
    assert "this month&#x27;s 0 postmortems carry 0 fixes and actions" in html


def test_filters_narrow_the_report(fixture_db: Path) -> None:
    report = build_report(fixture_db, MONTH, Filters(severities=("SEV1",)))
    headline = next(b for b in report.sections[0].blocks if isinstance(b, Table))
    expected = summary(fixture_db, MONTH_FILTERS.replace(severities=("SEV1",)))
    assert headline.rows[0][1] == str(expected["postmortems"])
    assert "severity SEV1" in report.subtitle


def test_cli_writes_the_default_path(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["report", "--month", MONTH, "--db", str(fixture_db)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "2026-10.html").is_file()
    assert "reports/2026-10.html" in result.output

    result = runner.invoke(main, ["report", "--month", "10/2026", "--db", str(fixture_db)])
    assert result.exit_code == 2 and "2026-10" in result.output
    result = runner.invoke(main, ["report", "--db", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 2 and "postmortems ingest" in result.output
    result = runner.invoke(
        main, ["report", "--month", MONTH, "--db", str(fixture_db), "--service", "nope"]
    )
    assert result.exit_code == 2 and "unknown service" in result.output


def test_cli_without_month_reviews_the_dashboards_default_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive begun in the month in progress: the report reviewed the month before it
    (nothing), while the dashboard showed the month in progress (review D7). Both now take
    `metrics.default_review_month`. (Run on a month's first day, the incident below is of
    the month before, which has ended: the two agree then too.)"""
    from tests.archive_factory import postmortem, write_archive

    yesterday = datetime.now(UTC) - timedelta(days=1)
    started = f"{yesterday:%Y-%m-%d}T06:00:00Z"
    archive = write_archive(tmp_path / "archive", {"a.md": postmortem("PM-1", started)})
    db = tmp_path / "pm.duckdb"
    ingest(archive, db)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["report", "--db", str(db)])
    assert result.exit_code == 0, result.output
    expected = metrics.default_review_month(db)
    assert expected == f"{yesterday:%Y-%m}"  # the incident's month, ended or not
    assert (tmp_path / "reports" / f"{expected}.html").is_file(), result.output
    name = Period(parse_month(expected)).name
    assert f"reliability review of {name}" in result.output


def test_cli_format_follows_the_out_suffix_and_a_month_not_over_is_warned(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    base = ["report", "--month", MONTH, "--db", str(fixture_db)]
    result = runner.invoke(main, [*base, "--out", str(tmp_path / "r.md")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.md").read_text("utf-8").startswith("# ")  # Markdown, not HTML
    assert (tmp_path / "r-charts").is_dir()
    result = runner.invoke(main, [*base, "--format", "md", "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert "--format md does not match --out" in result.output
    assert not (tmp_path / "x.html").exists()

    today = date(2026, 11, 15)  # mid-month: on the 1st the month has not begun (D14)
    monkeypatch.setattr(Database, "today", lambda self: today)
    current = today.strftime("%Y-%m")
    result = runner.invoke(
        main, ["report", "--month", current, "--db", str(fixture_db), "--out",
               str(tmp_path / "current.html")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    name = today.strftime("%B %Y")
    assert result.stderr.startswith(f"Warning: {name} is not over (today is {today} ")
    assert "counts it as of today, as the dashboard does" in result.stderr
    current_html = " ".join((tmp_path / "current.html").read_text("utf-8").split())
    said = f"As of {today} 00:00 it holds no incident started that day or later"
    assert said in result.stderr
    assert f"{name} is not over: this report counts it as of the day it was written" in (
        current_html
    )  # in the file
    days = today.day - 1
    assert f"{said}, and nothing that becomes overdue or pending late from then on; its " in (
        current_html
    )
    assert f"of {days} day{'s' if days != 1 else ''} from {today.replace(day=1)}, against " in (
        current_html
    )
    # the subtitle: as of today, not the month's end; today's incidents not in it (R24)
    assert f"to {today - timedelta(days=1)} (the month so far) · as of {today} 00:00" in (
        current_html
    )
    assert "is not over" not in (tmp_path / "r.md").read_text("utf-8")
    result = runner.invoke(main, [*base, "--out", str(tmp_path / "past.html")])
    assert result.exit_code == 0 and result.stderr == ""
    result = runner.invoke(
        main, ["report", "--month", "2099-01", "--db", str(fixture_db), "--out",
               str(tmp_path / "future.html")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"January 2099 has not begun (today is {today} " in result.output
    assert not (tmp_path / "future.html").exists()


def test_markdown_keeps_the_spaces_between_runs(tmp_path: Path) -> None:
    from analytics.report.render import Cell, Report, Section, render_markdown

    table = Table(("Incidents",), (((Cell("A", href="x/a.md"), " ", Cell("B")),),))
    text = render_markdown(Report("T", "s", (Section("S", "s", (table,)),)), tmp_path / "r.md")
    assert "| [A](<x/a.md>) B |" in text


def test_headline_is_the_monthly_review_frame(fixture_db: Path, report_html: str) -> None:
    from analytics.display import shown
    from analytics.metrics import monthly_review
    from analytics.report.context import Context
    from analytics.report.format import change
    from analytics.report.headline import HEADLINE

    review = monthly_review(fixture_db, MONTH)
    ctx = Context(db=open_db(fixture_db), period=Period(parse_month(MONTH)), base=Filters(),
                  link_base=None)  # fmt: skip
    pd.testing.assert_frame_equal(ctx.review.reset_index(drop=True), review)

    rows = {row[0]: row[1:] for row in tables(report_html)["headline"][0]}
    assert rows["Incidents"] == ["3", "1", "+2, worse", "1"]  # Jul-Sep: 3 incidents
    assert rows["Repeat rate"] == ["67%", "0%", "+67 pp, worse", "67%"]
    indexed = review.set_index("measure")
    for measure in HEADLINE:
        r = indexed.loc[measure]
        label = r["label"]  # named as the dashboard's comparison table names it
        delta = change(r["this_month"], r["previous_month"], r["kind"], r["higher_is_better"])
        assert rows[label] == [
            shown(r["this_month"], r["kind"]),
            shown(r["previous_month"], r["kind"]),
            delta.text,
            shown(r["three_month_average"], r["kind"]),
        ], label
    # the backlog's card gives its change as the dashboard's card does (it gave none)
    backlog = indexed.loc["actions.overdue_all"]
    delta = change(backlog["this_month"], backlog["previous_month"], "count", False)
    card = re.search(r'Overdue \(all incidents\)</div><div class="value">\d+</div>'
                     r'<div class="detail[^"]*">([^<]*)</div>', report_html)  # fmt: skip
    assert card is not None
    change_, verdict = (
        display.change_text(backlog["this_month"], backlog["previous_month"], "count"),
        display.judged(backlog["this_month"], backlog["previous_month"], "count", False),
    )
    assert delta.text == change_ + (f", {verdict}" if verdict else "")
    assert card[1].startswith(  # "+3 vs September (142), worse; open past due on ..."
        f"{change_} vs September ({shown(backlog['previous_month'], 'count')})"
        + (f", {verdict}" if verdict else "")
    )
    levels = {row[0]: row[1:] for row in tables(report_html)["fix-levels"][0][1:]}
    assert levels["no fix"] == ["3", "1", "0.3"]
    assert levels["L4"] == ["0", "0", "0.7"]


def test_cards_are_the_dashboards_named_alike(fixture_db: Path) -> None:
    from analytics.metrics import card_labels

    html = render_html(build_report(fixture_db, MONTH, Filters(ttp_hours=48)))
    labels = re.findall(r'<div class="label">([^<]*)</div>', html)
    assert labels == [label for _, label in card_labels(48)]
    assert "Written within 48 h" in labels and "Overdue (all incidents)" in labels
    rows = {row[0] for row in tables(html)["headline"][0]}
    assert "Postmortems written within 48 h" in rows  # the deadline of the filters


def test_the_follow_through_by_team_is_actions_by_team_at_the_months_end(
    fixture_db: Path, report_html: str, make_db: Callable[..., Path], tmp_path: Path
) -> None:
    """Teams could be compared only by a report per team filter."""
    by_team = metrics.actions_by(fixture_db, Filters(as_of=date(2026, 11, 1)), by="team")
    assert len(by_team) > 1
    expected = by_team.assign(key=by_team["key"].fillna("(no team)")).sort_values(
        ["overdue", "open"], ascending=False, kind="stable"
    )
    [rows] = tables(report_html)["actions-teams"]
    assert rows[0] == ["Team", "Overdue", "Open", "Completion", "On time"]
    assert rows[1:] == [
        [r.key, str(r.overdue), str(r.open), pct(r.completion_rate), pct(r.on_time_rate)]
        for r in expected.itertuples()
    ]
    one_team = make_db({"a.md": "---\nid: PM-1\nstarted: 2026-10-05\nteams: [ops]\n---\n"})
    html = write_report(one_team, MONTH, out=tmp_path / "one.html").read_text("utf-8")
    assert "actions-teams" not in tables(html) and 'id="actions-teams"' not in html


def test_closed_actions_new_patterns_and_fixes_that_did_not_hold(
    fixture_db: Path, tmp_path: Path
) -> None:
    html = write_report(fixture_db, "2026-06", out=tmp_path / "june.html").read_text("utf-8")
    found = tables(html)
    closed = [row[1] for row in found["actions-closed"][0][1:]]
    assert closed == ["PM-10", "PM-11", "PM-10"]  # metrics.actions_closed, by done date
    may = tables(write_report(fixture_db, "2026-05", out=tmp_path / "may.html").read_text("utf-8"))
    assert [row[0] for row in may["patterns-new"][0][1:]] == [
        "deployment-pipeline", "checkout-api × deployment-pipeline"
    ]  # fmt: skip
    html = write_report(fixture_db, MONTH, out=tmp_path / "oct.html").read_text("utf-8")
    failed = tables(html)["fixes-recurred"][0][1:]
    # PM-13's fix done 2026-08-20, from 00:00 Berlin (2026-08-19 22:00Z) to PM-15's start
    # 2026-10-27 10:00Z: 68.5 days, from the done date (where the window starts), not from
    # PM-13's start as a repeat's days are (review R14)
    assert [(row[0], row[-1]) for row in failed] == [("PM-13", "PM-15 68.5 d after")]
    assert "not from the fixed incident" in html


def _busy_month() -> dict[str, str]:
    """October 2026 with more of everything than a report lists in full: PM-K1..K8 one
    service and category a day apart (PM-K8 repeats seven), 55 more incidents of that
    category on services of their own (63 written postmortems, one category pattern, which
    3 September incidents began), and 17 September incidents of another category whose
    postmortems were never written."""

    def pm(pm_id: str, started: datetime, category: str, service: str, written: bool) -> str:
        resolved = started + timedelta(hours=1)
        lines = [
            f"id: {pm_id}",
            f"title: Incident {pm_id}",
            f"started: {started:%Y-%m-%dT%H:%M:%SZ}",
            f"resolved: {resolved:%Y-%m-%dT%H:%M:%SZ}",
            f"category: {category}",
            f"services: [{service}]",
        ]
        if written:
            lines.append(f"postmortem_date: {resolved + timedelta(days=1):%Y-%m-%d}")
        return "---\n" + "\n".join(lines) + f"\n---\n# {pm_id}\n"

    october, september = datetime(2026, 10, 1, 10), datetime(2026, 9, 1, 10)
    files = {
        f"k{n}.md": pm(f"PM-K{n}", october + timedelta(days=n - 1), "deploy", "api", True)
        for n in range(1, 9)
    }
    for n in range(1, 56):
        started = october + timedelta(days=9, hours=6 * n)
        files[f"b{n:02}.md"] = pm(f"PM-B{n:02}", started, "deploy", f"svc-{n:02}", True)
    for n in range(1, 18):
        started = september + timedelta(days=n)
        files[f"u{n:02}.md"] = pm(f"PM-U{n:02}", started, "capacity", f"old-{n:02}", False)
    for n in range(1, 4):  # the category's earlier incidents
        started = september + timedelta(days=n, hours=2)
        files[f"e{n}.md"] = pm(f"PM-E{n}", started, "deploy", f"early-{n}", True)
    return files


@pytest.fixture(scope="module")
def busy_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("busy")
    archive = root / "archive"
    for name, body in _busy_month().items():
        (archive / name).parent.mkdir(parents=True, exist_ok=True)
        (archive / name).write_text(body, encoding="utf-8")
    db = root / "postmortems.duckdb"
    ingest(archive, db)
    return db


def _cell(html: str, section: str, row_key: str, column: int) -> str:
    rows = {row[1]: row for row in tables(html)[section][0][1:]}
    return " ".join(rows[row_key][column].split())


def test_a_busy_month_lists_the_latest_of_long_lists(busy_db: Path, tmp_path: Path) -> None:
    html = write_report(busy_db, MONTH, out=tmp_path / "busy.html").read_text("utf-8")
    pairs = repeat_pairs(busy_db, MONTH_FILTERS)

    def earlier(pm_id: str) -> list[str]:
        mine = pairs[pairs["id"] == pm_id]
        found = zip(mine["earlier_id"], mine["days_apart"], strict=True)
        return [f"{pm} {days:.0f} d before" for pm, days in found]

    assert len(earlier("PM-K8")) == 7 and len(earlier("PM-K6")) == 5
    assert _cell(html, "repeats", "PM-K8", 5) == "2 earlier, then the latest: " + "; ".join(
        earlier("PM-K8")[-5:]
    )  # "; " between them, none after the last
    assert _cell(html, "repeats", "PM-K6", 5) == "; ".join(earlier("PM-K6"))

    def listed(section: str) -> dict[str, str]:
        return {row[0]: " ".join(row[5].split()) for row in tables(html)[section][0][1:]}

    busy = [f"PM-B{n:02}" for n in range(46, 56)]  # the category's latest 10 of 63
    assert listed("patterns-category")["deploy"] == " ".join(
        [*busy, "+53 more this month, 3 earlier"]
    )
    assert listed("patterns-category")["capacity"] == "17 incidents"  # none this month
    api_ids = " ".join(f"PM-K{n}" for n in range(1, 9))  # 8: this month's, all of them
    assert listed("patterns-service")["api × deploy"] == api_ids

    unwritten = [row[0] for row in tables(html)["ttp-backlog"][0][1:]]
    assert unwritten == [f"PM-U{n:02}" for n in range(1, 16)]  # the longest unwritten first
    assert "The 15 unwritten longest; 2 more" in html

    # Filtered to the api service: this month's other incidents are outside the filters
    api = write_report(
        busy_db, MONTH, out=tmp_path / "api.html", filters=Filters(services=("api",))
    )
    html = api.read_text("utf-8")
    assert listed("patterns-category")["deploy"] == " ".join(
        [api_ids, "+55 this month outside the filters, 3 earlier"]
    )


def _ttp_chart(report: Any) -> Chart:
    ttp = next(s for s in report.sections if s.anchor == "ttp")
    return next(block for block in ttp.blocks if isinstance(block, Chart))


def test_time_to_postmortem_chart_bands_a_busy_month(
    busy_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(followthrough, "TTP_BARS", 63)  # as many as written: a bar each
    assert (
        "postmortems"
        not in next(
            iter(_ttp_chart(build_report(busy_db, MONTH)).chart.to_dict()["datasets"].values())
        )[0]
    )
    monkeypatch.setattr(followthrough, "TTP_BARS", 62)
    busy = _ttp_chart(build_report(busy_db, MONTH)).chart.to_dict()
    bands = ttp_bands(busy_db, MONTH_FILTERS)
    assert int(bands["postmortems"].sum()) == 63  # more than a bar each can show
    drawn = next(iter(busy["datasets"].values()))
    assert sum(row["postmortems"] for row in drawn) == 63
    assert len(drawn) == len(bands)

    api = Filters(services=("api",))  # 8 of them: a bar each
    few = _ttp_chart(build_report(busy_db, MONTH, api)).chart.to_dict()
    bars = next(iter(few["datasets"].values()))
    written = time_to_postmortem(busy_db, MONTH_FILTERS.replace(services=("api",)))
    assert sorted(row["id"] for row in bars) == sorted(written["id"]) and len(bars) == 8


def test_the_pattern_time_line_draws_the_largest_patterns_however_many_points() -> None:
    # 20 patterns of 481-500 incidents and one of 2; the 12 largest: 5,934 points, over
    # altair's 5,000-row guard
    sizes = {f"p{n:02}": 500 - n for n in range(20)} | {"tiny": 2}
    members = pd.DataFrame(
        [
            {
                "pattern": pattern,
                "id": f"{pattern}-{k}",
                "started": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(hours=k),
                "title": "x",
                "fix_level": "L5",
            }
            for pattern, size in sizes.items()
            for k in range(size)
        ]
    )
    spec = charts.pattern_timeline_chart(members, top=12).to_dict()
    drawn = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert list(spec["encoding"]["y"]["sort"]) == [f"p{n:02}" for n in range(12)]
    assert drawn.groupby("pattern").size().to_dict() == {f"p{n:02}": 500 - n for n in range(12)}
    assert set(drawn.columns) == {"pattern", "id", "started", "fix_level"}
    assert drawn["started"].iloc[0].startswith("2026-01-01T00:00:00")
    few = charts.pattern_timeline_chart(members.iloc[:5]).to_dict()
    assert len(few["datasets"][few["data"]["name"]]) == 5


def test_every_trend_panel_labels_its_percent_axis(fixture_db: Path) -> None:
    """The facet labelled the shared y axis only in its first column: the right-hand
    panels (written within 72 h, action completion) had no percent labels (review R13)."""
    from analytics.metrics import monthly_rates

    rates = monthly_rates(fixture_db, Filters(as_of=date(2026, 11, 1)))
    spec = charts.monthly_rates_chart(rates, None, 72).to_dict()
    assert spec["columns"] == 2 and spec["resolve"]["axis"]["y"] == "independent"
    layers = spec["spec"]["layer"]
    assert all(layer["encoding"]["y"]["scale"]["domain"] == [0, 1] for layer in layers)


def test_small_samples_are_named_as_their_headline_rows(fixture_db: Path, report_html: str) -> None:
    from analytics.metrics import monthly_review, summary

    month = Filters(as_of=date(2026, 11, 1), start=date(2026, 10, 1), end=date(2026, 10, 31))
    small = summary(fixture_db, month)["small_samples"]
    assert "repeat_rate" in small and "ttp.on_time_rate" in small  # 3 incidents in October
    label_of = monthly_review(fixture_db, "2026-10").set_index("measure")["label"]
    text = " ".join(report_html.split())
    assert (
        "Small samples this month (under 5): " + "; ".join(label_of[name] for name in small) + "."
    ) in text
    assert "ttp.on_time_rate" not in text


def test_long_lists_are_cut_with_a_count(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy month of a large archive has thousands of late postmortems, fixes that did not
    hold and L5 reflex fixes: the report lists the first ROWS_SHOWN and counts the rest."""
    from analytics.report import format as report_format

    ttp = time_to_postmortem(sample_db, MONTH_FILTERS)
    late = ttp[ttp["late"]].sort_values("started")
    assert len(late) > 2
    monkeypatch.setattr(report_format, "ROWS_SHOWN", 2)
    html = write_report(sample_db, MONTH, out=tmp_path / "cut.html").read_text("utf-8")
    shown = [row[0] for row in tables(html)["ttp"][0][1:]]
    assert shown == late["id"].head(2).tolist()
    assert (
        f"The first 2 of {len(late):,} late postmortems; the monthly_review notebook lists them "
        "all."
    ) in " ".join(html.split())
    monkeypatch.setattr(report_format, "ROWS_SHOWN", 100)
    whole = write_report(sample_db, MONTH, out=tmp_path / "whole.html").read_text("utf-8")
    assert [row[0] for row in tables(whole)["ttp"][0][1:]] == late["id"].tolist()
    assert "late postmortems; the monthly_review notebook" not in whole


def test_patterns_that_grew_this_month_come_first_and_long_lists_are_cut(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100k the active service × category patterns were 289 rows in the metric's order
    (the most in a window first), this month's growth anywhere among them."""
    from analytics.report import format as report_format

    whole = write_report(sample_db, MONTH, out=tmp_path / "whole.html").read_text("utf-8")
    rows = tables(whole)["patterns-category"][0][1:]
    grew = [int(row[4]) for row in rows]
    assert grew == sorted(grew, reverse=True) and grew[0] > 0 and grew[-1] == 0
    # the metric's order (active, then the most in a window) within the same growth
    most = {n: [int(row[1]) for row in rows if int(row[4]) == n] for n in set(grew)}
    assert all(counts == sorted(counts, reverse=True) for counts in most.values())

    monkeypatch.setattr(report_format, "ROWS_SHOWN", 3)
    cut = write_report(sample_db, MONTH, out=tmp_path / "cut.html").read_text("utf-8")
    assert tables(cut)["patterns-category"][0][1:] == rows[:3]
    assert (
        f"The first 3 of {len(rows)} active category patterns; “postmortems summary --json "
        "--as-of 2026-11-01” lists them all."
    ) in " ".join(cut.split())
    assert "active service × category patterns;" not in cut  # 1 row: not cut
    monkeypatch.setattr(report_format, "ROWS_SHOWN", 1)
    sev2 = write_report(
        sample_db, MONTH, out=tmp_path / "sev2.html", filters=Filters(severities=("SEV2",))
    ).read_text("utf-8")
    assert "--as-of 2026-11-01” with the report&#x27;s filters lists them all." in " ".join(
        sev2.split()
    )


def test_a_busy_months_repeats_and_postmortems_are_cut_open_follow_through_first(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100k a month has 3,924 repeats and 3,925 postmortems: a 7.4 MB, 643,691 px file."""
    from analytics.report import format as report_format

    recurrence = metrics_recurrence(sample_db)
    repeats = recurrence[recurrence["is_repeat"]].sort_values(["started", "id"])
    assert len(repeats) > 2 and repeats["recurred_while_open"].any()
    monkeypatch.setattr(report_format, "ROWS_SHOWN", 2)
    html = write_report(sample_db, MONTH, out=tmp_path / "cut.html").read_text("utf-8")
    shown = [row[1] for row in tables(html)["repeats"][0][1:]]
    first = repeats.sort_values("recurred_while_open", ascending=False, kind="stable")
    assert shown == first["id"].head(2).tolist()
    text = " ".join(html.split())
    assert f"The first 2 of {len(repeats)} repeats of the month (those that came while" in text
    postmortems = tables(html)["postmortems"][0][1:]
    assert len(postmortems) == 2
    assert "postmortems of October 2026 (by start); the dashboard&#x27;s Incident explorer" in text


def metrics_recurrence(db: Path) -> pd.DataFrame:
    from analytics.metrics import recurrence_incidents

    return recurrence_incidents(db, MONTH_FILTERS)


def test_the_postmortems_notes_name_every_member_of_a_pattern(
    sample_db: Path, tmp_path: Path
) -> None:
    """The notes mark the incidents the notebook and the explorer mark `in_pattern`, each by
    its service × category pattern where it has one, else by its category's (only the
    service ones were named: the notebook marked incidents the report did not)."""
    html = write_report(sample_db, MONTH, out=tmp_path / "r.html").read_text("utf-8")
    notes = {row[1]: row[7] for row in tables(html)["postmortems"][0][1:]}
    month = metrics.incidents(sample_db, MONTH_FILTERS, repeat_of=False).set_index("id")
    patterns = metrics.patterns(sample_db, MONTH_FILTERS)
    named = {
        pm_id: f"{row.service} × {row.category}"
        for row in patterns[patterns["service"].notna()].itertuples()
        for pm_id in row.ids
    }
    assert set(notes) == set(month.index)
    marked = {pm_id for pm_id, note in notes.items() if "pattern " in note}
    assert marked == set(month.index[month["in_pattern"]])
    assert {pm_id for pm_id in marked if pm_id in named} and marked - set(named)
    for pm_id in marked:
        assert f"pattern {named.get(pm_id, month.loc[pm_id, 'category'])}" in notes[pm_id]


def test_the_report_counts_what_became_of_every_fix(sample_db: Path, tmp_path: Path) -> None:
    """It listed the fixes that stopped holding this month, and nowhere how many held."""
    html = write_report(sample_db, MONTH, out=tmp_path / "r.html").read_text("utf-8")
    counts = metrics.fix_effectiveness(sample_db, Filters(as_of=date(2026, 11, 1)))
    n = dict(zip(counts["outcome"], counts["count"], strict=True))
    assert n["held"] and n["recurred"] and n["dropped"]
    assert (
        f"Every incident&#x27;s fixes on 2026-11-01: {n['held']} held, {n['recurred']} recurred, "
        f"{n['watching']} watching, {n['not_done']} not done, {n['dropped']} dropped, "
        f"{n['unknown']} unknown"
    ) in " ".join(html.split())


def test_the_pattern_time_line_draws_its_end_points_whole() -> None:
    """The first and last incidents sat half over the chart's edges (review R7)."""
    import math

    members = pd.DataFrame({
        "pattern": ["a", "a"],
        "id": ["A-1", "A-2"],
        "started": pd.to_datetime(["2026-01-01", "2026-06-01"], utc=True),
    })  # fmt: skip
    spec = charts.pattern_timeline_chart(members).to_dict()
    radius = math.sqrt(spec["mark"]["size"] / math.pi)
    assert spec["encoding"]["x"]["scale"]["padding"] > radius


def test_the_trend_chart_has_its_numbers_in_a_table(fixture_db: Path, report_html: str) -> None:
    """R27: the headline rates' chart gave a screen reader, a printout or the Markdown's
    reader no value to quote. Its table: a month a row, each rate with its fraction, the
    month's row the headline table's rates."""
    from analytics.report.period import TREND_MONTHS

    header, *body = tables(report_html)["headline"][1]
    names = ["Repeat rate", "Written within 72 h", "L5 share of fixes", "Action completion"]
    assert header == ["Month", *names]
    assert len(body) == TREND_MONTHS and body[-1][0] == MONTH
    trend = metrics.monthly_trend(fixture_db, MONTH, Filters(as_of=date(2026, 11, 1)))
    for month, *cells in body:
        for name, metric, cell in zip(names, TREND_RATES, cells, strict=True):
            row = trend[(trend["month"] == month) & (trend["metric"] == metric)]
            expected = (
                display.rate_with_fraction(
                    *row.iloc[0][["rate", "numerator", "denominator", "small_sample"]]
                )  # fmt: skip
                if len(row)
                else display.MISSING
            )
            assert cell == expected, (month, name)
    headline = {row[0]: row[1] for row in tables(report_html)["headline"][0]}
    labels = ["Repeat rate", "Postmortems written within 72 h", "L5 share of leveled fixes",
              "Action completion"]  # fmt: skip
    for label, cell in zip(labels, body[-1][1:], strict=True):
        assert cell.split(" ")[0] == headline[label], label
