"""Filters and as_of change each headline number; hand-worked values from the fixture
archive described in tests/test_metrics.py (as_of 2026-11-01 unless said otherwise)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import analytics.metrics as m
from analytics.cli import main
from analytics.metrics import Filters

AS_OF = date(2026, 11, 1)
DEPLOY_IDS = ["PM-05", "PM-08", "PM-10", "PM-13", "PM-15"]


def cli(db: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["summary", "--db", str(db), "--json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_service_filter_changes_every_number(fixture_db: Path) -> None:
    # checkout-api: PM-05, 08, 10, 13, 15. Repeats 08, 10, 13, 15.
    data = m.summary(fixture_db, Filters(as_of=AS_OF, services=("checkout-api",)))
    assert (data["postmortems"], data["rejected"], data["repeats"]) == (5, 1, 4)
    assert data["repeat_rate"] == 0.8
    assert [(p["category"], p["service"]) for p in data["patterns"]] == [
        ("deployment-pipeline", None),
        ("deployment-pipeline", "checkout-api"),
    ]
    assert data["patterns"][0]["ids"] == DEPLOY_IDS
    # fixes: F05 L4, F08 L4, F10 L3, F13a L4, F13b unleveled; PM-15 none
    assert data["fix_levels"] == {
        "L1": 0, "L2": 0, "L3": 1, "L4": 3, "L5": 0, "unleveled": 1, "no_fix": 1
    }  # fmt: skip
    # written 48 (05), 48 (08, approximate), 34 (10), 96 (13, late); PM-15 pending late
    # median (48+48)/2; p90 at position 2.7: 48 + 0.7 x (96 - 48) = 81.6
    assert data["ttp"] == {
        "eligible": 5, "on_time": 3, "on_time_rate": 0.6, "median_hours": 48.0,
        "p90_hours": pytest.approx(81.6), "pending_late": 1,
    }  # fmt: skip
    # F05 done, A05 open overdue, F08 open overdue, F10 done, A10 done late, F13a done,
    # F13b dropped, A13 open (no due). Within the 28-day SLO: F05, F10, F13a; A10 done after
    # it; A05, F08, A13 open past it: 3 of 7
    assert data["actions"] == {
        "total": 8, "open": 3, "done": 4, "dropped": 1, "overdue": 2,
        "completion_rate": 4 / 7, "on_time_rate": 3 / 4,
        "closed_within_slo": 3, "slo_decided": 7, "slo_rate": 3 / 7,
    }  # fmt: skip
    # F08 in progress, F13b dropped
    assert data["fixes"] == {
        "held": 0, "recurred": 3, "watching": 0, "not_done": 1, "dropped": 1, "unknown": 0
    }  # fmt: skip
    assert data["small_samples"] == ["actions.on_time_rate", "l5_share"]  # denominators 4, 4
    assert cli(fixture_db, "--as-of", "2026-11-01", "--service", "Checkout_API") == data


def test_severity_filter_keeps_repeats_intrinsic(fixture_db: Path) -> None:
    # SEV1: PM-06, PM-10, PM-14. PM-10 repeats PM-05/PM-08 (SEV2, outside the filter).
    data = cli(fixture_db, "--as-of", "2026-11-01", "--severity", "sev1")
    assert (data["postmortems"], data["repeats"]) == (3, 1)
    assert data["repeat_rate"] == 1 / 3
    assert data["rates"]["repeat_rate"]["small_sample"] is True
    assert [p["service"] for p in data["patterns"]] == [None, "checkout-api"]  # via PM-10
    assert data["fixes"] == {  # F06, F10; PM-14 has none
        "held": 0, "recurred": 2, "watching": 0, "not_done": 0, "dropped": 0, "unknown": 0
    }  # fmt: skip


def test_date_range_filter(fixture_db: Path) -> None:
    # started 2026-07-01..2026-09-30: PM-12, PM-13, PM-14
    data = cli(fixture_db, "--as-of", "2026-11-01", "--from", "2026-07-01", "--to", "2026-09-30")
    assert (data["postmortems"], data["repeats"]) == (3, 2)
    assert data["ttp"]["eligible"] == 3 and data["ttp"]["on_time"] == 2  # PM-13 late
    assert data["fix_levels"]["no_fix"] == 1  # PM-14
    assert data["fixes"] == {  # F13a, F12, F13b
        "held": 0, "recurred": 1, "watching": 1, "not_done": 0, "dropped": 1, "unknown": 0
    }  # fmt: skip


def test_team_and_category_filters(fixture_db: Path) -> None:
    core = cli(fixture_db, "--as-of", "2026-11-01", "--team", "core")
    assert (core["postmortems"], core["repeats"], core["patterns"]) == (2, 1, [])
    config = m.summary(fixture_db, Filters(as_of=AS_OF, categories=("config",)))
    assert (config["postmortems"], config["repeats"], config["patterns"]) == (2, 0, [])
    assert config["fixes"] == {  # F09, F11
        "held": 1, "recurred": 0, "watching": 1, "not_done": 0, "dropped": 0, "unknown": 0
    }  # fmt: skip
    assert config["actions"]["overdue"] == 0


def test_as_of_one_day_later_takes_in_the_incident_at_as_of(fixture_db: Path) -> None:
    # as_of 2026-11-02: PM-18 (2026-11-01 00:00 Berlin) counts and repeats PM-16/17;
    # third-party now has 3 incidents in 4 days; PM-16 is now 96 h past resolution.
    data = m.summary(fixture_db, Filters(as_of=date(2026, 11, 2)))
    assert (data["postmortems"], data["repeats"]) == (18, 9)
    third_party = [p for p in data["patterns"] if p["category"] == "third-party"]
    assert third_party == [
        {"category": "third-party", "service": None, "count": 3, "first": "2026-10-28",
         "last": "2026-11-01", "active": True, "ids": ["PM-16", "PM-17", "PM-18"]},
        {"category": "third-party", "service": "payments-api", "count": 3,
         "first": "2026-10-28", "last": "2026-11-01", "active": True,
         "ids": ["PM-16", "PM-17", "PM-18"]},
    ]  # fmt: skip
    assert (data["ttp"]["eligible"], data["ttp"]["pending_late"]) == (16, 2)


def test_as_of_one_day_earlier(fixture_db: Path) -> None:
    # as_of 2026-10-31 = 2026-10-30T23:00Z: PM-17 not yet; PM-15 only 48 h past resolution;
    # F09's window (ends 2026-10-31T22:00Z) is still open: watching, not held.
    data = cli(fixture_db, "--as-of", "2026-10-31")
    assert (data["postmortems"], data["repeats"]) == (16, 7)
    assert (data["ttp"]["eligible"], data["ttp"]["on_time"], data["ttp"]["pending_late"]) == (
        14,
        11,
        0,
    )
    # the 14 fixes of PM-01..13: F07 open and F08 in progress, F13b dropped
    assert data["fixes"] == {
        "held": 1, "recurred": 7, "watching": 3, "not_done": 2, "dropped": 1, "unknown": 0
    }  # fmt: skip
    assert data["actions"]["overdue"] == 4


def test_as_of_before_everything_gives_nulls_not_zeros(fixture_db: Path) -> None:
    data = m.summary(fixture_db, Filters(as_of=date(2025, 1, 1)))
    assert data["postmortems"] == 0
    assert data["repeat_rate"] is None
    assert data["ttp"]["on_time_rate"] is None and data["ttp"]["median_hours"] is None
    assert data["actions"]["completion_rate"] is None
    assert data["patterns"] == []
    assert data["rates"]["l5_share"] == {
        "numerator": 0, "denominator": 0, "rate": None, "small_sample": True
    }  # fmt: skip


def test_filters_normalise_and_validate() -> None:
    filters = Filters(services=["Checkout_API "], severities="p1", start="2026-01-01")  # type: ignore[arg-type]
    assert filters.services == ("checkout-api",)
    assert filters.severities == ("SEV1",)
    assert filters.start == date(2026, 1, 1)
    assert Filters.from_dict(filters.as_dict()) == filters
    with pytest.raises(ValueError):
        Filters(window_days=0)
    with pytest.raises(ValueError, match="pattern_min must be a whole number from 2 to"):
        Filters(pattern_min=1)  # every incident a pattern of its own
    assert Filters(window_days=1, pattern_min=2).window_days == 1
    with pytest.raises(ValueError):
        Filters(start=date(2026, 2, 1), end=date(2026, 1, 1))


def test_a_filter_given_an_alias_of_postmortems_toml_means_its_name(
    sample_db: Path,
) -> None:
    """The sample maps checkout -> checkout-api and deploy -> deployment-pipeline at ingest;
    a filter given the alias matched nothing in the API and was refused by the CLI."""
    as_of = date(2026, 11, 1)
    named = Filters(services=("checkout-api",), categories=("deployment-pipeline",), as_of=as_of)
    alias = Filters(services=("checkout",), categories=("deploy",), as_of=as_of)
    expected = m.repeat_rate(sample_db, named)
    assert int(expected["incidents"].iloc[0]) > 0
    assert m.repeat_rate(sample_db, alias).equals(expected)
    assert m.summary(sample_db, alias)["postmortems"] == m.summary(sample_db, named)["postmortems"]
    result = CliRunner().invoke(
        main,
        ["summary", "--json", "--db", str(sample_db), "--as-of", "2026-11-01",
         "--service", "checkout", "--category", "deploy"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["postmortems"] == int(expected["incidents"].iloc[0])
    assert "service 'checkout' is 'checkout-api' (an alias in postmortems.toml)" in result.stderr


def test_a_team_filter_given_an_alias_means_its_name(make_db: Callable[..., Path]) -> None:
    # [aliases.team]: the renamed team's postmortems are one team, and its old name filters
    # to it in the API and the CLI (review R9: teams could not be aliased)
    def pm(n: int, team: str) -> str:
        return f"---\nid: PM-{n}\nstarted: 2026-0{n}-02\nteams: [{team}]\n---\n"

    db = make_db(
        {
            "postmortems.toml": '[aliases.team]\npayments = "payments-team"\n',
            "a.md": pm(1, "payments"),
            "b.md": pm(2, "payments-team"),
            "c.md": pm(3, "search"),
        }
    )
    assert m.filter_options(db)["teams"] == ["payments-team", "search"]
    old, new = Filters(teams=("payments",)), Filters(teams=("payments-team",))
    assert m.summary(db, old)["postmortems"] == m.summary(db, new)["postmortems"] == 2
    result = CliRunner().invoke(main, ["summary", "--json", "--db", str(db), "--team", "payments"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["postmortems"] == 2
    assert "team 'payments' is 'payments-team' (an alias in postmortems.toml)" in result.stderr


def test_known_filters_refuse_what_the_archive_does_not_have(fixture_db: Path) -> None:
    """A team misspelt in a notebook counted zeros with no word, where `summary` refused it
    (review R10: owners are `payments-team`, teams `payments`). One check serves both."""
    known = m.filter_options(fixture_db)
    team = known["teams"][0]
    assert m.known_filters(fixture_db, Filters(teams=(team,))) == Filters(  # and the
        teams=(team,), window_days=180, pattern_min=3, ttp_hours=72, action_slo_days=28
    )  # archive's parameters, which the fixture leaves at SPEC's
    with pytest.raises(ValueError, match=rf"unknown team '{team}-team'; did you mean .*\b{team}\b"):
        m.known_filters(fixture_db, Filters(teams=(f"{team}-team",)))
    with pytest.raises(ValueError, match="unknown category 'deploy-pipeline'"):
        m.known_filters(fixture_db, Filters(categories=("deploy-pipeline",)))
    result = CliRunner().invoke(
        main, ["summary", "--db", str(fixture_db), "--team", f"{team}-team"]
    )
    assert result.exit_code == 2 and f"unknown team '{team}-team'; did you mean" in result.output


def test_the_incidents_without_a_severity_can_be_filtered(make_db: Callable[..., Path]) -> None:
    # incidents without a severity counted in every total but no severity filter reached
    # them (review R10); 'unknown' is offered and chooses them on every surface
    def pm(n: int, severity: str) -> str:
        return f"---\nid: PM-{n}\nstarted: 2026-0{n}-02\n{severity}---\n"

    db = make_db({"a.md": pm(1, "severity: SEV1\n"), "b.md": pm(2, ""), "c.md": pm(3, "")})
    assert m.filter_options(db)["severities"] == ["SEV1", "unknown"]
    unknown = Filters(severities=("Unknown",), as_of=date(2026, 11, 1))
    assert unknown.severities == ("unknown",)
    assert m.summary(db, unknown)["postmortems"] == 2
    both = unknown.replace(severities=("unknown", "SEV1"))
    assert m.summary(db, both)["postmortems"] == 3
    assert m.summary(db, unknown.replace(severities=("SEV1",)))["postmortems"] == 1
    result = CliRunner().invoke(
        main,
        ["summary", "--json", "--db", str(db), "--severity", "unknown", "--as-of", "2026-11-01"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["postmortems"] == 2
