"""`make bench`: ingest and query speed at 1k, 10k and 100k postmortems, with baselines.

Every measurement is a whole process (python startup and imports included), repeated
(default 5, interleaved round-robin so machine noise spreads evenly), reported as median,
min-max and quartiles. Peak memory: the largest process of every run, and the process
tree's summed PSS from separate runs after the timed ones (`--memory-repeats`, default 2):
sampling it slows a process tree that keeps both cores busy, so the timed runs are not
sampled (harness.py). Nor are the probes' (metrics, pages, browser), which time each item
from inside: their peak memory comes from one sampled run of each after the timed ones.
The gauge (benchmarks/gauge.py, a fixed piece of work) runs before and after each archive,
so the report shows whether the machine kept its speed through the run.
Results: benchmarks/out/results.json and benchmarks/out/results.md. See docs/benchmarks.md.

The archives of `--sizes` are "dense" (the sample generator's ~26 months, 29 services); the
`--decade-sizes` ones are then run too in the "decade" shape (ten years, 300 services, same
end), with the `--decade-only` scenarios (plus `floor` with `ingest_full`, for its ratio),
reported under their own key: `100000-decade`, "100k decade" (benchmarks/archives.py).

Example:

    python benchmarks/run.py     # 1k, 10k, 100k (~20 min), then 100k decade (~8 min more)
    python benchmarks/run.py --sizes 1000,10000 --repeats 3 --decade-sizes ""   # quick
    python benchmarks/run.py --sizes 1000 --only floor,ingest_full --decade-sizes ""
    python benchmarks/run.py --sizes "" --decade-sizes 100000  # only the decade archive
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PEERS = {
    "frontmatter": "python-frontmatter==1.3.0",
    "markdown_to_sqlite": "markdown-to-sqlite==1.0",
}


def ensure_peers() -> None:
    """Install the baselines' packages into this venv when missing (benchmark-only peers)."""
    missing = [spec for module, spec in PEERS.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(f"installing {', '.join(missing)} (benchmark baselines)", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


ensure_peers()

import archives  # noqa: E402
import report  # noqa: E402
from harness import Run, measure, spread  # noqa: E402

OUT = HERE / "out"
BIN = Path(sys.executable).parent
AS_OF = "2026-11-25"  # the sample archive's "now" (5 days after its last incident), any size
REPORT_MONTH = "2026-10"  # the last full month before AS_OF: the monthly review's month
SCENARIOS = (
    "floor",
    "naive",
    "peer",
    "ingest_full",
    "ingest_unchanged",
    "ingest_1pct",
    "metrics",
    "pages",
    "browser",
    "report",
)
GAUGE_REPEATS = 3  # before and after each archive
INGEST_SECONDS = re.compile(r": (?:written|unchanged, nothing to do) \((\d+\.\d+) s\)")


@dataclass
class Scenario:
    name: str
    command: Callable[[], list[str]]
    around: Callable[[int], AbstractContextManager[Any]] = lambda _round: nullcontext()
    before: Callable[[], None] = lambda: None
    check: Callable[[Run], str | None] = lambda _run: None  # -> what is wrong, or None
    runs: list[Run] = field(default_factory=list)
    memory_runs: list[Run] = field(default_factory=list)  # sampled, not timed
    inner: list[Any] = field(default_factory=list)  # what the process reported about itself
    errors: list[str] = field(default_factory=list)

    def spent(self) -> float:
        return sum(run.wall_s for run in [*self.runs, *self.memory_runs])

    @property
    def probe(self) -> bool:
        """Timed from inside, item by item (run_probe)."""
        return self.name in ("metrics", "pages", "browser")


def remove_db(path: Path) -> None:
    for suffix in ("", ".wal", ".tmp", ".tmp.wal", ".lock", ".manifest"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def ingest_cmd(archive: Path, db: Path) -> list[str]:
    return [str(BIN / "postmortems"), "ingest", str(archive), "--db", str(db)]


def report_cmd(db: Path, out: Path) -> list[str]:
    month = ["--month", REPORT_MONTH]
    return [str(BIN / "postmortems"), "report", *month, "--db", str(db), "--out", str(out)]


def prints(expect: str) -> Callable[[Run], str | None]:
    def check(run: Run) -> str | None:
        return None if expect in run.stdout else f"expected {expect!r} in: {run.stdout[:300]}"

    return check


def build_scenarios(size: int, archive: Path, work: Path, pages: list[str]) -> list[Scenario]:
    base, full, changed = work / "base.duckdb", work / "full.duckdb", work / "changed.duckdb"
    naive_db, peer_db = work / "naive.duckdb", work / "peer.sqlite"
    python = sys.executable

    # found when the peer first runs: trying the peer's loader on every file of 100k takes
    # minutes, and a run without the peer (--only metrics) does not need it
    def skip() -> str:
        return str(archives.peer_skip_list(archive))

    one_percent = max(1, size // 100)

    def copy_base() -> None:
        remove_db(changed)
        shutil.copyfile(base, changed)

    def edit(round_index: int) -> AbstractContextManager[Any]:
        copy_base()
        return archives.edited(archive, 0.01, round_index)

    return [
        Scenario("floor", lambda: [python, str(HERE / "floor.py"), str(archive)]),
        Scenario(
            "naive",
            lambda: [python, str(HERE / "naive.py"), str(archive), str(naive_db)],
            before=lambda: remove_db(naive_db),
        ),
        Scenario(
            "peer",
            lambda: [python, str(HERE / "peer.py"), str(archive), str(peer_db), skip()],
            before=lambda: remove_db(peer_db),
        ),
        Scenario(
            "ingest_full",
            lambda: ingest_cmd(archive, full),
            before=lambda: remove_db(full),
            check=prints(f"{size} new"),
        ),
        Scenario(
            "ingest_unchanged",
            lambda: ingest_cmd(archive, base),
            check=prints("unchanged, nothing to do"),
        ),
        Scenario(
            "ingest_1pct",
            lambda: ingest_cmd(archive, changed),
            around=edit,
            check=prints(f"{one_percent} updated"),
        ),
        Scenario(
            "metrics",
            lambda: [python, str(HERE / "metrics_probe.py"), str(base), AS_OF],
        ),
        Scenario(
            "pages",
            lambda: [python, str(HERE / "pages_probe.py"), str(base), AS_OF, *pages],
        ),
        Scenario(
            "browser",
            lambda: [python, str(HERE / "browser_probe.py"), str(base), AS_OF, *pages],
        ),
        Scenario(
            "report",
            lambda: report_cmd(base, work / "report.html"),
            check=prints("reliability review of"),
        ),
    ]


def run_once(scenario: Scenario, round_index: int, *, memory: bool = False) -> None:
    """One run: timed (`memory` False), or sampled for the process tree's peak memory."""
    scenario.before()
    with scenario.around(round_index):
        run = measure(scenario.command(), cwd=ROOT, memory=memory)
    (scenario.memory_runs if memory else scenario.runs).append(run)
    problem = scenario.check(run)
    if run.returncode != 0 or problem:
        scenario.errors.append(problem or f"exit {run.returncode}: {run.stderr[-500:]}")
    found = INGEST_SECONDS.search(run.stdout)
    if not memory and scenario.name.startswith("ingest") and found:
        scenario.inner.append({"library_s": float(found.group(1))})


def run_probe(
    scenario: Scenario, round_index: int, cap: float, timed_out: set[str], *, memory: bool = False
) -> None:
    """Metrics/pages/browser probes print one JSON line per item; a timed-out item ends the
    process, so start another for the items left. Items that timed out once are not run again.
    `memory`: a sampled run, for the peak memory only; its items' times are not kept (the
    sampler takes CPU from what it measures: up to a fifth on a browser visit)."""
    items: dict[str, Any] = {}
    header: dict[str, Any] = {}
    wall = cpu = 0.0
    peak_rss = peak_tree = 0.0
    while True:
        skip = ",".join(sorted(set(items) | timed_out))
        command = [*scenario.command(), "--cap", str(cap), "--skip", skip]
        run = measure(command, cwd=ROOT, memory=memory)
        wall, cpu = wall + run.wall_s, cpu + run.cpu_s
        peak_rss, peak_tree = max(peak_rss, run.maxrss_mb), max(peak_tree, run.tree_pss_mb or 0)
        for line in run.stdout.splitlines():
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            if "name" not in record:
                header = header or record
            elif "timeout" in record:
                timed_out.add(record["name"])
                items[record["name"]] = record
            else:
                items[record["name"]] = record
        if run.returncode != 3:
            break
    if run.returncode != 0:
        scenario.errors.append(f"exit {run.returncode}: {run.stderr[-800:]}")
    whole = Run(wall, cpu, peak_rss, peak_tree if memory else None, run.returncode)
    if memory:
        scenario.memory_runs.append(whole)
        return
    scenario.runs.append(whole)
    scenario.inner.append({"header": header, "items": items, "round": round_index})


def summarise(scenario: Scenario) -> dict[str, Any]:
    every = [*scenario.runs, *scenario.memory_runs]
    data: dict[str, Any] = {
        "runs": len(scenario.runs),
        "memory_runs": len(scenario.memory_runs),
        "wall_s": spread([r.wall_s for r in scenario.runs]),
        "cpu_s": spread([r.cpu_s for r in scenario.runs]),
        "maxrss_mb": spread([r.maxrss_mb for r in every]),
        "tree_pss_mb": spread([r.tree_pss_mb for r in every if r.tree_pss_mb is not None]),
        "errors": scenario.errors,
        "last_stdout": scenario.runs[-1].stdout[-1500:] if scenario.runs else "",
    }
    if scenario.name.startswith("ingest"):
        data["library_s"] = spread([i["library_s"] for i in scenario.inner])
    if scenario.probe:
        data["items"] = summarise_items(scenario.inner)
        headers = [i["header"] for i in scenario.inner if i["header"]]
        keys = headers[0] if headers else {}
        data["header"] = {
            key: spread([h[key] for h in headers if h.get(key) is not None]) for key in keys
        }
    return data


def summarise_items(inner: list[dict[str, Any]]) -> dict[str, Any]:
    names = dict.fromkeys(name for probe in inner for name in probe["items"])
    result: dict[str, Any] = {}
    for name in names:
        records = [probe["items"][name] for probe in inner if name in probe["items"]]
        timeouts = [r["timeout"] for r in records if "timeout" in r]
        done = [r for r in records if "timeout" not in r and "skipped" not in r]
        result[name] = {"timeout_s": timeouts[0] if timeouts else None}
        skipped = [r["skipped"] for r in records if "skipped" in r]
        if skipped:
            result[name]["skipped"] = skipped[0]
        for key in sorted({k for r in done for k in r if k.endswith("_s")}):
            result[name][key] = spread([r[key] for r in done if key in r])
        for key in ("rows", "sent_mb", "errors"):
            if done and key in done[-1]:
                result[name][key] = done[-1][key]
    return result


def dashboard_pages() -> list[str]:
    folder = ROOT / "dashboards" / "app_pages"
    return sorted(p.name for p in folder.glob("*.py") if not p.name.startswith("_"))


def versions() -> dict[str, str]:
    from importlib import metadata

    names = [
        *("incident-pattern-analytics", "duckdb", "pyarrow", "pandas", "numpy", "PyYAML"),
        *("streamlit", "altair", "python-frontmatter", "markdown-to-sqlite", "sqlite-utils"),
        *("Markdown", "yamldown"),
    ]
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    import yaml

    found["libyaml"] = str(yaml.__with_libyaml__)
    return found


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return {
        "platform": platform.platform(),
        "uncommitted_files": len(dirty),  # the run measures the working tree as it is
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "git_commit": commit,
        "load_average_at_start": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--memory-repeats",
        type=int,
        default=2,
        help="sampled runs per scenario for the process tree's peak memory, after the timed ones",
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help="scenarios to run")
    parser.add_argument(
        "--budget",
        type=float,
        default=240.0,
        help="seconds one scenario may take at one size; once spent, no more repeats of it",
    )
    parser.add_argument("--cap", type=float, default=30.0, help="seconds per metric or page")
    parser.add_argument(
        "--peer-sizes",
        default="1000,10000",
        help="sizes to run markdown-to-sqlite at (one run at 100k takes ~6 min here)",
    )
    parser.add_argument(
        "--decade-sizes",
        default="100000",
        help='sizes to run again on the "decade" archive (10 years, 300 services); "" for none',
    )
    parser.add_argument(
        "--decade-only",
        default="ingest_full,metrics,pages,browser,report",
        help="scenarios on the decade archives (floor is added with ingest_full, for its ratio)",
    )
    parser.add_argument("--body-kb", type=float, default=archives.BODY_KB)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    decade_sizes = [int(s) for s in args.decade_sizes.split(",") if s]
    wanted = [s for s in args.only.split(",") if s]
    decade_wanted = [s for s in args.decade_only.split(",") if s]
    if "ingest_full" in decade_wanted and "floor" not in decade_wanted:
        decade_wanted.insert(0, "floor")
    unknown = set(wanted + decade_wanted) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    runs = [(size, "dense", wanted) for size in sizes]
    runs += [(size, "decade", decade_wanted) for size in decade_sizes]
    args.out.mkdir(parents=True, exist_ok=True)
    pages = dashboard_pages()
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "parameters": {
            "sizes": sizes,
            "repeats": args.repeats,
            "memory_repeats": args.memory_repeats,
            "budget_s": args.budget,
            "cap_s": args.cap,
            "peer_sizes": args.peer_sizes,
            "decade_sizes": decade_sizes,
            "decade_scenarios": decade_wanted,
            "shapes": archives.SHAPES,
            "body_kb": args.body_kb,
            "seed": archives.SEED,
            "as_of": AS_OF,
            "report_month": REPORT_MONTH,
        },
        "sizes": {},
    }
    for size, shape, chosen in runs:
        began = time.perf_counter()
        key = archives.name(size, shape)
        print(f"== {size} postmortems ({shape})", flush=True)
        archive = archives.ensure_archive(size, args.body_kb, shape)
        work = args.out / key
        work.mkdir(parents=True, exist_ok=True)
        gauge_before = gauge()
        remove_db(work / "base.duckdb")
        warm = measure(ingest_cmd(archive, work / "base.duckdb"), cwd=ROOT)  # also warms caches
        if warm.returncode != 0:
            raise SystemExit(f"base ingest failed: {warm.stderr}")
        peer_sizes = {int(s) for s in args.peer_sizes.split(",") if s}
        scenarios = [
            s
            for s in build_scenarios(size, archive, work, pages)
            if s.name in chosen and (s.name != "peer" or size in peer_sizes)
        ]
        timed_out: dict[str, set[str]] = {name: set() for name in ("metrics", "pages", "browser")}
        for round_index in range(args.repeats):
            for scenario in scenarios:
                if scenario.runs and scenario.spent() + scenario.runs[-1].wall_s > args.budget:
                    continue
                if scenario.probe:
                    run_probe(scenario, round_index, args.cap, timed_out[scenario.name])
                else:
                    run_once(scenario, round_index)
                report_run(scenario, f"round {round_index + 1}", scenario.runs[-1])
        memory_rounds(scenarios, args.repeats, args.memory_repeats, args.budget, args.cap)
        results["sizes"][key] = {
            "shape": shape,
            "archive": archives.describe(archive),
            "base_ingest_s": warm.wall_s,
            "scenarios": {s.name: summarise(s) for s in scenarios},
            "gauge_s": {"before": gauge_before, "after": gauge()},
            "seconds": time.perf_counter() - began,
        }
        write(results, args.out)  # after each archive, so a long run leaves partial results
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"]["load_average_at_end"] = os.getloadavg()
    write(results, args.out)
    print((args.out / "results.md").read_text())


def gauge(repeats: int = GAUGE_REPEATS) -> dict[str, float]:
    """The machine's speed now: the wall time of `benchmarks/gauge.py` (a fixed piece of
    work), `repeats` whole-process runs, as `spread` gives it."""
    runs = [measure([sys.executable, str(HERE / "gauge.py")], cwd=ROOT) for _ in range(repeats)]
    for run in runs:
        if run.returncode != 0:
            raise SystemExit(f"the gauge failed: {run.stderr[-500:]}")
    found = spread([run.wall_s for run in runs])
    print(f"  {'gauge':17} {'median':9}: {found['median']:7.2f} s", flush=True)
    return found


def memory_rounds(
    scenarios: list[Scenario], repeats: int, memory_repeats: int, budget: float, cap: float
) -> None:
    """The sampled runs after the timed ones, for the peak memory: `memory_repeats` of each
    scenario while its budget lasts (one at least), one of each probe (a whole tour)."""
    for memory_index in range(memory_repeats):
        for scenario in scenarios:
            last = scenario.runs[-1].wall_s if scenario.runs else 0.0
            over = scenario.spent() + last > budget
            if scenario.memory_runs and (over or scenario.probe):
                continue
            if scenario.probe:  # every item, those that timed out too (up to the cap)
                run_probe(scenario, memory_index, cap, set(), memory=True)
            else:
                run_once(scenario, repeats + memory_index, memory=True)
            report_run(scenario, f"memory {memory_index + 1}", scenario.memory_runs[-1])


def report_run(scenario: Scenario, label: str, run: Run) -> None:
    memory = f"{run.tree_pss_mb:7.0f} MiB" if run.tree_pss_mb is not None else " " * 11
    error = "  ERROR" if scenario.errors else ""
    print(f"  {scenario.name:17} {label:9}: {run.wall_s:7.2f} s {memory}{error}", flush=True)


def write(results: dict[str, Any], out: Path) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=2))
    (out / "results.md").write_text(report.markdown(results))


if __name__ == "__main__":
    main()
