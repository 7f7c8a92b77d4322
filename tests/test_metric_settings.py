"""postmortems.toml's [metrics]: the archive's own window, pattern minimum, postmortem
deadline and action SLO (SPEC calls each configurable).

Every surface reads them from the database: an archive set to 90 days gives the numbers the
default archive gives for `Filters(window_days=90)`, the SQL macros default to them, the
stored facts are computed for them, and the words around the numbers say them.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st
from click.testing import CliRunner
from reference_metrics import load_archive, reference_summary
from streamlit.testing.v1 import AppTest

from analytics import display, metrics
from analytics.cli import main
from analytics.config import METRIC_DEFAULTS, ConfigError, load_config
from analytics.ingest import ingest
from analytics.metrics import Filters, open_db
from analytics.report import build_report, render_html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # as dashboards/app.py does: `dashboards` is not installed
from dashboards import state  # noqa: E402

SET = {"window_days": 90, "pattern_min": 2, "ttp_hours": 48, "action_slo_days": 14}
AS_OF = date(2026, 11, 1)
SETTINGS_TOML = "\n[metrics]\n" + "".join(f"{key} = {value}\n" for key, value in SET.items())


@pytest.fixture(scope="module")
def set_archive(tmp_path_factory: pytest.TempPathFactory, metrics_archive: Path) -> Path:
    """The metrics fixture archive with every parameter set in its postmortems.toml."""
    root = tmp_path_factory.mktemp("set") / "archive"
    shutil.copytree(metrics_archive, root)
    with (root / "postmortems.toml").open("a", encoding="utf-8") as toml:
        toml.write(SETTINGS_TOML)
    return root


@pytest.fixture(scope="module")
def set_db(tmp_path_factory: pytest.TempPathFactory, set_archive: Path) -> Path:
    db = tmp_path_factory.mktemp("set_db") / "postmortems.duckdb"
    ingest(set_archive, db)
    return db


# --- postmortems.toml ----------------------------------------------------------------------


def test_metrics_table_is_read_and_the_rest_keep_specs_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path).metrics == METRIC_DEFAULTS == {
        "window_days": 180, "pattern_min": 3, "ttp_hours": 72, "action_slo_days": 28,
    }  # fmt: skip
    (tmp_path / "postmortems.toml").write_text("[metrics]\nwindow_days = 365\n", encoding="utf-8")
    assert load_config(tmp_path).metrics == {**METRIC_DEFAULTS, "window_days": 365}


def test_the_docs_example_toml_loads_with_the_defaults_it_shows(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "archive.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert example is not None and "[metrics]" in example.group(1)
    (tmp_path / "postmortems.toml").write_text(example.group(1), encoding="utf-8")
    config = load_config(tmp_path)
    assert config.metrics == METRIC_DEFAULTS
    assert config.timezone == "Europe/Berlin" and config.team("payments") == "payments-team"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[metrics]\nwindow_days = 0\n", "window_days must be a whole number from 1 to"),
        ("[metrics]\npattern_min = -3\n", "pattern_min must be a whole number from 2 to"),
        # one incident is no pattern: every incident would be one (review R19)
        ("[metrics]\npattern_min = 1\n", "pattern_min must be a whole number from 2 to"),
        ('[metrics]\nttp_hours = "72"\n', "ttp_hours must be a whole number from 1 to"),
        ("[metrics]\naction_slo_days = 27.5\n", r"in days \(the action SLO"),
        # a century at most: 2^63 days overflowed in the SQL with a traceback (review D10)
        ("[metrics]\nwindow_days = 9223372036854775807\n", "from 1 to 36,500"),
        ("[aliases]\nwindow_days = 90\n", r"window_days is a metric setting, but it is in "
         r"\[aliases\]:"),
        ("[aliases.services]\n# [metrics]\nwindow_days = 90\n", r"in \[aliases.services\]"),
        ('[metrics]\nttp_hours = 48\nexclude = ["drafts/*"]\n', "exclude is a setting of the "
         r"file's top, but it is in \[metrics\]"),
        ("[metrics]\nwindow_days = true\n", "not true$"),  # as TOML writes it
        ("[metrics]\nwindow = 90\n", "unknown metric setting metrics.window; did you mean "
         "metrics.window_days?"),
        ("metrics = 90\n", r"\[metrics\] must be a table"),
        # the [metrics] line left commented out: at the top, or in the table above it
        ("window_days = 90\n", r"window_days is a metric setting, but it is at the top: it "
         r"belongs below a \[metrics\] line"),
        ('[aliases.owner]\ndp-team = "data-platform"\n# [metrics]\nttp_hours = 48\n',
         r"ttp_hours is a metric setting, but it is in \[aliases.owner\]"),
    ],
)  # fmt: skip
def test_a_bad_setting_stops_with_what_is_wrong(tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "postmortems.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=says) as error:
        load_config(tmp_path)
    assert "postmortems.toml" in str(error.value)


# --- the metrics ---------------------------------------------------------------------------


def test_set_archive_counts_as_the_default_one_with_those_parameters(
    set_db: Path, fixture_db: Path
) -> None:
    """The configured archive's default numbers are the default archive's numbers for the
    same parameters given by hand, and differ from its defaults (the fixture has repeats
    between 90 and 180 days apart, postmortems between 48 and 72 h, ...)."""
    at = Filters(as_of=AS_OF)
    configured = metrics.summary(set_db, at)
    assert configured == metrics.summary(fixture_db, at.replace(**SET))
    assert configured["filters"] | SET == configured["filters"]  # it says what it used
    default = metrics.summary(fixture_db, at)
    for key in ("repeats", "patterns", "ttp", "fixes"):
        assert configured[key] != default[key], key
    review = metrics.monthly_review(set_db, "2026-10", at)
    assert review.equals(metrics.monthly_review(fixture_db, "2026-10", at.replace(**SET)))
    closed = metrics.action_summary(set_db, at)
    assert closed.equals(metrics.action_summary(fixture_db, at.replace(**SET)))
    assert not closed.equals(metrics.action_summary(fixture_db, at))  # the SLO's 14 days


def test_set_archive_equals_the_reference_with_its_parameters(set_archive: Path, set_db: Path):
    """The plain-Python reference, told the parameters, agrees with what the ingest stored."""
    expected = reference_summary(
        load_archive(set_archive),
        as_of=AS_OF,
        window_days=SET["window_days"],
        pattern_min=SET["pattern_min"],
        ttp_hours=SET["ttp_hours"],
    )
    got = metrics.summary(set_db, Filters(as_of=AS_OF))
    for key in ("postmortems", "repeats", "repeat_rate", "ttp", "fix_levels", "fixes"):
        assert got[key] == pytest.approx(expected[key]), key
    by_key = {(p["category"], p["service"]): set(p["ids"]) for p in got["patterns"]}
    assert by_key == {(p["category"], p["service"]): set(p["ids"]) for p in expected["patterns"]}


def test_the_python_api_can_still_ask_for_other_parameters(set_db: Path, fixture_db: Path):
    at = Filters(as_of=AS_OF, **METRIC_DEFAULTS)
    assert metrics.summary(set_db, at) == metrics.summary(fixture_db, at)
    assert open_db(set_db).parameters(Filters(ttp_hours=24)) == metrics.Parameters(
        window_days=90, pattern_min=2, ttp_hours=24, action_slo_days=14
    )


def test_sql_macros_default_to_the_archives_settings(set_db: Path) -> None:
    """`SELECT * FROM patterns()` in the duckdb shell or a notebook gives the dashboard's."""
    db = open_db(set_db)
    said = db.query(
        "SELECT archive_window_days() AS window_days, archive_pattern_min() AS pattern_min, "
        "archive_ttp_hours() AS ttp_hours, archive_action_slo_days() AS action_slo_days"
    )
    assert said.iloc[0].to_dict() == SET
    at = Filters(as_of=AS_OF)
    for macro, frame in (
        ("patterns", metrics.patterns(db, at)),
        ("ttp_summary", metrics.ttp_summary(db, at)),
        ("action_summary", metrics.action_summary(db, at)),
        ("repeat_rate", metrics.repeat_rate(db, at)),
    ):
        by_sql = db.query(f"SELECT * FROM {macro}(as_of := $as_of)", {"as_of": AS_OF})
        assert by_sql[list(frame.columns)].equals(frame), macro


def test_stored_facts_are_computed_for_the_archives_window(set_db: Path) -> None:
    db = open_db(set_db)
    stored = db.query("SELECT id, is_repeat FROM fact_recurrence ORDER BY id")
    live = db.query(
        "SELECT id, is_repeat FROM recurrence_flags_live(as_of := DATE '9999-12-31', "
        "window_days := 90) ORDER BY id"
    )
    assert stored.equals(live)
    wider = db.query(
        "SELECT id, is_repeat FROM recurrence_flags_live(as_of := DATE '9999-12-31', "
        "window_days := 180) ORDER BY id"
    )
    assert not stored.equals(wider)


def test_changing_the_settings_reingests_with_the_new_ones(tmp_path: Path, metrics_archive: Path):
    root = tmp_path / "archive"
    shutil.copytree(metrics_archive, root)
    db = tmp_path / "pm.duckdb"
    ingest(root, db)
    before = metrics.summary(db, Filters(as_of=AS_OF))
    with (root / "postmortems.toml").open("a", encoding="utf-8") as toml:
        toml.write(SETTINGS_TOML)
    ingest(root, db)  # the same database, updated
    assert open_db(db).settings == SET
    after = metrics.summary(db, Filters(as_of=AS_OF))
    assert after != before
    assert after == metrics.summary(db, Filters(as_of=AS_OF, **SET))


def test_a_database_of_an_older_ingest_has_specs_defaults(fixture_db: Path) -> None:
    assert open_db(fixture_db).settings == METRIC_DEFAULTS
    assert open_db(fixture_db).parameters() == metrics.Parameters(**METRIC_DEFAULTS)


# --- the surfaces say them -----------------------------------------------------------------


def test_summary_json_and_text_use_the_archives_settings(set_db: Path) -> None:
    runner = CliRunner()
    as_json = runner.invoke(
        main, ["summary", "--db", str(set_db), "--json", "--as-of", "2026-11-01"]
    )
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert {key: data["filters"][key] for key in SET} == SET
    assert data["repeats"] == metrics.summary(set_db, Filters(as_of=AS_OF))["repeats"]
    text = runner.invoke(main, ["summary", "--db", str(set_db), "--as-of", "2026-11-01"])
    assert "Written within 48 h" in text.output
    assert "90 days" in text.output and "180" not in text.output


def test_report_says_the_archives_settings(set_db: Path) -> None:
    html = render_html(build_report(set_db, "2026-10"))
    assert "Written within 48 h" in html
    assert "Most in any 90 days" in html
    assert "at least 2 incidents within 90 days" in html
    assert html_escape(display.parameters_said(open_db(set_db).parameters())) in html
    assert "180 days" not in html
    assert "within 72 h" not in html and "after 72 h" not in html  # "72 h so far": a wait


def test_lint_flags_late_against_the_archives_deadline(set_archive: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(set_archive), "--as-of", "2026-11-01", "--json"])
    flagged = json.loads(result.output)["discipline"]
    messages = [m for row in flagged for m in row["messages"]]
    late = [m for m in messages if m.startswith(("postmortem written", "no postmortem yet"))]
    assert late and all("(target 48 h)" in m for m in late), messages
    # one written between 48 and 72 h after resolution is late here, not in the default
    written = [re.match(r"postmortem written ([\d.]+) h after", m) for m in late]
    assert any(48 < float(m.group(1)) <= 72 for m in written if m), late


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("app_pages/recurrence.py", "at most 90 days before"),
        ("app_pages/time_to_postmortem.py", "Target: within 48 h."),
        ("app_pages/monthly_review.py", "within 90 days) with an incident in the 90 days"),
        ("app_pages/data_quality.py", "Repeats and patterns within 90 days, a pattern from 2"),
    ],
)
def test_dashboard_pages_say_the_archives_settings(
    set_db: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None, page: str, said: str
) -> None:
    monkeypatch.setenv(state.DB_ENV, str(set_db))
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=30)
    at.query_params["as_of"] = "2026-11-01"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _page_text(at)
    assert said in shown
    assert "180" not in shown and "72 h" not in shown


def test_actions_page_names_the_archives_slo(
    set_db: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    monkeypatch.setenv(state.DB_ENV, str(set_db))
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=30)
    at.query_params["as_of"] = "2026-11-01"
    at.run()
    at.switch_page("app_pages/actions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Closed in 14 days" in [m.label for m in at.metric]
    # the sidebar says them on every page of an archive that sets its own (review R19)
    assert any("Repeats and patterns within 90 days" in c.value for c in at.sidebar.caption)


def test_the_sidebar_says_nothing_of_specs_defaults(
    fixture_db: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: None
) -> None:
    monkeypatch.setenv(state.DB_ENV, str(fixture_db))
    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert not any("Repeats and patterns" in c.value for c in at.sidebar.caption)


def _page_text(at: AppTest) -> str:
    parts: list[Any] = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [e.value for e in at.info] + [e.value for e in at.error]
    parts += [m.label for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_new_says_the_archives_deadline(tmp_path: Path) -> None:
    (tmp_path / "postmortems.toml").write_text("[metrics]\nttp_hours = 48\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["new", "Queue stuck", "--archive", str(tmp_path), "--started", "2026-03-02"]
    )
    assert result.exit_code == 0, result.output
    text = Path(result.output.strip()).read_text(encoding="utf-8")
    assert "due within 48 h of resolved" in text


def test_cli_flags_try_other_parameters_for_one_run(set_db: Path, fixture_db: Path) -> None:
    """`summary --window-days 90 ...` on the default archive is the set archive's summary,
    and says the parameters were given for the run, not the archive's (review R19)."""
    flags = [f"--{key.replace('_', '-')}={value}" for key, value in SET.items()]
    runner = CliRunner()
    tried = runner.invoke(
        main, ["summary", "--db", str(fixture_db), "--json", "--as-of", "2026-11-01", *flags]
    )
    assert tried.exit_code == 0, tried.output
    assert json.loads(tried.output) == metrics.summary(set_db, Filters(as_of=AS_OF))
    text = runner.invoke(main, ["summary", "--db", str(fixture_db), "--window-days", "90"])
    assert text.output.rstrip().endswith(
        "(given for this run; the archive's [metrics] in postmortems.toml: 180 days, "
        "3 incidents, 72 h, 28 days)."
    )
    refused = runner.invoke(main, ["summary", "--db", str(fixture_db), "--pattern-min", "1"])
    assert refused.exit_code == 2 and "--pattern-min" in refused.output


def test_a_report_given_other_parameters_says_so_and_how_to_check_it(set_db: Path) -> None:
    report = build_report(set_db, "2026-10", Filters(window_days=60))
    generated, _, said = report.footer
    assert "postmortems report --month 2026-10 --window-days 60”" in generated
    assert "--to 2026-10-31 --window-days 60” with the same filters" in generated
    assert "within 60 days" in said and "given for this run" in said
    assert "the archive's [metrics] in postmortems.toml: 90 days, 2 incidents" in said
    plain = build_report(set_db, "2026-10").footer
    assert "--window-days" not in plain[0]


def test_summary_counts_the_action_slo_as_the_actions_page(set_db: Path) -> None:
    at = Filters(as_of=AS_OF)
    data = metrics.summary(set_db, at)["actions"]
    page = metrics.action_summary(set_db, at).iloc[0]
    assert (data["closed_within_slo"], data["slo_decided"]) == (
        page["closed_within_slo"],
        page["slo_decided"],
    )
    assert data["slo_rate"] == pytest.approx(page["slo_rate"])
    assert data["slo_decided"] > 0
    text = CliRunner().invoke(main, ["summary", "--db", str(set_db), "--as-of", "2026-11-01"])
    assert f"{data['closed_within_slo']} of {data['slo_decided']}" in text.output
    assert "Closed in 14 days" in text.output


def test_ttp_axis_labels_the_target_of_the_archive() -> None:
    from dashboards import charts

    written = pd.DataFrame(
        {"id": ["A", "B"], "title": ["a", "b"], "severity": ["SEV2", "SEV3"], "hours": [10.0, 90.0]}
    )
    for target, kept, left in ((36, [24, 36, 72], [48]), (72, [48, 72, 168], [])):
        rows = written.assign(on_time=written["hours"] <= target)
        spec = charts.ttp_strip(rows, target).to_dict()
        values = _axis_values(spec)
        assert all(v in values for v in kept) and not any(v in values for v in left), values
    # a deadline of days in hours is labelled as the cards say it (100 h read "4 d", D11)
    rows = written.assign(on_time=written["hours"] <= 100)
    assert "datum.value == 100 ? '100 h'" in json.dumps(charts.ttp_strip(rows, 100).to_dict())


def _axis_values(spec: Any) -> list[float]:
    if isinstance(spec, dict):
        if "axis" in spec and isinstance(spec["axis"], dict) and "values" in spec["axis"]:
            return list(spec["axis"]["values"])
        for value in spec.values():
            if found := _axis_values(value):
                return found
    if isinstance(spec, list):
        for value in spec:
            if found := _axis_values(value):
                return found
    return []


def test_a_snapshot_keeps_the_parameters_of_its_own_file(tmp_path: Path, metrics_archive: Path):
    """An ingest that changes the settings and swaps the file while a snapshot reads: the
    snapshot's numbers and parameters stay its file's (they read the new file's, review D10)."""
    root = tmp_path / "archive"
    shutil.copytree(metrics_archive, root)
    db = tmp_path / "pm.duckdb"
    ingest(root, db)
    at = Filters(as_of=AS_OF)
    with open_db(db).snapshot() as snapshot:
        before = (snapshot.parameters(), metrics.summary(snapshot, at))
        with (root / "postmortems.toml").open("a", encoding="utf-8") as toml:
            toml.write(SETTINGS_TOML)
        ingest(root, db)
        assert (snapshot.parameters(), metrics.summary(snapshot, at)) == before
    assert open_db(db).parameters() == metrics.Parameters(**SET)  # the new file's


def test_card_labels_take_the_deadline_not_filters() -> None:
    assert metrics.card_labels(48)[2][1] == "Written within 48 h"
    with pytest.raises(TypeError, match="deadline in hours"):
        metrics.card_labels(Filters(ttp_hours=48))  # type: ignore[arg-type]


def test_the_slo_said_where_few_or_none_are_known(fixture_db: Path) -> None:
    """October of the fixture has no fix or action: the report said "every open item is
    still inside it" (D11); two known items are a small sample, as on the Actions card."""
    october = " ".join(render_html(build_report(fixture_db, "2026-10")).split())
    assert "of this month&#x27;s whose outcome is known: none, no fix or action." in october
    result = CliRunner().invoke(
        main,
        ["summary", "--db", str(fixture_db), "--as-of", "2026-05-01", "--from", "2026-03-01",
         "--to", "2026-04-30"],
    )  # fmt: skip
    line = next(x for x in result.output.splitlines() if x.startswith("Closed in 28 days"))
    assert line.endswith("0 of 2  (small sample)"), line
