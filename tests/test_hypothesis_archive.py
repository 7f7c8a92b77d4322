"""Property: any valid frontmatter, written with any alias and in any accepted form, parses to
the canonical values it was generated from."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from archive_factory import parse
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.config import ArchiveConfig

# SPEC's aliases, written out here so a key the parser forgets fails the test
KEYS = {
    "id": ["id", "incident_id", "key"],
    "severity": ["severity", "sev", "priority"],
    "services": ["services", "service", "affected_services", "components"],
    "tags": ["tags", "labels"],
    "teams": ["teams", "team", "owner_team"],
    "started": ["started", "start", "started_at", "incident_start", "incident_date", "date"],
    "detected": ["detected", "detected_at"],
    "resolved": ["resolved", "resolved_at", "ended", "end", "incident_end"],
    "postmortem_date": [
        "postmortem_date",
        "postmortem_at",
        "written",
        "written_at",
        "published",
        "published_at",
        "review_date",
        "reviewed_at",
    ],
    "timeline_written": ["timeline_written", "timeline"],
    "chain_level": ["chain_level", "root_level", "level"],
    "actions": ["actions", "action_items", "follow_ups", "followups"],
}
ACTION_KEYS = {
    "title": ["title", "summary", "action", "description"],
    "owner": ["owner", "assignee"],
    "due": ["due", "due_date"],
}
WORDS = ["checkout", "api", "payments", "search", "third", "party", "db", "edge", "v2"]
SEVERITY_WORDS = {
    1: ["critical"],
    2: ["high", "major"],
    3: ["medium", "moderate"],
    4: ["low", "minor"],
}
LEVEL_NAMES = {1: ["strategy"], 2: ["discovery"], 3: ["scope"], 4: ["execution"]}
LEVEL_NAMES[5] = ["operation", "operations"]
STATUS = {
    "open": ["open", "todo", "new", "planned", "in progress", "blocked"],
    "done": ["done", "closed", "complete", "completed", "fixed", "resolved", "shipped", "merged"],
    "dropped": [
        "wontfix",
        "won't fix",
        "cancelled",
        "canceled",
        "dropped",
        "obsolete",
        "duplicate",
    ],
}
TIMELINE = {"during": ["during", "live", "realtime"], "after": ["after", "reconstructed"]}
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
OFFSETS = [timedelta(0), timedelta(hours=1), timedelta(hours=-5), timedelta(hours=5, minutes=30)]


def quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


@st.composite
def cased(draw, word: str) -> str:
    return draw(st.sampled_from([word.lower(), word.upper(), word.title()]))


@st.composite
def messy_name(draw) -> tuple[str, str]:
    """-> (as written, canonical): random case, runs of spaces/underscores, padding."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    raw = draw(cased(words[0]))
    for word in words[1:]:
        raw += draw(st.sampled_from([" ", "_", "  ", " _ ", "__", "-"])) + draw(cased(word))
    padding = draw(st.sampled_from(["", " ", "  "]))
    return padding + raw + draw(st.sampled_from(["", " "])), "-".join(words)


@st.composite
def name_field(draw, key: str) -> tuple[str, list[str]]:
    """-> (YAML line(s), canonical list): a string or a flow or block list."""
    names = draw(st.lists(messy_name(), min_size=1, max_size=3))
    expected: list[str] = []
    for _, canonical in names:
        if canonical not in expected:
            expected.append(canonical)
    style = draw(st.sampled_from(["string", "flow", "block"]))
    if style == "string" and len(names) == 1:
        return f"{key}: {quoted(names[0][0])}\n", expected
    if style == "block":
        return f"{key}:\n" + "".join(f"  - {quoted(raw)}\n" for raw, _ in names), expected
    return f"{key}: [{', '.join(quoted(raw) for raw, _ in names)}]\n", expected


@st.composite
def severity(draw) -> tuple[str, tuple[str, int]]:
    rank = draw(st.integers(0, 5))
    forms = [f"SEV{rank}", f"sev{rank}", f"sev-{rank}", f"Sev {rank}", f"S{rank}", f"P{rank}"]
    forms += [str(rank), quoted(str(rank)), *SEVERITY_WORDS.get(rank, [])]
    form = draw(st.sampled_from(forms))
    return draw(cased(form)) if not form.startswith('"') else form, (f"SEV{rank}", rank)


@st.composite
def level(draw) -> tuple[str, str]:
    number = draw(st.integers(1, 5))
    name = draw(st.sampled_from(LEVEL_NAMES[number]))
    form = draw(
        st.sampled_from(
            [f"L{number}", f"l{number}", str(number), name, f"L{number} {name.title()}"]
        )
    )
    return form, f"L{number}"


@st.composite
def moment(draw, tz: ZoneInfo) -> tuple[str, datetime]:
    """-> (as written, the instant it means) in every form SPEC lists."""
    day = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    local = datetime(day.year, day.month, day.day, hour, minute)
    form = draw(st.sampled_from(["date", "space", "naive", "offset", "z"]))
    if form == "date":
        text, value = day.isoformat(), datetime(day.year, day.month, day.day, tzinfo=tz)
    elif form == "space":
        text, value = local.strftime("%Y-%m-%d %H:%M"), local.replace(tzinfo=tz)
    elif form == "naive":
        text, value = local.isoformat(), local.replace(tzinfo=tz)
    elif form == "offset":
        offset = timezone(draw(st.sampled_from(OFFSETS)))
        value = local.replace(tzinfo=offset)
        text = value.isoformat()
    else:
        value = local.replace(tzinfo=UTC)
        text = local.isoformat() + "Z"
    return (quoted(text) if draw(st.booleans()) else text), value


@st.composite
def action(draw) -> tuple[str, tuple[str, str, str | None, date | None]]:
    """-> (YAML list item, (title, status, owner, due))."""
    title = f"Alert on p{draw(st.integers(50, 99))} for {draw(st.sampled_from(WORDS))}"
    if draw(st.booleans()):
        return f"  - {quoted(title)}\n", (title, "open", None, None)
    status = draw(st.sampled_from(sorted(STATUS)))
    word = draw(cased(draw(st.sampled_from(STATUS[status]))))
    owner_raw, owner = draw(messy_name())
    due = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    pick = {key: draw(st.sampled_from(aliases)) for key, aliases in ACTION_KEYS.items()}
    item = (
        f"  - {pick['title']}: {quoted(title)}\n"
        f"    status: {quoted(word)}\n"
        f"    {pick['owner']}: {quoted(owner_raw)}\n"
        f"    {pick['due']}: {due.isoformat()}\n"
    )
    return item, (title, status, owner, due)


@st.composite
def frontmatter(draw):
    zone_name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone_name)
    key = {field: draw(st.sampled_from(aliases)) for field, aliases in KEYS.items()}
    expected: dict = {"id": f"PM-{draw(st.integers(2000, 2099))}-{draw(st.integers(1, 999)):03d}"}
    lines = [f"{key['id']}: {expected['id']}\n"]

    sev_text, expected["severity"] = draw(severity())
    lines.append(f"{key['severity']}: {sev_text}\n")
    for field in ("services", "tags", "teams"):
        line, expected[field] = draw(name_field(key[field]))
        lines.append(line)
    category_key = draw(st.sampled_from(["category", "categories", "type"]))
    line, expected["categories"] = draw(name_field(category_key))
    lines.append(line)
    for field in ("started", "detected", "resolved", "postmortem_date"):
        text, expected[field] = draw(moment(tz))
        lines.append(f"{key[field]}: {text}\n")
    timeline = draw(st.sampled_from(sorted(TIMELINE)))
    expected["timeline_written"] = timeline
    lines.append(f"{key['timeline_written']}: {draw(st.sampled_from(TIMELINE[timeline]))}\n")
    level_text, expected["chain_level"] = draw(level())
    lines.append(f"{key['chain_level']}: {level_text}\n")

    fixes = draw(st.lists(level(), max_size=3))
    expected["fixes"] = [canonical for _, canonical in fixes]
    if len(fixes) == 1 and draw(st.booleans()):
        lines.append(f"fix:\n  summary: one fix\n  level: {fixes[0][0]}\n")
    elif fixes:
        lines.append("fix:\n" + "".join(f"  - summary: fix\n    level: {t}\n" for t, _ in fixes))
    actions = draw(st.lists(action(), max_size=3))
    expected["actions"] = [values for _, values in actions]
    if actions:
        lines.append(f"{key['actions']}:\n" + "".join(item for item, _ in actions))

    order = draw(st.permutations(range(len(lines))))
    text = "---\n" + "".join(lines[i] for i in order) + "---\n# Body\n"
    return text, ArchiveConfig(timezone=zone_name), expected


@settings(max_examples=150, deadline=None)
@given(frontmatter())
def test_generated_frontmatter_normalises_to_what_was_generated(case):
    text, config, expected = case
    parsed = parse(text, config)
    # generated times are in no order: the date-order warnings may come, nothing else
    order = {"resolved-before-started", "detected-before-started", "postmortem-before-resolved"}
    assert [p for p in parsed.problems if p.code not in order] == [], text
    pm = parsed.postmortem
    assert pm is not None
    assert pm.id == expected["id"]
    assert (pm.severity, pm.severity_rank) == expected["severity"]
    assert pm.services == expected["services"]
    assert pm.categories == expected["categories"]
    assert pm.category == expected["categories"][0]
    assert pm.tags == expected["tags"]
    assert pm.teams == expected["teams"]
    for field in ("started", "detected", "resolved", "postmortem_date"):
        value = getattr(pm, field)
        assert value.utcoffset() is not None
        assert value == expected[field], field
    assert pm.timeline_written == expected["timeline_written"]
    assert pm.chain_level == expected["chain_level"]
    assert pm.fix_count == len(expected["fixes"])
    fixes = [a for a in pm.actions if a.kind == "fix"]
    assert [a.level for a in fixes] == expected["fixes"]
    actions = [(a.title, a.status, a.owner, a.due) for a in pm.actions if a.kind == "action"]
    assert actions == expected["actions"]
