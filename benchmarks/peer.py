"""Baseline (c), a real peer: markdown-to-sqlite 1.0 (`markdown-to-sqlite DB TABLE FILES...`)
on the same files. Its CLI is called in-process, because 100k paths exceed the kernel's
argument-list limit for a shell command line. It aborts the whole load on the first file
its YAML loader rejects, so the files listed in SKIP_LIST (found once by archives.py) are
left out.

Usage: python benchmarks/peer.py ARCHIVE DB SKIP_LIST
"""

from __future__ import annotations

import sys

from floor import postmortem_files
from markdown_to_sqlite.cli import cli


def main(root: str, db: str, skip_list: str) -> None:
    with open(skip_list, encoding="utf-8") as handle:
        skipped = set(handle.read().splitlines())
    files = [path for path in postmortem_files(root) if path not in skipped]
    cli.main(args=[db, "postmortems", *files], standalone_mode=False)
    print(f"peer: {len(files)} files loaded, {len(skipped)} left out")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
