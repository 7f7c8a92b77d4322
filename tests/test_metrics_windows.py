"""The window / slice / ASOF formulations of recurrence, patterns and fix outcomes against
brute force over every pair of incidents (plain Python, quadratic: small archives only).

Covers what the summary oracle does not compare: repeat_pairs, repeat_of and the per-incident
flags, pattern members, and which incident a fix recurred with.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.metrics import (
    Filters,
    action_items,
    discipline,
    fix_outcomes,
    fixes_recurred,
    incident_repeats,
    incidents,
    month_patterns,
    open_db,
    patterns,
    recurrence_incidents,
    repeat_pairs,
)

ROOT = Path(__file__).resolve().parent.parent
WINDOW = 180 * 86400


def _universe(db: Path, as_of: date) -> list[dict[str, Any]]:
    frame = open_db(db).metric("scoped_incidents", Filters(as_of=as_of))
    rows = frame[["id", "started", "started_s", "services", "category"]].to_dict("records")
    for row in rows:
        row["services"] = set(row["services"] if row["services"] is not None else [])
    return rows


def _earlier(b: dict[str, Any], a: dict[str, Any]) -> bool:
    return a["started_s"] < b["started_s"] and b["started_s"] - a["started_s"] <= WINDOW


@pytest.mark.parametrize("which", ["sample", "fixture"])
@pytest.mark.parametrize("as_of", [date(2026, 11, 25), date(2026, 3, 1)])
def test_recurrence_matches_brute_force(
    which: str, as_of: date, sample_db: Path, fixture_db: Path
) -> None:
    db = sample_db if which == "sample" else fixture_db
    rows = _universe(db, as_of)
    pairs = {
        (b["id"], a["id"])
        for b in rows
        for a in rows
        if b["category"] is not None
        and a["category"] == b["category"]
        and a["services"] & b["services"]
        and _earlier(b, a)
    }
    got = repeat_pairs(db, Filters(as_of=as_of))
    assert set(zip(got["id"], got["earlier_id"], strict=True)) == pairs
    assert len(got) == len(pairs)

    by_id = {r["id"]: r for r in rows}
    incidents = recurrence_incidents(db, Filters(as_of=as_of))
    for row in incidents.to_dict("records"):
        b = by_id[row["id"]]
        expected = sorted(
            (by_id[a] for (bid, a) in pairs if bid == b["id"]),
            key=lambda r: (r["started"], r["id"]),
        )
        assert list(row["repeat_of"]) == [r["id"] for r in expected]
        assert not row["repeat_of_cut"]
        assert row["is_repeat"] == bool(expected)
        assert row["is_repeat_service_alone"] == any(
            a["services"] & b["services"] and _earlier(b, a) for a in rows
        )
        assert row["is_repeat_category_alone"] == any(
            b["category"] is not None and a["category"] == b["category"] and _earlier(b, a)
            for a in rows
        )


def _a_value_of(frame: pd.DataFrame, column: str) -> Any:
    """The value of `column` (or of its lists) held by the most rows: a filter that keeps
    some incidents and drops others."""
    return frame[column].explode().dropna().value_counts().index[0]


@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_filtered_repeat_pairs_are_the_pairs_of_the_scoped_repeats(
    which: str, sample_db: Path, fixture_db: Path
) -> None:
    # The filters choose the repeat (id) only: its earlier incidents may be outside them.
    db = open_db(sample_db if which == "sample" else fixture_db)
    as_of = date(2026, 11, 25)
    every = repeat_pairs(db, Filters(as_of=as_of))
    universe = db.metric("scoped_incidents", Filters(as_of=as_of))
    middle = sorted(universe["started_date"])[len(universe) // 2].date()
    choices = [
        Filters(as_of=as_of, start=middle),
        Filters(as_of=as_of, end=middle),
        Filters(as_of=as_of, services=(_a_value_of(universe, "services"),)),
        Filters(as_of=as_of, categories=(_a_value_of(universe, "category"),)),
        Filters(as_of=as_of, severities=(_a_value_of(universe, "severity"),)),
        Filters(as_of=as_of, teams=(_a_value_of(universe, "teams"),)),
    ]
    outside_earlier = 0
    for filters in choices:
        scope = set(db.metric("scoped_incidents", filters)["id"])
        assert 0 < len(scope) < len(universe), filters
        expected = every[every["id"].isin(scope)].reset_index(drop=True)
        got = repeat_pairs(db, filters)
        assert 0 < len(got) < len(every), filters
        pd.testing.assert_frame_equal(got, expected)
        some = ["earlier_id", "id", "days_apart"]
        pd.testing.assert_frame_equal(repeat_pairs(db, filters, columns=some), got[some])
        outside_earlier += (~got["earlier_id"].isin(scope)).sum()
    assert outside_earlier > 0  # the earlier incidents were not filtered
    key = ["started", "id", "earlier_started", "earlier_id"]
    assert every[key].values.tolist() == every.sort_values(key)[key].values.tolist()


@pytest.mark.parametrize("which", ["sample", "fixture"])
@pytest.mark.parametrize("latest", [1, 2])
def test_latest_repeat_of_are_the_last_of_the_whole_list(
    which: str, latest: int, sample_db: Path, fixture_db: Path
) -> None:
    db = sample_db if which == "sample" else fixture_db
    filters = Filters(as_of=date(2026, 11, 25))
    whole = recurrence_incidents(db, filters)
    cut = recurrence_incidents(db, filters, repeat_of_latest=latest)
    pd.testing.assert_frame_equal(
        whole.drop(columns=["repeat_of", "repeat_of_cut"]),
        cut.drop(columns=["repeat_of", "repeat_of_cut"]),
    )
    several_services = 0
    for full, short, more, services in zip(
        whole["repeat_of"], cut["repeat_of"], cut["repeat_of_cut"], whole["services"], strict=True
    ):
        assert list(short) == list(full)[-latest:]
        assert more == (len(full) > latest)
        several_services += len(services) > 1 and len(full) > latest
    if latest == 1:  # the checks above saw lists that were cut
        assert cut["repeat_of_cut"].any()
    if which == "sample" and latest == 1:  # two services, repeats cut: distinct ids merged
        assert several_services > 0
    with pytest.raises(ValueError, match="repeat_of_latest"):
        recurrence_incidents(db, filters, repeat_of_latest=0)


@pytest.mark.parametrize("which", ["sample", "fixture"])
@pytest.mark.parametrize("window_days", [180, 60])  # the stored facts, and the live flags
def test_recurrence_incidents_without_lists_are_the_same_rows(
    which: str, window_days: int, sample_db: Path, fixture_db: Path
) -> None:
    db = sample_db if which == "sample" else fixture_db
    filters = Filters(as_of=date(2026, 11, 25), start=date(2025, 3, 1), window_days=window_days)
    whole = recurrence_incidents(db, filters)
    assert whole["is_repeat"].any() and not whole["is_repeat"].all()
    pd.testing.assert_frame_equal(
        recurrence_incidents(db, filters, repeat_of=False),
        whole.drop(columns=["repeat_of", "repeat_of_cut"]),
    )
    with pytest.raises(ValueError, match="repeat_of_latest"):
        recurrence_incidents(db, filters, repeat_of=False, repeat_of_latest=2)


@pytest.mark.parametrize("which", ["sample", "fixture"])
@pytest.mark.parametrize("latest", [1, 2])
@pytest.mark.parametrize("window_days", [180, 60])  # the stored keys, and the live ones
def test_latest_repeat_pairs_are_the_last_of_each_repeats_pairs(
    which: str, latest: int, window_days: int, sample_db: Path, fixture_db: Path
) -> None:
    db = open_db(sample_db if which == "sample" else fixture_db)
    as_of = date(2026, 11, 25)
    universe = db.metric("scoped_incidents", Filters(as_of=as_of))
    middle = sorted(universe["started_date"])[len(universe) // 2].date()
    cut = cut_with_several_services = 0
    for filters in (
        Filters(as_of=as_of, window_days=window_days),
        Filters(as_of=as_of, window_days=window_days, start=middle),
        Filters(
            as_of=as_of, window_days=window_days, services=(_a_value_of(universe, "services"),)
        ),
    ):
        every = repeat_pairs(db, filters)
        got = repeat_pairs(db, filters, latest=latest)
        expected = every.groupby("id", sort=False).tail(latest).reset_index(drop=True)
        pd.testing.assert_frame_equal(got.drop(columns="earlier_count"), expected)
        counts = every.groupby("id").size()
        assert got["earlier_count"].tolist() == counts.loc[got["id"]].tolist()
        cut += (got["earlier_count"] > latest).sum()
        several = got["id"].map(universe.set_index("id")["services"].map(len)) > 1
        cut_with_several_services += (several & (got["earlier_count"] > latest)).sum()
        some = ["earlier_count", "id"]
        pd.testing.assert_frame_equal(
            repeat_pairs(db, filters, latest=latest, columns=some), got[some]
        )
    if latest == 1 and window_days == 180:  # the checks above saw repeats cut short
        assert cut > 0
        if which == "sample":  # of two services, so some earlier ones were met twice
            assert cut_with_several_services > 0
    with pytest.raises(ValueError, match="latest"):
        repeat_pairs(db, Filters(as_of=as_of), latest=0)


@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_pattern_members_match_brute_force(which: str, sample_db: Path, fixture_db: Path) -> None:
    db = sample_db if which == "sample" else fixture_db
    as_of = date(2026, 11, 25)
    rows = [r for r in _universe(db, as_of) if r["category"] is not None]
    keys = {(r["category"], None) for r in rows} | {
        (r["category"], s) for r in rows for s in r["services"]
    }
    expected = {}
    for category, service in keys:
        members = [
            r
            for r in rows
            if r["category"] == category and (service is None or service in r["services"])
        ]
        spans = [
            [m for m in members if s["started_s"] <= m["started_s"] <= s["started_s"] + WINDOW]
            for s in members
        ]
        spans = [span for span in spans if len(span) >= 3]
        if spans:
            ids = {m["id"] for span in spans for m in span}
            expected[(category, service)] = (max(len(span) for span in spans), ids)
    got = patterns(db, Filters(as_of=as_of))
    actual = {
        (row["category"], None if pd.isna(row["service"]) else row["service"]): (
            row["count"],
            set(row["ids"]),
        )
        for row in got.to_dict("records")
    }
    assert actual == expected


@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_fix_recurrence_matches_brute_force(which: str, sample_db: Path, fixture_db: Path) -> None:
    db = sample_db if which == "sample" else fixture_db
    as_of = date(2026, 11, 25)
    rows = _universe(db, as_of)
    by_id = {r["id"]: r for r in rows}
    fixes = fix_outcomes(db, Filters(as_of=as_of))
    tz = open_db(db).timezone
    for fix in fixes.to_dict("records"):
        if fix["outcome"] not in ("recurred", "held", "watching"):
            continue
        done_s = pd.Timestamp(fix["done"]).tz_localize(tz).timestamp()
        own = by_id[fix["postmortem_id"]]
        hits = [
            r
            for r in rows
            if r["id"] != own["id"]
            and own["category"] is not None
            and r["category"] == own["category"]
            and r["services"] & own["services"]
            and done_s <= r["started_s"] <= done_s + WINDOW
        ]
        if not hits:
            assert fix["outcome"] != "recurred"
            continue
        first = min(hits, key=lambda r: (r["started_s"], r["id"]))
        assert fix["outcome"] == "recurred"
        assert fix["recurred_by"] == first["id"]


_PATTERN_LIVE = (
    "SELECT category, service, best AS count, id, started, started_date, severity, services,"
    " teams FROM pattern_keyed_live(as_of := $as_of, window_days := $w) WHERE reached >= 3"
)
_OPEN_UNTIL_LIVE = (  # the items as they stood at as_of, straight from actions_at
    "SELECT postmortem_id, max(CASE WHEN status = 'open' THEN CAST('infinity' AS TIMESTAMPTZ)"
    " ELSE coalesce(local_ts(done), CAST('-infinity' AS TIMESTAMPTZ)) END) AS open_until, $w AS w"
    " FROM actions_at(as_of := $as_of) WHERE status <> 'dropped' GROUP BY postmortem_id"
)
_SCOPED_LIVE = (  # recurrence_scoped as scoped_incidents joined to the live flags
    "SELECT s.id, s.title, s.path, s.severity, s.services, s.category, s.teams, s.started,"
    " s.started_date, s.month, coalesce(r.is_repeat, false) AS is_repeat,"
    " coalesce(r.is_repeat_service_alone, false) AS is_repeat_service_alone,"
    " coalesce(r.is_repeat_category_alone, false) AS is_repeat_category_alone,"
    " coalesce(r.recurred_while_open, false) AS recurred_while_open"
    " FROM scoped_incidents(as_of := $as_of{filters}) AS s"
    " LEFT JOIN recurrence_flags_live(as_of := $as_of, window_days := $w) AS r ON r.id = s.id"
)
_SOME_SERVICES = "['checkout-api', 'payments-api', 'search']"
_SOME_FILTERS = (  # what the stored copy of the incident's facts is filtered on
    ", start_date := DATE '2025-01-01', severity_in := ['SEV1', 'SEV2', 'SEV3'],"
    f" team_in := ['payments', 'core', 'platform', 'checkout'], service_in := {_SOME_SERVICES}"
)
_BY_SERVICE_LIVE = (  # recurrence_by_service_rows from the live flags of the scoped incidents
    "SELECT f.id, f.service, f.category, f.is_repeat, f.is_repeat_service_alone"
    " FROM recurrence_service_flags_live(as_of := $as_of, window_days := $w) AS f"
    " WHERE f.id IN (SELECT id FROM scoped_incidents(as_of := $as_of{filters}))"
    " AND f.service IN (SELECT unnest(coalesce({services}, [f.service])))"
)
STORED_AND_LIVE = [  # (stored, live) queries, each ordered the same way
    ("SELECT * FROM recurrence_scoped(as_of := $as_of, window_days := $w)",
     _SCOPED_LIVE.format(filters="")),
    (f"SELECT * FROM recurrence_scoped(as_of := $as_of, window_days := $w{_SOME_FILTERS})",
     _SCOPED_LIVE.format(filters=_SOME_FILTERS)),
    ("SELECT * FROM recurrence_by_service_rows(as_of := $as_of, window_days := $w)",
     _BY_SERVICE_LIVE.format(filters="", services="NULL")),
    (f"SELECT * FROM recurrence_by_service_rows(as_of := $as_of, window_days := $w{_SOME_FILTERS})",
     _BY_SERVICE_LIVE.format(filters=_SOME_FILTERS, services=_SOME_SERVICES)),
    ("SELECT * FROM pattern_members(as_of := $as_of, window_days := $w, pattern_min := 3)",
     _PATTERN_LIVE),
    # the stored member_from answers for 3; another pattern_min recomputes the cut windows
    ("SELECT * FROM pattern_members(as_of := $as_of, window_days := $w, pattern_min := 2)",
     _PATTERN_LIVE.replace(">= 3", ">= 2")),
    ("SELECT * FROM pattern_members(as_of := $as_of, window_days := $w, pattern_min := 4)",
     _PATTERN_LIVE.replace(">= 3", ">= 4")),
    ("SELECT * FROM repeat_keyed(as_of := $as_of, window_days := $w)",
     "SELECT * FROM repeat_keyed_live(as_of := $as_of, window_days := $w)"),
    ("SELECT * FROM fix_recurrences(as_of := $as_of, window_days := $w)",
     "SELECT * FROM fix_recurrences_live(as_of := $as_of, window_days := $w)"),
    ("SELECT *, $w AS w FROM follow_through_open_until(as_of := $as_of)",
     _OPEN_UNTIL_LIVE),
]  # fmt: skip


@pytest.mark.parametrize(("stored_sql", "live_sql"), STORED_AND_LIVE)
@pytest.mark.parametrize(
    "as_of",
    [date(2024, 12, 1), date(2025, 7, 1), date(2026, 3, 1), date(2026, 6, 15),
     date(2026, 11, 1), None],
)  # fmt: skip
@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_stored_facts_equal_the_live_computation(
    stored_sql: str, live_sql: str, as_of: date | None, which: str, sample_db: Path,
    fixture_db: Path,
) -> None:  # fmt: skip
    """The facts stored at ingest for the default window give what the live macros compute at
    any as_of (the patterns' windows cut at as_of included); another window is computed live."""
    db = open_db(sample_db if which == "sample" else fixture_db)
    for window in (180, 90):
        params = {"as_of": as_of, "w": window}
        stored = db.query(f"SELECT * FROM ({stored_sql}) ORDER BY ALL", params)
        live = db.query(f"SELECT * FROM ({live_sql}) ORDER BY ALL", params)
        assert len(stored) > 0 or which == "fixture" or as_of == date(2024, 12, 1)
        pd.testing.assert_frame_equal(stored, live)
    with db.connect() as con:  # the default window really is read from a stored table
        plan = con.execute(f"EXPLAIN {stored_sql}", {"as_of": as_of, "w": 180}).fetchall()
        found = con.execute(stored_sql, {"as_of": as_of, "w": 180}).fetchall()
    assert "fact_" in str(plan) or not found  # (an empty result may be planned as such)


@pytest.mark.parametrize("window", [180, 45])  # the stored keys, and keys computed live
@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_incident_repeats_are_the_pairs_of_one_incident(
    which: str, window: int, sample_db: Path, fixture_db: Path
) -> None:
    db = open_db(sample_db if which == "sample" else fixture_db)
    filters = Filters(as_of=date(2026, 11, 1), window_days=window)
    pairs = repeat_pairs(db, filters)
    ids = list(db.metric("scoped_incidents", filters)["id"])
    columns = list(pairs.columns)
    checked = 0
    for incident in ids[:: max(1, len(ids) // 40)]:  # about 40 incidents, both directions
        mine = pairs[(pairs["id"] == incident) | (pairs["earlier_id"] == incident)]
        found = incident_repeats(db, filters, postmortem_id=incident)
        assert list(found.columns) == columns
        key = ["earlier_id", "id"]
        pd.testing.assert_frame_equal(
            found.sort_values(key).reset_index(drop=True),
            mine.sort_values(key).reset_index(drop=True),
            check_dtype=False,  # object vs pandas string: the same ids
        )
        checked += len(found)
    assert checked > 0


@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_incidents_without_repeat_of_are_the_same_rows(
    which: str, sample_db: Path, fixture_db: Path
) -> None:
    db = open_db(sample_db if which == "sample" else fixture_db)
    filters = Filters(as_of=date(2026, 11, 1), start=date(2025, 6, 1))
    full = incidents(db, filters)
    light = incidents(db, filters, repeat_of=False)
    assert "repeat_of" not in light.columns
    pd.testing.assert_frame_equal(full.drop(columns="repeat_of"), light)
    by_id = recurrence_incidents(db, filters).set_index("id")["repeat_of"]
    assert [list(v) for v in full["repeat_of"]] == [list(by_id[i]) for i in full["id"]]

    wanted = [*list(light["id"])[::3], "NOT-AN-ID"]
    outside = incidents(db, Filters(as_of=filters.as_of))["id"]
    wanted += [i for i in outside if i not in set(light["id"])][:2]  # not in the filters
    some = incidents(db, filters, repeat_of=False, ids=wanted)
    expected = light[light["id"].isin(wanted)].reset_index(drop=True)
    assert len(expected) == len(light[::3]) > 0
    pd.testing.assert_frame_equal(some, expected)
    assert incidents(db, filters, repeat_of=False, ids=[]).empty
    with pytest.raises(ValueError, match="repeat_of=False"):
        incidents(db, filters, ids=wanted)
    for columns in (["path", "id"], ["id"]):  # only these, the rows the same
        pd.testing.assert_frame_equal(
            incidents(db, filters, repeat_of=False, columns=columns), light[columns]
        )
    pd.testing.assert_frame_equal(
        incidents(db, filters, columns=["id", "repeat_of"]), full[["id", "repeat_of"]]
    )
    for limit in (1, 3, len(full) + 1):  # the first rows of the same order
        pd.testing.assert_frame_equal(
            incidents(db, filters, repeat_of=False, limit=limit), light.head(limit)
        )
        pd.testing.assert_frame_equal(incidents(db, filters, limit=limit), full.head(limit))
    assert incidents(db, filters, repeat_of=False, limit=0).empty
    with pytest.raises(ValueError, match="limit"):
        incidents(db, filters, limit=-1)


@pytest.mark.parametrize(
    ("metric", "key"),
    [
        (discipline, "id"),
        (action_items, "postmortem_id"),
        (fix_outcomes, "postmortem_id"),
        (recurrence_incidents, "id"),
        (functools.partial(recurrence_incidents, repeat_of_latest=1), "id"),
        (functools.partial(recurrence_incidents, repeat_of=False), "id"),
    ],
    ids=[
        "discipline",
        "action_items",
        "fix_outcomes",
        "recurrence",
        "recurrence-latest-1",
        "recurrence-no-lists",
    ],
)
@pytest.mark.parametrize("window_days", [180, 90])  # the stored facts' window, and live
@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_listings_by_ids_are_the_filtered_rows_of_those_ids(
    metric: Any, key: str, window_days: int, which: str, sample_db: Path, fixture_db: Path
) -> None:
    """ids= (the explorer's one postmortem) gives exactly the whole listing's rows of those
    ids, values and order alike; ids outside the filters or unknown give nothing."""
    db = open_db(sample_db if which == "sample" else fixture_db)
    filters = Filters(as_of=date(2026, 11, 1), start=date(2025, 6, 1), window_days=window_days)
    whole = metric(db, filters)
    present = list(dict.fromkeys(whole[key]))
    assert len(present) > 3
    outside = [i for i in incidents(db, Filters(as_of=filters.as_of))["id"] if i not in present]
    wanted = [*present[::3], "NOT-AN-ID", *outside[:2]]
    some = metric(db, filters, ids=wanted)
    expected = whole[whole[key].isin(present[::3])].reset_index(drop=True)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(some, expected)
    if "repeat_of" in some:  # the lists are found for those ids alone: some must be there
        assert some["repeat_of"].map(len).sum() > 0
    assert metric(db, filters, ids=[]).empty


@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_action_items_come_by_incident_start_then_postmortem_and_seq(
    which: str, sample_db: Path, fixture_db: Path
) -> None:
    """The listing's order is stable (action_list), not whatever order a parallel scan gives."""
    items = action_items(open_db(sample_db if which == "sample" else fixture_db), Filters())
    key = ["started", "postmortem_id", "seq"]
    assert len(items) > 3
    pd.testing.assert_frame_equal(items, items.sort_values(key).reset_index(drop=True))


# the stored facts' window, and live (with fewer incidents per pattern: the fixture has no
# pattern of 3 within 90 days)
@pytest.mark.parametrize(("window_days", "pattern_min"), [(180, 3), (90, 2)])
@pytest.mark.parametrize("which", ["sample", "fixture"])
def test_pattern_lists_with_latest_keep_only_the_latest_ids(
    window_days: int, pattern_min: int, which: str, sample_db: Path, fixture_db: Path
) -> None:
    """latest=n: the same patterns and values, ids cut to their latest n, members = how many
    ids the whole list has."""
    db = open_db(sample_db if which == "sample" else fixture_db)
    filters = Filters(as_of=date(2026, 11, 1), window_days=window_days, pattern_min=pattern_min)
    listings = {
        "patterns": lambda **kw: patterns(db, filters, **kw),
        "month_patterns": lambda **kw: month_patterns(db, "2026-09", filters, **kw),
    }
    for name, listing in listings.items():
        whole = listing()
        assert (whole["members"] == whole["ids"].map(len)).all(), name
        for latest in (1, 2, 5):
            cut = listing(latest=latest)
            assert [list(ids) for ids in cut["ids"]] == [
                list(ids)[-latest:] for ids in whole["ids"]
            ], (name, latest)
            pd.testing.assert_frame_equal(cut.drop(columns="ids"), whole.drop(columns="ids"))
        assert (whole["members"] > 2).any(), name  # some list was cut
    with pytest.raises(ValueError, match="latest"):
        patterns(db, filters, latest=0)


def _values(frame: pd.DataFrame) -> list[list[Any]]:
    """Rows as plain values: lists for list cells, None for every kind of missing."""
    return [
        [list(v) if hasattr(v, "__len__") and not isinstance(v, str) else None if pd.isna(v) else v
         for v in row]
        for row in frame.itertuples(index=False)
    ]  # fmt: skip


@pytest.mark.parametrize("which", ["sample", "fixture"])
@pytest.mark.parametrize(
    "filters",
    [
        Filters(as_of=date(2026, 11, 25)),
        Filters(as_of=date(2026, 6, 1), window_days=90),  # not the stored facts' window
        Filters(as_of=date(2026, 11, 25), severities=("SEV1", "SEV2")),
        Filters(as_of=date(2026, 11, 25), start=date(2026, 1, 1), end=date(2026, 6, 30)),
    ],
)
def test_fixes_recurred_are_fix_outcomes_recurred_in_the_range(
    which: str, filters: Filters, sample_db: Path, fixture_db: Path
) -> None:
    """fixes_recurred cuts the recurrences to the range before joining the fixes: the same
    rows as every fix's outcome filtered afterwards, for each local-date range."""
    db = sample_db if which == "sample" else fixture_db
    outcomes = fix_outcomes(db, filters)
    recurred = outcomes[outcomes["outcome"] == "recurred"]
    timezone = open_db(db).query("SELECT archive_tz() AS tz").iloc[0, 0]
    local_day = recurred["recurred_at"].dt.tz_convert(timezone).dt.date
    done_midnight = pd.to_datetime(recurred["done"]).dt.tz_localize(timezone)
    after = (recurred["recurred_at"] - done_midnight) / pd.Timedelta(days=1)
    assert recurred["recurred_after_days"].tolist() == pytest.approx(after.tolist(), abs=1e-6)
    ranges = [(date(2000, 1, 1), date(2030, 1, 1)), (date(2026, 2, 28), date(2026, 3, 1))]
    ranges += [(date(2026, m, 1), date(2026, m, 28)) for m in (1, 4, 5, 10)]
    checked = 0
    for first, last in ranges:
        got = fixes_recurred(db, filters, first, last)
        expected = recurred[(local_day >= first) & (local_day <= last)]
        expected = expected.drop(columns="started", errors="ignore")
        expected = expected.sort_values(["recurred_at", "postmortem_id", "seq"])
        assert list(got.columns) == [c for c in expected.columns]
        assert _values(got) == _values(expected)  # a listing's text is str, not object
        checked += len(got)
    assert checked > 0  # some range holds recurred fixes
