"""Baseline (b), the naive route: a python-frontmatter loop into a pandas DataFrame, written
to DuckDB in one statement. No normalising, no incremental reload, no problems table.

Usage: python benchmarks/naive.py ARCHIVE DB
"""

from __future__ import annotations

import os
import sys

import duckdb
import frontmatter
import pandas as pd
import yaml
from floor import postmortem_files


def main(root: str, db: str) -> None:
    rows = []
    failed = 0
    for path in postmortem_files(root):
        try:
            post = frontmatter.load(path)
        except (yaml.YAMLError, ValueError):
            failed += 1
            continue
        row = dict(post.metadata)  # mixed types per key are left to pandas and DuckDB
        row["path"] = os.path.relpath(path, root)
        row["body"] = post.content
        rows.append(row)
    frame = pd.DataFrame(rows)
    with duckdb.connect(db) as con:
        con.execute("CREATE OR REPLACE TABLE postmortems AS SELECT * FROM frame")
        (count,) = con.execute("SELECT count(*) FROM postmortems").fetchone() or (0,)
    print(f"naive: {count} rows, {len(frame.columns)} columns, {failed} files failed")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
