"""Every headline number of the fixture archive, worked out by hand, through the Python API
and through `postmortems summary --json`.

The archive is tests/fixtures/metrics_archive (timezone Europe/Berlin: CET = UTC+1, CEST =
UTC+2 from 2026-03-29 to 2026-10-25). as_of = 2026-11-01 means 2026-11-01 00:00 CET =
2026-10-31T23:00Z ("now"); 180 days before it is 2026-05-04T23:00Z.

Keys: cap = capacity/search, net = network/edge-proxy, dp = deployment-pipeline/checkout-api,
db = database/orders-db, cfg = config, 3p = third-party/payments-api.

id     started (UTC)     key   notes
PM-01  2025-03-01 08:00  cap   ttp 48 h; fix L4 done 03-20
PM-02  2025-04-15 08:00  cap   ttp 24 h; fix L5 for chain L4 (L5 reflex) done 05-01;
                               action open, due 2025-05-30
PM-03  2025-06-01 08:00  cap   ttp 96 h (late); timeline after; fix L3 done 07-05 > due 06-30
PM-04  2025-09-01 00:00  net   ttp 24 h; fix L4 done 2025-09-10
PM-05  2025-12-01 10:00  dp    ttp 48 h; fix L4 done 12-05; action open, due 2026-01-15
PM-06  2026-01-10 10:00  db    ttp exactly 72 h (on time); fix done 01-20; action done 02-01;
                               action cancelled
PM-07  2026-02-28 00:01  net   180 d + 1 min after PM-04: NOT a repeat; ttp 72 h 1 min (late);
                               fix L5 (chain L5) open
PM-08  2026-03-01 10:00  dp    no resolved: ttp approximate, 48 h; no timeline; fix L4 open,
                               no owner
PM-09  2026-03-31 22:30  cfg   search; = 2026-04-01 00:30 CEST (month 2026-04); ttp 24 h;
                               fix L2 done 2026-05-05
PM-10  2026-05-20 10:00  dp    + payments-api; postmortem_date date-only 2026-05-22 =
                               2026-05-21T22:00Z: ttp 34 h; fix L3 done 06-01;
                               action done 06-30 > due 06-15
PM-11  2026-06-09 22:00  cfg   payments-api; started date-only 2026-06-10 (CEST); times with
                               +02:00; ttp 48 h; fix L4 with a done date, no status (= done)
PM-12  2026-07-09 10:00  db    exactly 180 x 24 h after PM-06 (across DST): a repeat; ttp 24 h;
                               fix done 07-20, no due date
PM-13  2026-08-08 10:00  dp    written +02:00; ttp 96 h (late); timeline reconstructed;
                               2 fixes: L4 done 08-20 "Alice to be more careful..." (author
                               alice.smith) + unleveled wontfix; action open, no owner, no due
PM-14  2026-09-15 10:00  auth  security; ttp 24 h; no chain level, no timeline, no fix;
                               action open, due 2026-12-01, no owner
PM-15  2026-10-27 10:00  dp    no postmortem; resolved 10-28 22:59Z = 72 h 1 min before as_of:
                               pending late
PM-16  2026-10-28 20:00  3p    no postmortem; resolved 10-28 23:00Z = exactly 72 h before as_of:
                               not late yet
PM-17  2026-10-31 22:59  3p    started 23:59+01:00, 1 min before as_of; no resolved
PM-18  2026-10-31 23:00  3p    "2026-11-01 00:00" Berlin = as_of exactly: left out
broken-no-start.md: no `started` -> rejected (1). README.md and template-*.md are not read.

Recurrence (B repeats A: A earlier by <= 180 x 24 h, shared service, same primary category):
  PM-02 (of 01), PM-03 (of 02, 01), PM-08 (of 05), PM-10 (of 08, 05), PM-12 (of 06, exactly
  180 d), PM-13 (of 10, 08), PM-15 (of 13, 10), PM-17 (of 16)  -> repeats 8 / 17.
  recurred_while_open: PM-03 (PM-02's action open), PM-08 (PM-05's action open), PM-10,
  PM-13 (PM-08's fix open), PM-15 (PM-13's action open) -> 5. PM-02, PM-12, PM-17 not.
  Service alone: the 8 + PM-11 (payments-api, PM-10) + PM-16 (payments-api, PM-11) = 10.
  Category alone: the 8 + PM-11 (config, PM-09 70 d earlier) = 9.
Patterns (pattern_min 3, window 180 d):
  deployment-pipeline: PM-05 day 0, PM-08 day 90, PM-10 day 170, PM-13 day 250, PM-15 day 330.
  Windows [0,180] {05,08,10}, [90,270] {08,10,13}, [170,350] {10,13,15}: overlapping spans of 3,
  so count 3 and ids all five; first 2025-12-01, last 2026-10-27, active. Same for
  checkout-api x deployment-pipeline (all five have checkout-api).
  capacity (and search x capacity): PM-01, 02, 03 within 92 d, count 3, last 2025-06-01: inactive.
  database has 2 (PM-06, PM-12), network 2 (180 d + 1 min apart), config 2, third-party 2.
Fix levels: L2 1 (09), L3 2 (03, 10), L4 8 (01,04,05,06,08,11,12,13a), L5 2 (02, 07),
  unleveled 1 (13b), no_fix 4 (14,15,16,17). L5 share 2/13. L5 reflex: PM-02 only.
Time to postmortem: written 14 (PM-01..14), hours sorted 24,24,24,24,24,34,48,48,48,48,72,
  72.0167,96,96; late: PM-03, PM-07, PM-13. Pending late: PM-15. Eligible 15, on time 11.
  median = (48+48)/2 = 48; p90 = pos 11.7 -> 72.0167 + 0.7 x (96 - 72.0167) = 88.805.
Actions (14 fixes + 7 actions = 21): dropped 2 (13b wontfix, 06 cancelled); open 6 (F07, F08,
  A02, A05, A13, A14); done 13. Overdue (open, due < 2026-11-01): F07, F08, A02, A05 = 4.
  Completion 13/19. Done with both dates 12 (F12 has no due); on time 10 (late: F03, A10).
Fix outcomes: held 2 (F03: no capacity/search after; F09: done 2026-05-05 00:00 CEST =
  05-04T22:00Z, window ends 10-31T22:00Z, 1 h before as_of), recurred 7 (F01 by 02, F02 by 03,
  F04 by 07, F05 by 08, F06 by 12, F10 by 13, F13a by 15), watching 2 (F11, F12), not done 2,
  dropped 1 (F13b).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import analytics.metrics as m
from analytics.cli import main
from analytics.metrics import Filters

AS_OF = date(2026, 11, 1)
F = Filters(as_of=AS_OF)

DEPLOY_IDS = ["PM-05", "PM-08", "PM-10", "PM-13", "PM-15"]
CAPACITY_IDS = ["PM-01", "PM-02", "PM-03"]

EXPECTED: dict[str, Any] = {
    "as_of": "2026-11-01",
    "postmortems": 17,
    "rejected": 1,
    "repeats": 8,
    "repeat_rate": 8 / 17,
    "patterns": [
        {"category": "deployment-pipeline", "service": None, "count": 3,
         "first": "2025-12-01", "last": "2026-10-27", "active": True, "ids": DEPLOY_IDS},
        {"category": "deployment-pipeline", "service": "checkout-api", "count": 3,
         "first": "2025-12-01", "last": "2026-10-27", "active": True, "ids": DEPLOY_IDS},
        {"category": "capacity", "service": None, "count": 3,
         "first": "2025-03-01", "last": "2025-06-01", "active": False, "ids": CAPACITY_IDS},
        {"category": "capacity", "service": "search", "count": 3,
         "first": "2025-03-01", "last": "2025-06-01", "active": False, "ids": CAPACITY_IDS},
    ],
    "fix_levels": {"L1": 0, "L2": 1, "L3": 2, "L4": 8, "L5": 2, "unleveled": 1, "no_fix": 4},
    "ttp": {"eligible": 15, "on_time": 11, "on_time_rate": 11 / 15, "median_hours": 48.0,
            "p90_hours": pytest.approx(88.805), "pending_late": 1},
    # beyond SPEC's keys, closed within the 28-day SLO: 10 of the 19 done, or open past it
    "actions": {"total": 21, "open": 6, "done": 13, "dropped": 2, "overdue": 4,
                "completion_rate": 13 / 19, "on_time_rate": 10 / 12,
                "closed_within_slo": 10, "slo_decided": 19, "slo_rate": 10 / 19},
    "fixes": {"held": 2, "recurred": 7, "watching": 2, "not_done": 2, "dropped": 1,
              "unknown": 0},
}  # fmt: skip

SPEC_KEYS = [
    "as_of", "postmortems", "rejected", "repeats", "repeat_rate", "patterns", "fix_levels",
    "ttp", "actions", "fixes",
]  # fmt: skip


def summary_json(db: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def spec_part(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in SPEC_KEYS}


def test_summary_api_has_every_headline_number(fixture_db: Path) -> None:
    data = m.summary(fixture_db, F)
    assert list(data)[: len(SPEC_KEYS)] == SPEC_KEYS
    assert spec_part(data) == EXPECTED


def test_summary_hours_carry_no_float_noise(make_db: Callable[..., Path]) -> None:
    """Written 10 h and 20.1 h after resolution: the p90 is 10 + 0.9 x 10.1 = 19.09 h, which
    the quantile computed as 19.090000000000003 and --json printed so (review R11)."""

    def pm(n: int, written: str) -> str:
        return (
            f"---\nid: P{n}\nstarted: 2026-01-0{n}T00:00:00Z\nresolved: 2026-01-0{n}T00:00:00Z\n"
            f"postmortem_date: 2026-01-0{n}T{written}:00Z\n---\n"
        )

    db = make_db({"a.md": pm(1, "10:00"), "b.md": pm(2, "20:06")})
    data = summary_json(db, "--as-of", "2026-02-01")
    assert (data["ttp"]["median_hours"], data["ttp"]["p90_hours"]) == (15.05, 19.09)
    assert m.summary(db, Filters(as_of="2026-02-01"))["ttp"]["p90_hours"] == 19.09


def test_summary_json_cli_matches_the_api(fixture_db: Path) -> None:
    data = summary_json(fixture_db, "--as-of", "2026-11-01")
    assert spec_part(data) == EXPECTED
    assert list(data["ttp"]) == ["eligible", "on_time", "on_time_rate", "median_hours",
                                 "p90_hours", "pending_late"]  # fmt: skip
    assert list(data["actions"]) == ["total", "open", "done", "dropped", "overdue",
                                     "completion_rate", "on_time_rate",  # SPEC's, then
                                     "closed_within_slo", "slo_decided", "slo_rate"]  # fmt: skip
    # SPEC's three outcomes first; with the other three they count every fix, as the levels do
    assert list(data["fixes"]) == ["held", "recurred", "watching", "not_done", "dropped",
                                   "unknown"]  # fmt: skip
    levels = data["fix_levels"]
    assert sum(data["fixes"].values()) == sum(levels.values()) - levels["no_fix"]


def test_summary_extras_carry_numerators_and_small_samples(fixture_db: Path) -> None:
    data = m.summary(fixture_db, F)
    assert data["recurred_while_open"] == 5
    assert data["l5_share"] == 2 / 13
    assert data["rates"]["repeat_rate"] == {
        "numerator": 8, "denominator": 17, "rate": 8 / 17, "small_sample": False
    }  # fmt: skip
    assert data["rates"]["actions.on_time_rate"]["denominator"] == 12
    assert data["small_samples"] == []


def test_summary_table_is_readable(fixture_db: Path) -> None:
    result = CliRunner().invoke(main, ["summary", "--db", str(fixture_db), "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "Repeat rate" in result.output and "8 of 17" in result.output
    assert "checkout-api × deployment-pipeline" in result.output


# --- recurrence -------------------------------------------------------------------------


def test_repeats_exact_window_boundaries(fixture_db: Path) -> None:
    rec = m.recurrence_incidents(fixture_db, F).set_index("id")
    repeats = sorted(rec.index[rec["is_repeat"]])
    assert repeats == ["PM-02", "PM-03", "PM-08", "PM-10", "PM-12", "PM-13", "PM-15", "PM-17"]
    assert list(rec.loc["PM-12", "repeat_of"]) == ["PM-06"]  # exactly 180 x 24 h, across DST
    assert not rec.loc["PM-07", "is_repeat"]  # 180 d + 1 min after PM-04
    assert list(rec.loc["PM-10", "repeat_of"]) == ["PM-05", "PM-08"]
    assert "PM-18" not in rec.index  # started exactly at as_of


def test_recurred_while_open(fixture_db: Path) -> None:
    rec = m.recurrence_incidents(fixture_db, F).set_index("id")
    assert sorted(rec.index[rec["recurred_while_open"]]) == [
        "PM-03", "PM-08", "PM-10", "PM-13", "PM-15"
    ]  # fmt: skip
    pairs = m.repeat_pairs(fixture_db, F)
    pair = pairs[(pairs["id"] == "PM-13") & (pairs["earlier_id"] == "PM-10")].iloc[0]
    assert not pair["recurred_while_open"]  # PM-10's fix and action were done by then
    pair = pairs[(pairs["id"] == "PM-13") & (pairs["earlier_id"] == "PM-08")].iloc[0]
    assert pair["recurred_while_open"]  # PM-08's fix is still open
    assert pair["days_apart"] == 160


def test_repeat_rate_variants(fixture_db: Path) -> None:
    row = m.repeat_rate(fixture_db, F).iloc[0]
    assert (row["incidents"], row["repeats"], row["recurred_while_open"]) == (17, 8, 5)
    assert row["repeats_service_alone"] == 10
    assert row["repeats_category_alone"] == 9
    assert not row["small_sample"]


def test_repeat_rate_by_service_category_and_matrix(fixture_db: Path) -> None:
    by_service = m.repeat_rate_by_service(fixture_db, F).set_index("service")
    # payments-api: PM-10, 11, 16, 17; only PM-17 repeats through it with the same category
    # (PM-10 repeats through checkout-api); service alone PM-11, 16, 17.
    assert by_service.loc["payments-api", ["incidents", "repeats"]].tolist() == [4, 1]
    assert by_service.loc["payments-api", "repeats_service_alone"] == 3
    assert by_service.loc["checkout-api", ["incidents", "repeats"]].tolist() == [5, 4]
    assert by_service.loc["checkout-api", "repeat_rate"] == 0.8
    by_category = m.repeat_rate_by_category(fixture_db, F).set_index("category")
    assert by_category.loc["config", ["incidents", "repeats"]].tolist() == [2, 0]
    assert by_category.loc["config", "repeats_category_alone"] == 1
    assert by_category.loc["config", "small_sample"]
    matrix = m.repeat_matrix(fixture_db, F).set_index(["service", "category"])
    assert matrix.loc[("search", "capacity"), ["incidents", "repeats"]].tolist() == [3, 2]
    assert matrix.loc[("payments-api", "deployment-pipeline"), "repeats"] == 0


def test_patterns_frame(fixture_db: Path) -> None:
    frame = m.patterns(fixture_db, F)
    assert frame["category"].tolist() == ["deployment-pipeline"] * 2 + ["capacity"] * 2
    assert frame["ids_in_scope"].tolist() == [5, 5, 3, 3]


def test_pattern_and_repeat_window_parameters(fixture_db: Path) -> None:
    # window 90 d: PM-12 (180 d) is no longer a repeat; PM-08 (exactly 90 d after PM-05) is.
    narrow = m.summary(fixture_db, F.replace(window_days=90))
    assert narrow["repeats"] == 7
    # no 90-day span holds 3 incidents of one key (capacity spans 92 d)
    assert narrow["patterns"] == []
    loose = m.patterns(fixture_db, F.replace(pattern_min=2))
    keys = set(zip(loose["category"], loose["service"].fillna("-"), strict=True))
    assert keys == {
        ("deployment-pipeline", "-"), ("deployment-pipeline", "checkout-api"),
        ("capacity", "-"), ("capacity", "search"),
        ("database", "-"), ("database", "orders-db"),  # PM-06 / PM-12 exactly 180 d apart
        ("config", "-"),  # PM-09 search, PM-11 payments-api: no shared service
        ("third-party", "-"), ("third-party", "payments-api"),
    }  # fmt: skip


# --- fix levels -------------------------------------------------------------------------


def test_fix_levels_share_crosstab_and_reflex(fixture_db: Path) -> None:
    levels = m.fix_levels(fixture_db, F)
    assert dict(zip(levels["level"], levels["count"], strict=True)) == EXPECTED["fix_levels"]
    share = m.l5_share(fixture_db, F).iloc[0]
    assert (share["l5"], share["leveled"], share["l5_share"]) == (2, 13, 2 / 13)
    wide = m.fix_level_crosstab(fixture_db, F, wide=True)
    assert wide.loc["L4", "L4"] == 8  # 01, 04, 05, 06, 08, 11, 12, 13a
    assert wide.loc["L4", "unleveled"] == 1  # 13b
    assert wide.loc["L4", "L5"] == 1  # PM-02
    assert wide.loc["none", "no_fix"] == 4
    assert wide.loc["L5", "L5"] == 1  # PM-07: an L5 fix for an L5 incident is no reflex
    assert m.l5_reflex(fixture_db, F)["postmortem_id"].tolist() == ["PM-02"]


def test_fix_level_crosstab_long_form(fixture_db: Path) -> None:
    long = m.fix_level_crosstab(fixture_db, F)
    assert long["count"].sum() == 14 + 4  # every fix, plus one row per postmortem without


# --- time to postmortem -----------------------------------------------------------------


def test_time_to_postmortem_boundaries(fixture_db: Path) -> None:
    ttp = m.time_to_postmortem(fixture_db, F).set_index("id")
    assert ttp.loc["PM-06", "hours"] == 72.0 and ttp.loc["PM-06", "on_time"]
    assert ttp.loc["PM-07", "hours"] == pytest.approx(72 + 1 / 60)
    assert ttp.loc["PM-07", "late"]
    assert ttp.loc["PM-08", "approximate"] and ttp.loc["PM-08", "hours"] == 48.0
    assert ttp.loc["PM-10", "hours"] == 34.0  # date-only postmortem_date: 00:00 CEST
    assert ttp.loc["PM-15", "ttp_state"] == "pending_late"  # 72 h 1 min
    assert ttp.loc["PM-16", "ttp_state"] == "pending"  # exactly 72 h: not late yet
    assert not ttp.loc["PM-16", "eligible"]
    assert ttp.loc["PM-17", "ttp_state"] == "pending"
    assert m.pending_late(fixture_db, F)["id"].tolist() == ["PM-15"]


def test_time_to_postmortem_by_month_and_severity(fixture_db: Path) -> None:
    summary = m.ttp_summary(fixture_db, F).iloc[0]
    assert (summary["written"], summary["approximate"], summary["pending"]) == (14, 1, 2)
    by_month = m.ttp_by_month(fixture_db, F).set_index("month")
    assert "2026-04" in by_month.index  # PM-09 started 2026-03-31T22:30Z = April in Berlin
    assert by_month.loc["2026-10", ["eligible", "on_time", "pending_late"]].tolist() == [1, 0, 1]
    by_severity = m.ttp_by_severity(fixture_db, F).set_index("severity")
    # SEV2: PM-02 24, PM-04 24, PM-05 48, PM-08 48, PM-12 24, PM-13 96 (late)
    assert by_severity.loc["SEV2", ["eligible", "on_time"]].tolist() == [6, 5]
    assert by_severity.loc["SEV2", "median_hours"] == 36.0


def test_an_incident_without_a_severity_is_unknown_per_severity_as_in_the_filter(
    make_db: Callable[..., Path],
) -> None:
    """ttp_by_severity and ttp_bands named it NULL (NaN in pandas, dropped by a groupby, a
    blank row in a table), where incidents_by_month and the severity filter say unknown
    (review R14)."""
    files = {
        f"{n}.md": f"---\nid: PM-{n}\n{severity}started: 2026-01-04T22:00:00Z\n"
        "resolved: 2026-01-05T00:00:00Z\npostmortem_date: 2026-01-06T00:00:00Z\n---\n"
        for n, severity in enumerate(["severity: SEV2\n", "", "severity: SEV9\n"])
    }
    db = make_db(files)
    f = Filters(as_of=date(2026, 6, 1))
    by_severity = m.ttp_by_severity(db, f)
    assert by_severity["severity"].tolist() == ["SEV2", "unknown"]
    assert by_severity.set_index("severity").loc["unknown", "eligible"] == 2
    assert m.ttp_bands(db, f).groupby("severity")["postmortems"].sum().to_dict() == {
        "SEV2": 1, "unknown": 2,
    }  # fmt: skip
    assert "unknown" in m.filter_options(db)["severities"]
    unknown = m.ttp_summary(db, f.replace(severities=("unknown",))).iloc[0]
    assert unknown["eligible"] == 2


def _band(hours: float, target: float) -> int:
    """The band of ttp_bands by its definition: the least k with max(h, 1) <= t x sqrt(2)^k,
    compared exactly where the edge is exact (even k: t x 2^(k/2))."""
    hours = max(hours, 1.0)
    k = -200
    while not hours <= (target * 2 ** (k // 2) if k % 2 == 0 else target * math.sqrt(2) ** k):
        k += 1
    return k


def test_ttp_bands_hold_every_written_postmortem_in_its_band(make_db: Callable[..., Path]) -> None:
    # hours to postmortem: under 1 (counts as 1), exactly 1, exact edges (36, 72, 144), just
    # past 72, near an irrational edge (72 x sqrt(2) = 101.82 h) and far out; one pending
    hours = [0.25, 1, 36, 72, 72 + 1 / 60, 101 + 49 / 60, 101 + 50 / 60, 144, 1000]
    files = {}
    for n, h in enumerate(hours):
        written = pd.Timestamp("2026-01-05T00:00:00Z") + pd.Timedelta(hours=h)
        files[f"{n}.md"] = (
            f"---\nid: PM-{n}\nseverity: SEV{1 + n % 2}\nstarted: 2026-01-04T22:00:00Z\n"
            f"resolved: 2026-01-05T00:00:00Z\npostmortem_date: {written.isoformat()}\n---\n"
        )
    files["p.md"] = "---\nid: PM-P\nstarted: 2026-01-04T22:00:00Z\n---\n"
    db = make_db(files)
    f = Filters(as_of=date(2026, 6, 1))
    rows = m.time_to_postmortem(db, f)
    written = rows[rows["ttp_state"] == "written"]
    assert sorted(written["hours"].round(6)) == sorted(round(h, 6) for h in hours)
    expected = (
        written.assign(band=[_band(h, 72) for h in written["hours"]])
        .groupby(["severity", "band"])
        .size()
        .rename("postmortems")
        .reset_index()
    )
    bands = m.ttp_bands(db, f)
    assert bands[["severity", "band", "postmortems"]].to_dict("records") == expected.to_dict(
        "records"
    )
    computed = [_band(h, 72) for h in written["hours"]]
    assert dict(zip(written["hours"].round(4), computed, strict=True)) == {
        0.25: -12, 1.0: -12, 36.0: -2, 72.0: 0, 72.0167: 1, 101.8167: 1, 101.8333: 2,
        144.0: 2, 1000.0: 8,
    }  # fmt: skip
    for row in bands.itertuples():  # the edges, and on time exactly for bands up to 72 h
        assert row.from_hours == pytest.approx(72 * math.sqrt(2) ** (row.band - 1))
        assert row.to_hours == pytest.approx(72 * math.sqrt(2) ** row.band)
        assert row.on_time == (row.band <= 0)
    on_time = written.groupby("on_time").size()
    assert bands.groupby("on_time")["postmortems"].sum().to_dict() == on_time.to_dict()
    # another target moves the edges with it
    wide = m.ttp_bands(db, f.replace(ttp_hours=144))
    assert wide.groupby("band")["postmortems"].sum().to_dict() == (
        pd.Series([_band(h, 144) for h in written["hours"]]).value_counts().sort_index().to_dict()
    )


def test_ttp_bands_agree_with_the_fixture_numbers(fixture_db: Path) -> None:
    bands = m.ttp_bands(fixture_db, F)
    by_severity = m.ttp_by_severity(fixture_db, F).set_index("severity")
    summed = bands.groupby("severity", dropna=False)["postmortems"].sum()
    assert summed.to_dict() == by_severity["written"][by_severity["written"] > 0].to_dict()
    summary = m.ttp_summary(fixture_db, F).iloc[0]
    assert bands.loc[bands["on_time"], "postmortems"].sum() == summary["on_time"]
    assert bands["postmortems"].sum() == summary["written"] == 14


# --- actions ----------------------------------------------------------------------------


def test_action_summary_details(fixture_db: Path) -> None:
    row = m.action_summary(fixture_db, F).iloc[0]
    assert row["no_owner"] == 3  # F08, A13, A14 (the dropped items do not count)
    assert row["no_due"] == 2  # F12, A13
    # days from postmortem date to done: 2,7,8,8,8,10,10,15,17,19,30,33,39 -> median 10
    assert row["median_days_to_close"] == 10.0
    # over 13 days: the count the dashboard gives beside it (it gave every done item, R13/D7)
    assert row["days_to_close_n"] == 13
    items = m.action_items(fixture_db, F)
    assert row["days_to_close_n"] == items["days_to_close"].notna().sum()
    # within 28 days: 10 of 13 done; the 6 open items are all past their SLO deadline
    assert (row["closed_within_slo"], row["slo_decided"]) == (10, 19)


def test_done_date_without_status_is_done(fixture_db: Path) -> None:
    items = m.action_items(fixture_db, F).set_index(["postmortem_id", "seq"])
    pm11 = items.loc["PM-11"]
    assert pm11["status"].tolist() == ["done"]


def test_overdue_aging_and_grouping(fixture_db: Path) -> None:
    overdue = m.overdue_actions(fixture_db, F)
    assert sorted(overdue["postmortem_id"]) == ["PM-02", "PM-05", "PM-07", "PM-08"]
    aging = m.action_aging(fixture_db, F)
    assert aging["open"].sum() == 6
    # A14 (postmortem 2026-09-16) is 46 days old; A13 (2026-08-12) 81; the rest over 90
    assert aging.set_index("bucket")["open"].tolist() == [0, 0, 2, 4]
    by_owner = m.actions_by(fixture_db, F, by="owner")
    payments = by_owner.set_index("key").loc["payments"]
    # F05, A05, F10, A10, F11, F13b (dropped)
    assert (payments["total"], payments["done"], payments["dropped"]) == (6, 4, 1)
    by_service = m.actions_by(fixture_db, F, by="service").set_index("key")
    assert by_service.loc["payments-api", "total"] == 3  # F10, A10, F11
    by_level = m.actions_by(fixture_db, F, by="level").set_index("key")
    assert by_level.loc["L5", "total"] == 6  # F02, A02, A05, F07, A10, A13
    by_month = m.actions_by(fixture_db, F, by="month").set_index("key")
    assert by_month.loc["2026-08", "total"] == 3  # PM-13: two fixes and one action
    with pytest.raises(ValueError):
        m.actions_by(fixture_db, F, by="colour")  # type: ignore[arg-type]


def test_actions_by_team_counts_an_item_under_each_of_its_incidents_teams(
    make_db: Callable[..., Path],
) -> None:
    """Teams side by side (they could be compared only by filtering each in turn). An item
    counts under every team of its incident, whoever owns it, as under either team's filter;
    an incident without a service or team counts under a NULL key (by service it was left
    out, so the groups held fewer items than the total)."""

    def pm(pm_id: str, extra: str, statuses: list[str]) -> str:
        items = "".join(
            f"  - title: item {n}\n    owner: someone\n    due: 2026-02-01\n    status: {status}\n"
            for n, status in enumerate(statuses)
        )
        return f"---\nid: {pm_id}\nstarted: 2026-01-05\n{extra}actions:\n{items}---\n# x\n"

    db = make_db(
        {
            "a.md": pm("PM-A", "teams: [payments, platform]\n", ["open", "done"]),
            "b.md": pm("PM-B", "teams: [payments]\nservices: [api]\n", ["open"]),
            "c.md": pm("PM-C", "", ["dropped"]),
        }
    )
    filters = m.Filters(as_of="2026-03-01")
    by_team = m.actions_by(db, filters, by="team").fillna({"key": "-"})
    rows = {key: (total, done) for key, total, done in by_team[["key", "total", "done"]].values}
    assert rows.keys() == {"payments", "platform", "-"}
    assert rows["payments"] == (3, 1) and rows["platform"] == (2, 1) and rows["-"] == (1, 0)
    for team in ("payments", "platform"):  # the same numbers as the team's filter gives
        alone = m.action_summary(db, m.Filters(as_of="2026-03-01", teams=(team,)))
        assert rows[team] == (alone.loc[0, "total"], alone.loc[0, "done"])
    by_service = m.actions_by(db, filters, by="service").fillna({"key": "-"})
    assert dict(by_service[["key", "total"]].values.tolist()) == {"api": 1, "-": 3}
    assert "teams" not in m.action_items(db, filters).columns  # the listing keeps its columns


# --- fix effectiveness ------------------------------------------------------------------


def test_fix_outcomes(fixture_db: Path) -> None:
    outcomes = m.fix_outcomes(fixture_db, F).set_index(["postmortem_id", "seq"])["outcome"]
    by_pm = {pm: outcome for (pm, _), outcome in outcomes.items() if pm != "PM-13"}
    assert by_pm == {
        "PM-01": "recurred", "PM-02": "recurred", "PM-03": "held", "PM-04": "recurred",
        "PM-05": "recurred", "PM-06": "recurred", "PM-07": "not_done", "PM-08": "not_done",
        "PM-09": "held", "PM-10": "recurred", "PM-11": "watching", "PM-12": "watching",
    }  # fmt: skip
    assert sorted(outcomes.loc["PM-13"].tolist()) == ["dropped", "recurred"]  # + a wontfix
    frame = m.fix_outcomes(fixture_db, F).set_index("postmortem_id")
    assert frame.loc["PM-04", "recurred_by"] == "PM-07"  # a recurrence is not only a repeat
    counts = m.fix_effectiveness(fixture_db, F).set_index("outcome")["count"].to_dict()
    assert counts == {
        "held": 2, "recurred": 7, "watching": 2, "not_done": 2, "dropped": 1, "unknown": 0
    }  # fmt: skip


# --- as_of rewinds recorded facts -------------------------------------------------------
# At as_of, a postmortem dated at or after 00:00 of as_of is not written yet, and an item done
# on or after the as_of date is still open (docs/metrics.md, "as_of: the archive as it stood").


def test_postmortem_written_after_as_of_is_pending_late_then(fixture_db: Path) -> None:
    # PM-13: resolved 2026-08-08 13:00 CEST, postmortem 2026-08-12 13:00 CEST (96 h).
    # as_of 2026-08-12 = 2026-08-11 22:00Z: 83 h after resolution and not written yet.
    at = Filters(as_of="2026-08-12")
    row = m.time_to_postmortem(fixture_db, at).set_index("id").loc["PM-13"]
    assert row["ttp_state"] == "pending_late" and row["late"] and row["eligible"]
    assert row["hours_since_resolved"] == 83.0
    assert pd.isna(row["postmortem_date"]) and pd.isna(row["hours"])
    assert "PM-13" in m.pending_late(fixture_db, at)["id"].tolist()
    assert m.incidents(fixture_db, at).set_index("id").loc["PM-13", "ttp_state"] == "pending_late"
    assert "late" in m.discipline(fixture_db, at).set_index("id").loc["PM-13", "flags"]
    # no postmortem date yet: A13's age counts from the start (08-08 local, 4 days), and no
    # SLO deadline exists yet
    items = m.action_items(fixture_db, at).set_index(["postmortem_id", "seq"]).loc["PM-13"]
    assert items.loc[3, "age_days"] == 4 and pd.isna(items.loc[3, "slo_deadline"])
    # one day later it is written, 96 h after resolution: late, not pending
    later = Filters(as_of="2026-08-13")
    row = m.time_to_postmortem(fixture_db, later).set_index("id").loc["PM-13"]
    assert (row["ttp_state"], row["hours"], row["late"]) == ("written", 96.0, True)
    assert "PM-13" not in m.pending_late(fixture_db, later)["id"].tolist()
    items = m.action_items(fixture_db, later).set_index(["postmortem_id", "seq"]).loc["PM-13"]
    assert items.loc[3, "age_days"] == 1  # from the postmortem date 2026-08-12
    assert items.loc[3, "slo_deadline"] == pd.Timestamp("2026-09-09")


def test_action_done_after_as_of_is_open_then(fixture_db: Path) -> None:
    # PM-10's action A10: due 2026-06-15, done 2026-06-30. At as_of 2026-06-30 (00:00 of
    # the done day) it was still open and 15 days overdue; its fix F10 (done 06-01) was done.
    pm10 = {"start": "2026-05-20", "end": "2026-05-20"}
    at = Filters(as_of="2026-06-30", **pm10)
    items = m.action_items(fixture_db, at).set_index("kind")
    assert (items.loc["action", "status"], items.loc["action", "overdue"]) == ("open", True)
    assert pd.isna(items.loc["action", "done"]) and pd.isna(items.loc["action", "days_to_close"])
    assert items.loc["action", "recorded_status"] == "done"  # as the archive says today
    assert items.loc["action", "recorded_done"] == pd.Timestamp("2026-06-30")
    row = m.action_summary(fixture_db, at).iloc[0]
    assert (row["open"], row["done"], row["overdue"]) == (1, 1, 1)
    assert (row["completion_rate"], row["on_time_rate"]) == (0.5, 1.0)  # F10 only
    assert m.overdue_actions(fixture_db, at)["days_overdue"].tolist() == [15]
    # "closed in June" as of 06-30 has not seen A10 yet
    june = m.actions_closed(fixture_db, Filters(as_of="2026-06-30"), "2026-06-01", "2026-06-30")
    assert june["postmortem_id"].tolist() == ["PM-10", "PM-11"]
    # as of 07-01 it is done, late (06-30 > 06-15), 39 days after the postmortem (05-22)
    later = Filters(as_of="2026-07-01", **pm10)
    items = m.action_items(fixture_db, later).set_index("kind")
    assert (items.loc["action", "status"], items.loc["action", "days_to_close"]) == ("done", 39)
    assert not items.loc["action", "done_on_time"]
    row = m.action_summary(fixture_db, later).iloc[0]
    assert (row["open"], row["done"], row["overdue"]) == (0, 2, 0)
    assert (row["completion_rate"], row["on_time_rate"]) == (1.0, 0.5)


def test_fix_done_after_as_of_is_not_done_then(fixture_db: Path) -> None:
    # PM-09's fix is done 2026-05-05. At as_of 2026-05-05 it was still open: not watching
    # (before the rewind it counted as watching, its window opening exactly at as_of).
    config = {"categories": ("config",)}
    at = m.fix_outcomes(fixture_db, Filters(as_of="2026-05-05", **config))
    assert at[["postmortem_id", "status", "outcome"]].values.tolist() == [
        ["PM-09", "open", "not_done"]
    ]  # fmt: skip
    counts = m.fix_effectiveness(fixture_db, Filters(as_of="2026-05-05", **config))
    # held, recurred, watching, not_done, dropped, unknown
    assert counts["count"].tolist() == [0, 0, 0, 1, 0, 0]
    # a day later it is done and watching; by 2026-11-01 it held (test_fix_outcomes)
    later = m.fix_outcomes(fixture_db, Filters(as_of="2026-05-06", **config))
    assert later["outcome"].tolist() == ["watching"]


def test_a_run_at_as_of_equals_the_archive_as_it_stood(make_db: Callable[..., Path]) -> None:
    """The same as_of gives the same numbers before and after later facts are recorded."""

    def archive(later: bool) -> dict[str, str]:
        written = "postmortem_date: 2026-11-10\n" if later else ""
        done = "status: done\n    done: 2026-11-01\n" if later else "status: open\n"
        fix = "status: done\n  done: 2026-11-20\n" if later else "status: open\n"
        return {
            "a.md": (
                "---\nid: A\nstarted: 2026-10-20 10:00\nresolved: 2026-10-20 12:00\n"
                "services: [api]\ncategory: deploy\n"
                + written
                + "fix:\n  summary: Canary\n  level: L4\n  due: 2026-12-01\n  "
                + fix
                + "actions:\n  - title: Alert\n    due: 2026-10-25\n    "
                + done
                + "---\n# A\n"
            ),
        }

    as_recorded_then = make_db(archive(later=False), timezone="Europe/Berlin")
    as_recorded_now = make_db(archive(later=True), timezone="Europe/Berlin")
    at = Filters(as_of="2026-11-01")
    then, now = m.summary(as_recorded_then, at), m.summary(as_recorded_now, at)
    assert then == now
    assert now["ttp"]["pending_late"] == 1 and now["ttp"]["eligible"] == 1
    assert (now["actions"]["open"], now["actions"]["done"], now["actions"]["overdue"]) == (2, 0, 1)
    assert now["fixes"] == {
        "held": 0, "recurred": 0, "watching": 0, "not_done": 1, "dropped": 0, "unknown": 0
    }  # fmt: skip
    # the recorded facts count from their dates on
    after = m.summary(as_recorded_now, Filters(as_of="2026-12-01"))
    assert (after["ttp"]["pending_late"], after["ttp"]["on_time"]) == (0, 0)  # written late
    assert (after["actions"]["open"], after["actions"]["done"]) == (0, 2)
    assert after["fixes"] == {
        "held": 0, "recurred": 0, "watching": 1, "not_done": 0, "dropped": 0, "unknown": 0
    }  # fmt: skip


# --- discipline, incidents, monthly, data quality ---------------------------------------


def test_discipline_flags(fixture_db: Path) -> None:
    flags = m.discipline(fixture_db, F).set_index("id")["flags"].map(list).to_dict()
    assert flags["PM-13"] == [
        "late", "timeline_reconstructed", "several_fixes", "fix_names_author", "fix_is_feeling"
    ]  # fmt: skip
    assert flags["PM-08"] == ["timeline_missing", "fix_not_owned"]
    assert flags["PM-12"] == ["fix_not_dated"]
    assert flags["PM-07"] == ["late", "fix_at_l5"]
    assert flags["PM-15"] == ["late", "timeline_missing", "no_chain_level", "no_fix"]
    assert flags["PM-16"] == ["timeline_missing", "no_chain_level", "no_fix"]  # not late yet
    assert flags["PM-06"] == []  # exactly 72 h is on time


@pytest.mark.parametrize(
    ("text", "people", "named"),
    [
        ("ask Bob to check", ["Bob Smith"], True),  # a name part of 3+ letters, as a word
        ("Bob Smith reviews deploys", ["Bob Smith"], True),  # the whole name
        ("alice.smith owns the rollout", ["alice.smith"], True),
        ("smithers owns it", ["Bob Smith"], False),  # a part inside a word is not a word
        ("Al did it", ["Al"], True),  # the whole name, however short
        ("al-based retry", ["Al Bo"], False),  # parts under 3 letters do not count alone
        ("J. Doe-Ray fixed it", ["j. doe-ray"], True),
        ("add a canary stage", ["Bob Smith", "Carol Jones"], False),
        ("ping carol", ["Bob Smith", "Carol Jones"], True),  # any of several people
        ("anything", [], False),
        ("anything", [""], False),
        ("anything", None, False),
        (None, ["Bob"], False),
    ],
)
def test_names_person(
    fixture_db: Path, text: str | None, people: list[str] | None, named: bool
) -> None:
    found = m.open_db(fixture_db).query(
        "SELECT names_person($text, $people::VARCHAR[]) AS named", {"text": text, "people": people}
    )
    assert bool(found["named"].iloc[0]) is named


def test_incident_list(fixture_db: Path) -> None:
    frame = m.incidents(fixture_db, F)
    assert len(frame) == 17 and frame["id"].iloc[0] == "PM-17"  # newest first
    row = frame.set_index("id").loc["PM-08"]
    assert row["is_repeat"] and row["in_pattern"] and row["overdue_actions"] == 1


def test_monthly_series(fixture_db: Path) -> None:
    by_month = m.incidents_by_month(fixture_db, F)
    totals = by_month.groupby("month")["incidents"].sum()
    assert totals.index[0] == "2025-03" and totals.index[-1] == "2026-10"
    assert len(totals) == 20 and totals.sum() == 17
    assert totals["2026-03"] == 1 and totals["2026-04"] == 1  # PM-09 is April locally
    assert totals["2026-06"] == 1  # PM-11, date-only 2026-06-10
    rates = m.monthly_rates(fixture_db, F).set_index(["month", "metric"])
    october = rates.loc[("2026-10", "repeat_rate")]
    assert (october["numerator"], october["denominator"]) == (2, 3)  # PM-15, PM-17 of 15-17
    assert october["small_sample"]
    empty = rates.loc[("2025-07", "repeat_rate")]
    assert empty["denominator"] == 0 and empty["rate"] != empty["rate"]  # NaN: no incidents


def test_data_quality(fixture_db: Path) -> None:
    problems = m.data_quality_problems(fixture_db)
    assert problems["path"].tolist() == ["2026/broken-no-start.md"]
    assert problems["severity"].tolist() == ["error"]
    files = m.data_quality_files(fixture_db)
    assert len(files) == 19 and (files["status"] == "rejected").sum() == 1


def test_a_fix_nothing_can_recur_on_is_unknown_not_held(make_db: Callable[..., Path]) -> None:
    """A done fix of an incident with no category (or no service) read 'held' once its
    window ended, though the same service failed again 5 days on (review R8)."""
    fix = "fix: {summary: s, level: L4, owner: o, due: 2026-01-05, done: 2026-01-05}\n"
    db = make_db({
        "a.md": "---\nid: A\nservices: [svc-a]\nstarted: 2026-01-01T00:00:00Z\n" + fix + "---\n",
        "b.md": "---\nid: B\nservices: [svc-a]\nstarted: 2026-01-10T00:00:00Z\n---\n",
        "c.md": "---\nid: C\ncategory: db\nstarted: 2026-01-01T00:00:00Z\n" + fix + "---\n",
        "d.md": "---\nid: D\ncategory: db\nservices: [x]\nstarted: 2026-01-01T00:00:00Z\n"
        + fix + "---\n",
    })  # fmt: skip
    outcomes = m.fix_outcomes(db, Filters(as_of="2026-12-01")).set_index("postmortem_id")
    assert outcomes["outcome"].to_dict() == {"A": "unknown", "C": "unknown", "D": "held"}
    assert m.summary(db, Filters(as_of="2026-12-01"))["fixes"] == {
        "held": 1, "recurred": 0, "watching": 0, "not_done": 0, "dropped": 0, "unknown": 2
    }  # fmt: skip
