"""The benchmark harness's measurements: timed runs are not sampled, memory runs sum the
process tree (benchmarks/harness.py; the numbers in docs/benchmarks.md come from it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402
import pytest  # noqa: E402
import report  # noqa: E402
import run as bench_run  # noqa: E402
from probes import LAZY_VIEWS  # noqa: E402

# 120 MiB shared by a parent and its forked child, then 120 MiB more in each, held for half a
# second: 360 MiB in the tree, 240 MiB in either process.
TWO_HOLDERS = """
import os, time
block = b"x" * (120 * 1024 * 1024)
pid = os.fork()
own = b"y" * (120 * 1024 * 1024)
time.sleep(0.5)
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
"""


@pytest.mark.skipif(
    not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc smaps_rollup"
)
def test_a_memory_run_sums_the_process_tree() -> None:
    run = harness.measure([sys.executable, "-c", TWO_HOLDERS], memory=True)
    assert run.returncode == 0
    assert run.tree_pss_mb is not None
    # The tree: the shared block once, and each process's own block. (No upper bound on
    # maxrss: it also holds this test process's size when it started the command.)
    assert run.tree_pss_mb > 340
    assert run.maxrss_mb > 230  # the largest single process: a shared and an own block


def test_a_timed_run_is_not_sampled() -> None:
    run = harness.measure([sys.executable, "-c", TWO_HOLDERS], memory=False)
    assert run.returncode == 0
    assert run.tree_pss_mb is None
    assert run.maxrss_mb > 230  # still known exactly from wait4()


# A probe's stand-in: one item, with the process's own size held for half a second.
PROBE = """
import json, time
held = b"x" * (120 * 1024 * 1024)
time.sleep(0.5)
print(json.dumps({"name": "item", "cold_s": 0.25, "n": len(held)}))
"""


@pytest.mark.skipif(
    not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc smaps_rollup"
)
def test_a_probes_timed_runs_are_not_sampled_and_its_memory_run_keeps_no_times() -> None:
    probe = bench_run.Scenario("browser", lambda: [sys.executable, "-c", PROBE])
    assert probe.probe
    bench_run.run_probe(probe, 0, 30.0, set())
    assert [r.tree_pss_mb for r in probe.runs] == [None]  # the sampler takes CPU from it
    assert probe.inner[0]["items"]["item"]["cold_s"] == 0.25
    bench_run.run_probe(probe, 0, 30.0, set(), memory=True)
    assert len(probe.runs) == len(probe.inner) == 1  # its times are not kept
    (sampled,) = probe.memory_runs
    assert sampled.tree_pss_mb is not None and sampled.tree_pss_mb > 110


def test_memory_rounds_sample_each_scenario_its_repeats_and_each_probe_once() -> None:
    quick = [sys.executable, "-c", "pass"]
    ingest = bench_run.Scenario("ingest_full", lambda: quick)
    over = bench_run.Scenario("naive", lambda: quick)
    over.runs.append(harness.Run(100.0, 0.0, 0.0, None, 0))  # its budget is spent
    probe = bench_run.Scenario("browser", lambda: [sys.executable, "-c", PROBE])
    probe.runs.append(harness.Run(1.0, 0.0, 0.0, None, 0))
    bench_run.memory_rounds([ingest, over, probe], 5, 3, budget=60.0, cap=30.0)
    assert len(ingest.memory_runs) == 3
    assert len(over.memory_runs) == 1  # one at least, though over budget
    assert len(probe.memory_runs) == 1  # a whole tour: one
    assert all(r.tree_pss_mb is not None for r in ingest.memory_runs + probe.memory_runs)
    assert len(ingest.runs) == 0 and len(probe.runs) == 1  # nothing timed is added


def test_maxrss_counts_the_launching_process() -> None:
    # Linux records the parent's resident size in the child's ru_maxrss when the child
    # execs after vfork (subprocess's way): the harness's caller must stay small.
    small = harness.measure([sys.executable, "-c", "pass"], memory=False)
    held = b"x" * (200 * 1024 * 1024)
    inflated = harness.measure([sys.executable, "-c", "pass"], memory=False)
    assert len(held) and inflated.maxrss_mb > small.maxrss_mb + 150


def test_the_report_shows_no_tree_memory_without_memory_runs() -> None:
    timed = {"tree_pss_mb": {}, "maxrss_mb": harness.spread([250.0, 260.0])}
    assert report.peak_memory(timed) == "– / 260 MiB"
    sampled = {**timed, "tree_pss_mb": harness.spread([400.0, 390.0])}
    assert report.peak_memory(sampled) == "400 / 260 MiB"


def _results(items: dict[str, dict[str, float]]) -> dict[str, object]:
    """A results.json with one 100k size whose browser scenario measured these pages."""
    measured = {
        name: {key: harness.spread([value]) for key, value in values.items()} | {"sent_mb": 0.2}
        for name, values in items.items()
    }
    browser = {"items": measured, "header": {"first_load_s": harness.spread([1.5])}}
    return {"sizes": {"100000": {"scenarios": {"browser": browser}}}}


def test_the_report_tables_and_judges_the_browser_visits() -> None:
    results = _results(
        {
            "actions.py": {"cold_s": 0.4, "warm_s": 0.2},
            "recurrence.py": {"cold_s": 1.2, "warm_s": 0.5, "cold_script_s": 1.1},
        }
    )
    table = report.item_table(results, "browser")
    assert table[0] == "| page | 100k |"
    assert "| actions.py | 400 (200) · 0.20 MB |" in table
    assert "| recurrence.py | 1200 (500) · 0.20 MB · script 1100 |" in table
    assert report.browser_boot(results)[-1].endswith("100k 1500 ms.")
    target = [row for row in report.targets(results) if "browser" in row]
    assert target == [
        "| each page < 1 s in a browser (first visit) | 100k | 1 of 2 under; over: "
        "recurrence.py | **no** |"
    ]


def test_the_gauge_times_its_fixed_work_as_whole_processes() -> None:
    found = bench_run.gauge(repeats=2)
    assert found["n"] == 2 and 0.05 < found["min"] <= found["median"] <= found["max"] < 30
    parts = json.loads(
        subprocess.run(
            [sys.executable, str(BENCH / "gauge.py")], capture_output=True, text=True, check=True
        ).stdout
    )
    assert set(parts) == {"yaml_s", "duckdb_s"} and all(v > 0 for v in parts.values())


def _gauged(*medians: tuple[float, float]) -> dict[str, object]:
    """A results.json whose sizes had these gauge medians (before, after), in order."""
    sizes = {
        str(10 ** (3 + index)): {
            "scenarios": {},
            "gauge_s": {
                "before": harness.spread([before] * 3),
                "after": harness.spread([after] * 3),
            },
        }
        for index, (before, after) in enumerate(medians)
    }
    return {"sizes": sizes}


def test_the_report_says_whether_the_machine_kept_its_speed() -> None:
    steady = report.gauge_section(_gauged((0.60, 0.62), (0.61, 0.65)))
    assert "| 1k | 600 ms (1.00x) | 620 ms (1.03x) |" in steady
    assert "| 10k | 610 ms (1.02x) | 650 ms (1.08x) |" in steady
    assert steady[-1].startswith("The gauge stayed within 8% through the run")
    slowed = report.gauge_section(_gauged((0.60, 0.62), (0.70, 0.85)))
    assert slowed[-1].startswith(
        "**The machine's speed changed during this run**: the gauge took from 600 ms to "
        "850 ms (1.42x)."
    )
    assert report.gauge_section(_results({})) == []  # results from before the gauge


@pytest.mark.browser
def test_the_browser_probe_tours_pages_and_their_lazy_views(fixture_db: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: apt-get install chromium (.ci/run does)")
    # one page with lazy views and one without: the mechanics (the tour, each lazy view as an
    # item of its own, the two rounds); every page renders in tests/test_browser.py
    pages = ["data_quality.py", *LAZY_VIEWS]
    assert all((ROOT / "dashboards" / "app_pages" / p).exists() for p in pages)
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "browser_probe.py"), str(fixture_db),
         "2026-11-01", *pages],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert records[0]["first_load_s"] > 0
    visits = {r["name"]: r for r in records[1:]}
    views = [  # each page's lazy views but its default, as items of their own
        f"{page} · {view}" for page, (_, (_, *others)) in LAZY_VIEWS.items() for view in others
    ]
    assert views and sorted(visits) == sorted(pages + views)
    for name, visit in visits.items():
        assert visit["cold_s"] > 0 and visit["warm_s"] > 0, name
        assert visit["sent_mb"] > 0.001, name  # every page sends its elements
        assert 0 < visit["cold_script_s"] <= visit["cold_s"], name  # drawn after it finished


def test_the_pages_probe_times_each_lazy_view_as_its_own_item(fixture_db: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pages_probe.py"), str(fixture_db),
         "2026-11-01", "recurrence.py"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    records = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    runs = {r["name"]: r for r in records if "name" in r}
    _, (_, *views) = LAZY_VIEWS["recurrence.py"]
    assert list(runs) == ["recurrence.py", *(f"recurrence.py · {v}" for v in views)]
    for name, item in runs.items():
        assert item["cold_s"] > 0 and item["warm_s"] > 0 and item["errors"] == [], name
    # each view sends its own elements (the default: charts; Patterns: its tables)
    assert len({round(item["sent_mb"], 4) for item in runs.values()}) == len(runs)


def test_the_report_scenario_writes_the_months_review(
    fixture_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_run.archives, "peer_skip_list", lambda root: root / "skip")
    shutil.copyfile(fixture_db, tmp_path / "base.duckdb")
    scenarios = bench_run.build_scenarios(1000, tmp_path, tmp_path, [])
    scenario = next(s for s in scenarios if s.name == "report")
    bench_run.run_once(scenario, 0)
    assert not scenario.errors
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Reliability review: October 2026" in html
    results = {"sizes": {"1000": {"scenarios": {"report": bench_run.summarise(scenario)}}}}
    table = report.report_table(results)
    wall = scenario.runs[0].wall_s
    assert table[2].startswith(f"| 1k | {report.seconds(wall)} | ")
    assert report.report_table({"sizes": {"1000": {"scenarios": {}}}}) == []
