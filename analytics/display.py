"""How a number reads wherever it is shown: the report, the dashboard and the notebooks
(presentation only, never a metric). One place, so that a rate, an hour count or a change
reads the same on every surface.

Example:

    pct(0.3846) -> '38%'        number(54878) -> '54,878'   number(11.33) -> '11.3'
    hours(42.0) -> '42 h'       hours(72.04) -> '72.1 h'     hours(130) -> '5.5 d'
    pct(None) -> '—'
    change_text(13, 15, "count") -> '−2'   change_text(0.38, 0.27, "rate") -> '+11 pp'
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

if TYPE_CHECKING:
    from analytics.metrics import Parameters

__all__ = [
    "FLAG_NAMES",
    "MISSING",
    "RATE_NAMES",
    "Kind",
    "change_said",
    "change_text",
    "day",
    "days",
    "days_down",
    "fix_outcomes_said",
    "flag_name",
    "hours",
    "judged",
    "hours_up",
    "missing",
    "not_over_note",
    "number",
    "pattern_name",
    "pct",
    "plural",
    "rate_names",
    "rate_with_fraction",
    "review_table",
    "shown",
    "whole_percent",
]

# monthly_trend()'s rates as a chart names them, in the report, the dashboard and the
# notebooks (the monthly review's cards name them so too: metrics.card_labels); `rate_names`
# fills in the postmortem deadline
RATE_NAMES = {
    "repeat_rate": "Repeat rate",
    "ttp_on_time_rate": "Written within {hours} h",
    "l5_share": "L5 share of fixes",
    "action_completion_rate": "Action completion",
    "action_on_time_rate": "Actions done on time",
}


def rate_names(ttp_hours: int) -> dict[str, str]:
    """RATE_NAMES with the postmortem deadline (Filters.ttp_hours) filled in."""
    return {metric: name.format(hours=ttp_hours) for metric, name in RATE_NAMES.items()}


# discipline()'s flags as the report and the dashboard name them (`lint` explains each
# at length: analytics/lint.py)
FLAG_NAMES = {
    "late": "written late or pending late",
    "timeline_missing": "timeline: not said when written",
    "timeline_reconstructed": "timeline reconstructed after",
    "no_chain_level": "no chain level",
    "no_fix": "no fix",
    "several_fixes": "more than one fix",
    "fix_not_owned": "fix has no owner",
    "fix_not_dated": "fix has no due date",
    "fix_not_testable": "fix has no test",
    "fix_at_l5": "fix at L5",
    "fix_names_author": "fix names a person",
    "fix_is_feeling": "fix is a feeling",
}
_LATE_SAID = {"written": "written late", "pending_late": "postmortem pending late"}


def flag_name(flag: str, ttp_state: Any = None) -> str:
    """A discipline flag as a surface names it for one incident: `late` says which of the
    two it is where the incident's ttp_state is known ("written late or pending late" was
    vague on the explorer's page of one incident)."""
    if flag == "late" and ttp_state in _LATE_SAID:
        return _LATE_SAID[ttp_state]
    return FLAG_NAMES.get(flag, flag)


MISSING = "—"  # no value: a rate with no denominator, a date not given
Kind = Literal["count", "rate", "hours"]


def missing(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (a list is a value)."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def pattern_name(category: Any, service: Any) -> str:
    """A pattern's name on every surface: `deployment-pipeline` for a category pattern,
    `checkout-api × deployment-pipeline` for a service × category one (as SPEC says it)."""
    return str(category) if missing(service) else f"{service} × {category}"


def parameters_said(parameters: Parameters, archive: Parameters | None = None) -> str:
    """The metric parameters a surface's numbers use, in words, where that surface says
    which archive it read: postmortems.toml's [metrics] can change each. `archive`: the
    archive's, where the surface may have been given others (the Python API, a CLI flag)."""
    said = (
        f"Repeats and patterns within {parameters.window_days} days, a pattern from "
        f"{parameters.pattern_min} incidents, postmortems due {parameters.ttp_hours} h after "
        f"resolution, actions closed within {parameters.action_slo_days} days of the postmortem"
    )
    if archive is None or archive == parameters:
        return said + " (the archive's settings: [metrics] in postmortems.toml)"
    return (
        f"{said} (given for this run; the archive's [metrics] in postmortems.toml: "
        f"{archive.window_days} days, {archive.pattern_min} incidents, {archive.ttp_hours} h, "
        f"{archive.action_slo_days} days)"
    )


def fix_outcomes_said(window_days: int) -> dict[str, tuple[str, str]]:
    """Each outcome of `metrics.fix_effectiveness()`: its name and what it means, as the Fix
    levels page, the explorer and the report say them. The window opens on the fix's done
    day, not on its incident's start as a repeat's does."""
    return {
        "held": ("Held", f"no incident of a shared service and the category in {window_days} days"),
        "recurred": ("Recurred", f"one came within {window_days} days of the done day"),
        "watching": ("Watching", f"done less than {window_days} days before as of"),
        "not_done": ("Not done", "open at as of"),
        "dropped": ("Dropped", "abandoned: not pending work"),
        "unknown": (
            "Unknown",
            "done without a done date, or its incident has no category or no service",
        ),
    }


def whole_percent(rate: Any) -> int:
    """A fraction as a whole number of percent, a half rounded up (away from zero): 1/8 is
    13%, as a reader works it out and as the dashboard's charts round it (Vega-Lite's
    format, JavaScript's toFixed, from the exact value of rate x 100). Python's round and
    format round a half to even, so 1/8 read 12% in a card beside 13% in its tooltip (R11)."""
    return _half_up(float(rate) * 100)


def _half_up(value: float) -> int:
    """The whole number nearest the float's exact value, a half away from zero. Past 28
    digits (Decimal's precision) as round() gives it, which raises for an infinity."""
    if abs(value) >= 1e28:
        return round(value)
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pct(rate: Any) -> str:
    """A fraction as a whole percent (`whole_percent`); MISSING for none (or an infinity)."""
    return MISSING if missing(rate) or math.isinf(float(rate)) else f"{whole_percent(rate)}%"


def number(value: Any) -> str:
    """A count, or a mean of counts, with thousands separators: 54,878; 11.3."""
    if missing(value):
        return MISSING
    value = float(value)
    return f"{value:,.0f}" if math.isclose(value, round(value)) else f"{value:,.1f}"


def plural(n: Any, one: str, many: str | None = None) -> str:
    """'1 postmortem', '2 postmortems' (`many`: when not `one` + s), with separators."""
    return f"{number(n)} {one if n == 1 else many or one + 's'}"


def rejected_note(rejected: int, month: str, where: str) -> str:
    """What the month's review says of the files left out, before its numbers (the report
    said it only in its footer, R12): `where` names what says why."""
    which = (  # "one that is" read as "one of them is" (review R15)
        "if it is an incident of {month}, it is"
        if rejected == 1
        else "any of them that is an incident of {month} is"
    ).format(month=month)
    return (
        f"{plural(rejected, 'archive file')} {'was' if rejected == 1 else 'were'} left out "
        f"for errors: {which} in none of these numbers until it is fixed ({where} says what "
        "is wrong)."
    )


def not_over_note(as_of: date, first: date, against: str, last: date | None = None) -> str:
    """What a review of a month not over leaves out, after the sentence saying as of when
    (the report, its command and the dashboard say it alike): counted from `first` to
    `last` (the dashboard's Started to; else to as_of) against `against` ("the whole of
    October 2026"). R24: "its later days are not in it" read as if today were in it, and a
    count's fall against the month before as good news."""
    stop = min(as_of, last + timedelta(days=1)) if last is not None else as_of
    days = max((stop - first).days, 0)
    return (
        f"As of {as_of} 00:00 it holds no incident started that day or later, and "
        "nothing that becomes overdue or pending late from then on; its counts are of "
        f"{plural(days, 'day')} from {first}, against {against}."
    )


def hours_up(value: float) -> float:
    """`value` rounded up to a tenth of an hour, as hours are shown: a time within the
    72 h deadline never reads over it, and one past it never reads within it (72.04 h is
    late, and rounded it read "72 h"). Float noise (72.000000001) is not a tenth. A negative
    value (a postmortem dated before its resolution) is rounded away from zero, so it stays
    visibly negative."""
    if value < 0:
        return -hours_up(-value)
    return math.ceil(value * 10 - 1e-6) / 10


def hours(value: Any) -> str:
    """Hours under 96 as hours, rounded up to a tenth (`hours_up`), the decimal left out
    when it is 0 (42 h, 72.1 h), else as days rounded up to a tenth (5.5 d)."""
    if missing(value):
        return MISSING
    shown_hours = hours_up(float(value))
    if shown_hours >= 96:
        return f"{hours_up(float(value) / 24):.1f} d"
    if shown_hours == round(shown_hours):
        return f"{shown_hours:.0f} h"
    return f"{shown_hours:.1f} h"


def days_down(value: float) -> float:
    """Days rounded down to a tenth, as days apart are shown: a repeat 179.98 days after
    its earlier incident reads 179.9 d, within the 180-day window, not 180 d; 26.4 days
    between starts on the 5th and the 31st read 26.4 d, not 27 d."""
    return math.floor(value * 10 + 1e-6) / 10


def days(value: Any) -> str:
    """Days apart (`days_down`), the decimal left out when it is 0 (26 d, 26.4 d); under a
    day, hours rounded down the same way (2 h, 7.5 h): a repeat two hours after its earlier
    incident read "0 d before" (R11)."""
    if missing(value):
        return MISSING
    if 0 <= float(value) < 1:
        return f"{math.floor(float(value) * 240 + 1e-6) / 10:g} h"
    shown_days = days_down(float(value))
    return f"{shown_days:.0f} d" if shown_days == round(shown_days) else f"{shown_days:.1f} d"


def recurred_by_said(recurred_by: Any, after_days: Any) -> str | None:
    """The incident a fix recurred by and how long after its done day, as the report says
    it: "PM-15 68.5 d after"; None when it did not recur."""
    return None if missing(recurred_by) else f"{recurred_by} {days(after_days)} after"


def day(value: Any) -> str:
    return MISSING if missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def shown(value: Any, kind: Kind) -> str:
    """A headline value of its kind."""
    if kind == "rate":
        return pct(value)
    return hours(value) if kind == "hours" else number(value)


def change_text(current: Any, previous: Any, kind: Kind) -> str:
    """The change from `previous` to `current`: '+2', '−3 pp' (percentage points), '+12 h'
    ('+0.1 h' between 72.04 and 71.96 h, which read 72.1 h and 72 h), 'no change' when it
    rounds to nothing, MISSING when either is missing."""
    if missing(current) or missing(previous):
        return MISSING
    if kind == "hours":  # between the hours as they read: 72.1 h against 72 h is +0.1 h
        change = round(hours_up(float(current)) - hours_up(float(previous)), 1)
        return "no change" if change == 0 else f"{'+' if change > 0 else '−'}{abs(change):g} h"
    # a rate's change is between the percents as they read, as hours' is: 50% against 38%
    # (0.5 and 0.375) is +12 pp, not the +13 the raw 12.5 pp rounds to (review D6)
    change = (
        whole_percent(current) - whole_percent(previous)
        if kind == "rate"
        else _half_up(float(current) - float(previous))
    )
    if change == 0:
        return "no change"
    unit = {"count": "", "rate": " pp", "hours": " h"}[kind]
    return f"{'+' if change > 0 else '−'}{abs(change):,}{unit}"


def judged(current: Any, previous: Any, kind: Kind, higher_is_better: bool | None) -> str | None:
    """ "better" or "worse": the change from `previous` to `current` as the report marks it
    and a card says it (its colour alone was one olive to a reader with protanopia or
    deuteranopia, R27). None where change_text reads no change, or the measure is neither
    (a count of L3 fixes)."""
    if missing(higher_is_better) or change_text(current, previous, kind) in (MISSING, "no change"):
        return None
    return "better" if (float(current) > float(previous)) == bool(higher_is_better) else "worse"


def change_said(current: Any, previous: Any, kind: Kind, higher_is_better: bool | None) -> str:
    """change_text with its verdict (`judged`) where it has one: "+11 pp, worse". Every
    surface writes a change so: the review's cards and table, the report, the notebook."""
    text = change_text(current, previous, kind)
    verdict = judged(current, previous, kind, higher_is_better)
    return f"{text}, {verdict}" if verdict else text


def rate_with_fraction(rate: Any, numerator: Any, denominator: Any, small: Any) -> str:
    """A rate as a table writes it: "38% (5/13)", with ⚠ for a small sample ("100% (4/4)
    ⚠"); the rate alone where there is no fraction, MISSING where it is 0/0."""
    text = pct(rate)
    if missing(denominator):
        return text
    # a small sample, not no sample: 0/0 is no data, said by its —
    flag = " ⚠" if _flag(small) and denominator else ""
    return f"{text} ({number(numerator)}/{number(denominator)}){flag}"


def review_table(review: pd.DataFrame, this: str, previous: str) -> pd.DataFrame:
    """The measures of `metrics.monthly_review()` as text, a row each (by `label`): the
    month (`this`), the previous month, the change and the 3-month average; a rate with its
    (numerator/denominator), and ⚠ when that is a small sample (under 5). The dashboard's
    comparison table and the monthly review notebook."""

    def cell(row: Any, prefix: str, value: Any) -> str:
        if row["kind"] != "rate":
            return shown(value, row["kind"])
        return rate_with_fraction(
            value,
            row[f"{prefix}numerator"],
            row[f"{prefix}denominator"],
            row[f"{prefix}small_sample"],
        )

    rows = {
        row["label"]: {
            this: cell(row, "", row["this_month"]),
            previous: cell(row, "previous_", row["previous_month"]),
            "Change": change_said(
                row["this_month"], row["previous_month"], row["kind"], row["higher_is_better"]
            ),
            "3-month average": cell(row, "three_month_", row["three_month_average"]),
        }
        for _, row in review.iterrows()
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def _flag(value: Any) -> bool:
    return not missing(value) and bool(value)
