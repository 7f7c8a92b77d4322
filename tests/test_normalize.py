"""One test per normalisation rule of SPEC's archive section (analytics/normalize.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from analytics import normalize

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Deploy_API ", "deploy-api"),
        ("Third party", "third-party"),
        ("  Checkout   API__v2 ", "checkout-api-v2"),
        ("payments", "payments"),
        ("PAYMENTS", "payments"),
        ("a _ b", "a-b"),
        ("already-hyphen", "already-hyphen"),
    ],
)
def test_name_trims_lowercases_and_hyphenates_runs_of_spaces_and_underscores(raw, expected):
    assert normalize.name(raw) == expected


def test_name_list_accepts_a_string_or_a_list_and_drops_blanks_and_repeats():
    assert normalize.name_list("Checkout API") == ["checkout-api"]
    assert normalize.name_list(["B_x", "a", "b x", " ", "A"]) == ["b-x", "a"]
    assert normalize.name_list(None) == []


def test_name_list_refuses_a_mapping():
    with pytest.raises(ValueError, match="got a mapping"):
        normalize.name_list([{"name": "checkout"}])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SEV0", ("SEV0", 0)),
        ("SEV1", ("SEV1", 1)),
        ("SEV2", ("SEV2", 2)),
        ("SEV3", ("SEV3", 3)),
        ("SEV4", ("SEV4", 4)),
        ("SEV5", ("SEV5", 5)),
        ("sev2", ("SEV2", 2)),
        ("sev-2", ("SEV2", 2)),
        ("Sev 3", ("SEV3", 3)),
        ("S2", ("SEV2", 2)),
        ("s1", ("SEV1", 1)),
        ("P2", ("SEV2", 2)),
        ("p0", ("SEV0", 0)),
        (2, ("SEV2", 2)),
        ("2", ("SEV2", 2)),
        ("critical", ("SEV1", 1)),
        ("High", ("SEV2", 2)),
        ("major", ("SEV2", 2)),
        ("medium", ("SEV3", 3)),
        ("Moderate", ("SEV3", 3)),
        ("low", ("SEV4", 4)),
        ("minor", ("SEV4", 4)),
        # with a label, as incident tools write them (review R12: severity unknown)
        ("P1 - Critical", ("SEV1", 1)),
        ("SEV-2 (Major)", ("SEV2", 2)),
        ("S1 – critical", ("SEV1", 1)),
        ("High (2)", ("SEV2", 2)),  # the code over the word
        ("P1 - High", ("SEV1", 1)),  # P1 as the team numbers it, not SPEC's high = 2
        ("SEV3: customer facing", ("SEV3", 3)),
    ],
)
def test_severity_forms(raw, expected):
    assert normalize.severity(raw) == expected


@pytest.mark.parametrize(
    "raw", ["SEV6", "P9", "catastrophic", "", True, "sev-2-ish", "customer facing (big)"]
)
def test_severity_unknown_raises(raw):
    with pytest.raises(ValueError):
        normalize.severity(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("L3", "L3"),
        ("3", "L3"),
        (3, "L3"),
        ("l3", "L3"),
        ("scope", "L3"),
        ("Scope", "L3"),
        ("L3 Scope", "L3"),
        ("L3: scope", "L3"),
        ("strategy", "L1"),
        ("L1 Strategy", "L1"),
        ("discovery", "L2"),
        ("execution", "L4"),
        ("operation", "L5"),
        ("operations", "L5"),
        ("L5 operations", "L5"),
    ],
)
def test_level_forms(raw, expected):
    assert normalize.level(raw) == expected


@pytest.mark.parametrize("raw", ["L6", "0", "L3 execution", "mitigate", True])
def test_level_unknown_or_contradictory_raises(raw):
    with pytest.raises(ValueError):
        normalize.level(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("open", "open"),
        ("todo", "open"),
        ("TODO", "open"),
        ("new", "open"),
        ("planned", "open"),
        ("in progress", "open"),
        ("In Progress", "open"),
        ("in_progress", "open"),
        ("blocked", "open"),
        ("done", "done"),
        ("closed", "done"),
        ("complete", "done"),
        ("completed", "done"),
        ("fixed", "done"),
        ("resolved", "done"),
        ("shipped", "done"),
        ("merged", "done"),
        ("wontfix", "dropped"),
        ("won't fix", "dropped"),
        ("Won't Fix", "dropped"),
        ("cancelled", "dropped"),
        ("canceled", "dropped"),
        ("dropped", "dropped"),
        ("obsolete", "dropped"),
        ("duplicate", "dropped"),
        # as word processors and templates write them (review R8: these read as open)
        ("won\u2019t fix", "dropped"),
        ("wont-fix", "dropped"),
        ("Won't-Do", "dropped"),
        ("abandoned", "dropped"),
        ("✅", "done"),
        ("✅\ufe0f", "done"),
        ("Done ✅", "done"),
        ("done✅", "done"),
        ("❌", "open"),
        ("✔\ufe0e", "done"),  # the text-style variation selector (D4)
        ("done ✔\ufe0e", "done"),
        ("❌ won't fix", "dropped"),  # a cross beside a dropped item agrees: not done
        ("in-progress", "open"),
        # trackers' column names (review R7: "Not started" warned as unknown)
        ("Not started", "open"),
        ("not_started", "open"),
        ("Backlog", "open"),
        ("In Review", "open"),
        ("On hold", "open"),
        ("Selected for Development", "open"),
        ("Implemented", "done"),
        ("Deployed", "done"),
        ("Rejected", "dropped"),
        ("No longer needed", "dropped"),
        ("Won't implement", "dropped"),
    ],
)
def test_action_status_words(raw, expected):
    assert normalize.action_status(raw) == expected


def test_action_status_unknown_is_none():
    assert normalize.action_status("pending-review") is None
    assert normalize.action_status("✅ ❌") is None  # two answers: neither
    assert normalize.action_status("closed - won't fix") is None  # two statuses
    # a mark that contradicts the word: neither wins (counted open, with a warning)
    assert normalize.action_status("❌ done") is None
    assert normalize.action_status("✅ open") is None
    assert normalize.action_status("✔\ufe0e wontfix") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("during", "during"),
        ("live", "during"),
        ("realtime", "during"),
        ("Live", "during"),
        (True, "during"),
        ("after", "after"),
        ("reconstructed", "after"),
        ("sometime", None),
    ],
)
def test_timeline_forms(raw, expected):
    assert normalize.timeline(raw) == expected


@pytest.mark.parametrize(
    ("raw", "tz", "expected"),
    [
        # date-only means 00:00 of that day in the archive's timezone
        ("2026-03-02", UTC, datetime(2026, 3, 2, tzinfo=UTC)),
        (date(2026, 3, 2), UTC, datetime(2026, 3, 2, tzinfo=UTC)),
        ("2026-03-02", BERLIN, datetime(2026, 3, 1, 23, 0, tzinfo=UTC)),
        ("2026-07-02", BERLIN, datetime(2026, 7, 1, 22, 0, tzinfo=UTC)),
        # the string YAML leaves as text
        ("2026-09-01 10:00", UTC, datetime(2026, 9, 1, 10, 0, tzinfo=UTC)),
        ("2026-09-01 10:00", BERLIN, datetime(2026, 9, 1, 8, 0, tzinfo=UTC)),
        ("2026-01-15 10:00", BERLIN, datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        ("2026-03-02T14:05:00", BERLIN, datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        # offsets and Z win over the archive timezone
        ("2026-03-02T14:05:00+01:00", BERLIN, datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        ("2026-03-02T14:05:00-05:30", UTC, datetime(2026, 3, 2, 19, 35, tzinfo=UTC)),
        ("2026-03-02T14:05:00Z", BERLIN, datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02 14:05:00+02:00", UTC, datetime(2026, 3, 2, 12, 5, tzinfo=UTC)),
        # an offset of one digit, as people write it (review R8: rejected the file)
        ("2026-03-02 12:00:00 +2", BERLIN, datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
        ("2026-03-02T12:00-5", UTC, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)),
        # a trailing zone name means that zone, not the archive's
        ("2026-03-02 14:05 UTC", BERLIN, datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026-03-02 14:05 GMT", BERLIN, datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("2026/03/02 14:05", BERLIN, datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        # as people write them in prose and chat (review R12: each rejected the file)
        ("March 7, 2022", BERLIN, datetime(2022, 3, 6, 23, 0, tzinfo=UTC)),
        ("2 March 2026", UTC, datetime(2026, 3, 2, tzinfo=UTC)),
        ("Mar 2 2026 14:05", UTC, datetime(2026, 3, 2, 14, 5, tzinfo=UTC)),
        ("March 2, 2026, 2:30 PM", UTC, datetime(2026, 3, 2, 14, 30, tzinfo=UTC)),
        ("2026-03-02 2:30 pm", UTC, datetime(2026, 3, 2, 14, 30, tzinfo=UTC)),
        ("2026-03-02 12:00 AM", UTC, datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        # a zone's abbreviation that names one offset means it
        ("2026-03-02 14:05 PST", BERLIN, datetime(2026, 3, 2, 22, 5, tzinfo=UTC)),
        ("2026-07-02 14:05 EDT", UTC, datetime(2026, 7, 2, 18, 5, tzinfo=UTC)),
        ("2026-03-02 14:05 cet", UTC, datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        # a YAML datetime object, aware or naive
        (
            datetime(2026, 3, 2, 14, 5, tzinfo=timezone(timedelta(hours=2))),
            UTC,
            datetime(2026, 3, 2, 12, 5, tzinfo=UTC),
        ),
        (datetime(2026, 8, 1, 12, 0), BERLIN, datetime(2026, 8, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_instant_forms(raw, tz, expected):
    moment = normalize.instant(raw, tz)
    assert moment.tzinfo is not None
    assert moment == expected


def test_instant_across_the_berlin_dst_change_uses_the_offset_of_that_day():
    # 2026-03-29: clocks go from +01:00 to +02:00 at 02:00 local time
    before = normalize.instant("2026-03-29 01:30", BERLIN)
    after = normalize.instant("2026-03-29 03:30", BERLIN)
    assert before == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert after == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=1)
    # 2026-10-25: back to +01:00
    assert normalize.instant("2026-10-25 12:00", BERLIN) == datetime(2026, 10, 25, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "2026-13-45", "2026-02-30", "2026-03-02 25:00", "yesterday", 12, "2026-03-02 -2",
        "12:00 +2", "March 32, 2026", "2026-03-02 13:00 PM",
        "2026-03-02 14:05 CST",  # US Central or China: write the offset
    ],
)  # fmt: skip
def test_instant_impossible_dates_raise(raw):
    with pytest.raises(ValueError):
        normalize.instant(raw, UTC)


def test_a_day_and_month_that_read_either_way_round_say_so():
    with pytest.raises(ValueError, match="can be read either way round"):
        normalize.instant("04/03/2026", UTC)


@pytest.mark.parametrize(
    ("raw", "tz", "expected"),
    [
        ("2026-04-01", BERLIN, date(2026, 4, 1)),
        (date(2026, 4, 1), BERLIN, date(2026, 4, 1)),
        ("2026-04-01T23:30:00Z", BERLIN, date(2026, 4, 2)),
        ("2026-04-01T23:30:00Z", UTC, date(2026, 4, 1)),
        ("2026-04-01 10:00", UTC, date(2026, 4, 1)),
    ],
)
def test_local_date_is_the_calendar_day_in_the_archive_timezone(raw, tz, expected):
    assert normalize.local_date(raw, tz) == expected
