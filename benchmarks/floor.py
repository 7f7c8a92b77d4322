"""Baseline (a), the parse floor: read every postmortem file and parse its frontmatter with
PyYAML's CSafeLoader in one process, and nothing else (no normalising, no storing).

Usage: python benchmarks/floor.py ARCHIVE
"""

from __future__ import annotations

import os
import sys

import yaml

SKIPPED_NAMES = ("readme.md",)


def postmortem_files(root: str) -> list[str]:
    """The files the ingester reads: `*.md` outside hidden/`_`/template folders, no README."""
    found = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith((".", "_", "template")) and d != "scratch"
        )
        for name in sorted(filenames):
            if name.endswith(".md") and name.lower() not in SKIPPED_NAMES:
                found.append(os.path.join(folder, name))
    return found


def main(root: str) -> None:
    parsed = failed = 0
    for path in postmortem_files(root):
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        if not text.startswith("---\n"):
            failed += 1
            continue
        end = text.find("\n---\n", 3)
        if end < 0:
            failed += 1
            continue
        try:
            yaml.load(text[4:end], Loader=yaml.CSafeLoader)
            parsed += 1
        except (yaml.YAMLError, ValueError):
            failed += 1
    print(f"floor: {parsed} parsed, {failed} without valid frontmatter")


if __name__ == "__main__":
    main(sys.argv[1])
