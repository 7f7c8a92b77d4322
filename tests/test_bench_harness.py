"""The benchmark harness's measurements: timed runs are not sampled, memory runs sum the
process tree (benchmarks/harness.py; the numbers in docs/benchmarks.md come from it)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import harness  # noqa: E402
import pytest  # noqa: E402
import report  # noqa: E402

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
