"""The dashboard in a real browser: Debian's chromium driven by playwright.

Starts `streamlit run dashboards/app.py` on a free loopback port against a database built
from the bundled sample archive (plus one postmortem whose body carries HTML and a script),
visits every page, checks that no error element appears and that every chart renders,
and saves a screenshot per page into tests/screenshots/ (git-ignored).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.ingest import ingest
from analytics.metrics import Filters, repeat_rate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from browser_probe import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from browser_probe import server as serve  # noqa: E402

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample-archive"
SHOTS = Path(__file__).resolve().parent / "screenshots"
# url path, title, how many charts the page shows on the sample archive, its last caption
PAGES = [
    ("", "Monthly review", 1, "Open fixes and actions past their due date"),
    ("recurrence", "Recurrence", 3, "Repeats / incidents among each primary category"),
    ("fix-levels", "Fix levels", 4, "Fixes at L5 (operation)"),
    ("ttp", "Time to postmortem", 3, "Incidents with no postmortem date"),
    ("actions", "Actions", 3, "Per owner, service and team"),
    ("explorer", "Incident explorer", 0, "Incidents in the filters and the search"),
    ("data-quality", "Data quality", 0, "Problems with path, line"),
]
HOSTILE_ID = "PM-2026-999"
HOSTILE = f"""---
id: {HOSTILE_ID}
title: Hostile body renders as text
severity: SEV4
services: [web-frontend]
category: config-change
started: 2026-11-02T10:00:00Z
resolved: 2026-11-02T11:00:00Z
postmortem_date: 2026-11-03T10:00:00Z
---
# Hostile body

<script>window.__pwned = true;</script>
<img src=x onerror="window.__pwned = true">
<b>bold-html-tag</b>
"""


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("archive") / "sample"
    shutil.copytree(SAMPLE, archive)
    (archive / "2026" / f"{HOSTILE_ID}-hostile.md").write_text(HOSTILE, encoding="utf-8")
    db = tmp_path_factory.mktemp("db") / "postmortems.duckdb"
    ingest(archive, db)
    return db


@pytest.fixture(scope="module")
def server(sample_db: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with serve(sample_db) as url:  # `postmortems dashboard`'s own streamlit command line
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shared_page(browser: Any) -> Iterator[Any]:
    """One tab for the page tour: moving by the sidebar skips reloading the app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    context.close()


def wait_until_settled(page: Any, heading: str | None = None) -> None:
    """Wait for the script run to finish: the page's heading (or any title) shows and the
    running indicator is gone."""
    expect = sync_api.expect
    title = page.get_by_role("heading", name=heading) if heading else page.locator("h1")
    expect(title.first).to_be_visible(timeout=30_000)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=30_000)


def wait_for_the_apps_style(page: Any, heading: str) -> None:
    """wait_until_settled, and for app.py's rules (ui.STYLE): the page is still drawing
    when its title shows."""
    wait_until_settled(page, heading)
    page.wait_for_function(
        "[...document.querySelectorAll('style')].some(s => s.textContent.includes('pair-'))",
        timeout=30_000,
    )


def assert_no_errors(page: Any) -> None:
    for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
        assert page.locator(selector).count() == 0, page.locator(selector).first.inner_text()
    assert page.get_by_text("Page not found").count() == 0
    assert not page.errors, page.errors


def assert_charts_render(page: Any, expected: int) -> None:
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    sync_api.expect(charts).to_have_count(expected, timeout=20_000)
    for index in range(expected):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        chart.locator("svg, canvas").first.wait_for(state="attached", timeout=20_000)
        page.wait_for_function(
            """(el) => [...el.querySelectorAll('svg, canvas')]
                      .some(g => g.getBoundingClientRect().height > 50)""",
            arg=chart.element_handle(),
            timeout=20_000,
        )


def screenshot(page: Any, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the viewport first."""
    height = 0
    for _ in range(3):  # again while it grows: a code block or table may still be drawing
        grown = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        if grown <= height + 40:  # no more than the 40 px added below
            break
        height = grown
        page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 12_000)})
        page.wait_for_timeout(250)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("path", "title", "charts", "last"), PAGES, ids=[p[0] or "review" for p in PAGES]
)
def test_page_renders(
    shared_page: Any, server: str, path: str, title: str, charts: int, last: str
) -> None:
    page = shared_page
    if not page.url.startswith(server):
        page.goto(f"{server}/{path}")
    else:
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
        page.wait_for_url(f"{server}/{path}", timeout=10_000)
    wait_until_settled(page, title)
    sync_api.expect(page.get_by_text(last).first).to_be_visible(timeout=30_000)
    assert_charts_render(page, charts)
    assert_no_errors(page)
    screenshot(page, path or "review")


def test_recurrence_views_open_by_tab_and_by_link(page: Any, server: str) -> None:
    page.goto(f"{server}/recurrence")
    wait_until_settled(page, "Recurrence")
    page.get_by_role("tab", name="Patterns").click()
    page.wait_for_url("**/recurrence?view=Patterns", timeout=10_000)
    wait_until_settled(page, "Recurrence")
    sync_api.expect(
        page.get_by_text("Patterns with an incident in these filters").first
    ).to_be_visible(timeout=30_000)
    assert_charts_render(page, 0)
    assert_no_errors(page)
    screenshot(page, "recurrence-patterns")

    page.goto(f"{server}/recurrence?view=Category+focus")  # a link opens its view
    wait_until_settled(page, "Recurrence")
    sync_api.expect(
        page.get_by_text("incidents with their fix (one row per fix)").first
    ).to_be_visible(timeout=30_000)
    assert_charts_render(page, 1)  # the time line
    assert_no_errors(page)
    screenshot(page, "recurrence-focus")


def test_filtered_link_reproduces_view(page: Any, server: str, sample_db: Path) -> None:
    page.goto(f"{server}/recurrence?category=deployment-pipeline&severity=SEV2")
    wait_until_settled(page, "Recurrence")
    sidebar = page.locator('[data-testid="stSidebar"]')
    # the sidebar's chips may come after the page settles on a loaded machine (5 s, the
    # default, failed once with two other sessions running)
    sync_api.expect(sidebar.get_by_text("deployment-pipeline").first).to_be_visible(timeout=30_000)
    sync_api.expect(sidebar.get_by_text("SEV2").first).to_be_visible(timeout=30_000)
    expected = repeat_rate(
        sample_db, Filters(categories=("deployment-pipeline",), severities=("SEV2",))
    ).iloc[0]
    values = page.locator('[data-testid="stMetricValue"]')
    sync_api.expect(values.nth(0)).to_have_text(str(expected["incidents"]), timeout=30_000)
    sync_api.expect(values.nth(1)).to_have_text(str(expected["repeats"]), timeout=30_000)
    assert_no_errors(page)
    # moving to another page keeps the filters in the address
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Fix levels").click()
    page.wait_for_url("**/fix-levels?*", timeout=10_000)
    wait_until_settled(page, "Fix levels")
    sync_api.expect(page.get_by_text("Fixes at L5 (operation)").first).to_be_visible(timeout=30_000)
    assert "category=deployment-pipeline" in page.url
    assert_no_errors(page)
    screenshot(page, "fix-levels-filtered")


def test_postmortem_body_html_shows_as_text(page: Any, server: str) -> None:
    page.goto(f"{server}/explorer?incident={HOSTILE_ID}")
    wait_until_settled(page, "Hostile body renders as text")
    sync_api.expect(page.get_by_role("heading", name="Hostile body", exact=True)).to_be_visible()
    sync_api.expect(page.get_by_text("<b>bold-html-tag</b>")).to_be_visible()
    assert page.locator("b", has_text="bold-html-tag").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    assert_no_errors(page)
    screenshot(page, "explorer-postmortem")


def test_empty_selection_says_so(page: Any, server: str) -> None:
    page.goto(f"{server}/ttp?from=2030-01-01")
    wait_until_settled(page)
    sync_api.expect(page.get_by_text("No incidents match these filters.")).to_be_visible()
    assert_no_errors(page)


@pytest.mark.parametrize("width", [800, 1200])
def test_the_report_fits_the_window(
    browser: Any, sample_db: Path, tmp_path: Path, width: int
) -> None:
    """At 800 px the Postmortems and late-postmortem tables ran past the window's edge (their
    Notes cut off); printed, long tables could not break and stranded their headings."""
    from analytics.report import write_report

    report = write_report(sample_db, "2026-10", out=tmp_path / "report.html")
    context = browser.new_context(viewport={"width": width, "height": 1000})
    tab = context.new_page()
    tab.goto(report.as_uri())
    past_edge = tab.evaluate(
        """[...document.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth)
            .map(t => t.closest('section').id)"""
    )
    assert past_edge == []
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    # not by colour alone (R27): a change for the worse in bold, as the Markdown has it, a
    # link underlined, and every header cell named
    marks = tab.evaluate(
        """(() => { const bad = [...document.querySelectorAll('td .bad, td.bad, .detail.bad')];
            const links = [...document.querySelectorAll('td a')];
            return [bad.length, bad.filter(e => +getComputedStyle(e).fontWeight < 600).length,
                    links.length,
                    links.filter(e => getComputedStyle(e).textDecorationLine !== 'underline')
                         .length,
                    [...document.querySelectorAll('th')].filter(e => !e.textContent.trim())
                         .length]; })()"""
    )
    assert marks[0] > 0 and marks[2] > 0 and (marks[1], marks[3], marks[4]) == (0, 0, 0), marks
    tab.emulate_media(media="print")
    rules = tab.evaluate(
        """(() => { const tr = document.querySelector('#postmortems tbody tr');
            const table = tr.closest('table'), h2 = document.querySelector('#postmortems h2');
            return [getComputedStyle(tr).breakInside, getComputedStyle(table).breakInside,
                    getComputedStyle(h2).breakAfter]; })()"""
    )
    assert rules == ["avoid", "auto", "avoid"]
    context.close()


@pytest.mark.parametrize("width", [800, 1200])
@pytest.mark.parametrize(("path", "heading"), [("", "Monthly review"), ("actions", "Actions")])
def test_headline_cards_are_read_whole(
    browser: Any, server: str, width: int, path: str, heading: str
) -> None:
    """Six cards in st.columns(6) cut their labels at 1,200 px ("Written on ti…") and their
    numbers at 800 px ("1…")."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.goto(f"{server}/{path}?as_of=2026-11-01")
    wait_until_settled(tab, heading)
    sync_api.expect(tab.locator('[data-testid="stMetric"]')).to_have_count(6, timeout=20_000)
    cut = tab.evaluate(
        """[...document.querySelectorAll('[data-testid="stMetricLabel"] p,'
                + ' [data-testid="stMetricValue"] div, [data-testid="stMetricDelta"] div')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
    )
    assert cut == []
    context.close()


def pair_boxes(tab: Any, name: str) -> tuple[dict[str, float], dict[str, float]]:
    """Where a ui.pair's two containers are drawn."""
    left, right = (
        tab.locator(f'[class*="st-key-pair-{name}-{side}"]').bounding_box()
        for side in ("left", "right")
    )
    assert left is not None and right is not None
    return left, right


def test_a_pair_sits_side_by_side_only_where_both_fit(browser: Any, server: str) -> None:
    """The review's two "Needs attention" tables: halved at 1,280 px they cut their decisive
    columns off-screen (R25); there the second sits under the first, full width, and at
    1,920 px (a projector) beside it. One page, resized: the rule is CSS."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    tab.goto(f"{server}/?as_of=2026-11-01")
    wait_for_the_apps_style(tab, "Monthly review")
    for side in ("left", "right"):
        container = tab.locator(f'[class*="st-key-pair-attention-{side}"]')
        sync_api.expect(container.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    left, right = pair_boxes(tab, "attention")
    assert right["y"] >= left["y"] + left["height"] and right["x"] == left["x"]
    assert right["width"] == left["width"] > 1280 / 2  # the page's width, each
    tab.set_viewport_size({"width": 1920, "height": 1000})
    tab.wait_for_timeout(500)
    left, right = pair_boxes(tab, "attention")
    assert right["y"] == left["y"] and right["x"] >= left["x"] + left["width"]
    context.close()


def _luminance(rgb: list[float]) -> float:
    """WCAG's relative luminance of an sRGB colour (0-255 channels)."""
    linear = [c / 255 / 12.92 if c <= 10.3 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_captions_read_and_the_keyboard_focus_shows(browser: Any, server: str) -> None:
    """R27: Streamlit's captions read 3.9:1 on white (WCAG asks 4.5:1), and a sidebar link
    with the keyboard's focus differed from its background by 1.1:1. Every text of every
    caption, its :orange[] notes too (an opacity had faded them to 3.6:1, D16). (The
    dashboard's command sets the light theme: the page is white.)"""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.goto(f"{server}/?as_of=2026-11-01")
    wait_for_the_apps_style(tab, "Monthly review")
    # each caption text's colour as drawn on white: its colour, alpha and every opacity
    # above it, painted by a canvas
    drawn = tab.evaluate(
        """(() => {
            const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
            const paint = canvas.getContext('2d', {willReadFrequently: true});
            const texts = [...document.querySelectorAll(
                '[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] *')]
                .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
            return texts.map(e => {
                let alpha = 1;
                for (let a = e; a; a = a.parentElement) alpha *= +getComputedStyle(a).opacity;
                paint.globalAlpha = 1; paint.fillStyle = '#fff'; paint.fillRect(0, 0, 1, 1);
                paint.globalAlpha = alpha; paint.fillStyle = getComputedStyle(e).color;
                paint.fillRect(0, 0, 1, 1);
                return [e.textContent.slice(0, 40), [...paint.getImageData(0, 0, 1, 1).data]];
            }); })()"""
    )
    assert len(drawn) > 5
    assert any("left out" in text for text, _ in drawn)  # the :orange[] rejected-files note
    for text, rgba in drawn:
        assert 1.05 / (_luminance(rgba[:3]) + 0.05) >= 4.5, (text, rgba)
    nav = tab.locator('[data-testid="stSidebarNav"] a')
    nav.first.focus()
    tab.keyboard.press("Tab")  # by the keyboard: :focus-visible
    ring = tab.evaluate(
        """(() => { const s = getComputedStyle(document.activeElement);
            return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; })()"""
    )
    assert ring == ["A", "solid", "2px"]
    context.close()
