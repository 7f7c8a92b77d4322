"""Markdown tables from benchmarks/out/results.json (written by run.py after each size).

Results are keyed by archive: `1000` for the dense archive of 1,000 postmortems,
`100000-decade` for the decade one of 100,000 (shown as "100k decade").

Usage: python benchmarks/report.py [benchmarks/out/results.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LABELS = {
    "floor": "(a) floor: read + CSafeLoader frontmatter",
    "naive": "(b) naive: python-frontmatter -> pandas -> DuckDB",
    "peer": "(c) peer: markdown-to-sqlite 1.0",
    "ingest_full": "ingest, full (empty database)",
    "ingest_unchanged": "ingest, nothing changed",
    "ingest_1pct": "ingest, 1% of files changed",
    "metrics": "all metric functions (probe process)",
    "pages": "all dashboard pages (probe process)",
    "browser": "all dashboard pages in Chromium (probe process)",
    "report": "postmortems report (the monthly review as HTML)",
}
ITEM_LABELS = {"metrics": "metric", "pages": "page", "browser": "page"}
INGEST_ROWS = ("floor", "naive", "peer", "ingest_full", "ingest_unchanged", "ingest_1pct")
METRIC_TARGET_S = 0.050
PAGE_TARGET_S = 1.0
MEMORY_TARGET_MB = 1024.0
GAUGE_DRIFT = 0.15  # the gauge moving more than this over a run: the machine's speed changed
LISTING_ROWS = 10_000  # a metric returning at least this many rows at 100k is a listing


def count(size: str) -> int:
    """Postmortems in the archive of key `size`: `100000-decade` -> 100000."""
    return int(size.partition("-")[0])


def size_label(size: str) -> str:
    number, shape = count(size), size.partition("-")[2]
    label = f"{number // 1000}k" if number >= 1000 and number % 1000 == 0 else str(number)
    return f"{label} {shape}".strip()


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def ms(value: float) -> str:
    return f"{value * 1000:.0f}" if value >= 0.0095 else f"{value * 1000:.1f}"


def ratio(value: float, floor: float | None) -> str:
    return f"{value / floor:.2f}x" if floor else "–"


def floor_median(scenarios: dict[str, Any]) -> float | None:
    floor = scenarios.get("floor")
    return floor["wall_s"]["median"] if floor and floor["wall_s"] else None


def whole_process(found: dict[str, Any]) -> dict[str, str]:
    """A whole-process scenario's figures as table cells."""
    wall = found["wall_s"]
    memory_runs = f" (+ {found['memory_runs']})" if found.get("memory_runs") else ""
    return {
        "errors": " **errors**" if found["errors"] else "",
        "median": seconds(wall["median"]),
        "range": f"{seconds(wall['min'])} – {seconds(wall['max'])}",
        "cpu": seconds(found["cpu_s"]["median"]),
        "memory": peak_memory(found),
        "runs": f"{found['runs']}{memory_runs}",
    }


def ingest_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| size | what | median | min – max | ratio to floor | CPU (user+sys) "
        "| peak memory: tree PSS / largest process | timed runs (+ memory runs) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size, data in results["sizes"].items():
        scenarios = data["scenarios"]
        floor = floor_median(scenarios)
        for name in INGEST_ROWS:
            found = scenarios.get(name)
            if not found or not found["wall_s"]:
                continue
            cell = whole_process(found)
            inner = ""
            if name.startswith("ingest") and found.get("library_s"):
                inner = f" (in-library {seconds(found['library_s']['median'])})"
            lines.append(
                f"| {size_label(size)} | {LABELS[name]}{cell['errors']} | {cell['median']}{inner} "
                f"| {cell['range']} | {ratio(found['wall_s']['median'], floor)} | {cell['cpu']} "
                f"| {cell['memory']} | {cell['runs']} |"
            )
    return lines


def report_table(results: dict[str, Any]) -> list[str]:
    """`postmortems report` of the month before as_of, per archive (whole process)."""
    lines = [
        "| size | median | min – max | CPU (user+sys) | peak memory: tree PSS / largest process "
        "| timed runs (+ memory runs) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for size, data in results["sizes"].items():
        found = data["scenarios"].get("report")
        if not found or not found["wall_s"]:
            continue
        cell = whole_process(found)
        lines.append(
            f"| {size_label(size)}{cell['errors']} | {cell['median']} | {cell['range']} "
            f"| {cell['cpu']} | {cell['memory']} | {cell['runs']} |"
        )
    return lines if len(lines) > 2 else []


def memory_note(params: dict[str, Any]) -> str:
    if "memory_repeats" not in params:  # results of a run before timed and memory runs split
        return ""
    if not params["memory_repeats"]:
        return ", and no memory runs (the process tree's memory was not measured)"
    return (
        f", plus up to {params['memory_repeats']} untimed runs of each ingest and baseline, "
        "and one of each probe, that sample the process tree's memory (the timed runs are "
        "not sampled)"
    )


def peak_memory(found: dict[str, Any]) -> str:
    """Tree PSS (max of the sampled runs; "–" when none was) / largest process (every run)."""
    tree = f"{found['tree_pss_mb']['max']:.0f}" if found["tree_pss_mb"] else "–"
    return f"{tree} / {found['maxrss_mb']['max']:.0f} MiB"


def per_postmortem_table(results: dict[str, Any]) -> list[str]:
    sizes = list(results["sizes"])
    lines = [
        "| what | " + " | ".join(size_label(s) for s in sizes) + " |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for name in INGEST_ROWS:
        cells = []
        for size in sizes:
            found = results["sizes"][size]["scenarios"].get(name)
            if found and found["wall_s"]:
                cells.append(f"{found['wall_s']['median'] / count(size) * 1e6:.0f} µs")
            else:
                cells.append("–")
        lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    return lines


def item_table(results: dict[str, Any], scenario: str) -> list[str]:
    """Metrics: warm median (first call) in ms. Pages and browser: cold (warm) in ms, and the
    MB sent to the browser where measured."""
    sizes = [s for s in results["sizes"] if scenario in results["sizes"][s]["scenarios"]]
    if not sizes:
        return []
    names: dict[str, None] = {}
    for size in sizes:
        names.update(dict.fromkeys(results["sizes"][size]["scenarios"][scenario]["items"]))
    first, second = ("warm_s", "first_s") if scenario == "metrics" else ("cold_s", "warm_s")
    lines = [
        f"| {ITEM_LABELS[scenario]} | " + " | ".join(size_label(s) for s in sizes) + " |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for name in names:
        cells = []
        for size in sizes:
            item = results["sizes"][size]["scenarios"][scenario]["items"].get(name)
            if item is None:
                cells.append("–")
            elif item.get("skipped"):
                cells.append(f"skipped: {item['skipped']}")
            elif item.get("timeout_s") and first not in item:
                cells.append(f"> {item['timeout_s'] * 1000:.0f} (cap)")
            else:
                raised = " (raised an exception)" if item.get("errors") else ""
                sent = f" · {item['sent_mb']:.2f} MB" if item.get("sent_mb") is not None else ""
                if item.get("cold_script_s"):  # browser: when the server's script had finished
                    sent += f" · script {ms(item['cold_script_s']['median'])}"
                cells.append(
                    f"{ms(item[first]['median'])} ({ms(item[second]['median'])}){sent}{raised}"
                )
        label = "(first run of the app: default page, cold)" if name == "(warm-up)" else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def browser_boot(results: dict[str, Any]) -> list[str]:
    """The browser probe's first load (the app's JavaScript, its default page), per size."""
    cells = []
    for size, data in results["sizes"].items():
        header = data["scenarios"].get("browser", {}).get("header", {})
        if header.get("first_load_s"):
            cells.append(f"{size_label(size)} {ms(header['first_load_s']['median'])} ms")
    if not cells:
        return []
    return [
        "",
        "Opening the app (its JavaScript, the sidebar, the Monthly review a month before as of, "
        "the browser's chart code): " + ", ".join(cells) + ".",
    ]


def listing_table(results: dict[str, Any]) -> list[str]:
    """The metric functions that return LISTING_ROWS rows or more at 100k: rows returned and
    warm time per row (for a per-row budget, see docs/benchmarks.md, listings)."""
    sizes = [
        s
        for s, data in results["sizes"].items()
        if count(s) >= 100000 and "metrics" in data["scenarios"]
    ]
    rows: dict[str, dict[str, str]] = {}
    for size in sizes:
        for name, item in results["sizes"][size]["scenarios"]["metrics"]["items"].items():
            returned = item.get("rows") or 0
            if returned >= LISTING_ROWS and item.get("warm_s"):
                per_row = item["warm_s"]["median"] / returned * 1e6
                rows.setdefault(name, {})[size] = f"{returned:,} rows: {per_row:.1f} µs"
    if not rows:
        return []
    lines = [
        "| metric | " + " | ".join(size_label(s) for s in sizes) + " |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for name in sorted(rows):
        lines.append(f"| {name} | " + " | ".join(rows[name].get(s, "–") for s in sizes) + " |")
    return lines


def gauge_section(results: dict[str, Any]) -> list[str]:
    """The machine's speed through the run: the gauge (a fixed piece of work) before and after
    each archive, against the run's first; a warning when it moved by more than GAUGE_DRIFT.
    Empty for results written before the gauge (session 13)."""
    gauged = [(s, d["gauge_s"]) for s, d in results["sizes"].items() if d.get("gauge_s")]
    if not gauged:
        return []
    first = gauged[0][1]["before"]["median"]
    lines = [
        "The same fixed work (`benchmarks/gauge.py`: frontmatter parsing and a one-thread "
        "DuckDB query, nothing of the project), timed as a whole process, median of "
        f"{gauged[0][1]['before']['n']}, before and after each archive; the ratio is to the "
        "run's first. A machine that keeps its speed keeps the gauge.",
        "",
        "| size | before | after |",
        "| --- | --- | --- |",
    ]
    for size, gauge in gauged:
        cells = [
            f"{seconds(gauge[when]['median'])} ({gauge[when]['median'] / first:.2f}x)"
            for when in ("before", "after")
        ]
        lines.append(f"| {size_label(size)} | {' | '.join(cells)} |")
    medians = [gauge[when]["median"] for _, gauge in gauged for when in ("before", "after")]
    drift = max(medians) / min(medians)
    lines.append("")
    if drift > 1 + GAUGE_DRIFT:
        lines.append(
            f"**The machine's speed changed during this run**: the gauge took from "
            f"{seconds(min(medians))} to {seconds(max(medians))} ({drift:.2f}x). The ratios "
            "to the floor compare runs interleaved at one size and still hold; absolute times "
            "measured at different sizes, or in other runs, do not compare."
        )
    else:
        lines.append(
            f"The gauge stayed within {(drift - 1) * 100:.0f}% through the run: the sizes' "
            "absolute times compare with each other."
        )
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    lines = ["| target | size | measured | met |", "| --- | --- | --- | --- |"]

    def row(target: str, size: str, measured: str, met: bool | None) -> None:
        verdict = "–" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {target} | {size_label(size)} | {measured} | {verdict} |")

    for size, data in results["sizes"].items():
        scenarios = data["scenarios"]
        floor = floor_median(scenarios)
        full = scenarios.get("ingest_full")
        if floor and full and full["wall_s"] and count(size) >= 10000:
            value = full["wall_s"]["median"] / floor
            row("full ingest <= 1.0x floor", size, f"{value:.2f}x", value <= 1.0)
        unchanged = scenarios.get("ingest_unchanged")
        if floor and unchanged and unchanged["wall_s"]:
            value = unchanged["wall_s"]["median"] / floor
            inner = unchanged["library_s"]["median"] / floor if unchanged.get("library_s") else 0
            row(
                "unchanged re-ingest <= 0.1x floor",
                size,
                f"{value:.2f}x whole process ({inner:.2f}x in-library)",
                value <= 0.1,
            )
        if count(size) < 100000:
            continue
        for scenario, key, limit, label in (
            ("metrics", "warm_s", METRIC_TARGET_S, "each metric < 50 ms"),
            ("pages", "cold_s", PAGE_TARGET_S, "each page < 1 s (cold cache)"),
            ("browser", "cold_s", PAGE_TARGET_S, "each page < 1 s in a browser (first visit)"),
        ):
            found = scenarios.get(scenario)
            if not found:
                continue
            items = {n: i for n, i in found["items"].items() if not n.startswith("(")}
            unmeasured = sorted(n for n, i in items.items() if i.get("skipped"))
            slow = sorted(
                name
                for name, item in items.items()
                if item.get("timeout_s") or (item.get(key) and item[key]["median"] >= limit)
            )
            under = len(items) - len(slow) - len(unmeasured)
            measured = f"{under} of {len(items)} under; over: " + (", ".join(slow) or "none")
            if unmeasured:
                measured += f"; not measured: {', '.join(unmeasured)}"
            first_run = found["items"].get("(warm-up)", {})
            if first_run.get("timeout_s"):  # the app's first run passed its cap: no page can pass
                measured = f"the app's first run passed {first_run['timeout_s']:.0f} s; " + measured
                slow.append("(first run)")
            row(label, size, measured, None if unmeasured and not slow else not slow)
        if full and full["tree_pss_mb"]:
            peak = full["tree_pss_mb"]["max"]
            row(
                "peak memory < 1 GiB (full ingest, tree PSS)",
                size,
                f"{peak:.0f} MiB",
                peak < MEMORY_TARGET_MB,
            )
        elif full:
            row("peak memory < 1 GiB (full ingest, tree PSS)", size, "not measured", None)
    return lines


def shapes(results: dict[str, Any]) -> str:
    """How the archives other than the dense ones were generated, if any ran."""
    ran = {data.get("shape", "dense") for data in results["sizes"].values()} - {"dense"}
    described = results["parameters"].get("shapes", {})
    return "".join(
        f'; {shape} archives (labelled "{shape}"): '
        + ", ".join(f"{key}={value}" for key, value in described.get(shape, {}).items())
        + ", ending on the same day as the others"
        for shape in sorted(ran)
    )


def markdown(results: dict[str, Any]) -> str:
    machine, versions = results["machine"], results["versions"]
    params = results["parameters"]
    gauge = gauge_section(results)
    out = [
        "# Benchmark results",
        "",
        f"Run {results['started']} on {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB, {machine['platform']}; commit {machine['git_commit']}"
        + (
            f" with {machine['uncommitted_files']} uncommitted files"
            if machine.get("uncommitted_files")
            else ""
        )
        + "; "
        f"load average at start {', '.join(f'{x:.2f}' for x in machine['load_average_at_start'])}"
        + (
            f", at end {', '.join(f'{x:.2f}' for x in machine['load_average_at_end'])}"
            if "load_average_at_end" in machine
            else ""
        )
        + ".",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        f"Repeats: {params['repeats']} per scenario and size, fewer where one scenario would "
        f"take more than {params['budget_s']:.0f} s at one size{memory_note(params)}; "
        f"each metric or page capped "
        f"at {params['cap_s']:.0f} s; markdown-to-sqlite run at sizes "
        f"{params.get('peer_sizes', 'all')} only. Archives: sample generator, "
        f"seed {params['seed']}, body {params['body_kb']} KB{shapes(results)}.",
        "",
        "## Archives",
        "",
        "| size | postmortem files | MB |",
        "| --- | --- | --- |",
        *(
            f"| {size_label(s)} | {d['archive']['files']} | {d['archive']['bytes'] / 1e6:.1f} |"
            for s, d in results["sizes"].items()
        ),
        "",
        *(["## Machine speed during the run", "", *gauge, ""] if gauge else []),
        "## Ingest and baselines (whole process, wall time)",
        "",
        *ingest_table(results),
        "",
        "## Cost per postmortem (median wall time / postmortems)",
        "",
        *per_postmortem_table(results),
        "",
        "## Metric functions: warm call median (first call in the process), ms",
        "",
        *item_table(results, "metrics"),
        "",
        "## Listings at 100k: rows returned, warm time per row",
        "",
        *(listing_table(results) or ["(no 100k metric run)"]),
        "",
        "## Dashboard pages, server side (AppTest): cold cache (warm rerun), ms"
        " · MB sent to the browser",
        "",
        *item_table(results, "pages"),
        "",
        "## Dashboard pages in a browser (Chromium, one tab, by the sidebar): first visit "
        "(second visit), ms · MB received · when the first visit's script had finished, ms",
        "",
        *(item_table(results, "browser") or ["(not run)"]),
        *browser_boot(results),
        "",
        f"## The monthly report, `postmortems report --month {params.get('report_month', '')}`"
        " (whole process, wall time)",
        "",
        *(report_table(results) or ["(not run)"]),
        "",
        "## Targets",
        "",
        *targets(results),
        "",
    ]
    errors = [
        f"- {size_label(size)} {name}: {error[:300]}"
        for size, data in results["sizes"].items()
        for name, found in data["scenarios"].items()
        for error in dict.fromkeys(found["errors"])
    ]
    if errors:
        out += ["## Errors", "", *errors, ""]
    return "\n".join(out)


def main(path: str = "benchmarks/out/results.json") -> None:
    print(markdown(json.loads(Path(path).read_text())))


if __name__ == "__main__":
    main(*sys.argv[1:])
