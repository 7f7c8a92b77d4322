"""analytics.display: one way a number reads, on every surface."""

from __future__ import annotations

import math

import pytest

from analytics import display


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [
        (display.pct, 0.3846, "38%"),
        (display.pct, None, "—"),
        (display.pct, math.nan, "—"),
        (display.number, 54878, "54,878"),
        (display.number, 11.333, "11.3"),
        (display.number, 8.0, "8"),
        (display.hours, 42.4, "42.4 h"),  # a p90 of 72.2 h read "72 h", on the target
        (display.hours, 42.0, "42 h"),
        (display.hours, 72.04, "72 h"),
        (display.hours, 95.9, "95.9 h"),
        (display.hours, 130, "5.4 d"),
        (display.day, "2026-10-05T14:05:00", "2026-10-05"),
    ],
)
def test_values_read_the_same_everywhere(function, value, text) -> None:
    assert function(value) == text


@pytest.mark.parametrize(
    ("current", "previous", "kind", "text"),
    [
        (13, 15, "count", "−2"),
        (15, 13, "count", "+2"),
        (13, 13, "count", "no change"),
        (0.38, 0.27, "rate", "+11 pp"),
        (0.3, 0.302, "rate", "no change"),  # -0.2 pp rounds to nothing, not "+0 pp"
        (42.0, 30.0, "hours", "+12 h"),
        (None, 3, "count", "—"),
    ],
)
def test_a_change_reads_with_its_unit(current, previous, kind, text) -> None:
    assert display.change_text(current, previous, kind) == text


def test_plural_counts() -> None:
    assert [
        display.plural(1, "postmortem"),
        display.plural(2, "postmortem"),
        display.plural(0, "later one"),
        display.plural(1234, "fix", "fixes"),
    ] == ["1 postmortem", "2 postmortems", "0 later ones", "1,234 fixes"]
