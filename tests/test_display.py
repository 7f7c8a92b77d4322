"""analytics.display: one way a number reads, on every surface."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import display


@pytest.mark.parametrize(
    ("function", "value", "text"),
    [
        (display.pct, 0.3846, "38%"),
        (display.pct, 1 / 8, "13%"),  # a half up, as a reader and the charts round: it read 12%
        (display.pct, 3 / 8, "38%"),
        (display.pct, 0.145, "14%"),  # 14.499999999999998 as a float, as the charts show it
        (display.pct, None, "—"),
        (display.pct, math.nan, "—"),
        (display.pct, math.inf, "—"),
        (display.number, 54878, "54,878"),
        (display.number, 11.333, "11.3"),
        (display.number, 8.0, "8"),
        (display.hours, 42.4, "42.4 h"),  # a p90 of 72.2 h read "72 h", on the target
        (display.hours, 42.0, "42 h"),
        (display.hours, 72.04, "72.1 h"),  # late: it read "72 h"
        (display.hours, 72.0, "72 h"),
        (display.hours, 72.000000001, "72 h"),  # float noise of 72 h, on time
        (display.hours, 71.96, "72 h"),  # within the deadline, and reads so
        (display.hours, 95.9, "95.9 h"),
        (display.hours, 95.95, "4.0 d"),
        (display.hours, 130, "5.5 d"),  # 5.42 d
        (display.hours, 96, "4.0 d"),
        (display.hours, -0.04, "-0.1 h"),  # written before resolution: stays negative
        (display.hours, -5.04, "-5.1 h"),
        (display.day, "2026-10-05T14:05:00", "2026-10-05"),
        (display.days, 26.44, "26.4 d"),
        (display.days, 179.999, "179.9 d"),  # within the window, and reads so
        (display.days, 2 / 24, "2 h"),  # a repeat 2 h after: it read "0 d"
        (display.days, 7.55 / 24, "7.5 h"),
        (display.days, 1.0, "1 d"),
    ],
)
def test_values_read_the_same_everywhere(function, value, text) -> None:
    assert function(value) == text


@given(
    st.floats(min_value=0, max_value=95.8, allow_nan=False),
    st.integers(min_value=1, max_value=95),
)
def test_hours_read_within_a_deadline_exactly_when_they_are(value: float, deadline: int) -> None:
    """Hours are shown rounded up to a tenth: what reads at or under a deadline is at or
    under it, and what reads over it is over it (a tenth of float noise aside)."""
    text = display.hours(value)
    shown = float(text.removesuffix(" h"))
    assert value - 1e-6 <= shown < value + 0.1
    if value > deadline + 1e-6:
        assert shown > deadline
    if value <= deadline:
        assert shown <= deadline


@pytest.mark.parametrize(
    ("current", "previous", "kind", "text"),
    [
        (13, 15, "count", "−2"),
        (15, 13, "count", "+2"),
        (13, 13, "count", "no change"),
        (0.38, 0.27, "rate", "+11 pp"),
        (0.3, 0.302, "rate", "no change"),  # -0.2 pp rounds to nothing, not "+0 pp"
        # between the percents as they read: 50% against 38% is +12 pp (12.5 raw: +13)
        (0.5, 0.375, "rate", "+12 pp"),
        (0.375, 0.5, "rate", "−12 pp"),
        (5 / 8, 7 / 12, "rate", "+5 pp"),  # 63% against 58% (4.2 pp raw)
        (2.5, 1.0, "count", "+2"),  # 3-month averages of counts: a half up
        (42.0, 30.0, "hours", "+12 h"),
        (72.04, 71.96, "hours", "+0.1 h"),  # 72.1 h against 72 h: late against on time
        (72.0, 71.99, "hours", "no change"),  # both read 72 h
        (None, 3, "count", "—"),
    ],
)
def test_a_change_reads_with_its_unit(current, previous, kind, text) -> None:
    assert display.change_text(current, previous, kind) == text


@pytest.mark.parametrize(
    ("current", "previous", "kind", "higher_is_better", "verdict"),
    [
        (13, 15, "count", False, "better"),  # fewer incidents
        (15, 13, "count", False, "worse"),
        (0.38, 0.27, "rate", True, "better"),
        (0.38, 0.27, "rate", False, "worse"),
        (0.3, 0.302, "rate", True, None),  # reads "no change"
        (72.0, 71.99, "hours", False, None),  # both read 72 h
        (4, 2, "count", None, None),  # fixes at L3: neither
        (None, 3, "count", False, None),
    ],
)
def test_a_change_is_judged_as_it_reads(current, previous, kind, higher_is_better, verdict) -> None:
    assert display.judged(current, previous, kind, higher_is_better) == verdict


def test_plural_counts() -> None:
    assert [
        display.plural(1, "postmortem"),
        display.plural(2, "postmortem"),
        display.plural(0, "later one"),
        display.plural(1234, "fix", "fixes"),
    ] == ["1 postmortem", "2 postmortems", "0 later ones", "1,234 fixes"]
