"""Run one command as a whole process and measure it: wall time, CPU time, peak memory.

Peak memory is taken two ways, because the ingest forks worker processes:
- `maxrss_mb`: ru_maxrss from wait4(), the largest single process of the tree (exact, free).
  It is at least the launching process's own resident size: Linux records the parent's
  size in the child's maxrss when the child execs after vfork, as subprocess starts it.
  run.py stays small (~20 MiB), so only the smallest commands' figures are the runner's.
- `tree_pss_mb`: the process tree's summed PSS (shared pages split between the processes
  that share them), sampled every 50 ms from /proc/<pid>/smaps_rollup (may miss a spike
  shorter than that; runs shorter than one interval fall back to maxrss). Only with
  `memory=True`: the sampling walks each process's page tables, which costs a process tree
  that keeps both cores busy ~5% of its wall time (the 10k ingest) and a one-process
  baseline almost nothing, so timed runs and memory runs are separate (run.py).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system of the process and every child it waited for
    maxrss_mb: float
    tree_pss_mb: float | None  # None: not sampled (a timed run)
    returncode: int
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stdout"] = self.stdout[-2000:]
        data["stderr"] = self.stderr[-2000:]
        return data


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class _TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            total = sum(_pss_kb(pid) for pid in _tree(self.pid))
            self.peak_kb = max(self.peak_kb, total)


def measure(
    cmd: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    *,
    memory: bool = False,
) -> Run:
    """Run `cmd` to completion; its output is kept (last 2,000 characters in results).
    `memory`: sample the process tree's PSS while it runs (see the module docstring)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        sampler = _TreeSampler(process.pid) if memory else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        if sampler:
            sampler.done.set()
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        maxrss_mb = usage.ru_maxrss / 1024
        tree_pss_mb = None
        if sampler:
            tree_pss_mb = sampler.peak_kb / 1024 if sampler.peak_kb else maxrss_mb
        return Run(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            maxrss_mb=maxrss_mb,
            tree_pss_mb=tree_pss_mb,
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def spread(values: list[float]) -> dict[str, float]:
    """Median, min, max and the quartiles of a few repeats."""
    if not values:
        return {}
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
    }
