"""The machine's speed gauge: a fixed piece of work, the same on every run, archive and
commit. run.py times it (a whole process, as everything else) before and after each
archive, so a report shows whether the machine kept its speed through the run: on a shared
VM the same work can take a third longer an hour later, and the absolute times (the 50 ms
and 1 s targets) then do not compare across sizes or runs.

The work is the two kinds the benchmarks spend their time on: parsing frontmatter with
PyYAML's CSafeLoader (the floor, the ingest's workers) and a DuckDB query on one thread
(the metrics). It uses nothing of the project, so a change to the project cannot change it;
do not change it either, or gauges of different runs no longer compare.

Usage: python benchmarks/gauge.py   (prints the time of each part as JSON)
"""

from __future__ import annotations

import json
import time

import duckdb
import yaml

DOCUMENTS = 1_000
ROWS = 10_000_000
FRONTMATTER = """id: PM-{year}-{n:03d}
title: Checkout API returned 5xx after a config push number {n}
date: {year}-0{month}-1{day}T0{hour}:15:00Z
severity: SEV{severity}
services: [checkout-api, payments-api, edge-proxy-{n}]
category: config-change
teams: [payments, platform]
tags: [config, rollback, deploy-{n}]
detected: {year}-0{month}-1{day}T0{hour}:25:00Z
resolved: {year}-0{month}-1{day}T0{hour}:55:00Z
postmortem_date: {year}-0{month}-1{day}
chain_level: L{level}
authors: [a.person, b.person]
fixes:
  - title: Validate the config schema before the push
    level: L{level}
    owner: platform-team
    due: {year}-{due:02d}-01
    status: open
    ticket: PLAT-{n}
actions:
  - {{title: Add an alert on 5xx rate, owner: sre, due: {year}-{due:02d}-05, status: done}}
  - {{title: Document the rollback, owner: payments, due: {year}-{due:02d}-09, status: open}}
"""


def main() -> None:
    texts = [
        FRONTMATTER.format(
            n=n,
            year=2020 + n % 7,
            month=1 + n % 9,
            day=n % 10,
            hour=n % 10,
            severity=n % 5,
            level=1 + n % 5,
            due=1 + (n + 3) % 12,
        )
        for n in range(DOCUMENTS)
    ]
    began = time.perf_counter()
    parsed = [yaml.load(text, Loader=yaml.CSafeLoader) for text in texts]
    yaml_s = time.perf_counter() - began
    con = duckdb.connect(config={"threads": 1})
    began = time.perf_counter()
    groups = con.execute(
        f"SELECT count(*) FROM (SELECT i % 100003 AS k, count(*) FROM range({ROWS}) t(i) "
        "GROUP BY k ORDER BY k)"
    ).fetchall()[0][0]
    duckdb_s = time.perf_counter() - began
    assert len(parsed) == DOCUMENTS and groups == 100003
    print(json.dumps({"yaml_s": round(yaml_s, 4), "duckdb_s": round(duckdb_s, 4)}))


if __name__ == "__main__":
    main()
