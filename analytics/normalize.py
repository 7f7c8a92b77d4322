"""Normalisation rules of SPEC's archive section: names, severities, levels, statuses, times.

Each function takes a raw frontmatter value and returns the canonical value, or raises
`ValueError` with a message a person understands when the value cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

LEVELS = ("L1", "L2", "L3", "L4", "L5")
LEVEL_NAMES = {
    "strategy": "L1",
    "discovery": "L2",
    "scope": "L3",
    "execution": "L4",
    "operation": "L5",
    "operations": "L5",
}
SEVERITY_WORDS = {
    "critical": 1,
    "high": 2,
    "major": 2,
    "medium": 3,
    "moderate": 3,
    "low": 4,
    "minor": 4,
}
ACTION_STATUS = {
    "open": "open",
    "todo": "open",
    "to do": "open",
    "new": "open",
    "planned": "open",
    "in progress": "open",
    "in-progress": "open",
    "wip": "open",
    "blocked": "open",
    # as trackers name their columns (Jira, Linear, GitHub projects): "Not started" warned
    # as unknown (review R7), though it is plainly open
    "not started": "open",
    "backlog": "open",
    "selected for development": "open",
    "triage": "open",
    "assigned": "open",
    "started": "open",
    "doing": "open",
    "ongoing": "open",
    "active": "open",
    "in review": "open",
    "pending": "open",
    "on hold": "open",
    "reopened": "open",
    # incident platforms' follow-up states (incident.io: outstanding, completed, not doing,
    # deleted; R23 found "Outstanding" warned as unknown 18 times in one export)
    "outstanding": "open",
    "done": "done",
    "closed": "done",
    "complete": "done",
    "completed": "done",
    "fixed": "done",
    "resolved": "done",
    "shipped": "done",
    "merged": "done",
    "finished": "done",
    "implemented": "done",
    "deployed": "done",
    "released": "done",
    "delivered": "done",
    "verified": "done",
    "wontfix": "dropped",
    "won't fix": "dropped",
    "wont fix": "dropped",
    "won't-fix": "dropped",
    "cancelled": "dropped",
    "canceled": "dropped",
    "dropped": "dropped",
    "obsolete": "dropped",
    "duplicate": "dropped",
    "abandoned": "dropped",
    "won't do": "dropped",
    "wont do": "dropped",
    "not doing": "dropped",
    "will not fix": "dropped",
    "will not do": "dropped",
    "won't implement": "dropped",
    "wont implement": "dropped",
    "rejected": "dropped",
    "declined": "dropped",
    "superseded": "dropped",
    "not needed": "dropped",
    "no longer needed": "dropped",
    "deleted": "dropped",
}
# A status written as a mark (`✅`, `Done ✅`), as a body table's done column may be: the
# same answer in the frontmatter as there
STATUS_MARKS = {"✅": "done", "✔": "done", "✓": "done", "☑": "done", "✗": "open", "❌": "open"}
# a mark may carry a variation selector: U+FE0F (emoji style) or U+FE0E (text style, `✔︎`)
_MARK = re.compile("([" + "".join(STATUS_MARKS) + "])[\ufe0e\ufe0f]?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
TIMELINE = {
    "during": "during",
    "live": "during",
    "realtime": "during",
    "real-time": "during",
    "real time": "during",
    "after": "after",
    "reconstructed": "after",
}

_NAME_SEPARATORS = re.compile(r"[\s_]+")
_SEVERITY = re.compile(r"^(?:sev|s|p)?[\s_-]*([0-5])$")
# a severity with its label, as incident tools write them: `P1 - Critical`, `SEV-2 (Major)`,
# `High (2)`, `SEV2: customer facing`
_SEVERITY_LABELLED = re.compile(r"^(.+?)\s*(?:\((.+?)\)|[-–—:/]\s+(.+))$")
_LEVEL = re.compile(r"^l?\s*([1-5])(?:[\s:_-]+([a-z]+))?$")


def yaml_kind(value: Any) -> str:
    """What a YAML value is, in a reader's words: 'a mapping', 'a number' (messages said
    'a int', 'a dict')."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):  # not the value YAML made of it: `fix: 017` was "15"
        return "a yes/no value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (date, datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    return "empty" if value is None else f"a {type(value).__name__}"


def name(value: Any) -> str:
    """`"Deploy_API "` -> `deploy-api`: trimmed, lower-cased, runs of spaces/underscores -> '-'."""
    if isinstance(value, (dict, list)):
        raise ValueError(f"expected a name, got {yaml_kind(value)}")
    return _name_of_text(value if type(value) is str else str(value))


@lru_cache(maxsize=4096)  # an archive repeats its few hundred names in every file
def _name_of_text(text: str) -> str:
    return _NAME_SEPARATORS.sub("-", text.strip().lower())


# Between names in one string: a comma or semicolon, or a slash or ampersand with spaces
# around it (`identity / auth`, `payments & platform`: one name `identity-/-auth` before,
# review R12); `R&D` and `api/v2` stay one name each
_NAME_SEPARATOR = re.compile(r"[,;]|\s[/&]\s")


def name_list(value: Any, keep: Callable[[str], bool] | None = None) -> list[str]:
    """A string or a list of strings -> normalised names, order kept, blanks and repeats
    dropped. Commas, semicolons, and ` / ` or ` & ` separate names
    (`services: "checkout-api, payments-api"` is two).
    `keep`: whether a name, as written and stripped, is one (else it is left out)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if item is None:  # `services: [~]`, or a `-` with nothing after it: no name, not "none"
            continue
        if isinstance(item, (dict, list)):
            raise ValueError(f"expected a name or a list of names, got {yaml_kind(item)}")
        parts = _NAME_SEPARATOR.split(item) if isinstance(item, str) else [item]
        for part in parts:
            written = part.strip() if isinstance(part, str) else ""
            if keep is not None and written and not keep(written):
                continue
            normalised = name(part)
            if normalised and normalised not in names:
                names.append(normalised)
    return names


def severity(value: Any) -> tuple[str, int]:
    """SEV0-SEV5, sev-2, S2, P2, 2, or a word (critical=1 ... minor=4) -> ('SEV2', 2)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a severity")
    text = str(value).strip().lower()
    rank = _severity_rank(text)
    labelled = None if rank is not None else _SEVERITY_LABELLED.match(text)
    if labelled:
        # the code over the word where both are given (`P1 - High`: P1, as the team
        # numbers them; SPEC's words are a fallback for teams without numbers), a label
        # that is neither left aside (`SEV2: customer facing`); review R12: these were
        # severity unknown
        parts = [part for part in labelled.groups() if part]
        codes = [_SEVERITY.match(part) for part in parts]
        found = [int(code.group(1)) for code in codes if code] or [
            SEVERITY_WORDS[part] for part in parts if part in SEVERITY_WORDS
        ]
        rank = found[0] if found else None
    if rank is None:
        raise ValueError(f"{value!r} is not a severity (expected SEV0-SEV5, P0-P5, 0-5 or a word)")
    return f"SEV{rank}", rank


def _severity_rank(text: str) -> int | None:
    if text in SEVERITY_WORDS:
        return SEVERITY_WORDS[text]
    match = _SEVERITY.match(text)
    return int(match.group(1)) if match else None


def level(value: Any) -> str:
    """`L3`, `3`, `l3`, `scope`, `L3 Scope` -> `L3`."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a chain level")
    text = str(value).strip().lower()
    if text in LEVEL_NAMES:
        return LEVEL_NAMES[text]
    match = _LEVEL.match(text)
    if match:
        number, word = match.groups()
        if word is None or LEVEL_NAMES.get(word) in (None, f"L{number}"):
            return f"L{number}"
    raise ValueError(f"{value!r} is not a chain level (expected L1-L5 or strategy ... operation)")


def action_status(value: Any) -> str | None:
    """Map an action status to open/done/dropped; None when the word is unknown. Case,
    `_` and `-` as spaces, a typographic apostrophe (`won’t fix`, as word processors write
    it) and a mark beside the word (`Done ✅`) do not matter; a mark alone is its answer.
    A mark that contradicts the word (`❌ done`, `✅ open`) makes it unknown: neither is
    taken over the other (`❌ won't fix` agrees: not done)."""
    text = _MARK.sub(r" \1 ", str(value).translate(_APOSTROPHES).lower())
    words = text.replace("_", " ").replace("-", " ").split()
    marks = {STATUS_MARKS[word] for word in words if word in STATUS_MARKS}
    text = " ".join(word for word in words if word not in STATUS_MARKS)
    if not text:
        return marks.pop() if len(marks) == 1 else None
    status = ACTION_STATUS.get(text) or ACTION_STATUS.get(text.replace(" ", ""))
    if status is not None and marks and marks != ({"done"} if status == "done" else {"open"}):
        return None
    return status


def timeline(value: Any) -> str | None:
    """during/live/realtime -> during; after/reconstructed -> after; None when unknown."""
    if value is True:
        return "during"
    return TIMELINE.get(str(value).strip().lower())


def instant(value: Any, tz: tzinfo) -> datetime:
    """A date, datetime or ISO-like string -> an aware datetime (naive times are in `tz`)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        moment = _parse_datetime_text(value)
    else:
        raise ValueError(f"{value!r} is not a date or time")
    if moment.tzinfo is None:
        moment = _localize(moment, tz)
    return moment


def wall_time_problem(value: Any, tz: tzinfo) -> tuple[str, str] | None:
    """(code, what) when a time without an offset names a wall-clock time that happens twice
    in `tz` (the clocks go back) or not at all (they go forward); None otherwise. `instant`
    reads the first of two, and a missing one an hour on."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _TIME_OF_DAY.search(value):
        try:
            moment = _parse_datetime_text(value)
        except ValueError:
            return None
    else:
        return None  # a date alone is its day (zones that change at midnight have no 00:00)
    if moment.tzinfo is not None or getattr(tz, "localize", None) is not None:
        return None  # an offset says which; pytz zones are not checked
    first, second = moment.replace(tzinfo=tz, fold=0), moment.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    wall = moment.strftime("%Y-%m-%d %H:%M")
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment:
        read = first.astimezone(UTC).astimezone(tz)
        return (
            "nonexistent-time",
            f"{wall} does not exist in {tz} (the clocks go forward); read as "
            f"{read:%H:%M%z}, the same instant: write the offset the clock showed",
        )
    return (
        "ambiguous-time",
        f"{wall} happens twice in {tz} (the clocks go back); read as the first, "
        f"{first:%H:%M%z}: write the offset for the second ({second:%H:%M%z})",
    )


_TIME_OF_DAY = re.compile(r"\d:\d")  # 14:05 in the text: a time, not a date alone


def local_date(value: Any, tz: tzinfo) -> date:
    """A date, datetime or string -> the calendar date in the archive's timezone."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        return _parse_datetime_text(value).date()
    return instant(value, tz).astimezone(tz).date()


# a date and time of day, then an offset of one digit of hours (`+2`, `-5`): ISO 8601 wants
# two (`+02`), which people leave out
_SHORT_OFFSET = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([+-])(\d)$"
)


# A zone's abbreviation after a time, for the ones that name one offset (not CST, IST or
# BST, which name several zones: they stay an error, to be written as an offset)
_ZONE_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
}  # fmt: skip
_ZONE_SUFFIX = re.compile(r"^(.*\d)\s+([A-Za-z]{1,4})$")
# ... and ones that name several: an error that says so (R16: it read "not a date")
_AMBIGUOUS_ZONES = {  # abbreviation: (the zones it names, the first one's offset)
    "CST": ("US Central -06:00, China +08:00, Cuba -05:00", "-06:00"),
    "IST": ("India +05:30, Ireland +01:00, Israel +02:00", "+05:30"),
    "BST": ("British Summer Time +01:00, Bangladesh +06:00", "+01:00"),
    "AST": ("Atlantic -04:00, Arabia +03:00", "-04:00"),
}


class UnclearDate(ValueError):
    """A date that could be read more than one way: its message says which and how to
    write it (the day and month of `04/03/2026`, the zone of `10:00 IST`)."""


def date_advice(error: Exception, example: str) -> str:
    """What a message on a date that was not read says to do: an UnclearDate's own advice
    (its readings, what to write), else 'expected e.g. <example>'."""
    return str(error) if isinstance(error, UnclearDate) else f"expected e.g. {example}"


# Dates as people write them in prose (review R12: `March 7, 2022`, `2 March 2026` and
# `2:30 PM` rejected the file), after commas are dropped; month names as C's locale has them
_PROSE_DATES = ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%Y/%m/%d")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_SEPT = re.compile(r"\bsept\b", re.IGNORECASE)
_SLASHED_DAY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\b")
_PROSE_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %I %p")


@lru_cache(maxsize=4096)  # dates repeat across files (due dates, days of one busy week)
def _parse_datetime_text(text: str) -> datetime:
    cleaned = text.strip()
    zone = _ZONE_SUFFIX.match(cleaned)
    if zone and zone.group(2).upper() in _AMBIGUOUS_ZONES:
        name = zone.group(2).upper()
        zones, first_offset = _AMBIGUOUS_ZONES[name]
        base = zone.group(1)
        try:  # the example only where it reads: `1/2/2026 10:00+05:30` would not (D8)
            example = (
                f"{base}{first_offset}" if ":" in base and datetime.fromisoformat(base) else ""
            )
        except ValueError:
            example = ""
        raise UnclearDate(
            f"{name} names several zones ({zones}): write the offset instead, e.g. "
            + (example or f"2026-03-02T10:00{first_offset}")
        )
    if zone and zone.group(2).upper() in _ZONE_ABBREVIATIONS:  # %Z would leave it naive
        moment = _parse_datetime_text(zone.group(1))
        if moment.tzinfo is None:
            offset = _ZONE_ABBREVIATIONS[zone.group(2).upper()]
            return moment.replace(tzinfo=UTC if offset == 0 else timezone(timedelta(hours=offset)))
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        pass
    short = _SHORT_OFFSET.match(cleaned)  # `12:00 +2`: an offset of whole hours, one digit
    if short:
        base, sign, hours = short.groups()
        return _parse_datetime_text(f"{base}{sign}{int(hours):02d}:00")
    prose = " ".join(cleaned.replace(",", " ").split())
    prose = _ORDINAL.sub("", _SEPT.sub("Sep", prose))  # `March 2nd`, `5 Sept`: as %d, %b read
    for day_format in _PROSE_DATES:
        for time_format in _PROSE_TIMES:
            try:
                return datetime.strptime(prose, day_format + time_format)
            except ValueError:
                continue
    slashed = _SLASHED_DAY.match(cleaned)
    if slashed:
        first, second, year = slashed.groups()
        raise UnclearDate(_year_last_said(int(first), int(second), year))
    raise ValueError(
        f"{text!r} is not a date "
        "(expected e.g. 2026-03-02, 2026-03-02 14:05 or 2026-03-02T14:05:00+01:00)"
    )


def _year_last_said(first: int, second: int, written_year: str) -> str:
    """Why `04/03/2026` or `13/03/2026` is not read, and what to write: the order of day and
    month varies by country, and one file cannot tell the archive's (R16). Only dates that
    exist are offered (31/02/2026 offered 2026-02-31, D8)."""
    if len(written_year) != 4:
        return "the year last, not in four digits: write it first in four, e.g. 2026-03-02"
    year = int(written_year)
    readings = []
    for day_of, month_of in ((first, second), (second, first)):
        try:
            readings.append(date(year, month_of, day_of).isoformat())
        except ValueError:
            continue
    if len(set(readings)) == 2:
        return (
            "its day and month can be read either way round: write the year first, "
            f"{readings[0]} or {readings[1]}"
        )
    if readings:
        return f"the year last, whose order of day and month varies by country: write {readings[0]}"
    return "expected the year first, e.g. 2026-03-02"


def _localize(moment: datetime, tz: tzinfo) -> datetime:
    localize = getattr(tz, "localize", None)  # pytz zones need localize(); zoneinfo takes tzinfo=
    if localize is not None:
        result: datetime = localize(moment)
        return result
    return moment.replace(tzinfo=tz)
