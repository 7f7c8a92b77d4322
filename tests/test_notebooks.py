"""Every notebook runs headless, top to bottom, against a database of the sample archive;
the committed notebooks carry no outputs and open with what they answer and their parameters.
Their outputs work offline (charts as inline SVG, no script or asset from a CDN) and read as
the report does (whole percents, integer counts, hours or days, no NaN or float noise)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from analytics.notebook_display import Message, Table, review_table, table

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SAMPLE = ROOT / "data" / "sample-archive"
NAMES = ("monthly_review", "deployment_pipeline_repeats", "adhoc_queries")
CHARTS = {"monthly_review": 2, "deployment_pipeline_repeats": 1, "adhoc_queries": 0}
# What an output needs the network for: a script or stylesheet by URL, a URL a script loads
# (Altair's HTML renderer: requirejs paths to cdn.jsdelivr.net), CSS imports, CDN hosts.
# An SVG's xmlns="http://www.w3.org/2000/svg" names a namespace and is not fetched.
FETCHED = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import"""
    r"""|cdn\.jsdelivr|unpkg\.com|cdnjs|<script[^>]*\bsrc=""",
    re.IGNORECASE,
)
SCRIPT = re.compile(r"<script\b.*?</script>", re.IGNORECASE | re.DOTALL)
NOISE = re.compile(r"\d\.\d{3,}|\bNaN\b|\bNaT\b|<NA>|Empty DataFrame|Filters\(|Styler at 0x")

Notebook = nbformat.NotebookNode


SAMPLE_AS_OF = "2026-11-01"
SAMPLE_MONTH = "2026-10"  # the month that ends there
# every parameter a notebook reads from the environment, found in them: a list written here
# lacked POSTMORTEMS_START, so the caller's value narrowed every run (D8)
PARAMETERS = tuple(
    sorted(
        {
            name
            for book in NOTEBOOKS.glob("*.ipynb")
            for name in re.findall(r'os\.environ\.get\(\\?"(POSTMORTEMS_\w+)', book.read_text())
        }
    )
)
assert {"POSTMORTEMS_DB", "POSTMORTEMS_START"} <= set(PARAMETERS), PARAMETERS


def execute(name: str, **environment: str) -> Notebook:
    """Run one notebook headless with these environment variables (and none of its other
    parameters' from this process's environment)."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    with pytest.MonkeyPatch.context() as env:
        for key in PARAMETERS:
            env.delenv(key, raising=False)
        for key, value in environment.items():
            env.setenv(key, value)
        try:
            client.execute()
        except CellExecutionError as exc:  # the failing cell and its traceback
            pytest.fail(f"{name}.ipynb: {exc}", pytrace=False)
    return book


@pytest.fixture(scope="module")
def executed(sample_db: Path) -> Callable[[str], Notebook]:
    """Each notebook executed once for the module's tests, on first use."""
    books: dict[str, Notebook] = {}

    def run(name: str) -> Notebook:
        if name not in books:
            # as of the sample's review date, so that the numbers do not move with today
            books[name] = execute(
                name,
                POSTMORTEMS_DB=str(sample_db),
                POSTMORTEMS_AS_OF=SAMPLE_AS_OF,
                POSTMORTEMS_MONTH=SAMPLE_MONTH,
            )
        return books[name]

    return run


def code_cells(book: Notebook) -> list[Notebook]:
    return [cell for cell in book.cells if cell.cell_type == "code"]


def texts(output: Notebook) -> list[str]:
    """An output's text: a stream's, or each text/* and image/svg+xml of a result."""
    if output.get("output_type") == "stream":
        return [output.text]
    data = output.get("data", {})
    return [str(value) for kind, value in data.items() if "text" in kind or "svg" in kind]


def cell_text(cell: Notebook, kind: str = "text/plain") -> str:
    return "\n".join(o.get("data", {}).get(kind, "") for o in cell.outputs)


def cell_with(book: Notebook, source: str) -> Notebook:
    return next(cell for cell in code_cells(book) if source in cell.source)


def test_every_notebook_is_tested() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_clean_and_opens_with_parameters(name: str) -> None:
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    intro, parameters = book.cells[0], book.cells[1]
    assert intro.cell_type == "markdown" and "**What it answers:**" in intro.source
    assert parameters.cell_type == "code" and "parameters" in parameters.metadata.get("tags", [])
    assert 'os.environ.get("POSTMORTEMS_DB", "../data/postmortems.duckdb")' in parameters.source
    # the month or as of too, for a scheduled run (nbconvert --execute) of another month
    assert "POSTMORTEMS_MONTH" in parameters.source or "POSTMORTEMS_AS_OF" in parameters.source
    assert 'alt.renderers.enable("svg")' in book.cells[2].source  # the setup cell
    for cell in code_cells(book):
        assert cell.outputs == [] and cell.execution_count is None, name


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_errors(name: str, executed: Callable[[str], Notebook]) -> None:
    outputs = [o for cell in code_cells(executed(name)) for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert len(outputs) >= 8  # tables and charts, not an empty run


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_need_no_network(name: str, executed: Callable[[str], Notebook]) -> None:
    """Opened offline or exported to HTML, every output shows: no script, stylesheet or
    library loaded by URL (Altair's default HTML renderer loads Vega from a CDN), and each
    chart is an inline SVG image."""
    book = executed(name)
    for cell in code_cells(book):
        for output in cell.outputs:
            assert not any(
                kind.startswith("application/vnd.vega") for kind in output.get("data", {})
            )
            for text in texts(output):
                assert not FETCHED.search(text), (name, cell.source[:60], FETCHED.search(text))
                for script in SCRIPT.findall(text):
                    assert not re.search(r"https?://", script), (name, cell.source[:60])
    charts = [cell for cell in code_cells(book) if "_chart(" in cell.source]
    assert len(charts) == CHARTS[name]
    for cell in charts:
        images = [
            o.data["image/svg+xml"] for o in cell.outputs if "image/svg+xml" in o.get("data", {})
        ]
        assert images and images[-1].lstrip().startswith("<svg"), (name, cell.source[:60])


@pytest.mark.parametrize("name", NAMES)
def test_notebook_results_render_as_tables_or_images(
    name: str, executed: Callable[[str], Notebook]
) -> None:
    """A result is an HTML table, an image or a message, never only a repr (a dict of
    DataFrames, a Filters(...)), and no table prints 'Empty DataFrame'."""
    for cell in code_cells(executed(name)):
        for output in cell.outputs:
            data = output.get("data", {})
            if output.get("output_type") in ("execute_result", "display_data"):
                assert "text/html" in data or "image/svg+xml" in data, (name, cell.source[:60])
            for text in texts(output):
                assert "Empty DataFrame" not in text and "Filters(" not in text, name


@pytest.mark.parametrize("name", ["monthly_review", "deployment_pipeline_repeats"])
def test_review_notebooks_read_without_float_noise_or_nan(
    name: str, executed: Callable[[str], Notebook]
) -> None:
    for cell in code_cells(executed(name)):
        for output in cell.outputs:
            if "image/svg+xml" in output.get("data", {}):
                continue
            for text in texts(output):
                assert not NOISE.search(text), (name, cell.source[:60], NOISE.search(text))


def test_monthly_review_reads_like_the_report(executed: Callable[[str], Notebook]) -> None:
    book = executed("monthly_review")
    headline = cell_with(book, "review_table(")
    for kind in ("text/plain", "text/html"):
        shown = cell_text(headline, kind)
        assert "38% (5/13)" in shown and "27% (4/15)" in shown  # repeat rate, its fraction
        # 38% against 27%: +11 pp, between the percents as they read (11.8 pp raw)
        assert "+11 pp" in shown and "42.4 h" in shown and "145" in shown
        assert "0.384615" not in shown and "13.000000" not in shown and "145.0" not in shown
    severity = cell_text(cell_with(book, "pivot_table("))
    assert re.search(r"2026-10\s+1\s+4\s+6\s+2\s+0\n", severity), severity
    assert "No L5 reflex" in cell_text(cell_with(book, "l5_reflex("))
    ttp = cell_text(cell_with(book, "pending_late("))
    assert "641.5 d" in ttp and "15394" not in ttp  # hours_since_resolved in days
    assert "(no owner)" in cell_text(cell_with(book, "actions_by("))
    patterns = cell_text(cell_with(book, "metrics.patterns("))
    assert "(any service)" in patterns and "PM-2026-053, PM-2026-070, PM-2026-099" in patterns


def test_the_month_and_as_of_come_from_the_environment(sample_db: Path) -> None:
    """A scheduled run could only review the month written in the notebook."""
    book = execute("monthly_review", POSTMORTEMS_DB=str(sample_db), POSTMORTEMS_MONTH="2026-09")
    headline = cell_text(cell_with(book, "review_table("))
    assert "27% (4/15)" in headline and "38% (5/13)" not in headline  # September's, not October's
    severity = cell_text(cell_with(book, "pivot_table("))
    assert re.search(r"2026-09\s+", severity) and "2026-10" not in severity, severity
    book = execute(
        "deployment_pipeline_repeats", POSTMORTEMS_DB=str(sample_db), POSTMORTEMS_AS_OF="2025-01-01"
    )
    shown = "\n".join(text for cell in code_cells(book) for o in cell.outputs for text in texts(o))
    assert "PM-2024-" in shown and "PM-2026-" not in shown  # nothing started after as of
    book = execute(
        "deployment_pipeline_repeats", POSTMORTEMS_DB=str(sample_db), POSTMORTEMS_START="2026-01-01"
    )
    repeats = cell_text(cell_with(book, "recurrence_incidents("))
    started = re.findall(r"^\s*(\d{4}-\d{2}-\d{2}) ", repeats, re.MULTILINE)
    assert started and min(started) >= "2026-01-01", started  # repeat_of may be earlier


def test_the_monthly_review_reviews_the_last_month_that_has_ended_by_default(
    sample_db: Path,
) -> None:
    """Its month was written in the notebook (2026-10): from December on, Run All would
    have reviewed October again, while the dashboard and the report review the month just
    ended (review R14). A month without incidents runs too (the sample ends in 2026-11)."""
    from analytics.metrics import default_review_month
    from analytics.report import Period, parse_month

    expected = Period(parse_month(default_review_month(sample_db)))
    book = execute("monthly_review", POSTMORTEMS_DB=str(sample_db))
    # no month written in as the default: 2026-10 is also today's last month ended, so the
    # run below would pass on the old notebook until December (D7)
    parameters = code_cells(book)[0].source
    assert re.search(r'MONTH = os\.environ\.get\("POSTMORTEMS_MONTH"\)\n', parameters)
    said = "".join(text for o in cell_with(book, "period.name").outputs for text in texts(o))
    assert said.startswith(f"{expected.name}: incidents started {expected.first}..{expected.last}")
    empty = execute("monthly_review", POSTMORTEMS_DB=str(sample_db), POSTMORTEMS_MONTH="2024-05")
    said = "".join(text for o in cell_with(empty, "period.name").outputs for text in texts(o))
    assert said.startswith("May 2024: incidents started")


def test_the_adhoc_notebook_is_as_of_today_by_default(sample_db: Path) -> None:
    """Its 'now' was fixed at 2026-11-01: run later, its 'active now' and overdue answers
    were those of that day, while the deployment notebook's were today's (review R10)."""
    import pandas as pd

    from analytics.metrics import Filters, open_db

    before = open_db(sample_db).as_of(Filters())
    book = execute("adhoc_queries", POSTMORTEMS_DB=str(sample_db))
    after = open_db(sample_db).as_of(Filters())  # the run may cross the archive's midnight
    shown = "\n".join(text for cell in code_cells(book) for o in cell.outputs for text in texts(o))
    said = [
        f"As of {today} (00:00, archive timezone); the period since "
        f"{(pd.Timestamp(today) - pd.DateOffset(months=6)).date()}"
        for today in {before, after}
    ]
    assert any(line in shown for line in said), (said, shown[:500])


def test_adhoc_l5_share_is_one_table(executed: Callable[[str], Notebook]) -> None:
    shown = cell_text(cell_with(executed("adhoc_queries"), '"SEV1-2": metrics.l5_share('))
    assert re.search(r"SEV1-2\s+32\s+76\s+0\.421\s+False", shown), shown


def test_table_formats_without_changing_values() -> None:
    frame = pd.DataFrame(
        {
            "key": ["a", None],
            "total": [12345, 2],
            "repeat_rate": [0.384615, None],
            "median_hours": [42.374167, 531.877222],
            "ids": [[f"PM-{n}" for n in range(12)], []],
            "late": [True, False],
            "done": pd.to_datetime(["2026-10-01 13:05", None], utc=True),
        }
    )
    shown = table(frame)
    assert isinstance(shown, Table) and shown.data is frame
    lines = repr(shown).splitlines()
    assert lines[1].split() == [
        "a",
        "12,345",
        "38%",
        "42.4",
        "h",
        "…",
        "2",
        "more,",
        *(f"PM-{n}," for n in range(2, 11)),
        "PM-11",
        "yes",
        "2026-10-01",
    ]
    assert lines[2].split() == ["—", "2", "—", "22.2", "d", "no", "—"]
    assert "0.384615" not in shown.to_html() and "38%" in shown.to_html()
    assert repr(table(frame.iloc[0:0], empty="No late postmortem.")) == "No late postmortem."
    assert isinstance(table(frame.iloc[0:0]), Message)
    # a pivot of several values: columns named (value, key), formatted by the value's name
    pivot = pd.DataFrame({"month": ["2026-10"] * 2, "sev": ["SEV1", "SEV2"],
                          "repeat_rate": [0.25, 0.5], "median_hours": [10.0, 200.0]}).pivot_table(
        index="month", columns="sev", values=["repeat_rate", "median_hours"])  # fmt: skip
    assert isinstance(pivot.columns[0], tuple)
    assert repr(table(pivot)).splitlines()[-1].split() == ["2026-10", "10", "h", "8.4", "d", "25%",
                                                           "50%"]  # fmt: skip


def test_review_table_shows_rates_with_their_fraction() -> None:
    review = pd.DataFrame(
        {
            "label": ["Incidents", "Repeat rate", "Median hours to postmortem"],
            "kind": ["count", "rate", "hours"],
            "higher_is_better": [False, False, False],
            "this_month": [13.0, 0.384615, 42.374167],
            "previous_month": [15.0, 0.266667, 30.298333],
            "three_month_average": [11.333333, 0.382353, 38.0],
            **{
                f"{prefix}{column}": pd.array(values, dtype=dtype)
                for prefix in ("", "previous_", "three_month_")
                for column, values, dtype in (
                    ("numerator", [None, 5, None], "Int64"),
                    ("denominator", [None, 13, None], "Int64"),
                    ("small_sample", [None, prefix == "previous_", None], "boolean"),
                )
            },
        }
    )
    shown = review_table(review, "October 2026", "September 2026")
    assert shown.to_dict("index") == {
        "Incidents": {
            "October 2026": "13",
            "September 2026": "15",
            "Change": "−2, better",
            "3-month average": "11.3",
        },
        "Repeat rate": {
            "October 2026": "38% (5/13)",
            "September 2026": "27% (5/13) ⚠",
            "Change": "+11 pp, worse",  # 38% against 27% as they read (11.8 pp raw read +12)
            "3-month average": "38% (5/13)",
        },
        "Median hours to postmortem": {
            "October 2026": "42.4 h",
            "September 2026": "30.3 h",
            "Change": "+12.1 h, worse",  # between the hours as they read
            "3-month average": "38 h",
        },
    }


def test_table_shows_its_first_rows_and_says_how_many_the_frame_holds() -> None:
    """Ten years of a category printed every repeat, 3,374 rows, a 12 MB notebook (R18)."""
    frame = pd.DataFrame({"id": [f"PM-{n}" for n in range(250)], "repeat_rate": 0.5})
    shown = table(frame)
    assert isinstance(shown, Table)
    html = shown.to_html()
    assert html.count("PM-") == 100 and "PM-99<" in html and "PM-100<" not in html
    said = "The first 100 of 250 rows: the frame holds them all"
    assert said in html and repr(shown).splitlines()[-1].startswith(said)
    assert len(repr(shown).splitlines()) == 1 + 100 + 1  # header, rows, the note
    whole = table(frame, rows=None)
    assert isinstance(whole, Table) and whole.to_html().count("PM-") == 250
    assert "The first" not in repr(table(frame.head(100)))


def test_table_shows_an_exploded_frame() -> None:
    """A frame exploded by a list column repeats its row numbers, which pandas' Styler
    refuses with a KeyError when it formats the cells: a notebook cell failing on a listing
    by service."""
    frame = pd.DataFrame(
        {"id": ["A", "B"], "services": [["x", "y"], ["z"]], "days_apart": [2.5, 0.25]}
    )
    exploded = frame.explode("services")
    assert not exploded.index.is_unique
    shown = table(exploded)
    assert isinstance(shown, Table)
    assert "<td" in shown.to_html()
    assert [line.split() for line in repr(shown).splitlines()[1:]] == [
        ["A", "x", "2.5", "d"], ["A", "y", "2.5", "d"], ["B", "z", "6", "h"],
    ]  # fmt: skip
    keyed = table(exploded.set_index("id"))  # a named index that repeats: A, A, B (D7)
    assert isinstance(keyed, Table) and "<td" in keyed.to_html()
    lines = repr(keyed).splitlines()
    assert lines[0].split() == ["id", "services", "days_apart"] and len(lines) == 4  # a column
