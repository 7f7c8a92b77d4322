"""Differential test: `analytics.metrics.summary` against the plain-Python reference.

tests/reference_metrics.py recomputes SPEC's `summary --json` headline numbers from the
parsed files (no DuckDB, no SQL). Each case ingests an archive with the real ingest, asks
`summary(db, Filters(...))` and compares key by key with the reference.

Archives: the sample archive (about 300 postmortems with planted stories), the hand-built
fixture archive (Berlin time) and a small edge archive written here, whose incidents sit on
the boundaries SPEC and docs/metrics.md define (exactly 180 x 24 h, exactly 72 h,
simultaneous starts, DST, local dates near midnight, duplicate ids, no category, ...).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reference_metrics import Archive, load_archive, reference_summary

from analytics.ingest import ingest
from analytics.metrics import Filters, action_items, open_db, summary, time_to_postmortem

ROOT = Path(__file__).resolve().parent.parent
ARCHIVES = {
    "sample": ROOT / "data" / "sample-archive",
    "fixture": ROOT / "tests" / "fixtures" / "metrics_archive",
}


def _pm(
    pm_id: str,
    started: str,
    *,
    services: str = "[api]",
    category: str | None = "deploy",
    extra: str = "",
    body: str = "",
) -> str:
    lines = [f"id: {pm_id}", f"started: {started}", f"services: {services}"]
    if category is not None:
        lines.append(f"category: {category}")
    return "---\n" + "\n".join(lines) + "\n" + extra + f"---\n# {pm_id}\n{body}"


# Berlin time (CET +01:00 in winter, CEST +02:00 from 2026-03-29 to 2026-10-25).
EDGE_FILES = {
    "postmortems.toml": 'timezone = "Europe/Berlin"\n',
    # E01 and E02 start at the same instant: neither repeats the other.
    "2026/e01.md": _pm(
        "E01",
        "2026-01-10 10:00",
        extra=(
            "severity: p2\nteams: [payments]\nresolved: 2026-01-10 12:00\n"
            "postmortem_date: 2026-01-13 12:00\n"  # exactly 72 h: on time
            "fix:\n  summary: Canary stage\n  level: L4\n  owner: a\n  due: 2026-01-31\n"
            "  status: done\n  done: 2026-01-20\n"
            "actions:\n"
            "  - {title: Alert, owner: b, due: 2026-02-01, status: open}\n"
            "  - {title: Runbook, done: 2026-02-03}\n"
            "  - {title: Dashboard, status: cancelled, due: 2026-01-15}\n"
            "  - Write it down\n"
        ),
    ),
    "2026/e02.md": _pm(
        "E02",
        "2026-01-10T09:00:00Z",
        extra="severity: SEV3\nresolved: 2026-01-10 13:00\n",  # no postmortem date
    ),
    # E03: exactly 180 x 24 h after E01 (09:00Z both), across the DST change: a repeat.
    "2026/e03.md": _pm(
        "E03",
        "2026-07-09T11:00:00+02:00",
        services="[api, db]",
        extra=(
            "severity: critical\nteams: [core]\nresolved: 2026-07-09T15:00:00+02:00\n"
            "postmortem_date: 2026-07-09T14:00:00+02:00\n"  # before resolved: negative hours
            "fix:\n  - {summary: More monitoring, level: L5, status: done, done: 2026-07-10}\n"
            "  - {summary: Second fix, level: scope, status: open, due: 2026-08-31}\n"
        ),
    ),
    # E04 repeats E03 through db only, one minute later; 180 days + 1 min after E01.
    "2026/e04.md": _pm(
        "E04",
        "2026-07-09T11:01:00+02:00",
        services="[db]",
        extra=(
            "severity: SEV2\nteams: [core, payments]\npostmortem_date: 2026-07-20\n"
            "fix: {summary: Pool limits, level: 4, status: done, done: 2026-12-01}\n"
        ),
    ),
    "2026/e05.md": _pm(
        "E05",
        "2026-03-15 10:00",
        services="[web]",
        extra="fix: {summary: Web fix, level: L3, status: done}\n",  # done, no done date
    ),
    # No category: never a repeat, in no pattern.
    # Their done fixes: nothing can recur on them, so neither held nor recurred (unknown).
    "2026/e06.md": _pm(
        "E06",
        "2026-02-01",
        category=None,
        extra="severity: SEV1\nfix: {summary: f6, level: L3, status: done, done: 2026-02-02}\n",
    ),
    # No service: in the category pattern, never a repeat.
    "2026/e07.md": _pm(
        "E07",
        "2026-02-02 08:00",
        services="[]",
        extra="fix: {summary: f7, level: L3, status: done, done: 2026-02-03}\n",
    ),
    "2026/e08.md": _pm(
        "E08",
        "2026-01-20 00:30",
        category="database",
        extra="resolved: 2026-01-20 02:00\npostmortem_date: 2026-01-25 02:00\n",
    ),
    # cache x capacity: E09 .. E11 within 180 days; E11 exactly 180 x 24 h before
    # as_of 2026-08-26 (00:00 CEST = 2026-08-25T22:00Z): active then, not a day later.
    # E09's fix is done on E10's start day, and E11 comes within its window: recurred.
    "2025/e09.md": _pm(
        "E09",
        "2025-09-01T12:00:00Z",
        services="[cache]",
        category="capacity",
        extra="fix: {summary: Cache sizing, level: L4, status: done, done: 2025-12-01}\n",
    ),
    "2025/e10.md": _pm("E10", "2025-12-01 00:30", services="[cache]", category="capacity"),
    "2026/e11.md": _pm("E11", "2026-02-26T22:00:00Z", services="[cache]", category="capacity"),
    # E23 starts at 00:30 local (23:30Z the day before) on the day E22's fix was done:
    # the window opens at 00:00 local, so E22's fix recurred.
    "2026/e22.md": _pm(
        "E22",
        "2026-03-01T12:00:00Z",
        services="[queue]",
        category="backlog",
        extra="fix: {summary: Consumer autoscaling, level: L4, status: done, done: 2026-03-10}\n",
    ),
    "2026/e23.md": _pm("E23", "2026-03-10 00:30", services="[queue]", category="backlog"),
    # E12: 2026-04-30T23:30Z is 2026-05-01 local.
    "2026/e12.md": _pm(
        "E12",
        "2026-04-30T23:30:00Z",
        services="[web]",
        extra="severity: SEV2\nteams: [payments]\nactions:\n  - {title: T, status: open}\n",
    ),
    # A second file with E05's id, later in path order: rejected.
    "2026/z-dup-e05.md": _pm("E05", "2026-05-05 10:00", services="[web]"),
    # A broken file (no started) and a good one later in path order with its id.
    "2026/a-broken.md": "---\nid: E15\nservices: [api]\n---\n# broken\n",
    "2026/e15.md": _pm("E15", "2026-06-01 10:00", services="[web]"),
    # TTP at as_of 2026-09-01 (00:00 CEST = 2026-08-31T22:00Z):
    # E18 resolved exactly 72 h before: not late yet; E19 one minute earlier: pending late.
    "2026/e18.md": _pm(
        "E18",
        "2026-08-28T20:00:00Z",
        services="[search]",
        category="config",
        extra=(
            "resolved: 2026-08-28T22:00:00Z\nseverity: SEV3\n"
            "actions:\n  - {title: X, status: open, due: 2026-08-31}\n"
            "  - {title: Y, status: open, due: 2026-09-01}\n"
            "  - {title: Z, status: done, due: 2026-08-01, done: 2026-08-02}\n"
        ),
    ),
    "2026/e19.md": _pm(
        "E19",
        "2026-08-28T20:00:00Z",
        services="[search]",
        category="config",
        extra="resolved: 2026-08-28T21:59:00Z\n",
    ),
    # No resolved: time to postmortem from started (approximate); body checklist actions.
    "2026/e20.md": _pm(
        "E20",
        "2026-06-20 10:00",
        services="[search]",
        category="config",
        extra="postmortem_date: 2026-06-25 10:00\n",
        body="\n## Action items\n\n- [ ] Add an alert owner: c due: 2026-07-01\n- [x] Revert\n",
    ),
    "2026/e21.md": _pm("E21", "2026-08-01 10:00", services="[search]", category="config"),
    # as_of rewinds recorded facts. E24's postmortem is dated exactly at as_of 2026-09-01
    # (00:00 CEST): not written yet then, so pending late (resolved 6.5 days before); its
    # action is done on 2026-09-01, the as_of date itself: still open (and overdue) then.
    "2026/e24.md": _pm(
        "E24",
        "2026-08-25 10:00",
        services="[mail]",
        category="email",
        extra=(
            "resolved: 2026-08-25 12:00\npostmortem_date: 2026-09-01 00:00\n"
            "actions:\n  - {title: Retry, owner: d, due: 2026-08-28, status: done, "
            "done: 2026-09-01}\n"
        ),
    ),
}

# (archive, as_of) pairs; each gets every filter set below.
AS_OFS = {
    "sample": ("2025-06-01", "2026-01-01", "2026-11-01"),
    "fixture": ("2025-06-01", "2026-01-01", "2026-11-01"),
    "edge": ("2026-08-26", "2026-08-27", "2026-09-01", "2027-03-01"),
}
FILTERS: dict[str, dict[str, dict[str, Any]]] = {
    "sample": {
        "all": {},
        "service": {"services": ("checkout-api",)},
        "category": {"categories": ("deployment-pipeline",)},
        "severity": {"severities": ("SEV2",)},
        "team": {"teams": ("payments",)},
        "dates": {"start": "2025-03-01", "end": "2025-09-30"},
        "combined": {"services": ("checkout-api", "payments-api"), "severities": ("SEV1", "SEV2")},
    },
    "fixture": {
        "all": {},
        "service": {"services": ("checkout-api",)},
        "category": {"categories": ("deployment-pipeline",)},
        "severity": {"severities": ("SEV2",)},
        "team": {"teams": ("payments",)},
        "dates": {"start": "2025-03-01", "end": "2025-09-30"},
    },
    "edge": {
        "all": {},
        "service": {"services": ("db",)},
        "category": {"categories": ("capacity",)},
        "severity": {"severities": ("SEV2",)},
        "team": {"teams": ("payments",)},
        "dates": {"start": "2026-05-01", "end": "2026-07-09"},
    },
}

# as_of dates that only probe pattern activity: just these filter sets there.
ONLY = {("edge", "2026-08-26"): ("all", "category"), ("edge", "2026-08-27"): ("all", "category")}

# Parametrized cases that fail because of a metric bug (see the reasons); none known.
XFAIL: dict[str, str] = {}


def _cases() -> list[Any]:
    cases = []
    for archive, as_ofs in AS_OFS.items():
        for as_of in as_ofs:
            for name, filters in FILTERS[archive].items():
                if name not in ONLY.get((archive, as_of), (name,)):
                    continue
                case_id = f"{archive}-{as_of}-{name}"
                marks = []
                if case_id in XFAIL:
                    marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case_id]))
                cases.append(pytest.param(archive, as_of, filters, id=case_id, marks=marks))
    return cases


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Archive]]:
    """Every archive ingested into its own database, and parsed for the reference."""
    base = tmp_path_factory.mktemp("oracle")
    roots = dict(ARCHIVES)
    roots["edge"] = base / "edge-archive"
    for relative, text in EDGE_FILES.items():
        path = roots["edge"] / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    built = {}
    for name, root in roots.items():
        db = base / f"{name}.duckdb"
        ingest(root, db)
        built[name] = (db, load_archive(root))
    return built


def _pattern_set(patterns: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {
        (
            p["category"],
            p["service"],
            p["count"],
            p["first"],
            p["last"],
            p["active"],
            tuple(sorted(p["ids"])),
        )
        for p in patterns
    }


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(expected, actual, rel_tol=0, abs_tol=1e-9)
    return type(expected) is type(actual) and expected == actual


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    out = []
    for key, want in expected.items():
        got = actual.get(key, "<missing>")
        if key == "patterns":
            missing = _pattern_set(want) - _pattern_set(got)
            extra = _pattern_set(got) - _pattern_set(want)
            if missing or extra:
                out.append(f"patterns: expected but absent {missing}; present, unexpected {extra}")
        elif isinstance(want, dict):
            for sub, sub_want in want.items():
                sub_got = got.get(sub, "<missing>")
                if not _same(sub_want, sub_got):
                    out.append(f"{key}.{sub}: expected {sub_want!r}, got {sub_got!r}")
        elif not _same(want, got):
            out.append(f"{key}: expected {want!r}, got {got!r}")
    return out


@pytest.mark.parametrize(("archive", "as_of", "filters"), _cases())
def test_summary_equals_reference(
    archives: dict[str, tuple[Path, Archive]], archive: str, as_of: str, filters: dict[str, Any]
) -> None:
    db, parsed = archives[archive]
    chosen = Filters(as_of=as_of, **filters)
    expected = reference_summary(
        parsed,
        as_of=chosen.as_of,
        start=chosen.start,
        end=chosen.end,
        severities=chosen.severities,
        services=chosen.services,
        categories=chosen.categories,
        teams=chosen.teams,
    )
    actual = summary(db, chosen)
    assert _differences(expected, actual) == []


def _pattern(result: dict[str, Any], category: str, service: str | None) -> dict[str, Any]:
    return next(
        p for p in result["patterns"] if (p["category"], p["service"]) == (category, service)
    )


def test_edge_archive_reference_by_hand(archives: dict[str, tuple[Path, Archive]]) -> None:
    """The reference on the edge archive's boundaries, worked out by hand (guards the oracle)."""
    _, parsed = archives["edge"]
    assert parsed.rejected == 2  # the broken file and the second E05
    assert "E15" in {pm.id for pm in parsed.postmortems}  # a broken file takes no id away
    at = reference_summary(parsed, as_of=date(2026, 9, 1))
    assert at["postmortems"] == 20
    # E03 (E01/E02 exactly 180 x 24 h before), E04 (E03 via db), E10, E11, E12, E15, E18,
    # E19 (E20/E21; not each other: same instant), E21 (E20), E23 (E22). Not E02 (same
    # instant as E01). E24 (mail x email) is the only one of its kind.
    assert at["repeats"] == 10
    # Written: E01 72 h (on time), E03 -1 h (on time), E04, E08, E20 late. Pending late: E02,
    # E05, E06, E07, E09, E10, E11, E12, E15, E21, E22, E23, E19 (E18: exactly 72 h, not
    # late yet) and E24 (its postmortem date is exactly as_of: not written yet).
    assert (at["ttp"]["eligible"], at["ttp"]["on_time"], at["ttp"]["pending_late"]) == (19, 2, 14)
    # E01's Alert (due 02-01), E03's second fix (08-31), E18's X (08-31), E20's body item,
    # and E24's Retry (due 08-28, done on the as_of date: still open at 00:00 of it).
    assert at["actions"]["overdue"] == 5
    # E01's fix: E03 in its window; E09's: E10, E11; E22's: E23 at 00:30 local on the done
    # day. E03's first fix is watching. E04's (done 2026-12-01, after as_of) is not done
    # yet, so neither watching nor held (before the rewind it counted as watching: 2);
    # E05's (no done date) is unknown, and E06's (no category) and E07's (no service): no
    # incident can share both with them, so "held" would say the fix worked.
    # Not done: E04's and E03's second fix (open, due 08-31).
    assert at["fixes"] == {
        "held": 0, "recurred": 3, "watching": 1, "not_done": 2, "dropped": 0, "unknown": 3
    }  # fmt: skip
    assert _pattern(at, "deploy", "api")["ids"] == ["E01", "E02", "E03"]
    assert _pattern(at, "deploy", None)["count"] == 7  # E04 is one minute outside E01's window
    assert _pattern(at, "capacity", "cache")["active"] is False
    assert _pattern(reference_summary(parsed, as_of=date(2026, 8, 26)), "capacity", "cache")[
        "active"
    ]
    assert not _pattern(reference_summary(parsed, as_of=date(2026, 8, 27)), "capacity", "cache")[
        "active"
    ]
    later = reference_summary(parsed, as_of=date(2027, 3, 1))
    # E03's first fix held (window ended 2027-01-06); E04's, done 2026-12-01, is watching now.
    assert later["fixes"] == {
        "held": 1, "recurred": 3, "watching": 1, "not_done": 1, "dropped": 0, "unknown": 3
    }  # fmt: skip
    # By 2027-03-01 E24's postmortem is written, 156 h after resolution (late): written E01,
    # E03, E04, E08, E20, E24; pending late the other 14 (E18 too by now).
    ttp = later["ttp"]
    assert (ttp["eligible"], ttp["on_time"], ttp["pending_late"]) == (20, 2, 14)
    # Open at 2026-09-01: E01's Alert and "Write it down", E03's second fix, E12's T, E18's X
    # and Y, E20's body item, plus E04's fix and E24's Retry (done later: rewound) = 9 of
    # 19 not dropped, 10 done (E06's and E07's fixes among them). By 2027-03-01 those two
    # are done: 7 open, 12 done.
    assert (at["actions"]["open"], at["actions"]["done"]) == (9, 10)
    assert (later["actions"]["open"], later["actions"]["done"]) == (7, 12)


def test_sample_as_of_rewinds_what_was_recorded_later(
    archives: dict[str, tuple[Path, Archive]],
) -> None:
    """The reviewer's case: at as_of 2026-01-01, PM-2025-134 (resolved 2025-12-16 14:16:51Z,
    postmortem 2026-01-10) was not written yet, and 16 items done in 2026 with due dates in
    2025 were open and overdue."""
    db, _ = archives["sample"]
    at = Filters(as_of="2026-01-01")
    row = time_to_postmortem(db, at).set_index("id").loc["PM-2025-134"]
    assert row["ttp_state"] == "pending_late"
    assert row["hours_since_resolved"] == pytest.approx(369 + 43 / 60 + 9 / 3600)
    items = action_items(db, at)
    rewound = items[(items["recorded_status"] == "done") & (items["status"] == "open")]
    assert int(rewound["overdue"].sum()) == 16
    later = time_to_postmortem(db, Filters(as_of="2026-02-01")).set_index("id").loc["PM-2025-134"]
    assert (later["ttp_state"], later["late"]) == ("written", True)
    assert later["hours"] == pytest.approx(585 + 43 / 60 + 9 / 3600)


def test_schema_docs_example_of_the_rewind_counts_as_it_says(
    archives: dict[str, tuple[Path, Archive]],
) -> None:
    """docs/schema.md warns that SQL on the tables counts today's archive: its example's two
    counts, the tables' and actions_at's, are the sample's (review R14 wrote the first from
    schema.md and got 137 against summary's 145)."""
    db, _ = archives["sample"]
    schema = (Path(__file__).resolve().parent.parent / "docs" / "schema.md").read_text("utf-8")
    as_of = {"d": date(2026, 11, 1)}
    database = open_db(db)
    tables = database.query(
        "SELECT count(*) AS n FROM actions WHERE status = 'open' AND due < $d", as_of
    )["n"].item()
    rewound = database.query(
        "SELECT count(*) AS n FROM actions_at(as_of := $d) WHERE status = 'open' AND due < $d",
        as_of,
    )["n"].item()
    overdue = summary(db, Filters(as_of="2026-11-01"))["actions"]["overdue"]
    assert (tables, rewound, overdue) == (137, 145, 145)
    assert "gives 137,\nwhile `postmortems summary --as-of 2026-11-01` gives 145" in schema
