"""The benchmark archives: one per size and shape, written by the sample generator, then reused.

Two shapes: "dense", the generator's fixed ~26 months and 29 services at every size, in
`benchmarks/archives/<size>/`; and "decade", a large company's ten years on 300 services,
ending on the same day (so the same as-of date applies), in `benchmarks/archives/<size>-decade/`.
Each folder holds `.bench-archive.json`, the generator arguments it was written with; a
different argument (or a run that died while files were edited, marked by `.bench-dirty`)
regenerates it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from floor import postmortem_files

from analytics.sample import write_sample_archive

ARCHIVES = Path(__file__).resolve().parent / "archives"
SEED = 7
BODY_KB = 3.0  # frontmatter (~1 KB) plus a few KB of body, as real postmortems have
MARKER = ".bench-archive.json"
DIRTY = ".bench-dirty"
PEER_SKIP = ".peer-skip.txt"
SHAPES: dict[str, dict[str, Any]] = {  # write_sample_archive's years and services
    "dense": {"years": None, "services": None},
    "decade": {"years": 10, "services": 300},
}
UNSHAPED = {"shape": "dense", "years": None, "services": None}  # markers from before shapes


def name(size: int, shape: str = "dense") -> str:
    """The archive's folder and its key in the results: `100000`, `100000-decade`."""
    return str(size) if shape == "dense" else f"{size}-{shape}"


def ensure_archive(size: int, body_kb: float = BODY_KB, shape: str = "dense") -> Path:
    """The archive of `size` postmortems, generated if missing or made with other arguments."""
    root = ARCHIVES / name(size, shape)
    options = SHAPES[shape]
    wanted = {"count": size, "seed": SEED, "body_kb": body_kb, "shape": shape, **options}
    marker = root / MARKER
    clean = marker.is_file() and not (root / DIRTY).exists()
    if clean and {**UNSHAPED, **json.loads(marker.read_text()).get("generator", {})} == wanted:
        return root
    if root.exists():
        shutil.rmtree(root)
    written = write_sample_archive(root, count=size, seed=SEED, body_kb=body_kb, **options)
    files = postmortem_files(str(root))
    marker.write_text(
        json.dumps(
            {
                "generator": wanted,
                "postmortem_files": len(files),
                "bytes": sum(os.path.getsize(p) for p in files),
                "written": len(written),
            }
        )
    )
    return root


def describe(root: Path) -> dict[str, int]:
    """How many postmortem files the archive has and how many bytes they hold."""
    data = json.loads((root / MARKER).read_text())
    return {"files": data["postmortem_files"], "bytes": data["bytes"]}


def peer_skip_list(root: Path) -> Path:
    """Files markdown-to-sqlite cannot load (it aborts the whole load on the first one).

    Found once per archive by trying its own loader (`yamldown`, PyYAML FullLoader); the
    peer is then run on every other file.
    """
    path = root / PEER_SKIP
    if path.is_file():
        return path
    import yamldown  # the peer's dependency, installed by run.py

    bad = []
    for file in postmortem_files(str(root)):
        try:
            with open(file, encoding="utf-8") as handle:
                yamldown.load(handle)
        except Exception:  # whatever stops the peer's load: a YAML error or a bad date
            bad.append(file)
    path.write_text("".join(f"{file}\n" for file in bad))
    return path


@contextmanager
def edited(root: Path, fraction: float, round_index: int) -> Iterator[list[str]]:
    """Append a line to `fraction` of the postmortem files; restore bytes and mtime after.

    Restoring the mtime keeps the base database's view of the archive valid, so the
    unchanged re-ingest stays unchanged.
    """
    files = postmortem_files(str(root))
    count = max(1, int(len(files) * fraction))
    chosen = random.Random(f"{SEED}:{round_index}").sample(files, count)
    saved = []
    (root / DIRTY).write_text("files are being edited by the benchmark\n")
    try:
        for file in chosen:
            stat = os.stat(file)
            with open(file, "rb") as handle:
                original = handle.read()
            saved.append((file, original, stat.st_atime_ns, stat.st_mtime_ns))
            with open(file, "ab") as handle:
                handle.write(f"\nEdited by the benchmark, round {round_index}.\n".encode())
        yield chosen
    finally:
        for file, original, atime_ns, mtime_ns in saved:
            with open(file, "wb") as handle:
                handle.write(original)
            os.utime(file, ns=(atime_ns, mtime_ns))
        (root / DIRTY).unlink()
